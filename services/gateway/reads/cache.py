"""Thread pages served from Redis, kept true by generations the debate's events change.

A page deep in a 10,000-post thread is a sorted range query that SecantusDB answers in
time proportional to the collection (seconds), and even on `mongod` a page costs a gRPC
hop, a query and rendering. DESIGN §4: hot reads go through Redis, invalidated by events.
Per thread the cache holds four things, each under *generations*:

- the public view of each page asked for (posts as a reader without privileges sees them,
  rendered and sanitised), under the thread's content generation and a global one, and —
  unless the page is settled (full, and its last post old enough that no new post can
  sort before it) — the thread's tail generation, which a new post renews: a post
  appended to a 10,000-post thread does not evict its 500 settled pages;
- the reaction counts of that page, under the thread's reaction generation as well;
- what each reader has of their own in the thread (their reactions, and their posts
  awaiting moderation, which only they see), under that reader's generation;
- the thread itself (title, columns, post count), under its content and tail generations;
- in another language than the originals (`PageRequest.language`, README "Translation"),
  the page and the answer also under the thread's translations generation, which
  `translation.ready` renews: a page cached before its posts were translated is served
  translated once they are. A page whose translations could not be read (the translation
  service down or slow: originals served) says so (`UNTRANSLATED`) and is not stored;
- the finished answer — the page with its counts, the reader's reactions and the authors'
  public names, as the bytes sent — under all of the above and the consultation's names
  generation, so a repeated read is one Redis round trip (a script that reads the
  generations and the keys built from them) and no JSON work at all.

A generation is a random token. Changing it — never deleting data — makes every key
built on the old token unreachable, so a reader that fetched just before a write and
stores its result afterwards stores it under a key nobody asks for any more: there is no
read-then-overwrite race, and a lost generation key (eviction, restart) becomes a fresh
token, never an old one. Data keys expire after `ttl`.

Generations change when the gateway forwards a write (so its author reads it at once)
and when the thread's events arrive from NATS (events/cache.py: writes made elsewhere,
or by a gateway that died between the write and the change).

Each process also keeps the last answers it sent and the generation tokens it read,
trusting a token for `local_seconds` (1 s) before asking Redis again; a generation this
process renews is known at once. This is the first tier of `page`: a repeated read is
answered from memory with no I/O at all, and a change made through another gateway
replica, or arriving by event, shows here within `local_seconds`. The tiers — process,
Redis, service — are one pipeline, used by the one route that reads pages
(routes/threads.py `list_posts`). Moderators, readers whose own hidden post is on the
page and readers with a post of theirs awaiting moderation in the thread read through
the service: they see more.

Keys are typed: `Generations` names the generations a page depends on, `PageKeys` the
entries built on them. The Lua script builds the same keys in Redis from templates that
are `PageKeys` built on placeholder tokens, so there is one description of the layout.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.gateway.public_names import AUTHOR_ACCOUNT

log = logging.getLogger(__name__)
GENERATION_SECONDS = 7 * 24 * 3600
READER_ANSWER_SECONDS = 120
GLOBAL_GENERATION = "rc:gen:*"
# In every data key: changed when what is cached changes shape (2: author keys instead of
# account ids; 3: posts say their original language and whether they are translated), so
# a new gateway never reads an old one's entries.
SHAPE = "3"
ANSWERED_BY_PROCESS = Counter(
    "agora_page_reads_from_process_total",
    "Thread page reads answered from the gateway process's own cache (its first tier).")
ANSWERS = Counter(
    "agora_cached_answers_total",
    "Reads answered through `ReadCache.answer`, by read and by the tier that answered "
    "(process, redis, service; bypass: Redis unreachable).", ["read", "tier"])

# Set on a fetched page whose translations could not be read: sent, never stored.
UNTRANSLATED = "_untranslated"
PageFetcher = Callable[[], Awaitable[dict[str, Any]]]
CountsFetcher = Callable[[Sequence[str]], Awaitable[dict[str, dict[str, int]]]]
MineFetcher = Callable[[], Awaitable["Own"]]
Namer = Callable[[list[dict[str, Any]]], Awaitable[None]]

# Reads the generations (KEYS; a missing one takes its fresh token from ARGV), then GETs
# the data keys whose templates follow in ARGV, "%N" standing for generation N: one round
# trip for what took two, and never a key built on a generation read a moment earlier.
LOOKUP = """
local ttl = ARGV[1]
local generations = {}
for i, name in ipairs(KEYS) do
  local value = redis.call('GET', name)
  if not value then
    value = ARGV[i + 1]
    redis.call('SET', name, value, 'EX', ttl)
  end
  generations[i] = value
