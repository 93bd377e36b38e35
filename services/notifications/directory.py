"""What mails need from other services: an account's address (identity) and a
consultation's title, languages and theme titles (threads), cached briefly in-process.

Identity's `GetAccount` answers NotFound for an erased account: such a mail is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from agora.v1 import identity_pb2, identity_pb2_grpc, threads_pb2_grpc
from agora_kit.cache import BoundedCache
from agora_kit.consultations import fetch_consultation
from agora_kit.errors import NotFound
from agora_kit.grpc_interceptors import client_channel

RPC_SECONDS = 5.0
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Recipient:
    email: str
    verified: bool


@dataclass(frozen=True)
class ConsultationInfo:
    title: str
    languages: list[str]
    themes: dict[str, str]


class Directory:
    def __init__(self, identity_addr: str, threads_addr: str) -> None:
        self._addresses = (identity_addr, threads_addr)
        self._identity: identity_pb2_grpc.IdentityServiceStub | None = None
        self._threads: threads_pb2_grpc.ThreadsServiceStub | None = None
        self._consultations: BoundedCache[str, ConsultationInfo] = BoundedCache(
            1000, ttl=CACHE_SECONDS)

    def _stubs(self) -> tuple[identity_pb2_grpc.IdentityServiceStub,
                              threads_pb2_grpc.ThreadsServiceStub]:
        if self._identity is None or self._threads is None:
            identity, threads = self._addresses
            self._identity = identity_pb2_grpc.IdentityServiceStub(
                client_channel(identity, service="notifications"))
            self._threads = threads_pb2_grpc.ThreadsServiceStub(
                client_channel(threads, service="notifications"))
        return self._identity, self._threads

    async def recipient(self, account_id: str) -> Recipient | None:
        """The account's address; None when identity has no such account (erased)."""
        identity, _ = self._stubs()
        try:
            account = await identity.GetAccount(
                identity_pb2.GetAccountRequest(account_id=account_id), timeout=RPC_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return Recipient(email=account.email, verified=account.email_verified)

    async def consultation(self, consultation_id: str) -> ConsultationInfo:
        found = self._consultations.get(consultation_id)
        if found is not None:
            return found
        _, threads = self._stubs()
        try:
            reply = await fetch_consultation(threads, consultation_id,
                                             deadline_seconds=RPC_SECONDS)
        except NotFound:
            return ConsultationInfo(title=consultation_id, languages=[], themes={})
        info = ConsultationInfo(title=reply.title, languages=list(reply.languages),
                                themes={t.id: t.title for t in reply.themes})
        self._consultations.put(consultation_id, info)
        return info
