"""A consultation's structure as a strategist describes it: texts, themes, phases.

Checked here once for creation and adaptation alike. Adapting keeps content: a theme
draft that names an existing theme id keeps that id (so its threads stay attached), and
the caller refuses to drop a theme that still has threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument
from agora_kit.ids import new_id, require_id
from services.threads import phases, validation

DESCRIPTION_MAX = 5_000
SUB_THEMES = (2, 3)


@dataclass(frozen=True)
class ThemeDraft:
    id: str | None
    title: str
    sub_themes: tuple[str, ...]


@dataclass(frozen=True)
class ConsultationDraft:
    description: str
    step_after: str
    themes: tuple[ThemeDraft, ...]
    phases: tuple[phases.Phase, ...]
    pre_moderation: bool

    def fingerprint(self) -> dict[str, Any]:
        """What idempotency compares: the draft as plain data."""
        return {
            "description": self.description, "step_after": self.step_after,
            "themes": [[t.id, t.title, list(t.sub_themes)] for t in self.themes],
            "phases": [p.to_doc() for p in self.phases], "pre_moderation": self.pre_moderation,
        }

    def fields(self, *, existing_themes: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Document fields; themes and sub-themes keep the ids of those they match."""
        known = {t["id"]: t for t in existing_themes}
        themes = []
        for i, draft in enumerate(self.themes):
            if draft.id is not None and draft.id not in known:
                raise InvalidArgument(f"theme {draft.id} is not a theme of this consultation",
                                      field=f"themes.{i}.id")
            old_subs = {s["title"]: s["id"] for s in known.get(draft.id or "", {}).get(
                "sub_themes", [])}
            themes.append({
                "id": draft.id or new_id(), "title": draft.title,
                "sub_themes": [{"id": old_subs.get(s) or new_id(), "title": s}
                               for s in draft.sub_themes],
            })
        return {
            "description": self.description, "step_after": self.step_after, "themes": themes,
            "phases": [p.to_doc() for p in self.phases], "pre_moderation": self.pre_moderation,
        }


def _theme(draft: threads_pb2.ThemeDraft, i: int) -> ThemeDraft:
    subs = [validation.title(s, field=f"themes.{i}.sub_themes") for s in draft.sub_themes]
    if subs and not SUB_THEMES[0] <= len(subs) <= SUB_THEMES[1]:
        raise InvalidArgument("a theme has 2 or 3 sub-themes (or none yet)",
                              field=f"themes.{i}.sub_themes")
    if len(set(subs)) != len(subs):
        raise InvalidArgument("sub-themes must not repeat", field=f"themes.{i}.sub_themes")
    theme_id = draft.id or None
    if theme_id is not None:
        require_id(theme_id, field=f"themes.{i}.id")
    return ThemeDraft(theme_id, validation.title(draft.title, field=f"themes.{i}.title"),
                      tuple(subs))


def _phase(draft: threads_pb2.PhaseDraft, i: int) -> phases.Phase:
    if draft.kind == threads_pb2.PHASE_KIND_UNSPECIFIED or draft.kind not in range(1, 6):
        raise InvalidArgument("phase kind is required", field=f"phases.{i}.kind")
    if not draft.HasField("starts_at") or not draft.HasField("ends_at"):
        raise InvalidArgument("a phase needs starts_at and ends_at", field=f"phases.{i}")
    kind = phases.ORDER[draft.kind - 1]
    modules = tuple(draft.modules) or phases.DEFAULT_MODULES[kind]
    if len(set(modules)) != len(modules):
        raise InvalidArgument("modules must not repeat", field=f"phases.{i}.modules")
    return phases.Phase(kind, to_millis(draft.starts_at.ToDatetime(tzinfo=UTC)),
                        to_millis(draft.ends_at.ToDatetime(tzinfo=UTC)), modules)


def to_millis(moment: datetime) -> datetime:
    """BSON dates hold milliseconds: truncate first, so what we answer is what we store."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def draft_of(*, description: str, step_after: str, themes: Sequence[threads_pb2.ThemeDraft],
             phase_drafts: Sequence[threads_pb2.PhaseDraft],
             pre_moderation: bool) -> ConsultationDraft:
    """The validated draft; InvalidArgument naming the first offending field."""
    if not themes:
        raise InvalidArgument("at least one theme is required", field="themes")
    if len(themes) > validation.MAX_THEMES:
        raise InvalidArgument(f"at most {validation.MAX_THEMES} themes", field="themes")
    theme_drafts = tuple(_theme(t, i) for i, t in enumerate(themes))
    ids = [t.id for t in theme_drafts if t.id]
    if len(set(ids)) != len(ids):
        raise InvalidArgument("a theme id appears twice", field="themes")
    return ConsultationDraft(
        description=validation.text(description, field="description",
                                    max_chars=DESCRIPTION_MAX, min_chars=0),
        step_after=validation.text(step_after, field="step_after",
                                   max_chars=DESCRIPTION_MAX, min_chars=0),
        themes=theme_drafts,
        phases=tuple(phases.validate([_phase(p, i) for i, p in enumerate(phase_drafts)])),
        pre_moderation=pre_moderation,
    )
