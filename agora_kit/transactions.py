"""Transactions: the one way a service changes its data.

`commit(client, outbox, work)` runs `work(session, outbox)` in one snapshot,
majority-committed transaction, so a state change and its events (the outbox) commit
together or not at all, then wakes the outbox relay of this process, which publishes
at once instead of at its next poll. `run` is the same without the outbox (consumers,
housekeeping).

A transient conflict (a `TransientTransactionError`: a write conflict with another
transaction, an aborted session) or a `Conflict` raised by the work reruns the whole
work after a short random pause that grows with each attempt (at most `MAX_PAUSE`).
By default attempts go on for `RETRY_SECONDS`, as the driver's own `with_transaction`
did: right for rare conflicts. A caller whose conflicts are by design (a voter
hammering their own ballot) passes `attempts`, and after that many the caller gets a
`Conflict` (409, "retry") rather than minutes of retries queued behind one document.
A commit whose outcome is unknown (`UnknownTransactionCommitResult`) is committed
again, never rerun: rerunning could apply the work twice.

Every attempt runs to completion even when its caller is cancelled (`to_completion`),
and puts its session on record first (`recorded`, see `agora_kit/instances.py`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from agora_kit.errors import Conflict
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Client, Session, recorded, to_completion

T = TypeVar("T")
RETRY_SECONDS = 120.0
FIRST_PAUSE = 0.01
MAX_PAUSE = 0.25
Work = Callable[[Session], Awaitable[T]]


async def commit(client: Client, outbox: Outbox,
                 work: Callable[[Session, Outbox], Awaitable[T]], *,
                 attempts: int | None = None,
                 on_retry: Callable[[], None] | None = None) -> T:
    """Run work(session, outbox) in one transaction (retried as `run`), then wake the
    relay; the work's result."""

    async def with_outbox(session: Session) -> T:
        return await work(session, outbox)

    result = await run(client, with_outbox, attempts=attempts, on_retry=on_retry)
    outbox.wake_relay()
    return result


async def run(client: Client, work: Work[T], *, attempts: int | None = None,
              on_retry: Callable[[], None] | None = None) -> T:
    """Run work in one transaction, rerun on transient conflicts: up to `attempts` times,
    or for `RETRY_SECONDS` when None; then `Conflict`."""
    attempt_work = recorded(client, work)
    deadline = time.monotonic() + RETRY_SECONDS
    attempt = 0
    while True:
        attempt += 1
        try:
            return await to_completion(_once(client, attempt_work, deadline))
        except Conflict:
            pass
        except PyMongoError as error:
            if not error.has_error_label("TransientTransactionError"):
                raise
        out_of_attempts = attempts is not None and attempt >= attempts
        if out_of_attempts or time.monotonic() >= deadline:
            raise Conflict("a concurrent request changed the same data; retry")
        if on_retry is not None:
            on_retry()
        await asyncio.sleep(random.uniform(0, min(FIRST_PAUSE * 2 ** (attempt - 1), MAX_PAUSE)))


async def _once(client: Client, work: Work[T], deadline: float) -> T:
    async with client.start_session() as session:
        await session.start_transaction(read_concern=ReadConcern("snapshot"),
                                        write_concern=WriteConcern("majority"))
        try:
            result = await work(session)
        except BaseException:
            if session.in_transaction:
                await session.abort_transaction()
            raise
        while True:
            try:
                await session.commit_transaction()
                return result
            except PyMongoError as error:
                unknown = error.has_error_label("UnknownTransactionCommitResult")
                if not unknown or time.monotonic() >= deadline:
                    raise
