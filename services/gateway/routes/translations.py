"""What people change in translations: a corrected translation of a post (its author or
a knowledge manager), the author's correction of the post's language, and the
consultation's glossary (knowledge managers and strategists publish versions).

The translation service re-checks every write (authorship is known there) and announces
changes with `translation.ready`, which is what drops the pages cached with older text.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from agora.v1 import translation_pb2
from agora_kit.validators import LANGUAGE_PATTERN
from services.gateway.deps import Clients, Writer, roles
from services.gateway.routes.ids import existing_id
from services.gateway.translation_write_schemas import (
    GlossaryPublic,
    GlossaryVersionCreate,
    LanguageCorrection,
    SourceLanguagePublic,
    TranslationCorrection,
    TranslationPublic,
)

router = APIRouter(tags=["translations"])
Lang = Annotated[str, Path(pattern=LANGUAGE_PATTERN, description="e.g. `en`, `pt-BR`")]


@router.put("/v1/posts/{post_id}/translations/{lang}", response_model=TranslationPublic)
async def correct_translation(post_id: str, lang: Lang, body: TranslationCorrection,
                              user: Writer, clients: Clients) -> TranslationPublic:
    """A person's translation of the post's current text into `lang` (its author, or a
    knowledge manager): served instead of the machine's (`human_verified`), kept when the
    same text is translated again, and flagged `needs_review` once the post is edited."""
    request = translation_pb2.CorrectTranslationRequest(
        content_id=existing_id(post_id, "post"), target=lang, text=body.text,
        actor_id=user.account_id, actor_roles=roles(user))
    found = await clients.call("translation", clients.translation.CorrectTranslation, request)
    return TranslationPublic.of(post_id, found)


@router.put("/v1/posts/{post_id}/language", response_model=SourceLanguagePublic)
async def correct_language(post_id: str, body: LanguageCorrection, user: Writer,
                           clients: Clients) -> SourceLanguagePublic:
    """The author's correction of the language their post was detected in: it is
    translated again from that language (into it, readers get the original)."""
    request = translation_pb2.CorrectSourceLanguageRequest(
        content_id=existing_id(post_id, "post"), language=body.language,
        actor_id=user.account_id)
    found = await clients.call("translation", clients.translation.CorrectSourceLanguage,
                               request)
    return SourceLanguagePublic.of(found)


@router.post("/v1/consultations/{consultation_id}/glossary/versions", status_code=201,
             response_model=GlossaryPublic)
async def publish_glossary(consultation_id: str, body: GlossaryVersionCreate, user: Writer,
                           clients: Clients, response: Response) -> GlossaryPublic:
    """Publish the consultation's glossary as a new immutable version (the whole list:
    what it leaves out is removed); posts containing a changed term are translated again."""
    request = translation_pb2.PublishGlossaryRequest(
        consultation_id=existing_id(consultation_id, "consultation"), keep=body.keep,
        fixed=[translation_pb2.GlossaryTerm(
            term=t.term, source_language=t.source_language, target_language=t.target_language,
            translation=t.translation) for t in body.fixed],
        actor_id=user.account_id, actor_roles=roles(user))
    published = await clients.call("translation", clients.translation.PublishGlossary,
                                   request)
    response.headers["Location"] = f"/v1/consultations/{consultation_id}/glossary"
    return GlossaryPublic.of(published)


@router.get("/v1/consultations/{consultation_id}/glossary", response_model=GlossaryPublic)
async def get_glossary(consultation_id: str, clients: Clients) -> GlossaryPublic:
    """The consultation's current glossary (version 0, empty, when none was published)."""
    request = translation_pb2.GetGlossaryRequest(
        consultation_id=existing_id(consultation_id, "consultation"))
    return GlossaryPublic.of(
        await clients.call("translation", clients.translation.GetGlossary, request))
