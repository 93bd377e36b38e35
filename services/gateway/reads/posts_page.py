"""A thread's posts page, answered by one pipeline whoever asks and however it arrives.

Why one: the page is the platform's hottest read, and it used to be answered twice — by
the route, and by a layer before FastAPI with its own copy of the route's limits,
admission and participation recording. Now both entries (the route in
routes/threads.py, and door.py before FastAPI) take the same steps here:

1. `PageQuery`: the thread, limit, cursor, `lang` and `original`, within the limits
   `deps` declares for the route (the door parses with them, FastAPI validates with
   them); with `Accept-Language`, the language the texts are served in (reading.py);
2. admission: `deps.admit`, the check `authorize` runs on every route (the entry calls
   it: the route through `authorize`, the door directly);
3. the read: moderators through the service (they see more), everyone else through the
   page cache's tiers — this process, Redis, the service (reads/cache.py) — in that
   language (one `GetTranslations` per page read from the service);
4. participation: a signed-in reader is recorded as having read the page's theme;
5. the answer as sent: the bytes with their ETag, or 304 (`sent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from agora.v1 import threads_pb2
from agora_kit.ids import is_valid_id
from agora_kit.validators import is_language_code
from services.gateway.auth import Principal
from services.gateway.deps import CURSOR_RE, DEFAULT_LIMIT, MAX_CURSOR, MAX_LIMIT, roles
from services.gateway.permissions import action_of, allowed
from services.gateway.public_names import authored
from services.gateway.reading import reading_language, translate_posts
from services.gateway.reads.cache import UNTRANSLATED, Answer, Own, PageRequest
from services.gateway.resources import Resources
from services.gateway.scope import consultation_of

ROUTE = "/v1/threads/{thread_id}/posts"
ACTION = action_of("GET", ROUTE)


@dataclass(frozen=True)
class PageQuery:
    """Which page is asked for, within the route's limits."""

    thread_id: str
    limit: int = DEFAULT_LIMIT
    cursor: str = ""
    lang: str = ""  # as asked (a language code), "" when not
    original: bool = False

    @classmethod
    def parse(cls, thread_id: str, query_string: bytes) -> PageQuery | None:
        """The query the route would accept, or None when the route must answer it (a
        malformed id, a limit or cursor out of bounds, a repeated parameter): FastAPI's
        validation words the problem."""
        if not is_valid_id(thread_id):
            return None
        query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
        if any(len(values) != 1 for values in query.values()):
            return None
        limit_text = query.get("limit", [str(DEFAULT_LIMIT)])[0]
        cursor = query.get("cursor", [""])[0]
        lang = query.get("lang", [""])[0]  # `lang=` (empty) is malformed: the route's 422
        original = query.get("original", ["false"])[0]
        if (not (limit_text.isascii() and limit_text.isdigit()) or len(cursor) > MAX_CURSOR
                or not CURSOR_RE.match(cursor) or ("lang" in query and not is_language_code(lang))
                or original not in ("true", "false")):
            return None
        limit = int(limit_text)
        if not 1 <= limit <= MAX_LIMIT:
            return None
        return cls(thread_id, limit, cursor, lang, original == "true")


async def read_page(resources: Resources, query: PageQuery, viewer: Principal | None,
                    accept_language: str | None = None) -> Answer:
    """The page as the admitted `viewer` (None: anonymous) sees it, in the language they
    ask for; records their read."""
    clients, keys = resources.clients, resources.author_keys
    names = resources.public_names
    consultation_id = await consultation_of({"thread_id": query.thread_id}, clients,
                                            resources.redis) or ""
    language = await reading_language(resources.languages, consultation_id,
                                      lang=query.lang or None,
                                      accept_language=accept_language,
                                      original=query.original)

    async def read(reader: Principal | None) -> dict[str, Any]:
        request = threads_pb2.ListPostsRequest(
            thread_id=query.thread_id, page_size=query.limit, cursor=query.cursor,
            viewer_id=reader.account_id if reader else "", viewer_roles=roles(reader))
        page = await clients.call("threads", clients.threads.ListPosts, request)
        items = [authored(p, keys) for p in page.posts]
        pinned = [authored(p, keys) for p in page.pinned]
        complete = await translate_posts(clients, items + pinned, language)
        return {"items": items, "pinned": pinned, "next_cursor": page.next_cursor or None,
                **({} if complete else {UNTRANSLATED: True})}

    async def counts(post_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        reply = await clients.call("threads", clients.threads.CountReactions,
                                   threads_pb2.CountReactionsRequest(post_ids=post_ids))
        return {post: dict(value.counts) for post, value in reply.posts.items()}

    async def mine() -> Own:
        reply = await clients.call("threads", clients.threads.ListMyReactions,
                                   threads_pb2.ListMyReactionsRequest(
                                       thread_id=query.thread_id,
                                       user_id=viewer.account_id if viewer else ""))
        return Own(reactions=dict(reply.reactions), held=list(reply.held_post_ids))

    answer = None
    if viewer is None or not allowed("post.moderate", viewer.roles):
        answer = await resources.read_cache.page(
            PageRequest(query.thread_id, query.cursor, query.limit,
                        viewer.account_id if viewer else "", consultation_id, language),
            fetch_page=lambda: read(None), fetch_counts=counts, fetch_mine=mine,
            name_posts=names.name_posts)
    if answer is None:
        page = await read(viewer)
        page.pop(UNTRANSLATED, None)
        await names.name_posts(page["items"] + page["pinned"])
        answer = Answer.of(page)
    if viewer is not None and answer.theme_id:
        await resources.participation.record(
            consultation_id=answer.consultation_id, theme_id=answer.theme_id,
            account_id=viewer.account_id, level="read")
    return answer


Headers = list[tuple[bytes, bytes]]


def sent(answer: Answer, if_none_match: str | None) -> tuple[int, Headers, bytes]:
    """Status, headers and body: the JSON with a strong ETag over its bytes, or 304 when
    the client holds these bytes."""
    headers = [(b"etag", answer.etag.encode()), (b"cache-control", b"private, no-cache"),
               (b"vary", b"Accept-Language")]
    if if_none_match is not None and answer.etag in {t.strip() for t in if_none_match.split(",")}:
        return 304, headers, b""
    return 200, [*headers, (b"content-type", b"application/json")], answer.body
