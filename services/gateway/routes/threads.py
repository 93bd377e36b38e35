"""/v1/threads — read a thread, post into it, read its posts page by page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from agora.v1 import threads_pb2
from services.gateway.auth import Principal
from services.gateway.deps import (
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Keys,
    Limit,
    Names,
    OptionalUser,
    Recorder,
    Writer,
    roles,
)
from services.gateway.permissions import allowed
from services.gateway.public_names import authored
from services.gateway.read_cache import Answer, Own, PageRequest, dumps, etag_of
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import (
    FORMAT_TO_PROTO,
    ColumnSummary,
    PostCreate,
    PostPublic,
    PostsPage,
    ThreadPublic,
)
from services.gateway.scope import consultation_of

router = APIRouter(prefix="/v1/threads", tags=["threads"])


@router.get("/{thread_id}", response_model=ThreadPublic)
async def get(thread_id: str, clients: Clients, cache: Cache, keys: Keys) -> Response:
    """A thread with its post count and, for a two-column deepening, its columns."""
    request = threads_pb2.GetThreadRequest(thread_id=existing_id(thread_id, "thread"))

    async def read() -> dict[str, Any]:
        thread = await clients.call("threads", clients.threads.GetThread, request)
        return ThreadPublic.of(thread, keys).model_dump(mode="json")

    return Response(content=dumps(await cache.thread(request.thread_id, read) or await read()),
                    media_type="application/json")


@router.post("/{thread_id}/posts", status_code=201, response_model=PostPublic)
async def create_post(
    thread_id: str, body: PostCreate, user: Writer, clients: Clients, response: Response,
    participation: Recorder, cache: Cache, names: Names, keys: Keys,
    idempotency_key: IdempotencyKey = None,
) -> PostPublic:
    """Post into a thread, or reply to one of its posts with `parent_id` (plain text or
    Markdown; rendered and sanitised on output)."""
    request = threads_pb2.CreatePostRequest(
        thread_id=existing_id(thread_id, "thread"), body=body.body,
        format=FORMAT_TO_PROTO[body.format], language=body.language or "",
        actor_id=user.account_id, idempotency_key=idempotency_key or "",
        actor_roles=roles(user), parent_id=body.parent_id or "", column_id=body.column_id or "",
    )
    created = await clients.call("threads", clients.threads.CreatePost, request)
    if created.status == threads_pb2.POST_STATUS_PENDING:  # shown to its author alone
        await cache.after_write(cache.post_held(created.thread_id, user.account_id))
    else:
        await cache.after_write(cache.post_added(created.thread_id))
    await participation.record(consultation_id=created.consultation_id,
                               theme_id=created.theme_id, account_id=user.account_id,
                               level="post")
    response.headers["Location"] = f"/v1/posts/{created.id}"
    return await names.name(created, keys)


@router.get("/{thread_id}/posts", response_model=PostsPage)
async def list_posts(
    thread_id: str,
    clients: Clients,
    viewer: OptionalUser,
    participation: Recorder,
    cache: Cache,
    names: Names,
    keys: Keys,
    http: Request,
    limit: Limit = 20,
    cursor: Cursor = "",
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """A thread's posts, oldest first, flat with `parent_id` references (build the tree
    client-side); follow `next_cursor` for the next page. Pinned announcements come with
    the first page. Answers carry an `ETag`; `If-None-Match` gets 304 when unchanged.

    Served from the gateway's read cache (read_cache.py) except for moderators; a
    reader's own posts awaiting moderation are shown to them alone."""
    thread_id = existing_id(thread_id, "thread")

    async def read(reader: Principal | None) -> dict[str, Any]:
        request = threads_pb2.ListPostsRequest(
            thread_id=thread_id, page_size=limit, cursor=cursor,
            viewer_id=reader.account_id if reader else "", viewer_roles=roles(reader))
        page = await clients.call("threads", clients.threads.ListPosts, request)
        return {"items": [authored(p, keys) for p in page.posts],
                "pinned": [authored(p, keys) for p in page.pinned],
                "next_cursor": page.next_cursor or None}

    async def counts(post_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        reply = await clients.call("threads", clients.threads.CountReactions,
                                   threads_pb2.CountReactionsRequest(post_ids=post_ids))
        return {post: dict(value.counts) for post, value in reply.posts.items()}

    async def mine() -> Own:
        reply = await clients.call("threads", clients.threads.ListMyReactions,
                                   threads_pb2.ListMyReactionsRequest(
                                       thread_id=thread_id,
                                       user_id=viewer.account_id if viewer else ""))
        return Own(reactions=dict(reply.reactions), held=list(reply.held_post_ids))

    answer = None
    if viewer is None or not allowed("post.moderate", viewer.roles):
        consultation_id = await consultation_of({"thread_id": thread_id}, clients,
                                                http.app.state.redis)
        answer = await cache.page(
            PageRequest(thread_id, cursor, limit, viewer.account_id if viewer else "",
                        consultation_id or ""),
            fetch_page=lambda: read(None), fetch_counts=counts, fetch_mine=mine,
            name_posts=names.name_posts)
    if answer is None:
        page = await read(viewer)
        await names.name_posts(page["items"] + page["pinned"])
        answer = Answer.of(page)
    if viewer is not None and answer.theme_id:
        await participation.record(consultation_id=answer.consultation_id,
                                   theme_id=answer.theme_id,
                                   account_id=viewer.account_id, level="read")
    return cacheable(answer.body, if_none_match)


def cacheable(body: bytes, if_none_match: str | None) -> Response:
    """JSON with a strong ETag over its bytes; 304 when the client holds these bytes."""
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


@router.put("/{thread_id}/columns/{column_id}/summary", response_model=ThreadPublic)
async def summarise_column(thread_id: str, column_id: str, body: ColumnSummary, user: Writer,
                           clients: Clients, cache: Cache, keys: Keys) -> ThreadPublic:
    """Write the summary of one column of a two-column deepening (synthesisers)."""
    request = threads_pb2.SetColumnSummaryRequest(
        thread_id=existing_id(thread_id, "thread"), column_id=existing_id(column_id, "column"),
        summary=body.summary, actor_id=user.account_id, actor_roles=roles(user))
    thread = await clients.call("threads", clients.threads.SetColumnSummary, request)
    await cache.after_write(cache.content_changed(thread.id))
    return ThreadPublic.of(thread, keys)
