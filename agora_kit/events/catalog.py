"""Every event type on the bus, with the payload message it carries: the one place an
event type is spelt.

Producers build envelopes from an `EventType` (`new_envelope(EVENTS.post_created, ...)`),
consumers subscribe with its `filter_subject` and read the payload with `unpack`, which
refuses an envelope whose payload is not the catalogued message (a `MalformedEvent`: the
consumer dead-letters it instead of applying garbage). A type that is not here cannot be
published, so the list below is the bus's whole vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

from agora.v1 import (
    debate_events_pb2,
    events_pb2,
    identity_pb2,
    notifications_pb2,
    synthesis_pb2,
    translation_pb2,
    voting_pb2,
)

SUBJECT_PREFIX = "agora"
_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
M = TypeVar("M", bound=Message, covariant=True)


class MalformedEvent(ValueError):
    """Bytes on the bus that are not an envelope we can read (a poison message)."""


@dataclass(frozen=True)
class EventType(Generic[M]):
    """An event type: its name (`post.created`, also the subject's tail) and payload."""

    name: str
    payload: type[M]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"bad event type {self.name!r}")

    def subject(self, consultation_id: str) -> str:
        """`agora.<consultation>.<type>`; the type's dots become subject tokens."""
        return f"{SUBJECT_PREFIX}.{consultation_id or '_'}.{self.name}"

    @property
    def filter_subject(self) -> str:
        """The subject filter matching this type in every consultation."""
        return f"{SUBJECT_PREFIX}.*.{self.name}"

    def unpack(self, envelope: events_pb2.EventEnvelope) -> M:
        """The envelope's payload as this type's message; MalformedEvent if the envelope
        is of another type or its payload is not that message."""
        return unpack(envelope, self)


