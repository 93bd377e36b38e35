"""Business metrics of the threads service."""

from prometheus_client import Counter

POSTS_CREATED = Counter("agora_posts_created_total", "Posts created (idempotent replays excluded).")
