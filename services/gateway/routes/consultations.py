"""/v1/consultations — create, list and read consultations; create their threads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from agora.v1 import threads_pb2
from agora_kit.ids import ID_PATTERN
from services.gateway.consultation_reading import reading, varies
from services.gateway.deps import (
    Caller,
    Clients,
    Cursor,
    IdempotencyKey,
    Keys,
    Limit,
    Writer,
    admitted,
    resources_of,
    roles,
)
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.listing import visible_page
from services.gateway.permissions import ROUTES
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import (
    THREAD_KIND_TO_PROTO,
    ConsultationCreate,
    ConsultationPublic,
    ConsultationsPage,
    ThreadCreate,
    ThreadKindName,
    ThreadPublic,
    ThreadsPage,
)

router = APIRouter(prefix="/v1/consultations", tags=["consultations"])
# A list shows what its item would: the item route's action, judged for each consultation.
ITEM_ACTION = ROUTES[("GET", "/v1/consultations/{consultation_id}")]


@router.post("", status_code=201, response_model=ConsultationPublic)
async def create(
    body: ConsultationCreate, user: Writer, clients: Clients, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ConsultationPublic:
    """Create a consultation with its languages, themes and phases (operators)."""
    request = threads_pb2.CreateConsultationRequest(
        title=body.title, question=body.question, languages=body.languages,
        themes=[t.to_proto() for t in body.themes],
        actor_id=user.account_id, idempotency_key=idempotency_key or "",
        actor_roles=roles(user), description=body.description, step_after=body.step_after,
        phases=[p.to_proto() for p in body.phases], pre_moderation=body.pre_moderation,
        original_language=body.original_language or "", versions=body.version_protos(),
    )
    created = await clients.call("threads", clients.threads.CreateConsultation, request)
    response.headers["Location"] = f"/v1/consultations/{created.id}"
    return ConsultationPublic.of(created)


@router.get("", response_model=ConsultationsPage)
async def list_all(
    request: Request,
    clients: Clients,
    caller: Caller,
    response: Response,
    limit: Limit = 20,
    cursor: Cursor = "",
    lang: ReadLang = None,
    original: Original = False,
    accept_language: AcceptLanguage = None,
) -> ConsultationsPage:
    """The consultations the caller may enter, oldest first, a page at a time: anonymous
    callers see the public ones; an account also those it is admitted to (registered,
    invited or by domain, or holding a role there) — the admission of
    `GET /v1/consultations/{id}` itself. Each in the reader's language, as the item."""

    async def fetch(after: str) -> tuple[list[threads_pb2.Consultation], str]:
        page = await clients.call(
            "threads", clients.threads.ListConsultations,
            threads_pb2.ListConsultationsRequest(page_size=limit, cursor=after))
        return list(page.consultations), page.next_cursor

    async def enters(consultation: threads_pb2.Consultation) -> bool:
        return await admitted(resources_of(request.app), ITEM_ACTION, consultation.id, caller)

    items, next_cursor = await visible_page(fetch, enters, lambda c: str(c.id), limit=limit,
                                            cursor=cursor)
    varies(response)
    return ConsultationsPage(items=[
        reading(ConsultationPublic.of(c), lang=lang, accept_language=accept_language,
                original=original) for c in items], next_cursor=next_cursor)


@router.get("/{consultation_id}", response_model=ConsultationPublic)
async def get(consultation_id: str, clients: Clients, response: Response,
              lang: ReadLang = None, original: Original = False,
              accept_language: AcceptLanguage = None) -> ConsultationPublic:
    """The consultation (its landing page's data): title, question, texts and themes in
    the reader's language (`?lang=`, else `Accept-Language`) when a strategist wrote
    them in it, else as written; `?original=true` reads them as written."""
    request = threads_pb2.GetConsultationRequest(
        consultation_id=existing_id(consultation_id, "consultation")
    )
    varies(response)
    return reading(ConsultationPublic.of(
        await clients.call("threads", clients.threads.GetConsultation, request)),
        lang=lang, accept_language=accept_language, original=original)


@router.post("/{consultation_id}/threads", status_code=201, response_model=ThreadPublic)
async def create_thread(
    consultation_id: str, body: ThreadCreate, user: Writer, clients: Clients,
    response: Response, keys: Keys, idempotency_key: IdempotencyKey = None,
) -> ThreadPublic:
    """Open a thread in one of the consultation's themes: a discussion (anyone, during
    ideation), a survey question (strategists) or a two-column deepening of an idea
    (strategists, synthesisers)."""
    request = body.to_proto()
    request.consultation_id = existing_id(consultation_id, "consultation")
    request.actor_id = user.account_id
    request.idempotency_key = idempotency_key or ""
    request.actor_roles.extend(roles(user))
    created = await clients.call("threads", clients.threads.CreateThread, request)
    response.headers["Location"] = f"/v1/threads/{created.id}"
    return ThreadPublic.of(created, keys)


@router.get("/{consultation_id}/threads", response_model=ThreadsPage)
async def list_threads(
    consultation_id: str,
    clients: Clients,
    keys: Keys,
    theme_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    sub_theme_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    kind: ThreadKindName | None = None,
    limit: Limit = 20,
    cursor: Cursor = "",
) -> ThreadsPage:
    """The consultation's threads (optionally of one theme, sub-theme or kind), oldest
    first, each with its count of published posts (a survey question's answers)."""
    request = threads_pb2.ListThreadsRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=theme_id or "",
        sub_theme_id=sub_theme_id or "",
        page_size=limit, cursor=cursor,
        kind=THREAD_KIND_TO_PROTO[kind] if kind else threads_pb2.THREAD_KIND_UNSPECIFIED,
    )
    page = await clients.call("threads", clients.threads.ListThreads, request)
    return ThreadsPage(items=[ThreadPublic.of(t, keys) for t in page.threads],
                       next_cursor=page.next_cursor or None)
