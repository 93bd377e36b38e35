"""Ending the transactions of a dead process in seconds, not after the server's minute.

A process killed mid-transaction leaves that transaction open on the server, holding
its uncommitted writes: a retried post's idempotency key in the unique index, a
reaction, a voter's gate and ballot. Every later transaction writing one of them fails
with a write conflict (retried, then a 503 or a 409 at the client) until the server
gives up on it: MongoDB after `transactionLifetimeLimitSeconds` (60 s by default),
SecantusDB after 60 s idle (its daemon has no setting). Closing the connection does not
end it, since a driver may commit on another connection. What does end it at once is
`killSessions` with its server session id (lsid), which MongoDB and SecantusDB honour.

So every process is an *instance* with a record in its service's database: a heartbeat
(`expires_at`, renewed every `lapse / 5`) and the lsids its transactions run on, each
put on record before its first transaction starts (`record`, a no-op once recorded;
the driver pools and reuses server sessions, so there are about as many as the peak
number of concurrent transactions). Every instance also looks for records whose
heartbeat lapsed and kills their sessions (`reap`): a replica that survives, or the
restarted process, frees the dead one's writes within `lapse` seconds of its death.

Only instances known dead are reaped: one that has not renewed its heartbeat for
`lapse` seconds (clocks are assumed synchronised well within that, as for leases).
Misjudging a live but paused instance costs nothing but a retry: its open transaction
is aborted and its driver retries it (the abort surfaces as a transient transaction
error); its next heartbeat finds its record gone and it records its sessions anew.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import Any

from bson import Binary
from pymongo.errors import OperationFailure

from agora_kit.clock import now
from agora_kit.lease import holder_id
from agora_kit.mongo import Client, Database, Session

log = logging.getLogger(__name__)
COLLECTION = "process_instances"
# Sessions kept on record per instance (the newest): far above any pool the driver keeps.
MAX_RECORDED_SESSIONS = 1000


class Instance:
    """This process among its service's replicas (see the module's docstring)."""

    def __init__(self, client: Client, db: Database, *, service: str,
                 lapse_seconds: float = 5.0) -> None:
        self.id = holder_id()
        self.heartbeat_seconds = lapse_seconds / 5
        self._admin = client.admin
        self._collection = db[COLLECTION]
        self._service = service
        self._lapse = timedelta(seconds=lapse_seconds)
        self._recorded: set[bytes] = set()

    async def record(self, session: Session) -> None:
        """Put the session's lsid on record before a transaction starts on it."""
        lsid = session.session_id["id"]
        if bytes(lsid) in self._recorded:
            return
        result = await self._collection.update_one(
            {"_id": self.id},
            {"$push": {"lsids": {"$each": [lsid], "$slice": -MAX_RECORDED_SESSIONS}},
             "$max": {"expires_at": now() + self._lapse}},
            upsert=True)
        self._forget_if_reaped(result.upserted_id)
        self._recorded.add(bytes(lsid))

    async def beat(self) -> None:
        """Renew the heartbeat (a record that is gone was reaped while this process was
        paused)."""
        result = await self._collection.update_one(
            {"_id": self.id},
            {"$set": {"expires_at": now() + self._lapse, "service": self._service,
                      "host": socket.gethostname(), "pid": os.getpid()}},
            upsert=True)
        self._forget_if_reaped(result.upserted_id)

    def _forget_if_reaped(self, upserted_id: object) -> None:
        """A write that had to create the record, after sessions were recorded in it, found
        it reaped: those sessions go on record again at their next transaction."""
        if upserted_id is not None and self._recorded:
            log.warning("instance record was reaped; recording sessions again",
                        extra={"instance": self.id})
            self._recorded.clear()

    async def reap(self) -> int:
        """Kill the sessions of every instance whose heartbeat lapsed; how many were."""
        lapsed: list[dict[str, Any]] = await self._collection.find(
            {"expires_at": {"$lt": now()}, "_id": {"$ne": self.id}}).to_list()
        for instance in lapsed:
            lsids: list[Binary] = instance.get("lsids", [])
            if lsids:
                try:
                    await self._admin.command("killSessions", [{"id": lsid} for lsid in lsids])
                except OperationFailure as error:  # e.g. a hosted tier without the command
                    log.warning("the server refused killSessions; a dead instance's "
                                "transactions end at the server's own limit",
                                extra={"error": str(error)})
            # Conditional: an instance that renewed meanwhile keeps its record.
            await self._collection.delete_one({"_id": instance["_id"],
                                               "expires_at": instance["expires_at"]})
            log.warning("ended the sessions of a lapsed instance",
                        extra={"instance": instance["_id"], "sessions": len(lsids)})
        return len(lapsed)

    async def tick(self) -> None:
        await self.beat()
        await self.reap()

    async def retire(self) -> None:
        """At a clean stop: the driver ends its sessions itself, so the record goes."""
        await self._collection.delete_one({"_id": self.id})
