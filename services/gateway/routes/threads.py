"""/v1/threads — read a thread, post into it, read its posts page by page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import threads_pb2
from services.gateway.deps import (
    Clients,
    IdempotencyKey,
    OptionalUser,
    Recorder,
    Writer,
    roles,
)
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import (
    FORMAT_TO_PROTO,
    ColumnSummary,
    PostCreate,
    PostPublic,
    PostsPage,
    ThreadPublic,
)

router = APIRouter(prefix="/v1/threads", tags=["threads"])


@router.get("/{thread_id}", response_model=ThreadPublic)
async def get(thread_id: str, clients: Clients) -> ThreadPublic:
    request = threads_pb2.GetThreadRequest(thread_id=existing_id(thread_id, "thread"))
    return ThreadPublic.of(await clients.call("threads", clients.threads.GetThread, request))


@router.post("/{thread_id}/posts", status_code=201, response_model=PostPublic)
async def create_post(
    thread_id: str, body: PostCreate, user: Writer, clients: Clients, response: Response,
    participation: Recorder, idempotency_key: IdempotencyKey = None,
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
    await participation.record(consultation_id=created.consultation_id,
                               theme_id=created.theme_id, account_id=user.account_id,
                               level="post")
    response.headers["Location"] = f"/v1/posts/{created.id}"
    return PostPublic.of(created)


@router.get("/{thread_id}/posts", response_model=PostsPage)
async def list_posts(
    thread_id: str,
    clients: Clients,
    viewer: OptionalUser,
    participation: Recorder,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str, Query(max_length=200)] = "",
) -> PostsPage:
    """A thread's posts, oldest first, flat with `parent_id` references (build the tree
    client-side); follow `next_cursor` for the next page. Pinned announcements come with
    the first page."""
    request = threads_pb2.ListPostsRequest(
        thread_id=existing_id(thread_id, "thread"), page_size=limit, cursor=cursor,
        viewer_id=viewer.account_id if viewer else "", viewer_roles=roles(viewer),
    )
    page = await clients.call("threads", clients.threads.ListPosts, request)
    if viewer is not None and page.posts:
        await participation.record(consultation_id=page.posts[0].consultation_id,
                                   theme_id=page.posts[0].theme_id,
                                   account_id=viewer.account_id, level="read")
    return PostsPage(items=[PostPublic.of(p) for p in page.posts],
                     pinned=[PostPublic.of(p) for p in page.pinned],
                     next_cursor=page.next_cursor or None)


@router.put("/{thread_id}/columns/{column_id}/summary", response_model=ThreadPublic)
async def summarise_column(thread_id: str, column_id: str, body: ColumnSummary, user: Writer,
                           clients: Clients) -> ThreadPublic:
    """Write the summary of one column of a two-column deepening (synthesisers)."""
    request = threads_pb2.SetColumnSummaryRequest(
        thread_id=existing_id(thread_id, "thread"), column_id=existing_id(column_id, "column"),
        summary=body.summary, actor_id=user.account_id, actor_roles=roles(user))
    return ThreadPublic.of(await clients.call("threads", clients.threads.SetColumnSummary,
                                              request))
