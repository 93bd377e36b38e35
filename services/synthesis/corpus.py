"""The corpus: every contribution the synthesis service will harvest ideas from.

Fed by `post.created` events. Writing is an upsert keyed by post id, so the handler is
idempotent on its own, on top of the consumer's processed-event marker.

`user.erased` (GDPR erasure) rewrites the account's contributions to `former-participant`
and remembers the account, so a `post.created` of theirs that arrives after the erasure
(events of different subjects are not ordered) is anonymised as it is ingested.

The corpus follows the post: `post.edited` replaces the text when its revision is newer,
`moderation.post_hidden` / `post_restored` set its `status` (the later act wins), so a
hidden post leaves the topics and the duplicates (services/synthesis/topics/). Each
change stamps `changed_at`, which the in-memory similar-text index of every replica polls.
A change that arrives before the post itself is kept (upserted) and the post's
`post.created` fills in the rest without undoing it.
"""

from __future__ import annotations

from datetime import UTC

from agora.v1 import debate_events_pb2, events_pb2, threads_pb2
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS, MalformedEvent
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.mongo import Database, Session

CORPUS_COLLECTION = "contributions"
ERASED_COLLECTION = "erased_accounts"
FORMER_PARTICIPANT = "former-participant"
VISIBLE, HIDDEN = "visible", "hidden"
CHANGES_CONSUMER = ConsumerSpec(
    durable="synthesis-corpus-changes",
    filter_subjects=[EVENTS.post_edited.filter_subject,
                     EVENTS.moderation_post_hidden.filter_subject,
                     EVENTS.moderation_post_restored.filter_subject])


class Corpus:
    def __init__(self, db: Database) -> None:
        self._contributions = db[CORPUS_COLLECTION]
        self._erased = db[ERASED_COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._contributions.create_index("consultation_id")
        await self._contributions.create_index("author_id")
        await self._contributions.create_index([("consultation_id", 1), ("changed_at", 1)])

    async def ingest_post(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        post = EVENTS.post_created.unpack(envelope)
        author = post.author_id
        if await self._erased.find_one({"_id": author}, session=session) is not None:
            author = FORMER_PARTICIPANT
        known = await self._contributions.find_one({"_id": post.post_id}, {"thread_id": 1},
                                                   session=session)
        if known is not None and "thread_id" in known:
            return  # a redelivery
        await self._contributions.update_one(
            {"_id": post.post_id},
            {
                "$set": {
                    "consultation_id": envelope.consultation_id,
                    "thread_id": post.thread_id,
                    "theme_id": post.theme_id,
                    "author_id": author,
                    "language": post.language,
                    "created_at": post.created_at.ToDatetime(),
                    "event_id": envelope.event_id,
                    "changed_at": now(),
                },
                # An edit or a hiding applied before the post arrived stays applied.
                "$setOnInsert": {"body": post.body, "revision": 0, "status": VISIBLE},
            },
            upsert=True,
            session=session,
        )

    async def follow(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        """An edit or a moderation act on a post: the corpus keeps its current text and
        status."""
        if envelope.type == EVENTS.post_edited.name:
            edited = debate_events_pb2.PostEdited()
            if not envelope.payload.Unpack(edited) or not edited.post_id:
                raise MalformedEvent(f"{envelope.type} does not carry a PostEdited")
            known = await self._contributions.find_one({"_id": edited.post_id},
                                                       {"revision": 1}, session=session)
            if known is not None and known.get("revision", 0) >= edited.revision:
                return  # as new a text is there already
            await self._contributions.update_one(
                {"_id": edited.post_id},
                {"$set": {"body": edited.body, "revision": edited.revision,
                          "consultation_id": envelope.consultation_id, "changed_at": now()}},
                upsert=True, session=session)
            return
        moderated = debate_events_pb2.PostModerated()
        if not envelope.payload.Unpack(moderated) or not moderated.post_id:
            raise MalformedEvent(f"{envelope.type} does not carry a PostModerated")
        status = HIDDEN if moderated.action == threads_pb2.MODERATION_ACTION_HIDE else VISIBLE
        at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        known = await self._contributions.find_one({"_id": moderated.post_id},
                                                   {"status_at": 1}, session=session)
        if known is not None and known.get("status_at") is not None \
                and known["status_at"].replace(tzinfo=UTC) >= at:
            return  # a later moderation act was applied already
        await self._contributions.update_one(
            {"_id": moderated.post_id},
            {"$set": {"status": status, "status_at": at,
                      "consultation_id": envelope.consultation_id, "changed_at": now()}},
            upsert=True, session=session)

    async def anonymise(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        erased = EVENTS.user_erased.unpack(envelope)
        if not erased.account_id:
            raise MalformedEvent(f"{envelope.type} does not carry a UserErased")
        await self._erased.update_one({"_id": erased.account_id},
                                      {"$setOnInsert": {"erased_at": now()}}, upsert=True,
                                      session=session)
        await self._contributions.update_many({"author_id": erased.account_id},
                                              {"$set": {"author_id": FORMER_PARTICIPANT,
                                                        "changed_at": now()}},
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
