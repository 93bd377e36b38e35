"""A consultation's texts in its other languages, as strategists write them.

The consultation's own fields (title, question, description, "the step after", theme and
sub-theme titles) are the original, in `original_language`. A version is the same texts
in another of the consultation's languages: its title is required, every other text may
stay empty (then the original is read), never blank. Theme texts come by position in a
request (a draft's themes have no ids yet) and are stored by theme and sub-theme id, so
that an adaptation reordering themes without resending versions cannot misplace them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument
from services.threads import validation

# One set of limits for a consultation's texts: the originals (structure.py) and their versions.
TEXT_MAX = 5_000
QUESTION_MAX = 500


@dataclass(frozen=True)
class ThemeText:
    title: str
    sub_themes: tuple[str, ...]


@dataclass(frozen=True)
class Version:
    language: str
    title: str
    question: str
    description: str
    step_after: str
    themes: tuple[ThemeText, ...]

    def to_doc(self) -> dict[str, Any]:
        return {"language": self.language, "title": self.title, "question": self.question,
                "description": self.description, "step_after": self.step_after,
                "themes": [[t.title, list(t.sub_themes)] for t in self.themes]}


def _optional(value: str, *, field: str, max_chars: int) -> str:
    """Empty reads the original; blank (only spaces) is a mistake, refused."""
    if value and not value.strip():
        raise InvalidArgument(f"{field} must not be blank (leave it empty to read the "
                              "original)", field=field)
    return validation.text(value, field=field, max_chars=max_chars, min_chars=0)


def original_language(value: str, languages: Sequence[str]) -> str:
    """The language the texts are written in: one of the consultation's (default first)."""
    if not value:
        return languages[0]
    if value not in languages:
        raise InvalidArgument(f"{value!r} is not one of the consultation's languages",
                              field="original_language")
    return value


def validate(messages: Sequence[threads_pb2.ConsultationVersion], *, languages: Sequence[str],
             original: str, themes: Sequence[tuple[str, int]]) -> tuple[Version, ...]:
    """The versions, checked against the draft: `themes` is (title, sub-theme count) per
    theme. InvalidArgument naming the first offending field."""
    seen: set[str] = set()
    versions = []
    for i, message in enumerate(messages):
        field = f"versions.{i}"
        if message.language not in languages:
            raise InvalidArgument(f"{message.language!r} is not one of the consultation's "
                                  "languages", field=f"{field}.language")
        if message.language == original:
            raise InvalidArgument("the original's language needs no version (its texts are "
                                  "the consultation's own)", field=f"{field}.language")
        if message.language in seen:
            raise InvalidArgument(f"two versions in {message.language!r}",
                                  field=f"{field}.language")
        seen.add(message.language)
        versions.append(Version(
            language=message.language,
            title=validation.title(message.title, field=f"{field}.title"),
            question=_optional(message.question, field=f"{field}.question",
                               max_chars=QUESTION_MAX),
            description=_optional(message.description, field=f"{field}.description",
                                  max_chars=TEXT_MAX),
            step_after=_optional(message.step_after, field=f"{field}.step_after",
                                 max_chars=TEXT_MAX),
            themes=_themes(message.themes, themes, field=f"{field}.themes")))
    return tuple(versions)


def _themes(messages: Sequence[threads_pb2.ThemeVersion], themes: Sequence[tuple[str, int]],
            *, field: str) -> tuple[ThemeText, ...]:
    if messages and len(messages) != len(themes):
        raise InvalidArgument("none, or one per theme in the themes' order", field=field)
    texts = []
    for i, (message, (_, subs)) in enumerate(zip(messages, themes, strict=False)):
        at = f"{field}.{i}"
        if message.sub_themes and len(message.sub_themes) != subs:
            raise InvalidArgument("none, or one per sub-theme in their order",
                                  field=f"{at}.sub_themes")
        texts.append(ThemeText(
            _optional(message.title, field=f"{at}.title", max_chars=validation.TITLE_MAX),
            tuple(_optional(s, field=f"{at}.sub_themes", max_chars=validation.TITLE_MAX)
                  for s in message.sub_themes)))
    return tuple(texts)


def stored(versions: Sequence[Version], themes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The versions as stored: theme texts keyed by the (now known) theme and sub-theme ids."""
    docs = []
    for version in versions:
        doc = version.to_doc()
        keyed: dict[str, dict[str, Any]] = {}
        for text, theme in zip(version.themes, themes, strict=False):
            subs = {s["id"]: title for title, s in zip(text.sub_themes, theme["sub_themes"],
                                                       strict=False) if title}
            if text.title or subs:
                keyed[theme["id"]] = {"title": text.title, "sub_themes": subs}
        doc["themes"] = keyed
        docs.append(doc)
    return docs


def messages(doc: dict[str, Any]) -> list[threads_pb2.ConsultationVersion]:
    """The stored versions as protos, theme texts by position in the current themes."""
    out = []
    for version in doc.get("versions", []):
        keyed = version.get("themes", {})
        themes = []
        for theme in doc["themes"]:
            text = keyed.get(theme["id"], {})
            subs = text.get("sub_themes", {})
            themes.append(threads_pb2.ThemeVersion(
                title=text.get("title", ""),
                sub_themes=[subs.get(s["id"], "") for s in theme.get("sub_themes", [])]))
        out.append(threads_pb2.ConsultationVersion(
            language=version["language"], title=version["title"],
            question=version["question"], description=version["description"],
            step_after=version["step_after"],
            themes=themes if any(t.title or any(t.sub_themes) for t in themes) else []))
    return out
