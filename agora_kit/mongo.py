"""MongoDB access through PyMongo's native async client (Motor's successor)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from agora_kit.metrics import MONGODB_COMMAND_DURATION, MONGODB_CONNECTIONS_IN_USE
from agora_kit.types import Document

Client = AsyncMongoClient[Document]
Database = AsyncDatabase[Document]
Session = AsyncClientSession
T = TypeVar("T")


class SessionRecorder(Protocol):
    async def record(self, session: Session) -> None:
        """Keep the session's server id on record before a transaction starts on it."""


class ServiceClient(AsyncMongoClient[Document]):
    """A service process's client: with a `recorder` (`agora_kit/instances.py`), every
    transaction's server session is on record before the transaction starts, so that if
    the process dies mid-transaction another one can end it at once."""

    recorder: SessionRecorder | None = None


class CommandMetrics(monitoring.CommandListener):
    """Every command's duration and outcome, as the client saw it (the MongoDB panels)."""

    def __init__(self, service: str) -> None:
        self._service = service

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        return None

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        MONGODB_COMMAND_DURATION.labels(self._service, event.command_name, "ok").observe(
            event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        MONGODB_COMMAND_DURATION.labels(self._service, event.command_name, "error").observe(
            event.duration_micros / 1e6)


class PoolMetrics(monitoring.ConnectionPoolListener):
    """Connections checked out of the pool: its saturation."""

    def __init__(self, service: str) -> None:
        self._in_use = MONGODB_CONNECTIONS_IN_USE.labels(service)
        self._in_use.set(0)

    def connection_checked_out(self, event: monitoring.ConnectionCheckedOutEvent) -> None:
        self._in_use.inc()

    def connection_checked_in(self, event: monitoring.ConnectionCheckedInEvent) -> None:
        self._in_use.dec()

    def pool_created(self, event: monitoring.PoolCreatedEvent) -> None: ...
    def pool_ready(self, event: monitoring.PoolReadyEvent) -> None: ...
    def pool_cleared(self, event: monitoring.PoolClearedEvent) -> None: ...
    def pool_closed(self, event: monitoring.PoolClosedEvent) -> None: ...
    def connection_created(self, event: monitoring.ConnectionCreatedEvent) -> None: ...
    def connection_ready(self, event: monitoring.ConnectionReadyEvent) -> None: ...
    def connection_closed(self, event: monitoring.ConnectionClosedEvent) -> None: ...

    def connection_check_out_started(
        self, event: monitoring.ConnectionCheckOutStartedEvent) -> None: ...

    def connection_check_out_failed(
        self, event: monitoring.ConnectionCheckOutFailedEvent) -> None: ...


def connect(uri: str, *, app_name: str) -> ServiceClient:
    """A client that fails fast (5 s) when no server answers, returning tz-aware dates,
    with its commands and pool use measured (`agora_mongodb_*`)."""
    return ServiceClient(
        uri, appname=app_name, tz_aware=True, serverSelectionTimeoutMS=5000,
        connectTimeoutMS=3000, event_listeners=[CommandMetrics(app_name), PoolMetrics(app_name)],
    )


async def ping(client: Client) -> None:
    await client.admin.command("ping")


def recorded(client: Client, work: Callable[[Session], Awaitable[T]]
             ) -> Callable[[Session], Awaitable[T]]:
    """work, preceded in every attempt by putting its session on record (before the
    attempt's first statement, which is what opens the transaction on the server)."""
    recorder = client.recorder if isinstance(client, ServiceClient) else None
    if recorder is None:
        return work

    async def attempt(session: Session) -> T:
        await recorder.record(session)
        return await work(session)

    return attempt


async def to_completion(operation: Coroutine[Any, Any, T]) -> T:
    """Await a transaction that a cancelled caller (a gRPC deadline, a client gone) does
    not interrupt: it still commits or aborts. Cut off mid-way, it would stay open on the
    server holding its writes, and every conflicting write would fail until the server
    reaps it (a minute; SecantusDB only when another transaction command arrives). The
    caller still gets its cancellation. (A process that dies mid-transaction leaves the
    same; `agora_kit/instances.py` ends those.)"""
    task = asyncio.ensure_future(operation)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # read, so an outcome nobody awaits any more is not reported
