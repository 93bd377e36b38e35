"""/v1/consultations/{id}/ideas — the ideas table of each theme, and shaping it.

Idea catchers and synthesisers create ideas, retain them for deepening (optionally
opening their two-column thread), set them aside, merge and un-merge them
(`idea.write`); everyone the consultation admits reads them (`idea.read`). Counts come
from the synthesis service, computed from the extracts at read time. A merged idea's id
keeps resolving: its GET answers the idea it went into, with `resolved_from` and a
`Content-Location` naming that idea's own URL. Reads come from the gateway's read cache
with an ETag (reads/synthesis.py); every write renews it before answering.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import synthesis_pb2
from services.gateway.deps import (
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Limit,
    Res,
    Writer,
    roles,
)
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.reading import reading_language
from services.gateway.reads.synthesis import IfNoneMatch, Untranslated, answer, respond
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import ResourceId
from services.gateway.synthesis_reading import VARY, one_idea_units, page_units, translated
from services.gateway.synthesis_schemas import (
    IDEA_STATUS_TO_PROTO,
    IdeaCreate,
    IdeaMerge,
    IdeaPublic,
    IdeasPage,
    IdeaStatusUpdate,
    IdeaUpdate,
)

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])


def _url(consultation_id: str, idea_id: str) -> str:
    return f"/v1/consultations/{consultation_id}/ideas/{idea_id}"


@router.post("/{consultation_id}/ideas", status_code=201, response_model=IdeaPublic)
async def create_idea(consultation_id: str, body: IdeaCreate, user: Writer, clients: Clients,
                      cache: Cache, response: Response,
                      idempotency_key: IdempotencyKey = None) -> IdeaPublic:
    """Propose an idea in a theme, optionally under a parent idea."""
    request = synthesis_pb2.CreateIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=body.theme_id,
        title=body.title, description=body.description, parent_id=body.parent_id or "",
        actor_id=user.account_id, actor_roles=roles(user),
        idempotency_key=idempotency_key or "")
    created = await clients.call("synthesis", clients.synthesis.CreateIdea, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    response.headers["Location"] = _url(consultation_id, created.id)
    return IdeaPublic.of(created)


@router.get("/{consultation_id}/ideas", response_model=IdeasPage)
async def list_ideas(
    consultation_id: str, clients: Clients, resources: Res,
    theme_id: Annotated[ResourceId | None, Query(description="Only this theme's.")] = None,
    include_merged: Annotated[bool, Query(description="Merged ideas too.")] = False,
    limit: Limit = 20, cursor: Cursor = "", if_none_match: IfNoneMatch = None,
    lang: ReadLang = None, original: Original = False, accept_language: AcceptLanguage = None,
) -> Response:
    """The ideas table: ideas oldest first, with their counts, their titles and
    descriptions in the reader's language once translated (`lang`, else Accept-Language;
    `original=true`: as written). Answers carry an `ETag`; `If-None-Match` gets 304 while
    the table is unchanged."""
    request = synthesis_pb2.ListIdeasRequest(
        consultation_id=existing_id(consultation_id, "consultation"), theme_id=theme_id or "",
        include_merged=include_merged, page_size=limit, cursor=cursor)
    language = await reading_language(resources.languages, request.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)

    async def build() -> IdeasPage | Untranslated:
        page = await clients.call("synthesis", clients.synthesis.ListIdeas, request)
        return await translated(clients, IdeasPage(items=[IdeaPublic.of(i) for i in page.ideas],
                                                   next_cursor=page.next_cursor or None),
                                page_units, language)

    return respond(await answer(resources, read="ideas", consultation_id=request.consultation_id,
                                view="", request=str(request), build=build, language=language),
                   if_none_match, VARY)


@router.get("/{consultation_id}/ideas/{idea_id}", response_model=IdeaPublic)
async def get_idea(consultation_id: str, idea_id: str, clients: Clients, resources: Res,
                   if_none_match: IfNoneMatch = None, lang: ReadLang = None,
                   original: Original = False,
                   accept_language: AcceptLanguage = None) -> Response:
    """One idea with its counts, in the reader's language once translated (as the ideas
    table); a merged idea's id answers the idea it went into. Its extracts (and through
    them its posts): `GET .../extracts?idea_id=`."""
    request = synthesis_pb2.GetIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"))
    language = await reading_language(resources.languages, request.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)

    async def build() -> IdeaPublic | Untranslated:
        return await translated(clients, IdeaPublic.of(await clients.call(
            "synthesis", clients.synthesis.GetIdea, request)), one_idea_units, language)

    found = await answer(resources, read="idea", consultation_id=request.consultation_id, view="",
                         request=str(request), build=build, language=language)
    location = _url(consultation_id, json.loads(found.body)["id"])
    return respond(found, if_none_match, {"Content-Location": location, **VARY})


@router.patch("/{consultation_id}/ideas/{idea_id}", response_model=IdeaPublic)
async def edit_idea(consultation_id: str, idea_id: str, body: IdeaUpdate, user: Writer,
                    clients: Clients, cache: Cache) -> IdeaPublic:
    """Rewrite an idea's title or description (a merged idea is 409: undo the merge)."""
    ids = (existing_id(consultation_id, "consultation"), existing_id(idea_id, "idea"))
    current = await clients.call("synthesis", clients.synthesis.GetIdea,
                                 synthesis_pb2.GetIdeaRequest(consultation_id=ids[0],
                                                              idea_id=ids[1]))
    if current.resolved_from:  # the id names a merged idea: the service says so
        current = synthesis_pb2.Idea(title="", description="")
    request = synthesis_pb2.EditIdeaRequest(
        consultation_id=ids[0], idea_id=ids[1],
        title=body.title if body.title is not None else current.title,
        description=body.description if body.description is not None else current.description,
        actor_id=user.account_id, actor_roles=roles(user))
    edited = await clients.call("synthesis", clients.synthesis.EditIdea, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return IdeaPublic.of(edited)


@router.put("/{consultation_id}/ideas/{idea_id}/status", response_model=IdeaPublic)
async def set_idea_status(consultation_id: str, idea_id: str, body: IdeaStatusUpdate,
                          user: Writer, clients: Clients, cache: Cache) -> IdeaPublic:
    """Propose, retain for deepening (optionally opening its two-column thread), or set
    aside."""
    request = synthesis_pb2.SetIdeaStatusRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), status=IDEA_STATUS_TO_PROTO[body.status],
        open_deepening=body.open_deepening, actor_id=user.account_id,
        actor_roles=roles(user))
    changed = await clients.call("synthesis", clients.synthesis.SetIdeaStatus, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return IdeaPublic.of(changed)


@router.post("/{consultation_id}/ideas/{idea_id}/merge", response_model=IdeaPublic)
async def merge_idea(consultation_id: str, idea_id: str, body: IdeaMerge, user: Writer,
                     clients: Clients, cache: Cache) -> IdeaPublic:
    """Merge this idea into another: its extracts and children move there, its id
    resolves there; answers the idea merged into."""
    request = synthesis_pb2.MergeIdeaRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), into_id=body.into_id,
        actor_id=user.account_id, actor_roles=roles(user))
    changed = await clients.call("synthesis", clients.synthesis.MergeIdea, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return IdeaPublic.of(changed)


@router.delete("/{consultation_id}/ideas/{idea_id}/merge", response_model=IdeaPublic)
async def undo_merge(consultation_id: str, idea_id: str, user: Writer,
                     clients: Clients, cache: Cache) -> IdeaPublic:
    """Undo this idea's merge: what it moved comes back, its status is restored."""
    request = synthesis_pb2.UndoMergeRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        idea_id=existing_id(idea_id, "idea"), actor_id=user.account_id,
        actor_roles=roles(user))
    changed = await clients.call("synthesis", clients.synthesis.UndoMerge, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return IdeaPublic.of(changed)
