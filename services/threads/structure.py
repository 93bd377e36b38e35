"""A consultation's structure as a strategist describes it: title, question, languages,
texts, themes, phases.

Checked here once for creation and adaptation alike. Adapting keeps content: a theme
(or sub-theme) draft that names an existing id keeps that id, so its threads stay
attached, and the caller refuses to drop one that still has threads. Theme titles are
unique (compared as a workshop CSV names them: trimmed, case-insensitive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument
from agora_kit.ids import new_id, require_id
from services.threads import phases, validation
from services.threads import versions as texts

DESCRIPTION_MAX = texts.TEXT_MAX
QUESTION_MAX = texts.QUESTION_MAX
SUB_THEMES = (2, 3)


@dataclass(frozen=True)
class SubThemeDraft:
    id: str | None
    title: str


@dataclass(frozen=True)
class ThemeDraft:
    id: str | None
    title: str
    sub_themes: tuple[SubThemeDraft, ...]


@dataclass(frozen=True)
class ConsultationDraft:
    title: str
    question: str
    languages: tuple[str, ...]
    description: str
    step_after: str
    themes: tuple[ThemeDraft, ...]
    phases: tuple[phases.Phase, ...]
    pre_moderation: bool
    original_language: str = ""
    versions: tuple[texts.Version, ...] = ()

    def fingerprint(self) -> dict[str, Any]:
        """What idempotency compares: the draft as plain data."""
        return {
            "title": self.title, "question": self.question, "languages": list(self.languages),
            "description": self.description, "step_after": self.step_after,
            "themes": [[t.id, t.title, [[s.id, s.title] for s in t.sub_themes]]
                       for t in self.themes],
            "phases": [p.to_doc() for p in self.phases], "pre_moderation": self.pre_moderation,
            "original_language": self.original_language,
            "versions": [v.to_doc() for v in self.versions],
        }

    def fields(self, *, existing_themes: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Document fields; themes and sub-themes keep the ids of those they match."""
        known = {t["id"]: t for t in existing_themes}
        themes = []
        for i, draft in enumerate(self.themes):
            if draft.id is not None and draft.id not in known:
                raise InvalidArgument(f"theme {draft.id} is not a theme of this consultation",
                                      field=f"themes.{i}.id")
            old = known.get(draft.id or "", {}).get("sub_themes", [])
            themes.append({"id": draft.id or new_id(), "title": draft.title,
                           "sub_themes": _sub_theme_fields(draft.sub_themes, old, i)})
        return {
            "title": self.title, "question": self.question, "languages": list(self.languages),
            "description": self.description, "step_after": self.step_after, "themes": themes,
            "phases": [p.to_doc() for p in self.phases], "pre_moderation": self.pre_moderation,
            "original_language": self.original_language,
            "versions": texts.stored(self.versions, themes),
        }


def _sub_theme_fields(drafts: Sequence[SubThemeDraft], existing: Sequence[dict[str, Any]],
                      theme: int) -> list[dict[str, str]]:
    """Sub-themes keep the id they name, else the id of the existing one with their title
    (when no other draft names it), else get a new one."""
    ids = {s["id"] for s in existing}
    named = {d.id for d in drafts if d.id}
    by_title = {s["title"]: s["id"] for s in existing if s["id"] not in named}
    fields = []
    for draft in drafts:
        if draft.id is not None and draft.id not in ids:
            raise InvalidArgument(f"sub-theme {draft.id} is not a sub-theme of this theme",
                                  field=f"themes.{theme}.sub_themes")
        fields.append({"id": draft.id or by_title.pop(draft.title, None) or new_id(),
                       "title": draft.title})
    return fields


