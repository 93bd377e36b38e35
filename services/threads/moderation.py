"""Moderation: reports, the queue, hide/restore/approve/dismiss, resubmission, the log.

Moderation hides, never deletes (DESIGN.md §5): a hidden post keeps its text, readers
see a placeholder, its author and the moderators see why. Every act writes the post,
closes its reports, appends to the moderation log and emits its `moderation.*` event in
one transaction; the post's status is changed conditionally, so two moderators acting
at once cannot both succeed on a stale view. The author answers a hide by revising the
post (edits.py): it is held again (`pending`), logged as `resubmit` and announced as
`moderation.post_resubmitted`, and waits in the queue, with its history, for a moderator
to approve it (`post.created` then carries the revised text) or hide it again. A held post
its author revises before any decision is resubmitted the same way (still `pending`, a
`resubmit` in its history), so no consumer receives unapproved text as an edit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from agora.v1 import debate_events_pb2, events_pb2, threads_pb2
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, InvalidArgument
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads.metrics import MODERATION_ACTS, REPORTS
from services.threads.post_events import post_created
from services.threads.posts import get_post
from services.threads.store import HIDDEN, PENDING, VISIBLE, ThreadsStore
from services.threads.visibility import Viewer

REASONS = {v: k.removeprefix("REPORT_REASON_").lower()
           for k, v in threads_pb2.ReportReason.items() if v}
ACTIONS: dict[int, tuple[str, tuple[str, ...], str, EventType[debate_events_pb2.PostModerated]]] = {
    # action: (name, statuses it applies to, resulting status, event type)
    threads_pb2.MODERATION_ACTION_HIDE: ("hide", (VISIBLE, PENDING), HIDDEN,
                                         EVENTS.moderation_post_hidden),
    threads_pb2.MODERATION_ACTION_RESTORE: ("restore", (HIDDEN,), VISIBLE,
                                            EVENTS.moderation_post_restored),
    threads_pb2.MODERATION_ACTION_APPROVE: ("approve", (PENDING,), VISIBLE,
                                            EVENTS.moderation_post_approved),
    threads_pb2.MODERATION_ACTION_DISMISS: ("dismiss", (VISIBLE,), VISIBLE,
                                            EVENTS.moderation_reports_dismissed),
}


async def report(store: ThreadsStore, *, post_id: str, reason: int, note: str,
                 viewer: Viewer) -> Document:
    """File a report; a second open report by the same person returns the first."""
    if reason not in REASONS:
        raise InvalidArgument(f"reason must be one of {sorted(REASONS.values())}",
                              field="reason")
    post = viewer.readable(await get_post(store, post_id))
    actor = viewer.account_id
    existing = await store.reports.find_one({"post_id": post_id, "reporter_id": actor,
                                             "open": True})
    if existing is not None:
        return existing
    document = {"_id": new_id(), "post_id": post_id, "consultation_id": post["consultation_id"],
                "thread_id": post["thread_id"], "reason": reason, "note": note,
                "reporter_id": actor, "open": True, "created_at": now()}
    payload = debate_events_pb2.PostReported(report_id=document["_id"], post_id=post_id,
                                             reason=reason)  # type: ignore[arg-type]

    async def work(session: Session, outbox: Outbox) -> None:
        await store.reports.insert_one(document, session=session)
        await store.posts.update_one({"_id": post_id}, {"$set": {"reported": True}},
                                     session=session)
        await outbox.add(new_envelope(event_type=EVENTS.moderation_post_reported,
                                      consultation_id=post["consultation_id"], actor=actor,
                                      payload=payload), session=session)

    await store.commit(work)
    REPORTS.inc()
    return document


async def moderate(store: ThreadsStore, *, post_id: str, action: int, reason: str,
                   actor: str) -> Document:
    if action not in ACTIONS:
        raise InvalidArgument("action must be hide, restore, approve or dismiss", field="action")
    name, applies_to, result, event_type = ACTIONS[action]
    if action == threads_pb2.MODERATION_ACTION_HIDE and not reason:
        raise InvalidArgument("hiding a post needs a reason (its author is told)",
                              field="reason")
    post = await get_post(store, post_id)
    status = post.get("status", VISIBLE)
    if status not in applies_to:
        raise FailedPrecondition(f"cannot {name} a post that is {status}", field="action")
    at = now()
    changes: dict[str, Any] = {"status": result, "reported": False}
    if result == HIDDEN:
        changes |= {"hidden_reason": reason, "hidden_by": actor, "hidden_at": at}
    payload = debate_events_pb2.PostModerated(
        post_id=post_id, thread_id=post["thread_id"], author_id=post["author_id"],
        action=action, reason=reason)  # type: ignore[arg-type]
    envelopes = [new_envelope(event_type=event_type, consultation_id=post["consultation_id"],
                              actor=actor, payload=payload)]
    if action == threads_pb2.MODERATION_ACTION_APPROVE:  # now it exists for everyone
        envelopes.append(new_envelope(event_type=EVENTS.post_created,
                                      consultation_id=post["consultation_id"],
                                      actor=post["author_id"], payload=post_created(post)))

    async def work(session: Session, outbox: Outbox) -> None:
        updated = await store.posts.update_one({"_id": post_id, "status": post.get("status")},
                                               {"$set": changes}, session=session)
        if updated.matched_count != 1:
            raise FailedPrecondition("the post changed meanwhile; reload and retry")
        await store.reports.update_many({"post_id": post_id, "open": True},
                                        {"$set": {"open": False, "closed_by": actor}},
                                        session=session)
        await store.moderation_log.insert_one(
            {"_id": new_id(), "consultation_id": post["consultation_id"], "post_id": post_id,
             "action": action, "reason": reason, "moderator_id": actor, "at": at},
            session=session)
        for envelope in envelopes:
            await outbox.add(envelope, session=session)

    await store.commit(work)
    counted(name)
    return {**post, **changes}


def resubmission(post: Document, *, at: datetime) -> tuple[Document, events_pb2.EventEnvelope]:
    """The log entry and event of an author's revision of their hidden or held post
    (edits.py writes them in the edit's transaction); the entry's moderator is the author."""
    author = post["author_id"]
    payload = debate_events_pb2.PostModerated(
        post_id=post["_id"], thread_id=post["thread_id"], author_id=author,
        action=threads_pb2.MODERATION_ACTION_RESUBMIT, reason="")
    entry = {"_id": new_id(), "consultation_id": post["consultation_id"],
             "post_id": post["_id"], "action": threads_pb2.MODERATION_ACTION_RESUBMIT,
             "reason": "", "moderator_id": author, "at": at}
    return entry, new_envelope(event_type=EVENTS.moderation_post_resubmitted,
                               consultation_id=post["consultation_id"], actor=author,
                               payload=payload)


def counted(name: str) -> None:
    MODERATION_ACTS.labels(name).inc()


async def queue(store: ThreadsStore, *, consultation_id: str, after: str | None,
                limit: int) -> list[tuple[Document, list[Document], list[Document]]]:
    """Posts awaiting a decision (reported or held), oldest first, with their open reports
    and every moderation act on them so far (a resubmitted post's hide and reason)."""
    await store.get_consultation(consultation_id)
    query: dict[str, Any] = {"consultation_id": consultation_id,
                             "$or": [{"reported": True}, {"status": PENDING}]}
    if after:
        query["_id"] = {"$gt": after}
    posts = await store.posts.find(query).sort("_id", ASCENDING).limit(limit).to_list()
    ids = [p["_id"] for p in posts]
    reports = await store.reports.find({"post_id": {"$in": ids}, "open": True}).to_list()
    acts = await store.moderation_log.find({"post_id": {"$in": ids}}).sort(
        "_id", ASCENDING).to_list()
    return [(p, [r for r in reports if r["post_id"] == p["_id"]],
             [a for a in acts if a["post_id"] == p["_id"]]) for p in posts]


async def log(store: ThreadsStore, *, consultation_id: str, after: str | None,
              limit: int) -> list[Document]:
    await store.get_consultation(consultation_id)
    query: dict[str, Any] = {"consultation_id": consultation_id}
    if after:
        query["_id"] = {"$gt": after}
    return await store.moderation_log.find(query).sort("_id", ASCENDING).limit(limit).to_list()
