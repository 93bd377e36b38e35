"""Short transactions with a bounded number of attempts.

`agora_kit.mongo.in_transaction` retries a conflicting transaction for up to two minutes,
right for rare conflicts. A voter hammering their own ballot from many connections
conflicts with themself by design; there, a few quick attempts and then a clear 409
("retry") keep the service responsive instead of queueing minutes of retries behind
one document.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from agora_kit.errors import DomainError
from agora_kit.mongo import Client, Session, recorded, to_completion
from services.voting.metrics import BALLOT_TRANSACTION_RETRIES

T = TypeVar("T")


class Conflict(DomainError):
    """Another request changed the same document first; the caller may retry."""

    code = grpc.StatusCode.ABORTED


async def run(
    client: Client, work: Callable[[Session], Awaitable[T]], *, attempts: int = 8
) -> T:
    """Run work in one snapshot transaction; retry conflicts up to `attempts` times."""
    attempt_work = recorded(client, work)

    async def once() -> T:
        async with (
            client.start_session() as session,
            await session.start_transaction(
                read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
            ),
        ):
            return await attempt_work(session)

    for attempt in range(1, attempts + 1):
        try:
            return await to_completion(once())  # a cancelled caller never leaves it open
        except Conflict:
            pass
        except PyMongoError as error:
            if not error.has_error_label("TransientTransactionError"):
                raise
        if attempt < attempts:
            BALLOT_TRANSACTION_RETRIES.inc()
            await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise Conflict("a concurrent request changed this ballot; retry")
