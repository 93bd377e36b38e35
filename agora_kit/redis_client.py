"""A Redis client whose commands and pipelines are measured (`agora_redis_*`).

redis-py reports durations only to OpenTelemetry metrics; this project's metrics are
Prometheus, so the client times its own calls: a command under its name, a pipeline as
MULTI (transactional) or PIPELINE.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from agora_kit.metrics import REDIS_COMMAND_DURATION


class ObservedPipeline(Pipeline):
    service = "unknown"

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if not self.command_stack and not self.watching:
            return []
        name = "MULTI" if self.is_transaction or self.explicit_transaction else "PIPELINE"
        started = time.perf_counter()
        outcome = "error"
        try:
            result: list[Any] = await super().execute(raise_on_error)
            outcome = "ok"
            return result
        finally:
            REDIS_COMMAND_DURATION.labels(self.service, name, outcome).observe(
                time.perf_counter() - started)


class ObservedRedis(Redis):
    """Built like `Redis` (`ObservedRedis.from_url(...)`); `service` labels its metrics."""

    service = "unknown"

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        name = str(args[0]).upper() if args else "UNKNOWN"
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
            outcome = "ok"
            return result
        finally:
            REDIS_COMMAND_DURATION.labels(self.service, name, outcome).observe(
                time.perf_counter() - started)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = ObservedPipeline(self.connection_pool, self.response_callbacks, transaction,
                                shard_hint)
        pipe.service = self.service
        return pipe


def observed_redis(url: str, *, service: str, **options: Any) -> ObservedRedis:
    """A client for url whose calls are measured under service."""
    client = ObservedRedis.from_url(url, **options)
    assert isinstance(client, ObservedRedis)
    client.service = service
    return client
