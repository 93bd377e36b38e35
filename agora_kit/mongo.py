"""MongoDB access through PyMongo's native async client (Motor's successor)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

Document = dict[str, Any]
Client = AsyncMongoClient[Document]
Database = AsyncDatabase[Document]
Session = AsyncClientSession
T = TypeVar("T")


def connect(uri: str, *, app_name: str) -> Client:
    """A client that fails fast (5 s) when no server answers, returning tz-aware dates."""
    return AsyncMongoClient(
        uri, appname=app_name, tz_aware=True, serverSelectionTimeoutMS=5000, connectTimeoutMS=3000
    )


async def ping(client: Client) -> None:
    await client.admin.command("ping")


async def in_transaction(client: Client, work: Callable[[Session], Awaitable[T]]) -> T:
    """Run work in one majority-committed transaction, retried on transient errors."""

    async def transaction() -> T:
        async with client.start_session() as session:
            return await session.with_transaction(
                work,
                read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"),
            )

    return await to_completion(transaction())


async def to_completion(operation: Coroutine[Any, Any, T]) -> T:
    """Await a transaction that a cancelled caller (a gRPC deadline, a client gone) does
    not interrupt: it still commits or aborts. Cut off mid-way, it would stay open on the
    server holding its writes, and SecantusDB, which does not expire transactions, then
    retries every conflicting write forever. The caller still gets its cancellation."""
    task = asyncio.ensure_future(operation)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # read, so an outcome nobody awaits any more is not reported
