"""Keeping extracts true to their posts, from threads' and identity's events.

- `post.edited` carries the new text: every extract of the post on an older revision is
  re-anchored (anchoring.relocate) or turns `orphaned` — it stays listed with the words
  it had, for the catcher to re-anchor. An event older than what an extract is on
  changes nothing, so redeliveries and out-of-order edits are harmless.
- `moderation.post_hidden` / `moderation.post_restored`: the extracts' `post_status`,
  which decides who reads their quote (servicer.py). A hidden post's edits publish no
  text (`moderation.post_resubmitted`), so on restore the current text is asked of
  threads and the extracts re-anchored on it.
- `user.erased`: the extracts' author becomes `former-participant`.

A change of an extract's post (its status, its author) that touches extracts writes
`extract.source_changed` in the same transaction, as a reaction on it does (reactions.py).

Each handler also records what it learnt in `post_texts` (revision and text, status and
when), which filing reads in its transaction (extracts.py) so an event applied before
an extract existed still reaches it.
"""

from __future__ import annotations

from datetime import UTC

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2, synthesis_pb2, threads_pb2
from agora_kit.events.catalog import EVENTS
from agora_kit.events.consumer import ConsumerSpec
from agora_kit.events.envelope import MalformedEvent
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from services.synthesis.events import publish
from services.synthesis.extracts import (
    FORMER_PARTICIPANT,
    STATE_TO_PROTO,
    Extracts,
    relocated,
)
from services.synthesis.posts import HIDDEN, VISIBLE, Posts
from services.synthesis.reactions import source_changed

EDITS_CONSUMER = ConsumerSpec(durable="synthesis-extract-edits",
                              filter_subjects=[EVENTS.post_edited.filter_subject])
MODERATION_CONSUMER = ConsumerSpec(
    durable="synthesis-extract-moderation",
    filter_subjects=[EVENTS.moderation_post_hidden.filter_subject,
                     EVENTS.moderation_post_restored.filter_subject])
ERASURE_CONSUMER = ConsumerSpec(durable="synthesis-extract-erasure",
                                filter_subjects=[EVENTS.user_erased.filter_subject])


class ExtractEvents:
    def __init__(self, extracts: Extracts, outbox: Outbox, posts: Posts) -> None:
        self._extracts = extracts
        self._outbox = outbox
        self._posts = posts

    async def on_edited(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        edited = debate_events_pb2.PostEdited()
        if not envelope.payload.Unpack(edited) or not edited.post_id:
            raise MalformedEvent(f"{envelope.type} does not carry a PostEdited")
        await self._new_text(envelope.consultation_id, edited.post_id, edited.body,
                             edited.revision, session)

    async def on_moderated(self, envelope: events_pb2.EventEnvelope,
                           session: Session) -> None:
        moderated = debate_events_pb2.PostModerated()
        if not envelope.payload.Unpack(moderated) or not moderated.post_id:
            raise MalformedEvent(f"{envelope.type} does not carry a PostModerated")
        status = HIDDEN if moderated.action == threads_pb2.MODERATION_ACTION_HIDE else VISIBLE
        at = envelope.occurred_at.ToDatetime(tzinfo=UTC)
        texts = self._extracts.post_texts
        known = await texts.find_one({"_id": moderated.post_id}, session=session)
        if known is not None and known.get("status_at") is not None \
                and known["status_at"] >= at:
            return  # a later moderation act was applied already
        await texts.update_one({"_id": moderated.post_id},
                               {"$set": {"status": status, "status_at": at}}, upsert=True,
                               session=session)
        quoted = await self._extracts.extracts.find_one({"post_id": moderated.post_id},
                                                        {"consultation_id": 1},
                                                        session=session)
        await self._extracts.extracts.update_many({"post_id": moderated.post_id},
                                                  {"$set": {"post_status": status}},
                                                  session=session)
        if quoted is not None:
            await source_changed(self._outbox, quoted["consultation_id"], moderated.post_id,
                                 session)
        if status == VISIBLE:
            post = await self._posts.get(moderated.post_id)
            await self._new_text(envelope.consultation_id, post.id, post.body, post.revision,
                                 session)

    async def on_erased(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        erased = identity_pb2.UserErased()
        if not envelope.payload.Unpack(erased) or not erased.account_id:
            raise MalformedEvent(f"{envelope.type} does not carry a UserErased")
        consultations = {e["consultation_id"] async for e in self._extracts.extracts.find(
            {"author_id": erased.account_id}, {"consultation_id": 1}, session=session)}
        await self._extracts.extracts.update_many(
            {"author_id": erased.account_id},
            {"$set": {"author_id": FORMER_PARTICIPANT, "author_erased": True}},
            session=session)
        for consultation_id in sorted(consultations):
            await source_changed(self._outbox, consultation_id, "", session)

    async def _new_text(self, consultation_id: str, post_id: str, body: str, revision: int,
                        session: Session) -> None:
        texts = self._extracts.post_texts
        known = await texts.find_one({"_id": post_id}, session=session)
        if known is None or known.get("revision", -1) < revision:
            await texts.update_one({"_id": post_id},
                                   {"$set": {"revision": revision, "body": body}},
                                   upsert=True, session=session)
        stale = self._extracts.extracts.find(
            {"post_id": post_id, "post_revision": {"$lt": revision}}, session=session)
        async for extract in stale:
            change = relocated(extract, body, revision)
            await self._extracts.extracts.update_one({"_id": extract["_id"]},
                                                     {"$set": change}, session=session)
            state = change["state"]
            event_type = (EVENTS.extract_reanchored if state != "orphaned"
                          else EVENTS.extract_orphaned)
            payload = synthesis_pb2.ExtractChanged(extract_id=extract["_id"], post_id=post_id,
                                                   state=STATE_TO_PROTO[state])
            await publish(self._outbox, event_type=event_type,
                          consultation_id=consultation_id, actor="system", payload=payload,
                          session=session)
