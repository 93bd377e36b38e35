"""Public JSON shapes of accounts, sessions, roles and access policies.

Secrets (passwords, codes, refresh tokens) travel only in bodies, never in URLs, so
they do not end up in access logs, proxies or browser history.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import identity_pb2
from services.gateway.problems import pattern
from services.gateway.schemas import Input, ResourceId

# What identity accepts (services/identity/accounts.py), in characters both regex dialects
# (Python's and JSON Schema's) read alike, so the document and the gateway agree exactly.
DOMAIN = r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
Email = Annotated[str, StringConstraints(max_length=254, pattern=pattern(
    rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{DOMAIN}$", "this is not an email address"))]
Domain = Annotated[str, StringConstraints(max_length=253, pattern=pattern(
    rf"^@?{DOMAIN}$", "this is not a domain name (e.g. company.example)"))]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
# identity's floor (PASSWORD_MIN_CHARS may raise it); common passwords are refused there too.
NewPassword = Annotated[str, StringConstraints(min_length=12, max_length=256)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=512)]
RoleName = Literal["participant", "moderator", "idea_catcher", "synthesiser",
                   "knowledge_manager", "expert", "strategist"]
AccessMode = Literal["public", "registered", "invitation"]


class AccountCreate(Input):
    email: Email
    password: NewPassword
    display_name: Annotated[str, StringConstraints(max_length=200)] = Field(
        default="", description="Optional; shown beside your posts wherever you have no "
        "pseudonym. Up to 80 characters once normalised (NFKC, invisible characters "
        "removed, spaces collapsed), no `@`, no mix of scripts whose letters look alike "
        "(as pseudonyms, 422 naming `display_name`); never derived from the email: without "
        "one, your posts carry no `author_name`.")


class Accepted(BaseModel):
    detail: str


class EmailVerification(Input):
    code: Secret


class AccountPublic(BaseModel):
    """The caller's own account (private data: only ever shown to its owner)."""

    id: str
    email: str
    email_verified: bool
    display_name: str | None = Field(description="null: none chosen.")

    @classmethod
    def of(cls, message: identity_pb2.Account) -> AccountPublic:
        return cls(id=message.id, email=message.email, email_verified=message.email_verified,
                   display_name=message.display_name or None)


class PasswordChange(Input):
    current_password: Password
    new_password: NewPassword


class ResetRequest(Input):
    email: Email


class ResetConfirm(Input):
    code: Secret
    new_password: NewPassword


class Erasure(Input):
    password: Password


class LoginRequest(Input):
    email: Email
    password: Password


class RefreshRequest(Input):
    refresh_token: Secret


class OidcStartPublic(BaseModel):
    authorization_url: str


class OidcConfigPublic(BaseModel):
    """Whether a front-end should offer single sign-on, and with whom."""

    enabled: bool = Field(description="False: `POST /v1/sessions/oidc` answers 409.")
    provider: str | None = Field(
        description='The name for a "Log in with …" button (OIDC_PROVIDER_NAME, else the '
                    "issuer's host); null when not enabled.")


class OidcCallback(Input):
    code: Secret
    state: Secret


class TokenPairPublic(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    account_id: str

    @classmethod
    def of(cls, message: identity_pb2.TokenPair) -> TokenPairPublic:
        return cls(access_token=message.access_token, expires_in=message.expires_in,
                   refresh_token=message.refresh_token, account_id=message.account_id)


class PseudonymUpdate(Input):
    pseudonym: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="Up to 40 characters once normalised (NFKC, invisible characters "
        "removed, spaces collapsed); unique in the consultation among names that look "
        "alike; \"\" drops it.")


class PublicSelf(BaseModel):
    """How the caller appears in one consultation."""

    pseudonym: str | None = Field(description="Their pseudonym here (null: none).")
    author_name: str | None = Field(
        description="The name their posts show: the pseudonym, else the display name "
        "(null: neither; posts then show `author_name` null beside the author key).")
    author_key: str | None = Field(
        description="The author key their posts, fact-checks and summaries carry here: "
        "compare a post's `author_key` with it to recognise one's own.")


class GrantCreate(Input):
    account_id: ResourceId
    role: RoleName


class GrantPublic(BaseModel):
    consultation_id: str
    account_id: str
    role: str
    granted_by: str

    @classmethod
    def of(cls, message: identity_pb2.Grant) -> GrantPublic:
        return cls(consultation_id=message.consultation_id, account_id=message.account_id,
                   role=message.role, granted_by=message.granted_by)


class GrantsList(BaseModel):
    items: list[GrantPublic]


class AccessPolicyUpdate(Input):
    mode: AccessMode
    invited_emails: list[Email] = Field(default_factory=list, max_length=10_000)
    allowed_domains: list[Domain] = Field(
        default_factory=list, max_length=100, description='E.g. "company.example".')


class CallerAccess(BaseModel):
    """The caller's roles in a consultation and the actions of the permission table they
    allow (`anonymous` without a token): what a front-end shows or hides. Every request
    is still authorised on its own."""

    consultation_id: str
    roles: list[str]
    actions: list[str]


class AccessPolicyPublic(BaseModel):
    consultation_id: str
    mode: str
    invited_emails: list[str]
    allowed_domains: list[str]

    @classmethod
    def of(cls, message: identity_pb2.AccessPolicy) -> AccessPolicyPublic:
        return cls(consultation_id=message.consultation_id, mode=message.mode,
                   invited_emails=list(message.invited_emails),
                   allowed_domains=list(message.allowed_domains))
