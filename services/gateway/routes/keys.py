"""/.well-known/jwks.json — identity's public signing keys, for anyone verifying tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.gateway.jwks import JwksVerifier

router = APIRouter(tags=["keys"])


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> Response:
    """The JSON Web Key Set (RFC 7517) of the keys that sign access tokens."""
    verifier: JwksVerifier = request.app.state.jwks
    return Response(await verifier.jwks_json(), media_type="application/jwk-set+json",
                    headers={"Cache-Control": "public, max-age=300"})
