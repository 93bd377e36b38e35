"""A consultation's languages, asked of threads (its owner) and kept for a minute.

Every post of a consultation needs them, and they change rarely (a facilitator's edit);
a minute's staleness only delays translation into a language just added.
"""

from __future__ import annotations

import time

from agora.v1 import threads_pb2_grpc
from agora_kit.consultations import fetch_consultation
from agora_kit.grpc_interceptors import client_channel

RPC_TIMEOUT_SECONDS = 5.0



class ConsultationLanguages:
    def __init__(self, threads_addr: str, *, ttl_seconds: float = 60.0) -> None:
        self._threads_addr = threads_addr
        self._ttl = ttl_seconds
        self._stub: threads_pb2_grpc.ThreadsServiceStub | None = None
        self._known: dict[str, tuple[float, tuple[str, ...]]] = {}

    def _threads(self) -> threads_pb2_grpc.ThreadsServiceStub:
        if self._stub is None:
            self._stub = threads_pb2_grpc.ThreadsServiceStub(
                client_channel(self._threads_addr, service="translation"))
        return self._stub

    async def of(self, consultation_id: str) -> tuple[str, ...]:
        cached = self._known.get(consultation_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        consultation = await fetch_consultation(self._threads(), consultation_id,
                                                    deadline_seconds=RPC_TIMEOUT_SECONDS)
        languages = tuple(consultation.languages)
        self._known[consultation_id] = (time.monotonic() + self._ttl, languages)
        return languages
