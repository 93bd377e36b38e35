"""MongoDB access through PyMongo's native async client (Motor's successor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
    async with client.start_session() as session:
        return await session.with_transaction(
            work,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )
