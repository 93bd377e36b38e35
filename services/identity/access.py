"""Consultation access policies: who may enter a consultation at all.

Modes: `public` (anyone, anonymous readers included), `registered` (any account) and
`invitation` (invited emails or allowed email domains, e.g. an employee consultation
that admits only `@company.example`). Admission by email requires a *verified* email,
otherwise anyone could register `someone@company.example` and walk in. Holders of a
grant in the consultation and operators are always admitted. A consultation without a
stored policy is public.
"""

from __future__ import annotations

import re

from agora.v1 import identity_pb2
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.identity.accounts import DOMAIN, normalise_email

MODES = ("public", "registered", "invitation")
DOMAIN_MAX = 100


DOMAIN_NAME = re.compile(rf"^{DOMAIN}$")  # the grammar of an email address's domain


def _domain(value: str, *, field: str) -> str:
    domain = value.strip().lower().removeprefix("@")
    if len(domain) > 253 or not DOMAIN_NAME.match(domain):
        raise InvalidArgument("this is not a domain name (e.g. company.example)", field=field)
    return domain


def admits(policy: Document | None, account: Document | None) -> bool:
    mode = policy["mode"] if policy else "public"
    if policy is None or mode == "public":
        return True
    if account is None:
        return False
    if mode == "registered":
        return True
    if not account.get("email_verified"):
        return False
    email: str = account["email"]
    return (email in policy.get("invited_emails", [])
            or email.partition("@")[2] in policy.get("allowed_domains", []))


class AccessPolicies:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps
        self.policies = deps.db["access_policies"]

    async def get(self, consultation_id: str) -> Document | None:
        return await self.policies.find_one({"_id": consultation_id})

    async def set(self, *, consultation_id: str, mode: str, invited_emails: list[str],
                  allowed_domains: list[str], actor: str) -> Document:
        if mode not in MODES:
            raise InvalidArgument(f"mode must be one of {', '.join(MODES)}", field="mode")
        if len(invited_emails) > 10_000 or len(allowed_domains) > DOMAIN_MAX:
            raise InvalidArgument("too many invited emails or domains", field="policy")
        document = {
            "_id": consultation_id, "mode": mode,
            "invited_emails": sorted({normalise_email(e, field=f"invited_emails.{i}")
                                      for i, e in enumerate(invited_emails)}),
            "allowed_domains": sorted({_domain(d, field=f"allowed_domains.{i}")
                                       for i, d in enumerate(allowed_domains)}),
            "updated_by": actor, "updated_at": now(),
        }
        envelope = new_envelope(event_type=EVENTS.access_policy_changed,
                                consultation_id=consultation_id, actor=actor,
                                payload=identity_pb2.AccessPolicyChanged(mode=mode))

        async def work(session: Session, outbox: Outbox) -> None:
            await self.policies.replace_one({"_id": consultation_id}, document, upsert=True,
                                            session=session)
            await outbox.add(envelope, session=session)

        await self._deps.commit(work)
        return document
