"""/v1/consultations/{id}/pseudonym — the name the caller debates under there."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agora.v1 import identity_pb2
from services.gateway.deps import Cache, Clients, Names, Writer
from services.gateway.identity_schemas import PseudonymUpdate
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations/{consultation_id}", tags=["pseudonyms"])


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
