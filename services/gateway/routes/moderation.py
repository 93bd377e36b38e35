"""Moderation: act on a post, read the queue and the log (moderators)."""

from __future__ import annotations

from fastapi import APIRouter

from agora.v1 import threads_pb2
from services.gateway.debate_schemas import (
    ACTION_TO_PROTO,
    ModerationCreate,
    ModerationLog,
    ModerationLogEntryPublic,
    ModerationQueue,
    QueueItemPublic,
    ReportPublic,
)
from services.gateway.deps import (
    Cache,
    Clients,
    CurrentUser,
    Cursor,
    Keys,
    Limit,
    Names,
    Writer,
    roles,
)
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import PostPublic

router = APIRouter(tags=["moderation"])


@router.post("/v1/posts/{post_id}/moderation", response_model=PostPublic)
async def moderate(post_id: str, body: ModerationCreate, user: Writer,
                   clients: Clients, cache: Cache, names: Names, keys: Keys) -> PostPublic:
    """Hide (with a reason the author is told), restore, approve a held post, or dismiss
    its reports. Every act is logged; nothing is deleted."""
    request = threads_pb2.ModeratePostRequest(
        post_id=existing_id(post_id, "post"), action=ACTION_TO_PROTO[body.action],
        reason=body.reason, actor_id=user.account_id, actor_roles=roles(user))
    post = await clients.call("threads", clients.threads.ModeratePost, request)
    await cache.after_write(cache.post_moderated(post.thread_id, post.author_id))
    return await names.name(post, keys)


@router.get("/v1/consultations/{consultation_id}/moderation/queue",
            response_model=ModerationQueue)
async def queue(consultation_id: str, user: CurrentUser, clients: Clients, names: Names,
                keys: Keys, limit: Limit = 20, cursor: Cursor = "") -> ModerationQueue:
    """Reported posts and held posts (pre-moderation, or a hidden post its author revised),
    oldest first, each with its open reports and its moderation history. Authors appear by
    their author key, as everywhere: moderation acts on posts, and the key is enough to
    see that several come from one participant (least privilege)."""
    request = threads_pb2.ListModerationQueueRequest(
        consultation_id=existing_id(consultation_id, "consultation"), actor_id=user.account_id,
        actor_roles=roles(user), page_size=limit, cursor=cursor)
    page = await clients.call("threads", clients.threads.ListModerationQueue, request)
    posts = await names.name_all([i.post for i in page.items], keys)
    return ModerationQueue(items=[
        QueueItemPublic(post=post, reports=[ReportPublic.of(r) for r in i.reports],
                        history=[ModerationLogEntryPublic.of(e) for e in i.history])
        for post, i in zip(posts, page.items, strict=True)],
        next_cursor=page.next_cursor or None)


@router.get("/v1/consultations/{consultation_id}/moderation/log", response_model=ModerationLog)
async def log(consultation_id: str, user: CurrentUser, clients: Clients,
              limit: Limit = 20, cursor: Cursor = "") -> ModerationLog:
    """Every moderation act with its moderator and reason, oldest first."""
    request = threads_pb2.ListModerationLogRequest(
        consultation_id=existing_id(consultation_id, "consultation"), actor_id=user.account_id,
        actor_roles=roles(user), page_size=limit, cursor=cursor)
    page = await clients.call("threads", clients.threads.ListModerationLog, request)
    return ModerationLog(items=[ModerationLogEntryPublic.of(e) for e in page.entries],
                         next_cursor=page.next_cursor or None)
