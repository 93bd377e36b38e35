"""/v1/consultations/{id}/extracts — harvesting: passages of posts filed as extracts.

Every route sits under its consultation, so the permission check (which finds the
consultation from the path) judges the caller's roles there, and the synthesis service
checks that the post or extract named belongs to it (a post of another consultation is
a 422 on `post_id`, an extract of another one does not exist). Idea catchers and
synthesisers harvest (`extract.write`); everyone the consultation admits reads
(`extract.read`), the quote of a hidden post only if they may read the post's text
(the service decides, with the viewer's id and roles).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import synthesis_pb2
from services.gateway.deps import (
    Clients,
    Cursor,
    IdempotencyKey,
    Limit,
    OptionalUser,
    Writer,
    roles,
)
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
                       clients: Clients, response: Response,
                       idempotency_key: IdempotencyKey = None) -> ExtractPublic:
    """File a passage of a post (its original text, code points [start, end)) as an
    extract of a nature; anchored with a quote and a position selector."""
    request = synthesis_pb2.FileExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"), post_id=body.post_id,
        start=body.start, end=body.end, nature=NATURE_TO_PROTO[body.nature],
        idea_id=body.idea_id or "", actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "")
    filed = await clients.call("synthesis", clients.synthesis.FileExtract, request)
    response.headers["Location"] = f"/v1/consultations/{consultation_id}/extracts/{filed.id}"
    return ExtractPublic.of(filed)


@router.get("/{consultation_id}/extracts", response_model=ExtractsPage)
async def list_extracts(
    consultation_id: str, user: OptionalUser, clients: Clients,
    post_id: Annotated[ResourceId | None, Query(description="Only this post's.")] = None,
    limit: Limit = 20, cursor: Cursor = "",
) -> ExtractsPage:
    """The consultation's extracts, oldest first (orphaned ones included)."""
    request = synthesis_pb2.ListExtractsRequest(
        consultation_id=existing_id(consultation_id, "consultation"), post_id=post_id or "",
        page_size=limit, cursor=cursor, viewer_id=user.account_id if user else "",
        viewer_roles=roles(user))
    page = await clients.call("synthesis", clients.synthesis.ListExtracts, request)
    return ExtractsPage(items=[ExtractPublic.of(e) for e in page.extracts],
                        next_cursor=page.next_cursor or None)


@router.get("/{consultation_id}/extracts/{extract_id}", response_model=ExtractPublic)
async def get_extract(consultation_id: str, extract_id: str, user: OptionalUser,
                      clients: Clients) -> ExtractPublic:
    """One extract, with its selectors and its post's state."""
    request = synthesis_pb2.GetExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        extract_id=existing_id(extract_id, "extract"),
        viewer_id=user.account_id if user else "", viewer_roles=roles(user))
    return ExtractPublic.of(await clients.call("synthesis", clients.synthesis.GetExtract,
                                               request))


@router.put("/{consultation_id}/extracts/{extract_id}/anchor", response_model=ExtractPublic)
async def reanchor_extract(consultation_id: str, extract_id: str, body: Selection,
                           user: Writer, clients: Clients) -> ExtractPublic:
    """Anchor the extract again on a selection of the post's current text (typically an
    orphaned one, after its passage was edited away)."""
    request = synthesis_pb2.ReanchorExtractRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        extract_id=existing_id(extract_id, "extract"), start=body.start, end=body.end,
        actor_id=user.account_id, actor_roles=roles(user))
    return ExtractPublic.of(await clients.call("synthesis",
                                               clients.synthesis.ReanchorExtract, request))
