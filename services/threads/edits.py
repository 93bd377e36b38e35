"""Changing a post after it was written: its author edits it, a moderator pins it.

An edit keeps the text it replaces as a revision (`post_revisions`), so the history of
what readers saw is never lost; the post is updated only if nobody edited or moderated
it meanwhile (the revision number and the status are the optimistic lock), together with
its `post.edited` event. Editing a post that is not published — hidden (its author's
answer to the reason they were given) or still awaiting moderation — is a resubmission
(`moderation.py`, `resubmission`): the revised post is held (`pending`) until a moderator
approves it, whose `post.created` carries the latest text. `post.edited` carries a body to
every consumer as published text, so it is only ever emitted for a published post.
"""

from __future__ import annotations

from agora.v1 import debate_events_pb2
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, PermissionDenied
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads import kinds, moderation, phases
from services.threads.post_language import redetected
from services.threads.posts import get_post
from services.threads.store import HIDDEN, PENDING, VISIBLE, ThreadsStore, consultation_phases
from services.threads.visibility import Viewer


async def edit(store: ThreadsStore, *, post_id: str, body: str, post_format: int,
               viewer: Viewer) -> Document:
    post = viewer.readable(await get_post(store, post_id))
    actor = viewer.account_id
    if not viewer.wrote(post):
        raise PermissionDenied("only its author can edit a post")
    consultation = await store.get_consultation(post["consultation_id"])
    thread = await store.get_thread(post["thread_id"])
    phases.require_module(consultation_phases(consultation),
                          kinds.MODULE[kinds.of_thread(thread)], now())
    revision = post.get("revision", 0)
    at = now()
    revision_doc = {"_id": f"{post_id}:{revision}", "post_id": post_id, "revision": revision,
                    "body": post["body"], "format": post["format"],
                    "written_at": post.get("edited_at") or post["created_at"]}
    changes = {"body": body, "format": post_format, "revision": revision + 1, "edited_at": at,
               **redetected(post, body, consultation)}
    resubmitted = post.get("status") in (HIDDEN, PENDING)
    if resubmitted:
        changes |= {"status": PENDING, "resubmitted_at": at}
        log_entry, envelope = moderation.resubmission(post, at=at)
    else:
        log_entry = None
        payload = debate_events_pb2.PostEdited(post_id=post_id, thread_id=post["thread_id"],
                                               body=body, revision=revision + 1)
        payload.edited_at.FromDatetime(at)
        envelope = new_envelope(event_type=EVENTS.post_edited,
                                consultation_id=post["consultation_id"], actor=actor,
                                payload=payload)

    async def work(session: Session, outbox: Outbox) -> None:
        # A post from before edits existed has no revision field: None matches that.
        updated = await store.posts.update_one(
            {"_id": post_id, "revision": post.get("revision"), "status": post.get("status")},
            {"$set": changes}, session=session)
        if updated.matched_count != 1:
            raise FailedPrecondition("the post was edited or moderated meanwhile; "
                                     "reload and retry")
        await store.revisions.insert_one(revision_doc, session=session)
        if log_entry is not None:
            await store.moderation_log.insert_one(log_entry, session=session)
        await outbox.add(envelope, session=session)

    await store.commit(work)
    if resubmitted:
        moderation.counted("resubmit")
    return {**post, **changes}


async def revisions(store: ThreadsStore, post_id: str) -> list[Document]:
    await get_post(store, post_id)
    return await store.revisions.find({"post_id": post_id}).sort("revision", 1).to_list()


async def pin(store: ThreadsStore, *, post_id: str, pinned: bool, viewer: Viewer) -> Document:
    post = viewer.readable(await get_post(store, post_id))
    actor = viewer.account_id
    if post.get("parent_id"):
        raise FailedPrecondition("only a top-level post can be pinned as an announcement")
    if pinned and post.get("status", VISIBLE) != VISIBLE:
        raise FailedPrecondition("only a published, visible post can be pinned")
    payload = debate_events_pb2.PostPinned(post_id=post_id, thread_id=post["thread_id"],
                                           pinned=pinned)

    async def work(session: Session, outbox: Outbox) -> None:
        await store.posts.update_one({"_id": post_id}, {"$set": {"pinned": pinned}},
                                     session=session)
        event = EVENTS.post_pinned if pinned else EVENTS.post_unpinned
        await outbox.add(new_envelope(event_type=event,
                                      consultation_id=post["consultation_id"], actor=actor,
                                      payload=payload), session=session)

    await store.commit(work)
    return {**post, "pinned": pinned}
