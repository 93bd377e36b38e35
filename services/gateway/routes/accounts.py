"""/v1/accounts — register, verify the email, read one's own account, change password,
export one's data and erase the account (GDPR).

Registration answers 202 with the same body whether or not the email already has an
account (the mail tells the owner which case it was).
"""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request, Response
from redis.exceptions import RedisError

from agora.v1 import identity_pb2
from services.gateway.deps import Clients, CurrentUser, resources_of
from services.gateway.identity_schemas import (
    Accepted,
    AccountCreate,
    AccountPublic,
    EmailVerification,
    Erasure,
    PasswordChange,
    ResetConfirm,
    ResetRequest,
)
from services.gateway.problems import Problem

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
REGISTERED = "if this address can be registered, a verification code is on its way"
RESET = "if this address has an account, a reset code is on its way"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("", status_code=202, response_model=Accepted)
async def register(body: AccountCreate, request: Request, clients: Clients) -> Accepted:
    """Create an account; the answer never says whether the email was already taken."""
    limit = resources_of(request.app).registrations
    retry_after = await limit.retry_after(client_ip(request))
    if retry_after is not None:
        raise Problem(429, "too many registrations from this address; try later",
                      kind="rate-limited", headers={"Retry-After": str(retry_after)})
    await clients.call("identity", clients.identity.Register, identity_pb2.RegisterRequest(
        email=body.email, password=body.password, display_name=body.display_name))
    return Accepted(detail=REGISTERED)


@router.post("/password-reset", status_code=202, response_model=Accepted)
async def request_reset(body: ResetRequest, request: Request, clients: Clients) -> Accepted:
    """Mail a reset code; the answer never says whether the email has an account."""
    limit = resources_of(request.app).registrations  # same per-IP budget
    retry_after = await limit.retry_after(client_ip(request))
    if retry_after is not None:
        raise Problem(429, "too many requests from this address; try later",
                      kind="rate-limited", headers={"Retry-After": str(retry_after)})
    await clients.call("identity", clients.identity.RequestPasswordReset,
                       identity_pb2.RequestPasswordResetRequest(email=body.email))
    return Accepted(detail=RESET)


@router.post("/password-reset/confirmation", status_code=204)
async def reset(body: ResetConfirm, clients: Clients) -> Response:
    """Set a new password with the mailed code; every session must log in again."""
    await clients.call("identity", clients.identity.ResetPassword,
                       identity_pb2.ResetPasswordRequest(token=body.code,
                                                         new_password=body.new_password))
    return Response(status_code=204)


@router.post("/verification", status_code=204)
async def verify_email(body: EmailVerification, clients: Clients) -> Response:
    """Confirm the email address with the single-use code that was mailed."""
    await clients.call("identity", clients.identity.VerifyEmail,
                       identity_pb2.VerifyEmailRequest(token=body.code))
    return Response(status_code=204)


@router.get("/{account_id}", response_model=AccountPublic)
async def get(account_id: str, user: CurrentUser, clients: Clients) -> AccountPublic:
    """One's own account (`me` or one's id); anyone else's is 404, as if it did not exist."""
    if account_id not in ("me", user.account_id):
        raise Problem(404, "no such account", kind="not-found")
    reply = await clients.call("identity", clients.identity.GetAccount,
                               identity_pb2.GetAccountRequest(account_id=user.account_id))
    return AccountPublic.of(reply)


@router.put("/me/password", status_code=204)
async def change_password(body: PasswordChange, user: CurrentUser, clients: Clients) -> Response:
    """Change the password; every session (refresh token family) must log in again."""
    await clients.call("identity", clients.identity.ChangePassword,
                       identity_pb2.ChangePasswordRequest(
                           account_id=user.account_id, current_password=body.current_password,
                           new_password=body.new_password))
    return Response(status_code=204)


@router.get("/me/export")
async def export(user: CurrentUser, clients: Clients) -> Response:
    """Everything identity holds about the caller, as a JSON download."""
    reply = await clients.call("identity", clients.identity.ExportAccount,
                               identity_pb2.ExportAccountRequest(account_id=user.account_id))
    return Response(reply.json, media_type="application/json", headers={
        "Content-Disposition": 'attachment; filename="agora-account.json"',
        "Cache-Control": "no-store"})


@router.post("/me/erasure", status_code=204)
async def erase(body: Erasure, user: CurrentUser, clients: Clients,
                request: Request) -> Response:
    """Erase the account (confirmed by password); contributions become "former participant".
    Its access token, still valid for minutes, admits it nowhere from now on."""
    await clients.call("identity", clients.identity.EraseAccount,
                       identity_pb2.EraseAccountRequest(account_id=user.account_id,
                                                        password=body.password))
    access = resources_of(request.app).access
    with contextlib.suppress(RedisError):  # the user.erased event drops it too
        await access.forget_account(user.account_id)
    return Response(status_code=204)
