"""/.well-known/jwks.json — identity's public signing keys, for anyone verifying tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agora.v1 import identity_pb2
from services.gateway.deps import Clients

router = APIRouter(tags=["keys"])
JWK_SET = "application/jwk-set+json"
JWKS_SCHEMA = {"type": "object", "required": ["keys"], "properties": {"keys": {
    "type": "array", "items": {"type": "object", "required": ["kty", "kid"],
                               "properties": {"kty": {"type": "string"},
                                              "kid": {"type": "string"}}}}}}


@router.get("/.well-known/jwks.json", response_class=Response,
            responses={200: {"content": {JWK_SET: {"schema": JWKS_SCHEMA}},
                             "description": "The JSON Web Key Set (RFC 7517)."}})
async def jwks(clients: Clients) -> Response:
    """The JSON Web Key Set (RFC 7517) of the keys that sign access tokens."""
    reply = await clients.call("identity", clients.identity.GetJwks,
                               identity_pb2.GetJwksRequest())
    return Response(reply.json, media_type=JWK_SET,
                    headers={"Cache-Control": "public, max-age=300"})
