"""gRPC clients of the services the gateway composes, with one error translation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from agora.v1 import (
    exposure_pb2_grpc,
    identity_pb2_grpc,
    notifications_pb2_grpc,
    opinions_pb2_grpc,
    synthesis_pb2_grpc,
    threads_pb2_grpc,
    topics_pb2_grpc,
    translation_pb2_grpc,
    voting_pb2_grpc,
)
from agora_kit.grpc_interceptors import client_channel
from services.gateway.config import GatewaySettings
from services.gateway.problems import from_rpc_error

T = TypeVar("T")


class ServiceClients:
    def __init__(self, settings: GatewaySettings) -> None:
        self.timeout = settings.rpc_timeout_seconds
        self._channels = {
            name: client_channel(address, service="gateway")
            for name, address in settings.service_addresses().items()
        }
        self.identity = identity_pb2_grpc.IdentityServiceStub(self._channels["identity"])
        self.threads = threads_pb2_grpc.ThreadsServiceStub(self._channels["threads"])
        self.synthesis = synthesis_pb2_grpc.SynthesisServiceStub(self._channels["synthesis"])
        self.exposure = exposure_pb2_grpc.ExposureServiceStub(self._channels["synthesis"])
        self.opinions = opinions_pb2_grpc.OpinionsServiceStub(self._channels["synthesis"])
        self.topics = topics_pb2_grpc.TopicsServiceStub(self._channels["synthesis"])
        self.voting = voting_pb2_grpc.VotingServiceStub(self._channels["voting"])
        self.translation = translation_pb2_grpc.TranslationServiceStub(
            self._channels["translation"])
        self.notifications = notifications_pb2_grpc.NotificationsServiceStub(
            self._channels["notifications"])

    async def call(self, service: str, method: Callable[..., Awaitable[T]], request: Any,
                   *, deadline: float | None = None) -> T:
        """Call method with the gateway's deadline (or a longer one the route names for a
        rare, heavy operation); a failed call raises a Problem."""
        try:
            return await method(request, timeout=max(deadline or 0.0, self.timeout))
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error, service) from None

    async def health(self, deadline: float = 1.0) -> dict[str, str]:
        """Each service's overall health status name (UNREACHABLE when it does not answer)."""

        async def check(channel: grpc.aio.Channel) -> str:
            stub = health_pb2_grpc.HealthStub(channel)
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""),
                                         timeout=deadline)
            except grpc.aio.AioRpcError:
                return "UNREACHABLE"
            return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

        names = list(self._channels)
        results = await asyncio.gather(*(check(self._channels[n]) for n in names))
        return dict(zip(names, results, strict=True))

    async def close(self) -> None:
        await asyncio.gather(*(channel.close() for channel in self._channels.values()))
