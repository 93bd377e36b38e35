"""/v1/consultations/{id}/roles and /access — grants and the access policy.

Strategists (and operators) grant and revoke roles and set who may enter. After identity
committed a change, the gateway drops its cached answers for the consultation so the
change applies to the next request on every replica.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from agora.v1 import identity_pb2, threads_pb2
from services.gateway.deps import Clients, CurrentUser, OptionalUser, Writer, resources_of
from services.gateway.identity_schemas import (
    AccessPolicyPublic,
    AccessPolicyUpdate,
    CallerAccess,
    GrantCreate,
    GrantPublic,
    GrantsList,
)
from services.gateway.permissions import ANONYMOUS, PERMISSIONS, allowed
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations/{consultation_id}", tags=["roles"])


async def _forget(request: Request, consultation_id: str) -> None:
    resolver = resources_of(request.app).access
    await resolver.forget(consultation_id)


@router.get("/roles", response_model=GrantsList)
async def list_grants(consultation_id: str, user: CurrentUser, clients: Clients) -> GrantsList:
    """Every role granted in the consultation."""
    request = identity_pb2.ListGrantsRequest(
        consultation_id=existing_id(consultation_id, "consultation"))
    reply = await clients.call("identity", clients.identity.ListGrants, request)
    return GrantsList(items=[GrantPublic.of(g) for g in reply.grants])


@router.post("/roles", status_code=201, response_model=GrantPublic)
async def grant(consultation_id: str, body: GrantCreate, user: Writer, clients: Clients,
                request: Request) -> GrantPublic:
    """Grant a role to an account (emits `role.granted`, audited)."""
    reply = await clients.call("identity", clients.identity.GrantRole, identity_pb2.RoleChange(
        consultation_id=existing_id(consultation_id, "consultation"),
        account_id=body.account_id, role=body.role, actor_id=user.account_id,
        actor_roles=sorted(user.roles)))
    await _forget(request, consultation_id)
    return GrantPublic.of(reply)


@router.delete("/roles/{account_id}/{role}", status_code=204)
async def revoke(consultation_id: str, account_id: str, role: str, user: Writer,
                 clients: Clients, request: Request) -> Response:
    """Revoke a role (emits `role.revoked`, audited)."""
    await clients.call("identity", clients.identity.RevokeRole, identity_pb2.RoleChange(
        consultation_id=existing_id(consultation_id, "consultation"),
        account_id=existing_id(account_id, "account"), role=role, actor_id=user.account_id,
        actor_roles=sorted(user.roles)))
    await _forget(request, consultation_id)
    return Response(status_code=204)


@router.get("/me", response_model=CallerAccess)
async def my_access(consultation_id: str, user: OptionalUser, clients: Clients,
                    response: Response) -> CallerAccess:
    """The caller's roles here and what they allow, resolved as every route resolves them
    (grants, admission, development tokens), so a screen offers only what will be let
    through; it is a hint, never a check."""
    consultation_id = existing_id(consultation_id, "consultation")
    await clients.call("threads", clients.threads.GetConsultation,  # an unknown one is 404
                       threads_pb2.GetConsultationRequest(consultation_id=consultation_id))
    roles = sorted(role.value for role in user.roles) if user is not None else [ANONYMOUS]
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Vary"] = "Authorization"
    return CallerAccess(
        consultation_id=consultation_id, roles=roles,
        actions=sorted(action for action in PERMISSIONS if allowed(action, roles)))


@router.get("/access", response_model=AccessPolicyPublic)
async def get_access(consultation_id: str, user: CurrentUser,
                     clients: Clients) -> AccessPolicyPublic:
    """Who may enter: public, registered users, or invited emails / allowed domains."""
    reply = await clients.call(
        "identity", clients.identity.GetAccessPolicy,
        identity_pb2.GetAccessPolicyRequest(
            consultation_id=existing_id(consultation_id, "consultation")))
    return AccessPolicyPublic.of(reply)


@router.put("/access", response_model=AccessPolicyPublic)
async def set_access(consultation_id: str, body: AccessPolicyUpdate, user: Writer,
                     clients: Clients, request: Request) -> AccessPolicyPublic:
    """Replace the access policy (emits `access_policy.changed`)."""
    policy = identity_pb2.AccessPolicy(
        consultation_id=existing_id(consultation_id, "consultation"), mode=body.mode,
        invited_emails=body.invited_emails, allowed_domains=body.allowed_domains)
    reply = await clients.call("identity", clients.identity.SetAccessPolicy,
                               identity_pb2.SetAccessPolicyRequest(
                                   policy=policy, actor_id=user.account_id,
                                   actor_roles=sorted(user.roles)))
    await _forget(request, consultation_id)
    return AccessPolicyPublic.of(reply)
