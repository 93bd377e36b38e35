"""/v1/consultations/{id}/pseudonym — the name the caller debates under there, and the
author key their contributions carry there (read only by the caller themselves)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agora.v1 import identity_pb2
from services.gateway.deps import Cache, Clients, CurrentUser, Keys, Names, Writer
from services.gateway.identity_schemas import PseudonymUpdate, PublicSelf
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations/{consultation_id}", tags=["pseudonyms"])


@router.get("/pseudonym", response_model=PublicSelf)
async def get_pseudonym(consultation_id: str, user: CurrentUser, clients: Clients,
                        keys: Keys) -> PublicSelf:
    """The caller's pseudonym here, the name their posts show, and their author key here
    (posts carry the key, never the account, so this is how a front-end finds the
    caller's own posts in pages and live events)."""
    consultation_id = existing_id(consultation_id, "consultation")
    reply = await clients.call("identity", clients.identity.GetPublicNames,
                               identity_pb2.GetPublicNamesRequest(
                                   consultation_id=consultation_id,
                                   account_ids=[user.account_id]))
    found = next((n for n in reply.names if n.account_id == user.account_id), None)
    return PublicSelf(pseudonym=found.name if found and found.pseudonymous else None,
                      author_name=found.name if found and found.name else None,
                      author_key=keys.of(consultation_id, user.account_id))


@router.put("/pseudonym", status_code=204)
async def set_pseudonym(consultation_id: str, body: PseudonymUpdate, user: Writer,
                        clients: Clients, names: Names, cache: Cache) -> Response:
    """Debate under a pseudonym in this consultation (empty: the display name again);
    posts show it as `author_name`."""
    consultation_id = existing_id(consultation_id, "consultation")
    await clients.call("identity", clients.identity.SetPseudonym,
                       identity_pb2.SetPseudonymRequest(
                           consultation_id=consultation_id,
                           account_id=user.account_id, pseudonym=body.pseudonym))
    await names.forget(consultation_id, user.account_id)
    await cache.after_write(cache.names_changed(consultation_id))  # pages show the name
    return Response(status_code=204)
