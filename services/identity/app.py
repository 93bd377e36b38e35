"""The identity service as the runtime sees it."""

from __future__ import annotations

from datetime import timedelta

import grpc

from agora.v1 import identity_pb2, identity_pb2_grpc
from agora_kit.runtime import Dependencies, ServiceApp
from services.identity.access import AccessPolicies
from services.identity.accounts import Accounts
from services.identity.config import IdentitySettings
from services.identity.grants import Grants
from services.identity.keys import KeyRing
from services.identity.mail import sender_for
from services.identity.privacy import Privacy
from services.identity.pseudonyms import Pseudonyms
from services.identity.servicer import IdentityServicer
from services.identity.sso import OidcLogin
from services.identity.tokens import TokenIssuer


class IdentityApp(ServiceApp):
    name = "identity"
    grpc_services = (identity_pb2.DESCRIPTOR.services_by_name["IdentityService"].full_name,)

    def __init__(self, settings: IdentitySettings) -> None:
        self.database = settings.identity_database
        self._settings = settings

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        s = self._settings
        access_ttl = timedelta(seconds=s.access_token_ttl_seconds)
        self._keys = KeyRing(deps.db, rotation=timedelta(days=s.signing_key_rotation_days),
                             token_ttl=access_ttl,
                             passphrase=s.signing_key_passphrase.get_secret_value())
        self._issuer = TokenIssuer(deps.db, self._keys, issuer=s.token_issuer,
                                   audience=s.token_audience, access_ttl=access_ttl,
                                   refresh_ttl=timedelta(days=s.refresh_token_ttl_days))
        self._accounts = Accounts(deps, sender_for(s), min_chars=s.password_min_chars,
                                  email_token_ttl=timedelta(hours=s.email_token_ttl_hours))
        self._grants = Grants(deps)
        self._sso = OidcLogin(deps.db, s, self._accounts)
        self._pseudonyms = Pseudonyms(deps.db)
        servicer = IdentityServicer(accounts=self._accounts, issuer=self._issuer,
                                    keys=self._keys, grants=self._grants,
                                    policies=AccessPolicies(deps),
                                    privacy=Privacy(deps, self._accounts), sso=self._sso,
                                    pseudonyms=self._pseudonyms)
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(servicer, server)

    async def prepare(self, deps: Dependencies) -> None:
        await self._keys.ensure_indexes()
        await self._issuer.ensure_indexes()
        await self._accounts.ensure_indexes()
        await self._grants.ensure_indexes()
        await self._sso.ensure_indexes()
        await self._pseudonyms.ensure_indexes()
        await self._keys.current()  # the first key exists before the first login
