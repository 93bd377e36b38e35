"""/v1/threads — read a thread, post into it, read its posts page by page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from agora.v1 import threads_pb2
from services.gateway.deps import (
    DEFAULT_LIMIT,
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Keys,
    Limit,
    Names,
    OptionalUser,
    Recorder,
    Res,
    Writer,
    roles,
)
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.reads.cache import dumps
from services.gateway.reads.posts_page import PageQuery, read_page, sent
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
    resources: Res,
    viewer: OptionalUser,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = "",
    lang: ReadLang = None,
    original: Original = False,
    accept_language: AcceptLanguage = None,
    if_none_match: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """A thread's posts, oldest first, flat with `parent_id` references (build the tree
    client-side); follow `next_cursor` for the next page. Pinned announcements come with
    the first page. Answers carry an `ETag`; `If-None-Match` gets 304 when unchanged.
    Texts come in the reader's language (`lang`, else Accept-Language) where translated,
    as written otherwise or with `original=true` (README "Translation").

    Served from the gateway's read cache (reads/cache.py) except for moderators; a
    reader's own posts awaiting moderation are shown to them alone. The steps are
    reads/posts_page.py's, which reads/door.py also runs before FastAPI."""
    query = PageQuery(existing_id(thread_id, "thread"), limit, cursor, lang or "", original)
    status, headers, body = sent(await read_page(resources, query, viewer, accept_language),
                                 if_none_match)
    return Response(content=body, status_code=status,
                    headers={key.decode(): value.decode() for key, value in headers})


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
