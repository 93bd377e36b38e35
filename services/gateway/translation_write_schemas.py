"""Public JSON shapes of what people change in translations: a corrected translation, a
corrected source language, a glossary version."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import translation_pb2
from services.gateway.problems import pattern
from services.gateway.schemas import _BLANK, NONBLANK, Input, Language, _when

CorrectedText = Annotated[str, StringConstraints(min_length=1, max_length=20_000,
                                                 pattern=NONBLANK)]
# A glossary term is one line: no control character at all (tabs and line breaks included).
ONE_LINE = pattern(rf"^[^\x00-\x1f\x7f]*[^{_BLANK}][^\x00-\x1f\x7f]*$",
                   "is blank or not a single line")
Term = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=ONE_LINE)]


class TranslationCorrection(Input):
    text: CorrectedText = Field(description="The translation, in the path's language "
                                "(same format as the post: Markdown stays Markdown).")


class TranslationPublic(BaseModel):
    post_id: str
    lang: str
    text: str = Field(description="What readers of `lang` are served (the original when "
                      "`translated` is false).")
    translated: bool
    original_language: str
    revision: int = Field(description="The post's revision this translates.")
    machine: bool
    human_verified: bool
    needs_review: bool = Field(description="A person's translation of an older revision "
                               "exists; the machine translation of the current one is served.")

    @classmethod
    def of(cls, post_id: str, found: translation_pb2.Translation) -> TranslationPublic:
        return cls(post_id=post_id, lang=found.target, text=found.text,
                   translated=found.found, original_language=found.source_language,
                   revision=found.revision, machine=found.machine,
                   human_verified=found.human_verified, needs_review=found.needs_review)


class LanguageCorrection(Input):
    language: Language = Field(description="One of the consultation's languages.")


class SourceLanguagePublic(BaseModel):
    post_id: str
    language: str
    revision: int
    corrected: bool

    @classmethod
    def of(cls, found: translation_pb2.SourceLanguage) -> SourceLanguagePublic:
        return cls(post_id=found.content_id, language=found.language,
                   revision=found.revision, corrected=found.corrected)


class GlossaryTerm(Input):
    term: Term
    source_language: Language
    target_language: Language
    translation: Term


class GlossaryVersionCreate(Input):
    keep: Annotated[list[Term], Field(max_length=500, default_factory=list)] = Field(
        description="Terms never translated (names, acronyms), in any language pair.")
    fixed: Annotated[list[GlossaryTerm], Field(max_length=2_000, default_factory=list)] = (
        Field(description="Terms always translated so, per language pair."))


class GlossaryPublic(BaseModel):
    consultation_id: str
    version: int = Field(description="1, 2, ...; 0: none published yet.")
    keep: list[str]
    fixed: list[GlossaryTerm]
    published_at: datetime | None
    published_by: str | None
    retranslating: int = Field(description="On publication: posts translated again because "
                               "they contain a changed term.")

    @classmethod
    def of(cls, found: translation_pb2.Glossary) -> GlossaryPublic:
        return cls(consultation_id=found.consultation_id, version=found.version,
                   keep=list(found.keep),
                   fixed=[GlossaryTerm(term=t.term, source_language=t.source_language,
                                       target_language=t.target_language,
                                       translation=t.translation) for t in found.fixed],
                   published_at=_when(found.published_at) if found.version else None,
                   published_by=found.published_by or None,
                   retranslating=found.retranslating)
