"""Every event type the gateway reads, spelt once.

Why one module: the cache consumer (events/cache.py) and the live stream
(events/live.py) each matched event types as strings; a type renamed by its producer
would silently stop renewing a cache or reaching a reader. The kit's event catalog will
own these names; when it does, this module takes them from there (one edit, e.g.
`POST_CREATED = EVENTS.post_created.name`, and `filter_of` becomes the catalogued
type's `filter_subject`).
"""

from __future__ import annotations

POST_CREATED = "post.created"
POST_SUBMITTED = "post.submitted"  # held for moderation: its author alone sees it
POST_EDITED = "post.edited"
POST_PINNED = "post.pinned"
POST_UNPINNED = "post.unpinned"
POST_FACT_CHECKED = "post.fact_checked"
POST_HIDDEN = "moderation.post_hidden"
POST_RESTORED = "moderation.post_restored"
POST_APPROVED = "moderation.post_approved"
POST_RESUBMITTED = "moderation.post_resubmitted"
REACTION_CHANGED = "reaction.changed"
SUMMARY_WRITTEN = "deepening.summary_written"
CONTENT_ANONYMISED = "content.anonymised"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"
ACCESS_POLICY_CHANGED = "access_policy.changed"
USER_ERASED = "user.erased"
PHASE_CHANGED = "consultation.phase_changed"


def filter_of(event_type: str) -> str:
    """The JetStream subject filter of one event type, in any consultation."""
    return f"agora.*.{event_type}"
