"""The `post.created` payload, built one way wherever a post comes into existence: written
(posts.py), approved under pre-moderation (moderation.py) or imported from a workshop
(workshops.py)."""

from __future__ import annotations

from agora.v1 import events_pb2
from agora_kit.types import Document


def post_created(post: Document) -> events_pb2.PostCreated:
    event = events_pb2.PostCreated(
        post_id=post["_id"], thread_id=post["thread_id"], theme_id=post["theme_id"],
        author_id=post["author_id"], body=post["body"], language=post["language"],
        language_confidence=post.get("language_confidence"),
        parent_id=post.get("parent_id") or "")
    event.created_at.FromDatetime(post["created_at"])
    return event
