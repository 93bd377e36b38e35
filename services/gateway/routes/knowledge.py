"""Resources per theme (knowledge managers), fact-checks on posts (experts), and
contributions imported from in-person workshops (facilitators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import threads_pb2
from agora_kit.ids import ID_PATTERN
from services.gateway.debate_schemas import (
    FactCheckUpdate,
    ResourceCreate,
    ResourcePublic,
    ResourcesPage,
    WorkshopImportCreate,
    WorkshopImportPublic,
)
from services.gateway.deps import (
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Keys,
    Limit,
    Writer,
    roles,
)
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import PostPublic

router = APIRouter(tags=["knowledge"])


@router.post("/v1/consultations/{consultation_id}/resources", status_code=201,
             response_model=ResourcePublic)
async def create_resource(consultation_id: str, body: ResourceCreate, user: Writer,
                          clients: Clients, response: Response,
                          idempotency_key: IdempotencyKey = None) -> ResourcePublic:
    """Publish a resource (title, Markdown body, http(s) links) in a theme."""
    request = threads_pb2.CreateResourceRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=body.theme_id,
        title=body.title, body=body.body, links=body.links, actor_id=user.account_id,
        actor_roles=roles(user), idempotency_key=idempotency_key or "")
    created = await clients.call("threads", clients.threads.CreateResource, request)
    response.headers["Location"] = f"/v1/consultations/{consultation_id}/resources"
    return ResourcePublic.of(created)


@router.get("/v1/consultations/{consultation_id}/resources", response_model=ResourcesPage)
async def list_resources(
    consultation_id: str, clients: Clients,
    theme_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    limit: Limit = 20,
    cursor: Cursor = "",
) -> ResourcesPage:
    """The consultation's resources (optionally of one theme), oldest first."""
    request = threads_pb2.ListResourcesRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=theme_id or "",
        page_size=limit, cursor=cursor)
    page = await clients.call("threads", clients.threads.ListResources, request)
    return ResourcesPage(items=[ResourcePublic.of(r) for r in page.resources],
                         next_cursor=page.next_cursor or None)


@router.put("/v1/posts/{post_id}/fact-check", response_model=PostPublic)
async def fact_check(post_id: str, body: FactCheckUpdate, user: Writer,
                     clients: Clients, cache: Cache, keys: Keys) -> PostPublic:
    """Annotate a post (experts): verified, misleading, needs_context or false, with
    sources; shown with the post."""
    request = threads_pb2.SetFactCheckRequest(
        post_id=existing_id(post_id, "post"),
        status=threads_pb2.FactCheckStatus.Value(f"FACT_CHECK_STATUS_{body.status.upper()}"),
        note=body.note, sources=body.sources, actor_id=user.account_id, actor_roles=roles(user))
    post = await clients.call("threads", clients.threads.SetFactCheck, request)
    await cache.after_write(cache.content_changed(post.thread_id))
    return PostPublic.of(post, keys)


@router.post("/v1/consultations/{consultation_id}/workshop-imports", status_code=201,
             response_model=WorkshopImportPublic)
async def import_workshop(consultation_id: str, body: WorkshopImportCreate, user: Writer,
                          clients: Clients, cache: Cache,
                          idempotency_key: IdempotencyKey = None) -> WorkshopImportPublic:
    """Import a workshop's contributions as posts, all or nothing: one bad line and
    nothing is written; the 422 lists every bad line (`errors[].field` = `csv.line.<n>`)."""
    request = threads_pb2.ImportWorkshopRequest(
        consultation_id=existing_id(consultation_id, "consultation"), workshop=body.workshop,
        csv=body.csv, actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "")
    reply = await clients.call("threads", clients.threads.ImportWorkshop, request)
    if reply.errors:
        raise Problem(422, f"{len(reply.errors)} line(s) of the CSV are invalid; nothing was "
                      "imported", kind="invalid-request",
                      errors=[{"field": f"csv.line.{e.line}", "message": e.message}
                              for e in reply.errors])
    for thread_id in reply.thread_ids:
        await cache.after_write(cache.post_added(thread_id))
    return WorkshopImportPublic(imported=reply.imported, thread_ids=list(reply.thread_ids))
