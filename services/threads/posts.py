"""Posts: writing one (a reply only where the writer may answer, nested at most
MAX_DEPTH deep, held when the consultation pre-moderates) and reading them back (pages,
pinned announcements, the posts an author has awaiting moderation).

The store (`store.py`) keeps the collections, their indexes and the commit; this module
is what a post is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING

from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.ids import new_id
from agora_kit.types import Document
from services.threads import kinds, phases
from services.threads.metrics import POSTS_CREATED
from services.threads.post_events import post_created
from services.threads.post_language import post_language
from services.threads.store import PENDING, VISIBLE, ThreadsStore, consultation_phases

if TYPE_CHECKING:
    from services.threads.visibility import Viewer

MAX_DEPTH = 50


async def create_post(
    store: ThreadsStore,
    *,
    thread_id: str,
    body: str,
    post_format: int,
    language: str,
    parent_id: str | None,
    viewer: Viewer,
    idempotency_key: str | None,
    column_id: str | None = None,
) -> Document:
    """A post by `viewer`; a reply only to a post they may answer (visibility.py)."""
    actor = viewer.account_id
    thread = await store.get_thread(thread_id)
    consultation = await store.get_consultation(thread["consultation_id"])
    phases.require_module(consultation_phases(consultation),
                          kinds.MODULE[kinds.of_thread(thread)], now())
    languages = post_language(body, language, consultation)
    depth = 0
    parent_column = None
    if parent_id is not None:
        parent = await store.posts.find_one(
            {"_id": parent_id},
            {"thread_id": 1, "depth": 1, "column_id": 1, "status": 1, "author_id": 1})
        if parent is None or parent["thread_id"] != thread_id:
            raise NotFound(f"post {parent_id} is not a post of this thread", field="parent_id")
        viewer.answerable(parent, field="parent_id")
        depth = parent.get("depth", 0) + 1
        parent_column = parent.get("column_id")
        if depth > MAX_DEPTH:
            raise InvalidArgument(f"replies nest at most {MAX_DEPTH} deep", field="parent_id")
    column_id = kinds.column_of(thread, column_id, parent_column)
    request = {
        "thread_id": thread_id,
        "body": body,
        "format": post_format,
        "language": language,
        "parent_id": parent_id,
        "column_id": column_id,
    }

    async def create(extra: dict[str, Any]) -> Document:
        document = {
            "_id": new_id(),
            "thread_id": thread_id,
            "consultation_id": thread["consultation_id"],
            "theme_id": thread["theme_id"],
            "author_id": actor,
            "created_by": actor,
            "body": body,
            "format": post_format,
            **languages,
            "created_at": now(),
            "parent_id": parent_id,
            "column_id": column_id,
            "depth": depth,
            "revision": 0,
            "pinned": False,
            "status": PENDING if consultation.get("pre_moderation") else VISIBLE,
            **extra,
        }
        envelope = new_envelope(
            # A held post is announced when a moderator approves it.
            event_type=(EVENTS.post_submitted if document["status"] == PENDING
                        else EVENTS.post_created),
            consultation_id=thread["consultation_id"],
            actor=actor,
            payload=post_created(document),
        )
        await store.insert(store.posts, document, envelope)
        POSTS_CREATED.inc()
        return document

    return await idempotency.create_once(
        store.posts, actor=actor, key=idempotency_key, request=request, create=create
    )


async def get_post(store: ThreadsStore, post_id: str) -> Document:
    document = await store.posts.find_one({"_id": post_id})
    if document is None:
        raise NotFound(f"post {post_id} does not exist", field="post_id")
    return document


async def locate_post(store: ThreadsStore, post_id: str) -> Document:
    """The post's thread and consultation, whatever its status."""
    document = await store.posts.find_one({"_id": post_id},
                                          {"thread_id": 1, "consultation_id": 1})
    if document is None:
        raise NotFound(f"post {post_id} does not exist", field="post_id")
    return document


async def list_posts(store: ThreadsStore, *, thread_id: str, after: str | None, limit: int,
                     held_of: str | None = "") -> list[Document]:
    """A page in creation order. Posts held by pre-moderation: all of them when
    `held_of` is None (moderators), else only those written by `held_of` (their
    author; "" for nobody's)."""
    query: dict[str, Any] = {"thread_id": thread_id, **held_by(held_of)}
    if after:
        query["_id"] = {"$gt": after}
    posts = await store.posts.find(query).sort("_id", ASCENDING).limit(limit).to_list()
    if not posts and after is None:
        await store.get_thread(thread_id)  # an empty page of an unknown thread is a 404
    return posts


async def held_post_ids(store: ThreadsStore, thread_id: str, author_id: str) -> list[str]:
    """The author's posts in the thread awaiting moderation (an equality lookup on the
    `(thread_id, author_id, status)` index, whatever the thread's size)."""
    docs = await store.posts.find({"thread_id": thread_id, "author_id": author_id,
                                   "status": PENDING}, {"_id": 1}).to_list()
    return [str(d["_id"]) for d in docs]


async def pinned_posts(store: ThreadsStore, thread_id: str,
                       held_of: str | None = "") -> list[Document]:
    """Pinned announcements, held ones as for `list_posts` (a hidden post that was
    pinned and then revised is held again)."""
    return await store.posts.find({"thread_id": thread_id, "pinned": True,
                                   **held_by(held_of)}).sort(
        "_id", ASCENDING).limit(20).to_list()


def held_by(author_id: str | None) -> dict[str, Any]:
    """The filter on held posts: None keeps them all, "" none, an account its own."""
    if author_id is None:
        return {}
    if author_id == "":
        return {"status": {"$ne": PENDING}}
    return {"$or": [{"status": {"$ne": PENDING}}, {"author_id": author_id}]}