def _theme(draft: threads_pb2.ThemeDraft, i: int) -> ThemeDraft:
    field = f"themes.{i}.sub_themes"
    subs = [validation.title(s, field=field) for s in draft.sub_themes]
    if subs and not SUB_THEMES[0] <= len(subs) <= SUB_THEMES[1]:
        raise InvalidArgument("a theme has 2 or 3 sub-themes (or none yet)", field=field)
    if len(set(subs)) != len(subs):
        raise InvalidArgument("sub-themes must not repeat", field=field)
    sub_ids = list(draft.sub_theme_ids) or [""] * len(subs)
    if len(sub_ids) != len(subs):
        raise InvalidArgument("sub_theme_ids: none, or one per sub-theme", field=field)
    for sub_id in sub_ids:
        if sub_id:
            require_id(sub_id, field=field)
    named = [s for s in sub_ids if s]
    if len(set(named)) != len(named):
        raise InvalidArgument("a sub-theme id appears twice", field=field)
    theme_id = draft.id or None
    if theme_id is not None:
        require_id(theme_id, field=f"themes.{i}.id")
    return ThemeDraft(theme_id, validation.title(draft.title, field=f"themes.{i}.title"),
                      tuple(SubThemeDraft(sub_id or None, title)
                            for sub_id, title in zip(sub_ids, subs, strict=True)))


def _phase(draft: threads_pb2.PhaseDraft, i: int) -> phases.Phase:
    if draft.kind == threads_pb2.PHASE_KIND_UNSPECIFIED or draft.kind not in range(1, 6):
        raise InvalidArgument("phase kind is required", field=f"phases.{i}.kind")
    if not draft.HasField("starts_at") or not draft.HasField("ends_at"):
        raise InvalidArgument("a phase needs starts_at and ends_at", field=f"phases.{i}")
    kind = phases.ORDER[draft.kind - 1]
    modules = tuple(draft.modules) or phases.DEFAULT_MODULES[kind]
    return phases.Phase(kind, to_millis(draft.starts_at.ToDatetime(tzinfo=UTC)),
                        to_millis(draft.ends_at.ToDatetime(tzinfo=UTC)), modules)


def to_millis(moment: datetime) -> datetime:
    """BSON dates hold milliseconds: truncate first, so what we answer is what we store."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def draft_of(request: threads_pb2.CreateConsultationRequest
             | threads_pb2.UpdateConsultationRequest) -> ConsultationDraft:
    """The validated draft of a creation or an adaptation (both carry the whole
    structure); InvalidArgument naming the first offending field."""
    draft = _draft(title=request.title, question=request.question,
                   languages=request.languages, description=request.description,
                   step_after=request.step_after, themes=request.themes,
                   phase_drafts=request.phases, pre_moderation=request.pre_moderation)
    original = texts.original_language(request.original_language, draft.languages)
    return replace(draft, original_language=original, versions=texts.validate(
        request.versions, languages=draft.languages, original=original,
        themes=[(t.title, len(t.sub_themes)) for t in draft.themes]))


def _draft(*, title: str, question: str, languages: Sequence[str], description: str,
           step_after: str, themes: Sequence[threads_pb2.ThemeDraft],
           phase_drafts: Sequence[threads_pb2.PhaseDraft],
           pre_moderation: bool) -> ConsultationDraft:
    if not themes:
        raise InvalidArgument("at least one theme is required", field="themes")
    if len(themes) > validation.MAX_THEMES:
        raise InvalidArgument(f"at most {validation.MAX_THEMES} themes", field="themes")
    theme_drafts = tuple(_theme(t, i) for i, t in enumerate(themes))
    ids = [t.id for t in theme_drafts if t.id]
    if len(set(ids)) != len(ids):
        raise InvalidArgument("a theme id appears twice", field="themes")
    seen: dict[str, int] = {}
    for i, theme in enumerate(theme_drafts):
        key = theme_key(theme.title)
        if key in seen:
            raise InvalidArgument(
                f"themes {seen[key]} and {i} are both titled {theme.title!r}; theme titles "
                "must differ (a workshop CSV names themes by title)", field=f"themes.{i}.title")
        seen[key] = i
    return ConsultationDraft(
        title=validation.title(title),
        question=validation.text(question, field="question", max_chars=QUESTION_MAX,
                                 min_chars=0),
        languages=tuple(validation.languages(languages)),
        description=validation.text(description, field="description",
                                    max_chars=DESCRIPTION_MAX, min_chars=0),
        step_after=validation.text(step_after, field="step_after",
                                   max_chars=DESCRIPTION_MAX, min_chars=0),
        themes=theme_drafts,
        phases=tuple(phases.validate([_phase(p, i) for i, p in enumerate(phase_drafts)])),
        pre_moderation=pre_moderation,
    )


def theme_key(title: str) -> str:
    """How a theme's title is matched (workshop CSVs): trimmed, case-insensitive."""
    return title.strip().casefold()