end
local keys = {}
for i = #KEYS + 2, #ARGV do
  keys[#keys + 1] = string.gsub(ARGV[i], '%%(%d)', function(n)
    return generations[tonumber(n)]
  end)
end
local values = redis.call('MGET', unpack(keys))
local reply = {}
for i = 1, #KEYS do reply[i] = generations[i] end
for i = 1, #keys do reply[#KEYS + i] = values[i] end
return reply
"""


def _content(thread_id: str) -> str:
    return f"rc:gen:{thread_id}"


def _tail(thread_id: str) -> str:
    return f"rc:tgen:{thread_id}"


def _reactions(thread_id: str) -> str:
    return f"rc:rgen:{thread_id}"


def _reader(thread_id: str, user_id: str) -> str:
    return f"rc:ugen:{thread_id}:{user_id}"


def _translations(thread_id: str) -> str:
    return f"rc:xgen:{thread_id}"


def _names(consultation_id: str) -> str:
    return f"rc:ngen:{consultation_id}"


def _synthesis(consultation_id: str) -> str:
    return f"rc:sgen:{consultation_id}"


def etag_of(body: bytes) -> str:
    """A strong ETag over the bytes sent."""
    return f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Own:
    """What a reader has of their own in a thread: post id -> their reaction, and their
    posts awaiting moderation (shown to them alone: while there are any, they read
    through the service)."""

    reactions: dict[str, str]
    held: list[str]

    def dumps(self) -> bytes:
        return dumps({"reactions": self.reactions, "held": self.held})

    @classmethod
    def loads(cls, value: bytes) -> Own:
        data = json.loads(value)
        return cls(reactions=data["reactions"], held=data["held"])


@dataclass(frozen=True)
class PageRequest:
    thread_id: str
    cursor: str
    limit: int
    reader: str  # account id, "" when anonymous
    consultation_id: str = ""
    language: str = ""  # the language texts are served in; "" for the originals

    def generations(self) -> Generations:
        """The Redis names of the generations this page depends on."""
        thread = self.thread_id
        return Generations(
            everything=GLOBAL_GENERATION, content=_content(thread), tail=_tail(thread),
            reactions=_reactions(thread), names=_names(self.consultation_id),
            translations=_translations(thread) if self.language else None,
            reader=_reader(thread, self.reader) if self.reader else None)


class Generations(NamedTuple):
    """One value per generation a page depends on: their Redis names, or their tokens.
    `translations` is None for the originals (no translation is shown), `reader` for an
    anonymous reader (nothing of theirs is cached)."""

    everything: str
    content: str
    tail: str
    reactions: str
    names: str
    translations: str | None
    reader: str | None

    def present(self) -> list[str]:
        return [value for value in self if value is not None]

    def filled(self, tokens: Sequence[str]) -> Generations:
        """The same generations with `tokens`, one per present one in `present` order."""
        given = iter(tokens)
        return Generations._make(None if value is None else next(given) for value in self)

    def placeholders(self) -> Generations:
        """Stand-ins for the tokens in the script's templates: "%N" is the Nth present."""
        return self.filled([f"%{n}" for n in range(1, len(self.present()) + 1)])


