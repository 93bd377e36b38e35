"""/v1/consultations — create, list and read consultations; create their threads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import threads_pb2
from services.gateway.deps import Clients, Cursor, IdempotencyKey, Limit, Writer, roles
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


@router.post("", status_code=201, response_model=ConsultationPublic)
async def create(
    body: ConsultationCreate, user: Writer, clients: Clients, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ConsultationPublic:
    """Create a consultation with its languages, themes and phases (operators)."""
    request = threads_pb2.CreateConsultationRequest(
        title=body.title, languages=body.languages,
        themes=[t.to_proto() for t in body.themes],
        actor_id=user.account_id, idempotency_key=idempotency_key or "",
        actor_roles=roles(user), description=body.description, step_after=body.step_after,
        phases=[p.to_proto() for p in body.phases], pre_moderation=body.pre_moderation,
    )
    created = await clients.call("threads", clients.threads.CreateConsultation, request)
    response.headers["Location"] = f"/v1/consultations/{created.id}"
    return ConsultationPublic.of(created)


@router.get("", response_model=ConsultationsPage)
async def list_all(
    clients: Clients,
    limit: Limit = 20,
    cursor: Cursor = "",
) -> ConsultationsPage:
    """Consultations, oldest first, a page at a time."""
    page = await clients.call(
        "threads", clients.threads.ListConsultations,
        threads_pb2.ListConsultationsRequest(page_size=limit, cursor=cursor),
    )
    return ConsultationsPage(
        items=[ConsultationPublic.of(c) for c in page.consultations],
        next_cursor=page.next_cursor or None,
    )


@router.get("/{consultation_id}", response_model=ConsultationPublic)
async def get(consultation_id: str, clients: Clients) -> ConsultationPublic:
    request = threads_pb2.GetConsultationRequest(
        consultation_id=existing_id(consultation_id, "consultation")
    )
    return ConsultationPublic.of(
        await clients.call("threads", clients.threads.GetConsultation, request)
    )


@router.post("/{consultation_id}/threads", status_code=201, response_model=ThreadPublic)
async def create_thread(
    consultation_id: str, body: ThreadCreate, user: Writer, clients: Clients,
    response: Response, idempotency_key: IdempotencyKey = None,
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
    return ThreadPublic.of(created)


@router.get("/{consultation_id}/threads", response_model=ThreadsPage)
async def list_threads(
    consultation_id: str,
    clients: Clients,
    theme_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{24}$")] = None,
    kind: ThreadKindName | None = None,
    limit: Limit = 20,
    cursor: Cursor = "",
) -> ThreadsPage:
    """The consultation's threads (optionally of one theme or kind), oldest first; survey
    questions listed by kind come with their answer counts."""
    request = threads_pb2.ListThreadsRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=theme_id or "",
        page_size=limit, cursor=cursor,
        kind=THREAD_KIND_TO_PROTO[kind] if kind else threads_pb2.THREAD_KIND_UNSPECIFIED,
    )
    page = await clients.call("threads", clients.threads.ListThreads, request)
    return ThreadsPage(items=[ThreadPublic.of(t) for t in page.threads],
                       next_cursor=page.next_cursor or None)
