"""What notifications need from other services: an account's address (identity), a
consultation's title, languages and theme titles (threads) and a synthesis's theme and
title (synthesis: its events name only its id), cached briefly in-process.

Identity's `GetAccount` answers NotFound for an erased account: such a mail is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from agora.v1 import (
    identity_pb2,
    identity_pb2_grpc,
    synthesis_pb2,
    synthesis_pb2_grpc,
    threads_pb2_grpc,
)
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


@dataclass(frozen=True)
class SynthesisInfo:
    theme_id: str
    title: str


class Directory:
    def __init__(self, identity_addr: str, threads_addr: str, synthesis_addr: str) -> None:
        self._addresses = (identity_addr, threads_addr)
        self._synthesis_addr = synthesis_addr
        self._identity: identity_pb2_grpc.IdentityServiceStub | None = None
        self._threads: threads_pb2_grpc.ThreadsServiceStub | None = None
        self._synthesis: synthesis_pb2_grpc.SynthesisServiceStub | None = None
        self._syntheses: BoundedCache[str, SynthesisInfo] = BoundedCache(
            1000, ttl=CACHE_SECONDS)
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
        """The consultation's title, languages and themes; an unknown one is titled by
        its id (a mail still goes out)."""
        try:
            return await self.existing_consultation(consultation_id)
        except NotFound:
            return ConsultationInfo(title=consultation_id, languages=[], themes={})

    async def existing_consultation(self, consultation_id: str) -> ConsultationInfo:
        """The same, NotFound for a consultation threads does not know."""
        found = self._consultations.get(consultation_id)
        if found is not None:
            return found
        _, threads = self._stubs()
        reply = await fetch_consultation(threads, consultation_id,
                                         deadline_seconds=RPC_SECONDS)
        info = ConsultationInfo(title=reply.title, languages=list(reply.languages),
                                themes={t.id: t.title for t in reply.themes})
        self._consultations.put(consultation_id, info)
        return info

    async def synthesis(self, consultation_id: str, synthesis_id: str) -> SynthesisInfo:
        """A synthesis's theme ("" for the whole consultation) and title; an unknown one
        (deleted, never seen) is nobody's theme."""
        found = self._syntheses.get(synthesis_id)
        if found is not None:
            return found
        if self._synthesis is None:
            self._synthesis = synthesis_pb2_grpc.SynthesisServiceStub(
                client_channel(self._synthesis_addr, service="notifications"))
        try:
            reply = await self._synthesis.GetSynthesis(
                synthesis_pb2.GetSynthesisRequest(consultation_id=consultation_id,
                                                  synthesis_id=synthesis_id),
                timeout=RPC_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return SynthesisInfo(theme_id="", title="")
            raise
        info = SynthesisInfo(theme_id=reply.theme_id, title=reply.title)
        self._syntheses.put(synthesis_id, info)
        return info