@dataclass(frozen=True)
class PageKeys:
    """The keys of one page request's entries, built on the generations' tokens.

    `settled` keys hold a page no new post can change (see `ReadCache._settled`) and do
    not depend on the tail generation; `recent` ones do. The answer depends on every
    generation; the page on the content ones; the counts on the reactions too; the
    reader's own entry (signed-in only) on their generation alone."""

    answer_settled: str
    answer_recent: str
    page_settled: str
    page_recent: str
    counts_settled: str
    counts_recent: str
    own: str | None

    @classmethod
    def of(cls, request: PageRequest, tokens: Generations) -> PageKeys:
        thread, reader = request.thread_id, request.reader
        # A cursor is the client's text: hashed, it cannot shape another reader's key.
        cursor = hashlib.blake2b(request.cursor.encode(), digest_size=12).hexdigest()
        settled = f"{thread}:{tokens.everything}:{tokens.content}:{request.limit}:{cursor}"
        recent = f"{settled}:{tokens.tail}"
        # The texts' language (a tag the gateway chose among the consultation's, never the
        # client's text) and the translations' generation: the page's posts and answers.
        served = f":{request.language}:{tokens.translations}" if request.language else ""
        viewer = (f"{tokens.reactions}:{tokens.names}:{reader}:{tokens.reader}" if reader
                  else f"{tokens.reactions}:{tokens.names}")
        return cls(
            answer_settled=f"rc:view{SHAPE}:{settled}{served}:{viewer}",
            answer_recent=f"rc:view{SHAPE}:{recent}{served}:{viewer}",
            page_settled=f"rc:page{SHAPE}:{settled}{served}",
            page_recent=f"rc:page{SHAPE}:{recent}{served}",
            counts_settled=f"rc:counts:{settled}:{tokens.reactions}",
            counts_recent=f"rc:counts:{recent}:{tokens.reactions}",
            own=f"rc:own:{thread}:{reader}:{tokens.reader}" if reader else None)

    def present(self) -> list[str]:
        """The keys, in field order (the script GETs them in this order)."""
        return [key for key in (self.answer_settled, self.answer_recent, self.page_settled,
                                self.page_recent, self.counts_settled, self.counts_recent,
                                self.own) if key is not None]


@dataclass(frozen=True)
class Answer:
    """A page as sent, with what the participation record needs (first post's theme)."""

    body: bytes
    consultation_id: str
    theme_id: str
    # Built without its translations (the translation service did not answer): sent,
    # never stored, like an UNTRANSLATED page.
    transient: bool = False

    @functools.cached_property
    def etag(self) -> str:
        return etag_of(self.body)

    def stored(self) -> bytes:
        return f"{self.consultation_id} {self.theme_id}\n".encode() + self.body

    @classmethod
    def of(cls, page: dict[str, Any]) -> Answer:
        """The page as sent; its first post names the consultation and theme."""
        first = page["items"][0] if page["items"] else {}
        return cls(dumps(page), first.get("consultation_id", ""), first.get("theme_id", ""))

    @classmethod
    def load(cls, value: bytes) -> Answer:
        head, _, body = value.partition(b"\n")
        consultation_id, _, theme_id = head.decode().partition(" ")
        return cls(body, consultation_id, theme_id)


