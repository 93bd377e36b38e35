"""/v1/consultations/{id}/extracts — harvesting: passages of posts filed as extracts.

Every route sits under its consultation, so the permission check (which finds the
consultation from the path) judges the caller's roles there, and the synthesis service
checks that the post or extract named belongs to it (a post of another consultation is
a 422 on `post_id`, an extract of another one does not exist). Idea catchers and
synthesisers harvest (`extract.write`); everyone the consultation admits reads
(`extract.read`), the quote of a hidden post only if they may read the post's text
(the service decides, with the viewer's id and roles). Reads come from the gateway's
read cache with an ETag (reads/synthesis.py); every write renews it before answering.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import synthesis_pb2
from services.gateway.auth import Principal
from services.gateway.deps import (
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Limit,
    OptionalUser,
    Res,
    Writer,
    roles,
)
from services.gateway.reads.synthesis import Build, IfNoneMatch, extracts_answer, respond
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import ResourceId
from services.gateway.synthesis_schemas import (
    NATURE_TO_PROTO,
    ExtractCreate,
    ExtractPublic,
    ExtractsPage,
    Selection,
)

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])


@router.post("/{consultation_id}/extracts", status_code=201, response_model=ExtractPublic)
async def file_extract(consultation_id: str, body: ExtractCreate, user: Writer,
                       clients: Clients, cache: Cache, response: Response,
                       idempotency_key: IdempotencyKey = None) -> ExtractPublic:
    """File a passage of a post (its original text, code points [start, end)) as an
    extract of a nature; anchored with a quote and a position selector."""
    request = synthesis_pb2.FileExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"), post_id=body.post_id,
        start=body.start, end=body.end, nature=NATURE_TO_PROTO[body.nature],
        idea_id=body.idea_id or "", actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "")
    filed = await clients.call("synthesis", clients.synthesis.FileExtract, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    response.headers["Location"] = f"/v1/consultations/{consultation_id}/extracts/{filed.id}"
    return ExtractPublic.of(filed)


@router.get("/{consultation_id}/extracts", response_model=ExtractsPage)
async def list_extracts(
    consultation_id: str, user: OptionalUser, clients: Clients, resources: Res,
    post_id: Annotated[ResourceId | None, Query(description="Only this post's.")] = None,
    idea_id: Annotated[ResourceId | None, Query(
        description="Only those supporting this idea (a merged idea's id names the idea it "
                    "went into): an idea's sources, each with its post and thread.")] = None,
    limit: Limit = 20, cursor: Cursor = "", if_none_match: IfNoneMatch = None,
) -> Response:
    """The consultation's extracts, oldest first (orphaned ones included). Answers carry
    an `ETag`; `If-None-Match` gets 304 while they are unchanged."""
    request = synthesis_pb2.ListExtractsRequest(
        consultation_id=existing_id(consultation_id, "consultation"), post_id=post_id or "",
        idea_id=idea_id or "", page_size=limit, cursor=cursor)

    def build_as(viewer: Principal | None) -> Build:
        async def build() -> ExtractsPage:
            asked = synthesis_pb2.ListExtractsRequest(
                viewer_id=viewer.account_id if viewer else "", viewer_roles=roles(viewer))
            asked.MergeFrom(request)
            page = await clients.call("synthesis", clients.synthesis.ListExtracts, asked)
            return ExtractsPage(items=[ExtractPublic.of(e) for e in page.extracts],
                                next_cursor=page.next_cursor or None)
        return build

    return respond(await extracts_answer(
        resources, user, read="extracts", consultation_id=request.consultation_id,
        request=str(request), build_as=build_as), if_none_match)


@router.get("/{consultation_id}/extracts/{extract_id}", response_model=ExtractPublic)
async def get_extract(consultation_id: str, extract_id: str, user: OptionalUser,
                      clients: Clients, resources: Res,
                      if_none_match: IfNoneMatch = None) -> Response:
    """One extract, with its selectors and its post's state."""
    request = synthesis_pb2.GetExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        extract_id=existing_id(extract_id, "extract"))

    def build_as(viewer: Principal | None) -> Build:
        async def build() -> ExtractPublic:
            asked = synthesis_pb2.GetExtractRequest(
                viewer_id=viewer.account_id if viewer else "", viewer_roles=roles(viewer))
            asked.MergeFrom(request)
            return ExtractPublic.of(await clients.call(
                "synthesis", clients.synthesis.GetExtract, asked))
        return build

    return respond(await extracts_answer(
        resources, user, read="extract", consultation_id=request.consultation_id,
        request=str(request), build_as=build_as), if_none_match)


@router.put("/{consultation_id}/extracts/{extract_id}/anchor", response_model=ExtractPublic)
async def reanchor_extract(consultation_id: str, extract_id: str, body: Selection,
                           user: Writer, clients: Clients, cache: Cache) -> ExtractPublic:
    """Anchor the extract again on a selection of the post's current text (typically an
    orphaned one, after its passage was edited away)."""
    request = synthesis_pb2.ReanchorExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        extract_id=existing_id(extract_id, "extract"), start=body.start, end=body.end,
        actor_id=user.account_id, actor_roles=roles(user))
    updated = await clients.call("synthesis", clients.synthesis.ReanchorExtract, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return ExtractPublic.of(updated)
