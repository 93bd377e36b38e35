"""gRPC servicer of the identity service: validates, calls the domain code, converts."""

from __future__ import annotations

import json

from agora.v1 import identity_pb2, identity_pb2_grpc
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.ids import is_valid_id, require_id
from agora_kit.types import Context, Document
from agora_kit.validators import is_opaque_id
from services.identity.access import AccessPolicies, admits
from services.identity.accounts import Accounts
from services.identity.grants import PLATFORM, Grants, check_manager
from services.identity.keys import KeyRing
from services.identity.privacy import Privacy
from services.identity.pseudonyms import Pseudonyms
from services.identity.sso import OidcLogin
from services.identity.tokens import Issued, TokenIssuer

SECRET_MAX = 512


def _scope(consultation_id: str) -> str:
    return consultation_id and require_id(consultation_id, field="consultation_id")


def _actor(value: str) -> str:
    if not is_opaque_id(value):
        raise InvalidArgument("actor_id is missing or malformed", field="actor_id")
    return value


def _secret(value: str, field: str) -> str:
    if not value or len(value) > SECRET_MAX:
        raise InvalidArgument(f"{field} is missing or too long", field=field)
    return value


def _own(account_id: str) -> str:
    """The caller's own account id, which the gateway takes from their token: one that
    is not an id names no account (a development token's `dev-alice`), so it is not found."""
    if not is_valid_id(account_id):
        raise NotFound("no such account", field="account_id")
    return account_id


def _pair(account_id: str, issued: Issued) -> identity_pb2.TokenPair:
    return identity_pb2.TokenPair(access_token=issued.access_token,
                                  expires_in=issued.expires_in,
                                  refresh_token=issued.refresh_token, account_id=account_id)


def _grant(doc: Document) -> identity_pb2.Grant:
    return identity_pb2.Grant(consultation_id=doc["consultation_id"],
                              account_id=doc["account_id"], role=doc["role"],
                              granted_by=doc["granted_by"])


def _policy(consultation_id: str, doc: Document | None) -> identity_pb2.AccessPolicy:
    if doc is None:
        return identity_pb2.AccessPolicy(consultation_id=consultation_id, mode="public")
    return identity_pb2.AccessPolicy(consultation_id=consultation_id, mode=doc["mode"],
                                     invited_emails=doc["invited_emails"],
                                     allowed_domains=doc["allowed_domains"])


