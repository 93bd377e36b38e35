"""Who hears of a consultation's course: its phases, its vote and its synthesis (the same
transaction, markers and unique notification records as fanout.py: once per event and
recipient).

- `extract.filed`: the post's author (from the `posts` read model), not the catcher;
- `synthesis.published`: followers of the synthesis, of its theme and of its consultation;
- `contest.opened` tells the consultation's synthesisers (roles.py; not the contester)
  and is remembered (contest → its author, the event's actor) so that
  `contest.answered` tells that author;
- `vote_session.opened`: followers of the consultation;
- `consultation.phase_changed` (a strategist's advance or reopening, or the calendar):
  followers of the consultation, when the current phase is another one;
- `deliverable.published`: followers of the consultation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agora.v1 import debate_events_pb2, events_pb2, synthesis_pb2, threads_pb2, voting_pb2
from agora_kit.events.catalog import EVENTS, unpack
from agora_kit.mongo import Database, Session
from services.notifications import kinds
from services.notifications.directory import SynthesisInfo
from services.notifications.roles import Roles
from services.notifications.subject import Subject
from services.notifications.subscriptions import Subscriptions

CONTESTS = "contests"  # contest id -> its author and synthesis (from contest.opened)
SUBJECTS = (EVENTS.extract_filed, EVENTS.synthesis_published, EVENTS.contest_opened,
            EVENTS.contest_answered, EVENTS.vote_session_opened,
            EVENTS.consultation_phase_changed, EVENTS.deliverable_published)

Notify = Callable[[Session, events_pb2.EventEnvelope, Subject, str, set[str]], Awaitable[None]]
Lookup = Callable[[str, str], Awaitable[SynthesisInfo]]


class CourseFanout:
    def __init__(self, db: Database, subscriptions: Subscriptions, notify: Notify,
                 synthesis: Lookup, posts: str, roles: Roles) -> None:
        self._posts = db[posts]
        self._contests = db[CONTESTS]
        self._subscriptions = subscriptions
        self._notify = notify
        self._synthesis = synthesis
        self._roles = roles

    async def apply(self, envelope: events_pb2.EventEnvelope, session: Session) -> None:
        if envelope.type == EVENTS.extract_filed.name:
            extract = unpack(envelope, EVENTS.extract_filed)
            assert isinstance(extract, synthesis_pb2.ExtractChanged)
            post = await self._posts.find_one({"_id": extract.post_id}, session=session)
            if post is None:
                return
            await self._notify(session, envelope,
                               Subject(post["theme_id"], post["thread_id"], extract.post_id, ""),
                               kinds.EXTRACT_HARVESTED, {post["author_id"]} - {envelope.actor})
        elif envelope.type == EVENTS.vote_session_opened.name:
            opened = unpack(envelope, EVENTS.vote_session_opened)
            assert isinstance(opened, voting_pb2.VoteSessionChanged)
            followers = await self._subscriptions.followers(
                session, [("consultation", envelope.consultation_id)])
            await self._notify(session, envelope,
                               Subject("", "", "", "", {"session_id": opened.session_id}),
                               kinds.VOTE_OPENED, followers - {envelope.actor})
        elif envelope.type == EVENTS.deliverable_published.name:
            deliverable = unpack(envelope, EVENTS.deliverable_published)
            assert isinstance(deliverable, synthesis_pb2.DeliverablePublished)
            followers = await self._subscriptions.followers(
                session, [("consultation", envelope.consultation_id)])
            await self._notify(session, envelope,
                               Subject("", "", "", "", {"deliverable": deliverable.number}),
                               kinds.DELIVERABLE_PUBLISHED, followers - {envelope.actor})
        elif envelope.type == EVENTS.consultation_phase_changed.name:
            changed = unpack(envelope, EVENTS.consultation_phase_changed)
            assert isinstance(changed, debate_events_pb2.PhaseChanged)
            await self._phase(envelope, changed, session)
        else:
            synthesis = unpack(envelope, EVENTS.synthesis_published, EVENTS.contest_opened,
                               EVENTS.contest_answered)
            assert isinstance(synthesis, synthesis_pb2.SynthesisChanged)
            await self._synthesis_changed(envelope, synthesis, session)

    async def _phase(self, envelope: events_pb2.EventEnvelope,
                     changed: debate_events_pb2.PhaseChanged, session: Session) -> None:
        current = changed.current_phase
        if current == changed.previous_phase or current == threads_pb2.PHASE_KIND_UNSPECIFIED:
            return
        phase = threads_pb2.PhaseKind.Name(current).removeprefix("PHASE_KIND_").lower()
        followers = await self._subscriptions.followers(
            session, [("consultation", envelope.consultation_id)])
        await self._notify(session, envelope, Subject("", "", "", "", {"phase": phase}),
                           kinds.PHASE_STARTED, followers - {envelope.actor})

    async def _synthesis_changed(self, envelope: events_pb2.EventEnvelope,
                                 changed: synthesis_pb2.SynthesisChanged,
                                 session: Session) -> None:
        if envelope.type == EVENTS.contest_opened.name:
            await self._contests.update_one(
                {"_id": changed.contest_id},
                {"$setOnInsert": {"author_id": envelope.actor,
                                  "synthesis_id": changed.synthesis_id,
                                  "consultation_id": envelope.consultation_id}},
                upsert=True, session=session)
        info = await self._synthesis(envelope.consultation_id, changed.synthesis_id)
        params = {"synthesis_id": changed.synthesis_id, "version": changed.version,
                  "title": info.title}
        subject = Subject(info.theme_id, "", "", info.title, params)
        if envelope.type == EVENTS.contest_opened.name:
            writers = await self._roles.holders(session, envelope.consultation_id,
                                                "synthesiser")
            await self._notify(session, envelope, subject, kinds.CONTEST_OPENED,
                               writers - {envelope.actor})
            return
        if envelope.type == EVENTS.contest_answered.name:
            contest = await self._contests.find_one({"_id": changed.contest_id},
                                                    session=session)
            if contest is not None:
                await self._notify(session, envelope, subject, kinds.CONTEST_ANSWERED,
                                   {contest["author_id"]} - {envelope.actor})
            return
        targets = [("synthesis", changed.synthesis_id),
                   ("consultation", envelope.consultation_id)]
        if info.theme_id:
            targets.append(("theme", info.theme_id))
        followers = await self._subscriptions.followers(session, targets)
        await self._notify(session, envelope, subject, kinds.SYNTHESIS_PUBLISHED,
                           followers - {envelope.actor})
