"""Reactions: one current value per user per post, and counts that always match them.

Each reaction is its own document, `_id` = `<post>:<user>`, so a user can hold at most
one per post by construction and concurrent reactions by different users never touch
the same document (no hot counter: DESIGN.md §4). Counts are an aggregation over the
`(post_id, kind)` index, computed at read time, so they equal the stored reactions
exactly; a page of 20 posts costs one aggregation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from pymongo.errors import DuplicateKeyError

from agora.v1 import debate_events_pb2, threads_pb2
from agora_kit.clock import now
from agora_kit.errors import Conflict, FailedPrecondition
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads import phases
from services.threads.metrics import REACTIONS_CHANGED
from services.threads.posts import get_post
from services.threads.store import ThreadsStore, consultation_phases
from services.threads.visibility import Viewer

KindValue: TypeAlias = threads_pb2.ReactionKind.ValueType
KINDS: dict[KindValue, str] = {
    threads_pb2.REACTION_KIND_LIKE: "like",
    threads_pb2.REACTION_KIND_DISAGREE: "disagree",
    threads_pb2.REACTION_KIND_DONT_UNDERSTAND: "dont_understand",
    threads_pb2.REACTION_KIND_MORE_INFO: "more_info",
}
VALUES = {name: value for value, name in KINDS.items()}


async def counts_for(store: ThreadsStore, post_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per post, per kind, the number of stored reactions (posts without any are absent)."""
    if not post_ids:
        return {}
    cursor = await store.reactions.aggregate([
        {"$match": {"post_id": {"$in": list(post_ids)}}},
        {"$group": {"_id": {"post": "$post_id", "kind": "$kind"}, "n": {"$sum": 1}}},
    ])
    counts: dict[str, dict[str, int]] = {}
    async for row in cursor:
        counts.setdefault(row["_id"]["post"], {})[row["_id"]["kind"]] = int(row["n"])
    return counts


async def mine_for(store: ThreadsStore, post_ids: Sequence[str], user: str) -> dict[str, str]:
    if not user or not post_ids:
        return {}
    docs = await store.reactions.find(
        {"_id": {"$in": [f"{p}:{user}" for p in post_ids]}}).to_list()
    return {d["post_id"]: d["kind"] for d in docs}


async def mine_in_thread(store: ThreadsStore, thread_id: str, user: str) -> dict[str, str]:
    """Post id -> kind of every reaction `user` holds in the thread (an equality lookup on
    the `(thread_id, user_id)` index, whatever the thread's size)."""
    docs = await store.reactions.find({"thread_id": thread_id, "user_id": user},
                                      {"post_id": 1, "kind": 1}).to_list()
    return {d["post_id"]: d["kind"] for d in docs}


async def set_reaction(store: ThreadsStore, *, post_id: str, kind: str | None,
                       viewer: Viewer) -> tuple[str | None, Document]:
    """Set, change or (kind None) remove the viewer's reaction on a post they may answer
    (visibility.py); returns the current one and the post."""
    post = viewer.answerable(await get_post(store, post_id))
    actor = viewer.account_id
    consultation = await store.get_consultation(post["consultation_id"])
    schedule = consultation_phases(consultation)
    if schedule and phases.current(schedule, now()) is None:
        raise FailedPrecondition("no phase is open now, so reactions are closed", field="phase")
    key = f"{post_id}:{actor}"

    async def work(session: Session, outbox: Outbox) -> None:
        old = await store.reactions.find_one({"_id": key}, session=session)
        previous = old["kind"] if old else None
        if previous == kind:
            return
        if kind is None:
            await store.reactions.delete_one({"_id": key}, session=session)
        elif old is None:
            try:
                await store.reactions.insert_one(
                    {"_id": key, "post_id": post_id, "user_id": actor, "kind": kind,
                     "thread_id": post["thread_id"], "at": now()}, session=session)
            except DuplicateKeyError:  # a concurrent first reaction by the same user won
                raise Conflict("a concurrent reaction by the same user; retried") from None
        else:
            await store.reactions.update_one({"_id": key}, {"$set": {"kind": kind, "at": now()}},
                                             session=session)
        payload = debate_events_pb2.ReactionChanged(
            post_id=post_id, thread_id=post["thread_id"], user_id=actor,
            previous=VALUES.get(previous or "", threads_pb2.REACTION_KIND_UNSPECIFIED),
            current=VALUES.get(kind or "", threads_pb2.REACTION_KIND_UNSPECIFIED))
        await outbox.add(new_envelope(event_type=EVENTS.reaction_changed,
                                      consultation_id=post["consultation_id"], actor=actor,
                                      payload=payload), session=session)

    await store.commit(work)  # a Conflict reruns the work: it then sees the winner's reaction
    REACTIONS_CHANGED.inc()
    return kind, post


def counts_message(counts: dict[str, int]) -> dict[str, int]:
    """Every kind, zero included, so clients need not know which kinds exist."""
    return {name: counts.get(name, 0) for name in KINDS.values()}


