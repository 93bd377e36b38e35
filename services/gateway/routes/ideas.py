"""/v1/consultations/{id}/ideas — the ideas table of each theme, and shaping it.

Idea catchers and synthesisers create ideas, retain them for deepening (optionally
opening their two-column thread), set them aside, merge and un-merge them
(`idea.write`); everyone the consultation admits reads them (`idea.read`). Counts come
from the synthesis service, computed from the extracts at read time. A merged idea's id
keeps resolving: its GET answers the idea it went into, with `resolved_from` and a
`Content-Location` naming that idea's own URL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import synthesis_pb2
from services.gateway.deps import Clients, Cursor, IdempotencyKey, Limit, Writer, roles
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import ResourceId
from services.gateway.synthesis_schemas import (
    IDEA_STATUS_TO_PROTO,
    IdeaCreate,
    IdeaMerge,
    IdeaPublic,
    IdeasPage,
    IdeaStatusUpdate,
)

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])


def _url(consultation_id: str, idea_id: str) -> str:
    return f"/v1/consultations/{consultation_id}/ideas/{idea_id}"


@router.post("/{consultation_id}/ideas", status_code=201, response_model=IdeaPublic)
async def create_idea(consultation_id: str, body: IdeaCreate, user: Writer, clients: Clients,
                      response: Response,
                      idempotency_key: IdempotencyKey = None) -> IdeaPublic:
    """Propose an idea in a theme, optionally under a parent idea."""
    request = synthesis_pb2.CreateIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=body.theme_id,
        title=body.title, description=body.description, parent_id=body.parent_id or "",
        actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "")
    created = await clients.call("synthesis", clients.synthesis.CreateIdea, request)
    response.headers["Location"] = _url(consultation_id, created.id)
    return IdeaPublic.of(created)


@router.get("/{consultation_id}/ideas", response_model=IdeasPage)
async def list_ideas(
    consultation_id: str, clients: Clients,
    theme_id: Annotated[ResourceId | None, Query(description="Only this theme's.")] = None,
    include_merged: Annotated[bool, Query(description="Merged ideas too.")] = False,
    limit: Limit = 20, cursor: Cursor = "",
) -> IdeasPage:
    """The ideas table: ideas oldest first, with their counts."""
    request = synthesis_pb2.ListIdeasRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=theme_id or "",
        include_merged=include_merged, page_size=limit, cursor=cursor)
    page = await clients.call("synthesis", clients.synthesis.ListIdeas, request)
    return IdeasPage(items=[IdeaPublic.of(i) for i in page.ideas],
                     next_cursor=page.next_cursor or None)


@router.get("/{consultation_id}/ideas/{idea_id}", response_model=IdeaPublic)
async def get_idea(consultation_id: str, idea_id: str, clients: Clients,
                   response: Response) -> IdeaPublic:
    """One idea with its counts; a merged idea's id answers the idea it went into."""
    request = synthesis_pb2.GetIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"))
    idea = await clients.call("synthesis", clients.synthesis.GetIdea, request)
    response.headers["Content-Location"] = _url(consultation_id, idea.id)
    return IdeaPublic.of(idea)


@router.put("/{consultation_id}/ideas/{idea_id}/status", response_model=IdeaPublic)
async def set_idea_status(consultation_id: str, idea_id: str, body: IdeaStatusUpdate,
                          user: Writer, clients: Clients) -> IdeaPublic:
    """Propose, retain for deepening (optionally opening its two-column thread), or set
    aside."""
    request = synthesis_pb2.SetIdeaStatusRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), status=IDEA_STATUS_TO_PROTO[body.status],
        open_deepening=body.open_deepening, actor_id=user.account_id,
        actor_roles=roles(user))
    return IdeaPublic.of(await clients.call("synthesis", clients.synthesis.SetIdeaStatus,
                                            request))


@router.post("/{consultation_id}/ideas/{idea_id}/merge", response_model=IdeaPublic)
async def merge_idea(consultation_id: str, idea_id: str, body: IdeaMerge, user: Writer,
                     clients: Clients) -> IdeaPublic:
    """Merge this idea into another: its extracts and children move there, its id
    resolves there; answers the idea merged into."""
    request = synthesis_pb2.MergeIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), into_id=body.into_id,
        actor_id=user.account_id, actor_roles=roles(user))
    return IdeaPublic.of(await clients.call("synthesis", clients.synthesis.MergeIdea,
                                            request))


@router.delete("/{consultation_id}/ideas/{idea_id}/merge", response_model=IdeaPublic)
async def undo_merge(consultation_id: str, idea_id: str, user: Writer,
                     clients: Clients) -> IdeaPublic:
    """Undo this idea's merge: what it moved comes back, its status is restored."""
    request = synthesis_pb2.UndoMergeRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), actor_id=user.account_id,
        actor_roles=roles(user))
    return IdeaPublic.of(await clients.call("synthesis", clients.synthesis.UndoMerge,
                                            request))
