"""A consultation's own texts in the reader's language.

README "Reading in one's language": the reader asks with `?lang=` (else `Accept-Language`)
among the consultation's languages, `?original=true` reads the texts as written. The
texts are written by strategists in each language (threads' versions), so a version is
`human_verified` and never `machine`; a language with no version, or a text its version
leaves empty, reads the original — the first said by `translated: false` and `language`,
the second listed in `as_written`. Nothing here waits on another service: the versions
come with the consultation itself.
"""

from __future__ import annotations

from fastapi import Response

from services.gateway.languages import requested
from services.gateway.schemas import (
    ConsultationPublic,
    ConsultationVersion,
    SubThemePublic,
    ThemePublic,
)


def reading(consultation: ConsultationPublic, *, lang: str | None,
            accept_language: str | None, original: bool) -> ConsultationPublic:
    """The consultation as this reader asks for it (as written when they ask for none of
    its languages, for the original's, or for the original itself)."""
    if original or not (lang or accept_language):
        return consultation
    language = requested(consultation.languages, lang=lang, accept_language=accept_language)
    version = next((v for v in consultation.versions if v.language == language), None)
    if version is None:
        return consultation
    return in_version(consultation, version)


def in_version(consultation: ConsultationPublic,
               version: ConsultationVersion) -> ConsultationPublic:
    """The consultation's texts replaced by the version's, each empty one kept as written."""
    as_written = [name for name in ("question", "description", "step_after")
                  if getattr(consultation, name) and not getattr(version, name)]
    themes = []
    for i, theme in enumerate(consultation.themes):
        text = version.themes[i] if i < len(version.themes) else None
        if text is None or not text.title:
            as_written.append(f"themes.{i}.title")
        subs = []
        for j, sub in enumerate(theme.sub_themes):
            title = text.sub_themes[j] if text is not None and j < len(text.sub_themes) else ""
            if not title:
                as_written.append(f"themes.{i}.sub_themes.{j}")
            subs.append(SubThemePublic(id=sub.id, title=title or sub.title))
        themes.append(ThemePublic(id=theme.id, title=(text.title if text else "") or theme.title,
                                  sub_themes=subs))
    return consultation.model_copy(update={
        "title": version.title, "question": version.question or consultation.question,
        "description": version.description or consultation.description,
        "step_after": version.step_after or consultation.step_after, "themes": themes,
        "language": version.language, "translated": True, "machine": False,
        "human_verified": True, "as_written": as_written})


def varies(response: Response) -> None:
    """What a shared cache must key on: the answer follows Accept-Language."""
    response.headers["Vary"] = "Accept-Language"
