"""The event types the gateway reads, named after the kit's catalog.

Why a module of its own: the cache consumer (events/cache.py) and the live stream
(events/live.py) both match on these types. Each name below is the catalog's
(`agora_kit/events/catalog.py`), so nothing in the gateway spells an event type: a type
renamed or dropped by its producer fails here at import, instead of silently no longer
renewing a cache or reaching a reader.
"""

from __future__ import annotations

from google.protobuf.message import Message

from agora_kit.events.catalog import EVENTS, event_type

POST_CREATED = EVENTS.post_created.name
POST_SUBMITTED = EVENTS.post_submitted.name  # held for moderation: its author alone sees it
POST_EDITED = EVENTS.post_edited.name
POST_PINNED = EVENTS.post_pinned.name
POST_UNPINNED = EVENTS.post_unpinned.name
POST_FACT_CHECKED = EVENTS.post_fact_checked.name
POST_HIDDEN = EVENTS.moderation_post_hidden.name
POST_RESTORED = EVENTS.moderation_post_restored.name
POST_APPROVED = EVENTS.moderation_post_approved.name
POST_RESUBMITTED = EVENTS.moderation_post_resubmitted.name
REACTION_CHANGED = EVENTS.reaction_changed.name
SUMMARY_WRITTEN = EVENTS.deepening_summary_written.name
CONTENT_ANONYMISED = EVENTS.content_anonymised.name
ROLE_GRANTED = EVENTS.role_granted.name
ROLE_REVOKED = EVENTS.role_revoked.name
ACCESS_POLICY_CHANGED = EVENTS.access_policy_changed.name
USER_ERASED = EVENTS.user_erased.name
PHASE_CHANGED = EVENTS.consultation_phase_changed.name
TRANSLATION_READY = EVENTS.translation_ready.name  # a post readable in one more language
NOTIFICATIONS_CREATED = EVENTS.notifications_created.name  # each to its recipient alone
# synthesis: every change of its read model of a consultation
DRAFT_SAVED = EVENTS.synthesis_draft_saved.name  # a draft is not public: synthesisers only
EVENTS_SOURCE_CHANGED = EVENTS.extract_source_changed.name
SYNTHESIS = frozenset(event.name for event in (
    EVENTS.extract_filed, EVENTS.extract_reanchored, EVENTS.extract_orphaned,
    EVENTS.extract_source_changed, EVENTS.idea_created, EVENTS.idea_edited,
    EVENTS.idea_status_changed, EVENTS.idea_merged, EVENTS.idea_unmerged, EVENTS.synthesis_created,
    EVENTS.synthesis_draft_saved, EVENTS.synthesis_published, EVENTS.contest_opened,
    EVENTS.contest_answered, EVENTS.contest_resolved))


def filter_of(name: str) -> str:
    """The JetStream subject filter of one event type, in any consultation."""
    return event_type(name).filter_subject


def payload_of(name: str) -> type[Message]:
    """The payload message the catalog gives that type."""
    return event_type(name).payload
