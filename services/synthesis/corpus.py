"""The corpus: every contribution the synthesis service will harvest ideas from.

Fed by `post.created` events. Writing is an upsert keyed by post id, so the handler is
idempotent on its own, on top of the consumer's processed-event marker.

`user.erased` (GDPR erasure) rewrites the account's contributions to `former-participant`
and remembers the account, so a `post.created` of theirs that arrives after the erasure
(events of different subjects are not ordered) is anonymised as it is ingested.
"""

from __future__ import annotations

from agora.v1 import events_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS, MalformedEvent
from agora_kit.mongo import Database, Session

CORPUS_COLLECTION = "contributions"
ERASED_COLLECTION = "erased_accounts"
FORMER_PARTICIPANT = "former-participant"


class Corpus:
    def __init__(self, db: Database) -> None:
        self._contributions = db[CORPUS_COLLECTION]
        self._erased = db[ERASED_COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._contributions.create_index("consultation_id")
        await self._contributions.create_index("author_id")

    async def ingest_post(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        post = EVENTS.post_created.unpack(envelope)
        author = post.author_id
        if await self._erased.find_one({"_id": author}, session=session) is not None:
            author = FORMER_PARTICIPANT
        await self._contributions.update_one(
            {"_id": post.post_id},
            {
                "$setOnInsert": {
                    "consultation_id": envelope.consultation_id,
                    "thread_id": post.thread_id,
                    "theme_id": post.theme_id,
                    "author_id": author,
                    "body": post.body,
                    "language": post.language,
                    "created_at": post.created_at.ToDatetime(),
                    "event_id": envelope.event_id,
                }
            },
            upsert=True,
            session=session,
        )

    async def anonymise(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        erased = EVENTS.user_erased.unpack(envelope)
        if not erased.account_id:
            raise MalformedEvent(f"{envelope.type} does not carry a UserErased")
        await self._erased.update_one({"_id": erased.account_id},
                                      {"$setOnInsert": {"erased_at": now()}}, upsert=True,
                                      session=session)
        await self._contributions.update_many({"author_id": erased.account_id},
                                              {"$set": {"author_id": FORMER_PARTICIPANT}},
                                              session=session)

    async def stats(self, consultation_id: str) -> tuple[int, int]:
        """(contributions, distinct contributors) of a consultation."""
        rows = await (
            await self._contributions.aggregate(
                [
                    {"$match": {"consultation_id": consultation_id}},
                    {"$group": {"_id": "$author_id", "n": {"$sum": 1}}},
                ]
            )
        ).to_list()
        return sum(row["n"] for row in rows), len(rows)