class ReadCache:
    def __init__(self, redis: Redis, *, ttl: int, stable_after: float,
                 local_seconds: float = 1.0, local_entries: int = 2048) -> None:
        self._redis = redis
        self._ttl = ttl
        self._stable_after = timedelta(seconds=stable_after)
        self._fetching: dict[str, asyncio.Task[Any]] = {}
        self._lookup = redis.register_script(LOOKUP)
        self._local_seconds = local_seconds
        self._local_entries = local_entries
        # generation name -> (token, when it was known to be current)
        self._known: dict[str, tuple[str, float]] = {}
        self._answers: OrderedDict[str, Answer] = OrderedDict()  # least recently used first

    # -- reads ----------------------------------------------------------------------

    async def page(self, request: PageRequest, *, fetch_page: PageFetcher,
                   fetch_counts: CountsFetcher, fetch_mine: MineFetcher,
                   name_posts: Namer) -> Answer | None:
        """The page as `request.reader` sees it — from this process, else from Redis,
        else built from the service's answers — or None when it must be read from the
        service as the reader (Redis unreachable, or the reader's own hidden or held post
        is on it)."""
        generations = request.generations()
        local = self._local(request, generations)
        if local is not None:
            ANSWERED_BY_PROCESS.inc()
            return local
        try:
            return await self._page(request, generations, fetch_page, fetch_counts,
                                    fetch_mine, name_posts)
        except RedisError as error:
            log.warning("read cache unavailable; reading through", extra={"error": repr(error)})
            return None

    async def answer(self, read: str, generations: Sequence[str], request: str,
                     build: Callable[[], Awaitable[Answer]]) -> Answer | None:
        """A whole answer cached under `generations` (their Redis names), through the same
        tiers as `page` — this process, then one LOOKUP in Redis, then `build` (once per
        key at a time) — or None when Redis is unreachable (the caller builds it).
        `request` names what is asked (path, query, the reader's view): it is hashed, so
        no client text shapes a key. `read` labels the tier counter."""
        name = hashlib.blake2b(request.encode(), digest_size=12).hexdigest()
        template = f"rc:answer{SHAPE}:{read}:{name}:" + ":".join(
            f"%{n}" for n in range(1, len(generations) + 1))
        started = time.monotonic()
        local_tokens = [self._known.get(g) for g in generations]
        if all(k is not None and started - k[1] < self._local_seconds for k in local_tokens):
            found = self._answers.get(_filled(template, [k[0] for k in local_tokens if k]))
            if found is not None:
                ANSWERS.labels(read, "process").inc()
                return found
        try:
            reply = await self._lookup(keys=list(generations), args=[
                GENERATION_SECONDS, *(secrets.token_hex(8) for _ in generations), template])
            tokens = [_text(value) for value in reply[:len(generations)]]
            self._learn(generations, tokens, started)
            key = _filled(template, tokens)
            if reply[len(generations)] is not None:
                ANSWERS.labels(read, "redis").inc()
                cached = Answer.load(reply[len(generations)])
                self._keep(key, cached)
                return cached
            built: Answer = await self._once(key, build)
            if not built.transient:
                await self._store({key: built.stored()})
        except RedisError as error:
            log.warning("read cache unavailable; reading through", extra={"error": repr(error)})
            ANSWERS.labels(read, "bypass").inc()
            return None
        ANSWERS.labels(read, "service").inc()
        if not built.transient:
            self._keep(key, built)
        return built

    def _local(self, request: PageRequest, generations: Generations) -> Answer | None:
        """The answer this process sent for the same request, if every generation it was
        built on is known here to be current (no I/O); None otherwise."""
        started = time.monotonic()
        tokens: list[str] = []
        for name in generations.present():
            known = self._known.get(name)
            if known is None or started - known[1] >= self._local_seconds:
                return None
            tokens.append(known[0])
        keys = PageKeys.of(request, generations.filled(tokens))
        for key in (keys.answer_settled, keys.answer_recent):
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                return answer
        return None

    async def _page(self, request: PageRequest, generations: Generations,
                    fetch_page: PageFetcher, fetch_counts: CountsFetcher,
                    fetch_mine: MineFetcher, name_posts: Namer) -> Answer | None:
        reader = request.reader
        names = generations.present()
        asked = time.monotonic()
        reply = await self._lookup(
            keys=names, args=[GENERATION_SECONDS, *(secrets.token_hex(8) for _ in names),
                              *PageKeys.of(request, generations.placeholders()).present()])
        found_tokens = [_text(value) for value in reply[:len(names)]]
        self._learn(names, found_tokens, asked)
        keys = PageKeys.of(request, generations.filled(found_tokens))
        (stable_view, recent_view, stable_page, recent_page, stable_counts, recent_counts,
         *cached_mine) = reply[len(names):]
        if stable_view is not None or recent_view is not None:
            found = Answer.load(stable_view if stable_view is not None else recent_view)
            self._keep(keys.answer_settled if stable_view is not None else keys.answer_recent,
                       found)
            return found

        page: dict[str, Any]
        transient = False  # not to be stored (UNTRANSLATED)
        if stable_page is not None:
            page, cached_counts, settled = json.loads(stable_page), stable_counts, True
        elif recent_page is not None:
            page, cached_counts, settled = json.loads(recent_page), recent_counts, False
        else:
            # A copy: concurrent readers share the fetched page, and each fills in its own
            # reactions below.
            page = copy.deepcopy(await self._once(keys.page_recent, fetch_page))
            settled = self._settled(page)
            cached_counts = dumps({p["id"]: p["reaction_counts"] for p in _posts(page)})
            if page.pop(UNTRANSLATED, False):
                transient = True
            else:
                await self._store({
                    keys.page_settled if settled else keys.page_recent: dumps(page),
                    keys.counts_settled if settled else keys.counts_recent: cached_counts})
        counts_key = keys.counts_settled if settled else keys.counts_recent
        if cached_counts is None:
            counts = await self._once(counts_key, lambda: fetch_counts(
                [p["id"] for p in _posts(page)]))
            await self._store({counts_key: dumps(counts)})
        else:
            counts = json.loads(cached_counts)
        mine: dict[str, str] = {}
        if reader and keys.own is not None:
            if cached_mine[0] is None:
                own = await fetch_mine()
                await self._store({keys.own: own.dumps()})
            else:
                own = Own.loads(cached_mine[0])
            if own.held:
                return None  # their held post is theirs alone: not the public view
            mine = own.reactions
        for post in _posts(page):
            if post["status"] == "hidden" and reader and post.get(AUTHOR_ACCOUNT) == reader:
                return None  # its author sees the text and the reason: not the public view
            post["reaction_counts"] = counts.get(post["id"], post["reaction_counts"])
            post["my_reaction"] = mine.get(post["id"])
        await name_posts(_posts(page))
        answer = Answer.of(page)
        if transient:
            return answer
        answer_key = keys.answer_settled if settled else keys.answer_recent
        # A signed-in reader's answer (~15 KB a page) is theirs alone: kept in Redis only
        # while they are likely to read it again, so Redis holds the answers of recent
        # readers, not of everyone who read in the last `ttl`.
        await self._store({answer_key: answer.stored()},
                          ttl=min(self._ttl, READER_ANSWER_SECONDS) if reader else None)
        self._keep(answer_key, answer)
        return answer

    def _learn(self, names: Sequence[str], tokens: Sequence[str], asked: float) -> None:
        """Remember tokens read from Redis, unless this process has learnt a newer one
        since it asked (its own renewal must not be undone by an older read)."""
        if len(self._known) > 100_000:
            self._known.clear()
        for name, token in zip(names, tokens, strict=True):
            known = self._known.get(name)
            if known is None or known[1] <= asked:
                self._known[name] = (token, asked)

    def _keep(self, key: str, answer: Answer) -> None:
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self._local_entries:
            self._answers.popitem(last=False)

    def _settled(self, page: dict[str, Any]) -> bool:
        """Whether new posts can no longer change this page: it is full (more follow) and
        its last post is old enough that no post still being written sorts before it (ids
        grow with time; a post approved late renews the content generation instead)."""
        items: list[dict[str, Any]] = page["items"]
        if not page.get("next_cursor") or not items:
            return False
        written = datetime.fromisoformat(items[-1]["created_at"])
        return datetime.now(UTC) - written >= self._stable_after

    async def _once(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        """One fetch per key at a time in this process: readers arriving while a page is
        read from the service (seconds, deep in a large thread on SecantusDB) wait for it
        instead of each starting the same query."""
        task = self._fetching.get(key)
        if task is None:
            task = asyncio.ensure_future(fetch())
            self._fetching[key] = task
            task.add_done_callback(lambda _: self._fetching.pop(key, None))
        return await asyncio.shield(task)

    async def thread(self, thread_id: str,
                     fetch: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any] | None:
        """The thread (its post count is a slow count on SecantusDB), or None on a Redis
        failure; it changes with the thread's content generation."""
        try:
            everything, content, tail = await self._generations(
                [GLOBAL_GENERATION, _content(thread_id), _tail(thread_id)])
            key = f"rc:thread{SHAPE}:{thread_id}:{everything}:{content}:{tail}"
            cached = await self._redis.get(key)
            if cached is not None:
                value: dict[str, Any] = json.loads(cached)
                return value
            value = await fetch()
            await self._store({key: dumps(value)})
            return value
        except RedisError as error:
            log.warning("read cache unavailable; reading through", extra={"error": repr(error)})
            return None

    async def _generations(self, names: list[str]) -> list[str]:
        values = await self._redis.mget(names)
        missing = [name for name, value in zip(names, values, strict=True) if value is None]
        if missing:
            async with self._redis.pipeline(transaction=False) as pipe:
                for name in missing:
                    pipe.set(name, secrets.token_hex(8), nx=True, ex=GENERATION_SECONDS)
                await pipe.execute()
            values = await self._redis.mget(names)
        return [value.decode() if isinstance(value, bytes) else str(value) for value in values]

    async def _store(self, entries: dict[str, bytes], ttl: int | None = None) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in entries.items():
                pipe.set(key, value, ex=ttl or self._ttl)
            await pipe.execute()

    # -- invalidation ---------------------------------------------------------------

    # The event consumer calls these and retries on RedisError; routes that have just
    # forwarded a write call `after_write`, which never fails the request (the event
    # renews the generation again once Redis answers).

    async def content_changed(self, thread_id: str) -> None:
        """A post of the thread was edited, pinned, checked or moderated (approved
        included), or a column summary written: every page may differ."""
        await self._renew([_content(thread_id)])

    async def post_added(self, thread_id: str) -> None:
        """A new post: only pages that were not settled (see `_settled`) may differ."""
        await self._renew([_tail(thread_id)])

    async def reaction_changed(self, thread_id: str, user_id: str) -> None:
        await self._renew([_reactions(thread_id), _reader(thread_id, user_id)])

    async def post_held(self, thread_id: str, author_id: str) -> None:
        """A post awaits moderation: no public page changes, but its author sees it."""
        await self._renew([_reader(thread_id, author_id)])

    async def post_moderated(self, thread_id: str, author_id: str) -> None:
        """A post was hidden, restored, approved or resubmitted: every page may differ,
        and whether its author has a post awaiting moderation may too."""
        await self._renew([_content(thread_id), _reader(thread_id, author_id)])

    async def translation_ready(self, thread_id: str) -> None:
        """A post of the thread was translated: its pages in other languages may differ
        (those in the originals do not)."""
        await self._renew([_translations(thread_id)])

    async def names_changed(self, consultation_id: str) -> None:
        """A participant of the consultation took or dropped a pseudonym."""
        await self._renew([_names(consultation_id)])

    async def synthesis_changed(self, consultation_id: str) -> None:
        """An extract, idea, synthesis or contest of the consultation changed (or a post
        its extracts quote): every synthesis read of it may differ."""
        await self._renew([_synthesis(consultation_id)])

    async def everything_changed(self) -> None:
        """Content changed in threads unknown here (e.g. authors anonymised)."""
        await self._renew([GLOBAL_GENERATION])

    async def after_write(self, change: Awaitable[None]) -> None:
        try:
            await change
        except RedisError as error:
            log.warning("read cache not renewed; the event will", extra={"error": repr(error)})

    async def _renew(self, names: Sequence[str]) -> None:
        tokens = {name: secrets.token_hex(8) for name in names}
        for name in names:  # unknown until Redis has the new token: no local answer
            self._known.pop(name, None)
        async with self._redis.pipeline(transaction=False) as pipe:
            for name, token in tokens.items():
                pipe.set(name, token, ex=GENERATION_SECONDS)
            await pipe.execute()
        now = time.monotonic()
        for name, token in tokens.items():
            self._known[name] = (token, now)


def synthesis_generations(consultation_id: str) -> list[str]:
    """What every synthesis read of a consultation is cached under (reads/synthesis.py)."""
    return [GLOBAL_GENERATION, _synthesis(consultation_id)]


def _filled(template: str, tokens: Sequence[str]) -> str:
    """The key of a `%N` template (as LOOKUP fills it) with these tokens."""
    for n, token in enumerate(tokens, start=1):
        template = template.replace(f"%{n}", token)
    return template


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _posts(page: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = page["items"]
    pinned: list[dict[str, Any]] = page["pinned"]
    return items + pinned