class Events:
    """The catalog, by attribute: `EVENTS.post_created`."""

    # identity
    user_registered = EventType("user.registered", identity_pb2.UserRegistered)
    user_erased = EventType("user.erased", identity_pb2.UserErased)
    role_granted = EventType("role.granted", identity_pb2.RoleGranted)
    role_revoked = EventType("role.revoked", identity_pb2.RoleRevoked)
    access_policy_changed = EventType("access_policy.changed", identity_pb2.AccessPolicyChanged)
    # threads: consultations and threads
    consultation_created = EventType("consultation.created", events_pb2.ConsultationCreated)
    consultation_updated = EventType("consultation.updated", debate_events_pb2.PhaseChanged)
    consultation_phase_changed = EventType("consultation.phase_changed",
                                           debate_events_pb2.PhaseChanged)
    thread_created = EventType("thread.created", events_pb2.ThreadCreated)
    deepening_summary_written = EventType("deepening.summary_written",
                                          debate_events_pb2.ColumnSummaryWritten)
    workshop_imported = EventType("workshop.imported", debate_events_pb2.WorkshopImported)
    resource_published = EventType("resource.published", debate_events_pb2.ResourcePublished)
    # threads: posts
    post_created = EventType("post.created", events_pb2.PostCreated)
    post_submitted = EventType("post.submitted", events_pb2.PostCreated)  # held for moderation
    post_edited = EventType("post.edited", debate_events_pb2.PostEdited)
    post_pinned = EventType("post.pinned", debate_events_pb2.PostPinned)
    post_unpinned = EventType("post.unpinned", debate_events_pb2.PostPinned)
    post_fact_checked = EventType("post.fact_checked", debate_events_pb2.PostFactChecked)
    reaction_changed = EventType("reaction.changed", debate_events_pb2.ReactionChanged)
    content_anonymised = EventType("content.anonymised", identity_pb2.UserErased)
    # threads: moderation
    moderation_post_reported = EventType("moderation.post_reported",
                                         debate_events_pb2.PostReported)
    moderation_post_hidden = EventType("moderation.post_hidden", debate_events_pb2.PostModerated)
    moderation_post_restored = EventType("moderation.post_restored",
                                         debate_events_pb2.PostModerated)
    moderation_post_approved = EventType("moderation.post_approved",
                                         debate_events_pb2.PostModerated)
    moderation_post_resubmitted = EventType("moderation.post_resubmitted",
                                            debate_events_pb2.PostModerated)
    moderation_reports_dismissed = EventType("moderation.reports_dismissed",
                                             debate_events_pb2.PostModerated)
    # voting
    vote_session_created = EventType("vote_session.created", voting_pb2.VoteSessionChanged)
    vote_session_opened = EventType("vote_session.opened", voting_pb2.VoteSessionChanged)
    vote_session_closed = EventType("vote_session.closed", voting_pb2.VoteSessionClosed)
    ballot_submitted = EventType("ballot.submitted", voting_pb2.BallotSubmitted)
    # synthesis: harvesting, ideas, syntheses and their contests
    extract_filed = EventType("extract.filed", synthesis_pb2.ExtractChanged)
    extract_reanchored = EventType("extract.reanchored", synthesis_pb2.ExtractChanged)
    extract_orphaned = EventType("extract.orphaned", synthesis_pb2.ExtractChanged)
    # a post that extracts quote changed under them: its reactions (idea counts), its
    # moderation status (who reads the quote) or its author (erased)
    extract_source_changed = EventType("extract.source_changed", synthesis_pb2.ExtractChanged)
    idea_created = EventType("idea.created", synthesis_pb2.IdeaChanged)
    idea_edited = EventType("idea.edited", synthesis_pb2.IdeaChanged)  # title, description
    idea_status_changed = EventType("idea.status_changed", synthesis_pb2.IdeaChanged)
    idea_merged = EventType("idea.merged", synthesis_pb2.IdeaChanged)
    idea_unmerged = EventType("idea.unmerged", synthesis_pb2.IdeaChanged)
    synthesis_created = EventType("synthesis.created", synthesis_pb2.SynthesisChanged)
    synthesis_draft_saved = EventType("synthesis.draft_saved", synthesis_pb2.SynthesisChanged)
    synthesis_published = EventType("synthesis.published", synthesis_pb2.SynthesisChanged)
    contest_opened = EventType("contest.opened", synthesis_pb2.SynthesisChanged)
    contest_answered = EventType("contest.answered", synthesis_pb2.SynthesisChanged)
    contest_resolved = EventType("contest.resolved", synthesis_pb2.SynthesisChanged)
    deliverable_published = EventType("deliverable.published",
                                      synthesis_pb2.DeliverablePublished)
    # translation
    translation_ready = EventType("translation.ready", translation_pb2.TranslationReady)
    # notifications: in-app ones written (the live stream pushes each to its recipient)
    notifications_created = EventType("notifications.created",
                                      notifications_pb2.NotificationsCreated)
    # a moderator's or strategist's announcement to a consultation (notifications' outbox)
    announcement_published = EventType("announcement.published",
                                       notifications_pb2.AnnouncementPublished)


EVENTS = Events()
ALL: tuple[EventType[Message], ...] = tuple(
    value for value in vars(Events).values() if isinstance(value, EventType))
_BY_NAME: dict[str, EventType[Message]] = {event.name: event for event in ALL}


def unpack(envelope: events_pb2.EventEnvelope, *accepted: EventType[M]) -> M:
    """The payload of an envelope of one of the accepted types (a consumer's filter);
    MalformedEvent for any other type, or a payload that is not the catalogued message."""
    kind = next((event for event in accepted if event.name == envelope.type), None)
    if kind is None:
        raise MalformedEvent(f"{envelope.type} is not one of "
                             f"{', '.join(event.name for event in accepted)}")
    payload = kind.payload()
    if not envelope.payload.Unpack(payload):
        raise MalformedEvent(f"{envelope.type} does not carry a {kind.payload.DESCRIPTOR.name}")
    return payload


def event_type(name: str) -> EventType[Message]:
    """The catalogued type of that name; ValueError for a name the bus does not know."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown event type {name!r}") from None


def payload_class(name: str) -> type[Message]:
    return event_type(name).payload


def subject_for(consultation_id: str, event: EventType[Message] | str) -> str:
    """The subject an event of that type in that consultation is published on."""
    return (event_type(event) if isinstance(event, str) else event).subject(consultation_id)
