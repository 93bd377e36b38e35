"""Business metrics of the threads service."""

from prometheus_client import Counter, Gauge

POSTS_CREATED = Counter("agora_posts_created_total", "Posts created (idempotent replays excluded).")
REACTIONS_CHANGED = Counter("agora_reactions_changed_total", "Reactions set, changed or removed.")
MODERATION_ACTS = Counter("agora_moderation_acts_total", "Moderation acts.", ["action"])
REPORTS = Counter("agora_post_reports_total", "Posts reported by participants.")
CONSULTATION_PHASE = Gauge(
    "agora_consultation_phase",
    "1 for each consultation's current phase by the calendar ('none' between or outside "
    "phases), refreshed by every replica.",
    ["consultation", "phase"],
)