class IdentityServicer(identity_pb2_grpc.IdentityServiceServicer):
    def __init__(self, *, accounts: Accounts, issuer: TokenIssuer, keys: KeyRing,
                 grants: Grants, policies: AccessPolicies, privacy: Privacy,
                 sso: OidcLogin, pseudonyms: Pseudonyms) -> None:
        self._accounts = accounts
        self._issuer = issuer
        self._keys = keys
        self._grants = grants
        self._policies = policies
        self._privacy = privacy
        self._sso = sso
        self._pseudonyms = pseudonyms

    async def Register(self, request: identity_pb2.RegisterRequest,
                       context: Context) -> identity_pb2.RegisterResponse:
        await self._accounts.register(email=request.email, password=request.password,
                                      name=request.display_name)
        return identity_pb2.RegisterResponse()

    async def VerifyEmail(self, request: identity_pb2.VerifyEmailRequest,
                          context: Context) -> identity_pb2.VerifyEmailResponse:
        await self._accounts.verify_email(_secret(request.token, "code"))
        return identity_pb2.VerifyEmailResponse()

    async def Login(self, request: identity_pb2.LoginRequest,
                    context: Context) -> identity_pb2.TokenPair:
        account_id = await self._accounts.check_credentials(
            email=request.email, password=_secret(request.password, "password"))
        return _pair(account_id, await self._issuer.start_session(account_id))

    async def Refresh(self, request: identity_pb2.RefreshRequest,
                      context: Context) -> identity_pb2.TokenPair:
        account_id, issued = await self._issuer.refresh(
            _secret(request.refresh_token, "refresh_token"))
        return _pair(account_id, issued)

    async def StartOidcLogin(self, request: identity_pb2.StartOidcLoginRequest,
                             context: Context) -> identity_pb2.OidcStart:
        return identity_pb2.OidcStart(authorization_url=await self._sso.start())

    async def GetOidcConfig(self, request: identity_pb2.GetOidcConfigRequest,
                            context: Context) -> identity_pb2.OidcConfig:
        name = self._sso.provider_name()
        return identity_pb2.OidcConfig(enabled=name is not None, provider_name=name or "")

    async def FinishOidcLogin(self, request: identity_pb2.FinishOidcLoginRequest,
                              context: Context) -> identity_pb2.TokenPair:
        account_id = await self._sso.finish(code=_secret(request.code, "code"),
                                            state=_secret(request.state, "state"))
        return _pair(account_id, await self._issuer.start_session(account_id))

    async def Logout(self, request: identity_pb2.LogoutRequest,
                     context: Context) -> identity_pb2.LogoutResponse:
        await self._issuer.end_session(_secret(request.refresh_token, "refresh_token"))
        return identity_pb2.LogoutResponse()

    async def ChangePassword(self, request: identity_pb2.ChangePasswordRequest,
                             context: Context) -> identity_pb2.ChangePasswordResponse:
        account_id = _own(request.account_id)
        await self._accounts.change_password(
            account_id=account_id, current=_secret(request.current_password, "current_password"),
            new=request.new_password)
        await self._issuer.revoke_all(account_id)  # every other session logs in again
        return identity_pb2.ChangePasswordResponse()

    async def RequestPasswordReset(
        self, request: identity_pb2.RequestPasswordResetRequest, context: Context
    ) -> identity_pb2.RequestPasswordResetResponse:
        await self._accounts.request_reset(request.email)
        return identity_pb2.RequestPasswordResetResponse()

    async def ResetPassword(self, request: identity_pb2.ResetPasswordRequest,
                            context: Context) -> identity_pb2.ResetPasswordResponse:
        account_id = await self._accounts.reset_password(token=_secret(request.token, "code"),
                                                         new=request.new_password)
        await self._issuer.revoke_all(account_id)
        return identity_pb2.ResetPasswordResponse()

    async def GetAccount(self, request: identity_pb2.GetAccountRequest,
                         context: Context) -> identity_pb2.Account:
        doc = await self._accounts.get(_own(request.account_id))
        return identity_pb2.Account(id=doc["_id"], email=doc["email"],
                                    email_verified=doc["email_verified"],
                                    display_name=doc["display_name"])

    async def GetJwks(self, request: identity_pb2.GetJwksRequest,
                      context: Context) -> identity_pb2.Jwks:
        return identity_pb2.Jwks(json=json.dumps(await self._keys.jwks()))

    async def RotateSigningKey(self, request: identity_pb2.RotateSigningKeyRequest,
                               context: Context) -> identity_pb2.RotateSigningKeyResponse:
        return identity_pb2.RotateSigningKeyResponse(kid=(await self._keys.rotate()).kid)

    async def GetAccess(self, request: identity_pb2.GetAccessRequest,
                        context: Context) -> identity_pb2.Access:
        consultation_id = _scope(request.consultation_id)
        account = None
        roles: set[str] = set()
        if request.account_id:
            account = await self._accounts.accounts.find_one(
                {"_id": require_id(request.account_id, field="account_id")})
            if account is None:  # erased while its access token is still valid
                return identity_pb2.Access(allowed=False)
        if account is not None:
            roles = await self._grants.roles_of(account["_id"], consultation_id)
        policy = await self._policies.get(consultation_id) if consultation_id else None
        allowed = bool(roles) or admits(policy, account)
        if account is not None and allowed:
            roles.add("participant")
        return identity_pb2.Access(allowed=allowed, roles=sorted(roles))

    async def GrantRole(self, request: identity_pb2.RoleChange,
                        context: Context) -> identity_pb2.Grant:
        account_id = require_id(request.account_id, field="account_id")
        try:
            await self._accounts.get(account_id)
        except NotFound:  # a field of the body naming no account, not a missing resource
            raise InvalidArgument("no such account", field="account_id") from None
        doc = await self._grants.grant(
            consultation_id=_scope(request.consultation_id), account_id=account_id,
            role=request.role, actor=_actor(request.actor_id),
            actor_roles=list(request.actor_roles))
        return _grant(doc)

    async def RevokeRole(self, request: identity_pb2.RoleChange,
                         context: Context) -> identity_pb2.RevokeRoleResponse:
        await self._grants.revoke(
            consultation_id=_scope(request.consultation_id),
            account_id=require_id(request.account_id, field="account_id"),
            role=request.role, actor=_actor(request.actor_id),
            actor_roles=list(request.actor_roles))
        return identity_pb2.RevokeRoleResponse()

    async def ListGrants(self, request: identity_pb2.ListGrantsRequest,
                         context: Context) -> identity_pb2.ListGrantsResponse:
        docs = await self._grants.of_consultation(_scope(request.consultation_id))
        return identity_pb2.ListGrantsResponse(grants=[_grant(d) for d in docs])

    async def GetAccessPolicy(self, request: identity_pb2.GetAccessPolicyRequest,
                              context: Context) -> identity_pb2.AccessPolicy:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        return _policy(consultation_id, await self._policies.get(consultation_id))

    async def SetAccessPolicy(self, request: identity_pb2.SetAccessPolicyRequest,
                              context: Context) -> identity_pb2.AccessPolicy:
        policy = request.policy
        consultation_id = require_id(policy.consultation_id, field="consultation_id")
        if consultation_id == PLATFORM:
            raise InvalidArgument("a policy belongs to a consultation", field="consultation_id")
        actor = _actor(request.actor_id)
        check_manager(actor=actor, actor_roles=list(request.actor_roles))
        doc = await self._policies.set(
            consultation_id=consultation_id, mode=policy.mode,
            invited_emails=list(policy.invited_emails),
            allowed_domains=list(policy.allowed_domains), actor=actor)
        return _policy(consultation_id, doc)

    async def ExportAccount(self, request: identity_pb2.ExportAccountRequest,
                            context: Context) -> identity_pb2.AccountExport:
        data = await self._privacy.export(_own(request.account_id))
        return identity_pb2.AccountExport(json=json.dumps(data))

    async def EraseAccount(self, request: identity_pb2.EraseAccountRequest,
                           context: Context) -> identity_pb2.EraseAccountResponse:
        await self._privacy.erase(account_id=_own(request.account_id),
                                  password=_secret(request.password, "password"))
        return identity_pb2.EraseAccountResponse()

    async def SetPseudonym(self, request: identity_pb2.SetPseudonymRequest,
                           context: Context) -> identity_pb2.SetPseudonymResponse:
        await self._pseudonyms.set(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            account_id=_own(request.account_id),
            pseudonym=request.pseudonym)
        return identity_pb2.SetPseudonymResponse()

    async def GetPublicNames(self, request: identity_pb2.GetPublicNamesRequest,
                             context: Context) -> identity_pb2.GetPublicNamesResponse:
        if len(request.account_ids) > 500:
            raise InvalidArgument("at most 500 accounts at a time", field="account_ids")
        # An id that is not an account id names nobody (a development token's account, a
        # workshop label): no name for it, rather than failing the names of the others.
        names = await self._pseudonyms.public_names(
            require_id(request.consultation_id, field="consultation_id"),
            [a for a in request.account_ids if is_valid_id(a)])
        return identity_pb2.GetPublicNamesResponse(names=[
            identity_pb2.PublicName(account_id=a, name=n, pseudonymous=p)
            for a, (n, p) in names.items()])
