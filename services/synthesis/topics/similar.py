"""Similar posts and ideas for a draft: the in-memory index of each replica.

Every replica keeps its own index (shard.py), built from the corpus when a consultation
is first asked about (and for every consultation of the corpus at start), then kept
current by polling the corpus for what changed (`changed_at`, which the corpus's event
handlers stamp on every post.created, post.edited and moderation act): a durable
consumer delivers each event to one replica only, while the corpus is what every
replica can read. A post hidden by the moderators leaves the index at the next poll
(half a second); ideas (few) are re-read whole every few seconds, merged ones left out.

The reader's language: matches are indexed and answered in their original text. The
`Translations` hook is where a translation of a match into the reader's language is
looked up; main has no translation service yet, so `NoTranslations` answers none and
each match says `translated: false`. The hook is the one place to connect it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from typing import Any, Protocol

from agora_kit.clock import now
from agora_kit.mongo import Database
from services.synthesis.corpus import CORPUS_COLLECTION, HIDDEN
from services.synthesis.ideas import IDEAS, MERGED
from services.synthesis.topics.shard import EXCERPT, Item, Scored, Shard

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5
IDEAS_SECONDS = 3.0
OVERLAP = timedelta(seconds=5)  # re-read window: a transaction commits after its stamp
MINIMUM_SCORE = 0.05
LOAD_BATCH = 5_000


class Translations(Protocol):
    async def text(self, *, kind: str, item_id: str, language: str) -> str | None: ...


class NoTranslations:
    async def text(self, *, kind: str, item_id: str, language: str) -> str | None:
        return None


class SimilarIndex:
    def __init__(self, db: Database, translations: Translations | None = None) -> None:
        self._corpus = db[CORPUS_COLLECTION]
        self._ideas = db[IDEAS]
        self._translations = translations or NoTranslations()
        self._shards: dict[str, Shard] = {}
        self._watermark: dict[str, Any] = {}
        self._ideas_at: dict[str, float] = {}
        self._loading: dict[str, asyncio.Task[None]] = {}

    async def find(self, consultation_id: str, text: str, *, theme_id: str, limit: int,
                   language: str) -> list[tuple[Scored, str | None]]:
        """The best matches, each with its text in the reader's language if one exists."""
        shard = await self._shard(consultation_id)
        found = shard.search(text, theme_id=theme_id, limit=limit, minimum=MINIMUM_SCORE)
        answers = []
        for match in found:
            translated = None
            if language and language != match.item.language:
                translated = await self._translations.text(
                    kind=match.item.kind, item_id=match.item.id, language=language)
            answers.append((match, translated))
        return answers

    async def _shard(self, consultation_id: str) -> Shard:
        shard = self._shards.get(consultation_id)
        if shard is not None:
            return shard
        # One load per consultation, shielded: a caller that gives up (a deadline) does
        # not cancel it for the others, nor for its own retry.
        task = self._loading.get(consultation_id)
        if task is None or (task.done() and (task.cancelled() or task.exception())):
            task = self._loading[consultation_id] = asyncio.create_task(
                self._load(consultation_id))
        await asyncio.shield(task)
        return self._shards[consultation_id]

    async def _load(self, consultation_id: str) -> None:
        shard = Shard()
        self._watermark[consultation_id] = now() - OVERLAP
        await self._apply(shard, {"consultation_id": consultation_id})
        shard.rebuild()
        await self._load_ideas(consultation_id, shard)
        self._shards[consultation_id] = shard

    async def _apply(self, shard: Shard, query: dict[str, Any]) -> None:
        """Apply the corpus documents the query finds (new, edited, hidden, restored)."""
        items: list[Item] = []
        texts: list[str] = []
        fields = {"theme_id": 1, "thread_id": 1, "body": 1, "language": 1, "revision": 1,
                  "status": 1}
        async for post in self._corpus.find(query, fields).batch_size(LOAD_BATCH):
            if "thread_id" not in post:
                continue  # an edit that came before its post
            version = (post.get("revision", 0), post.get("status", ""))
            if shard.version.get(post["_id"]) == version:
                continue
            shard.version[post["_id"]] = version
            if post.get("status") == HIDDEN:
                shard.drop(post["_id"])
                continue
            items.append(Item(kind="post", id=post["_id"], theme_id=post.get("theme_id", ""),
                              thread_id=post["thread_id"], text=post["body"][:EXCERPT],
                              language=post.get("language", "")))
            texts.append(post["body"])
            if len(items) >= LOAD_BATCH:
                shard.put(items, texts)
                items, texts = [], []
                await asyncio.sleep(0)  # a large load yields to the requests being served
        shard.put(items, texts)

    async def _load_ideas(self, consultation_id: str, shard: Shard) -> None:
        ideas = [Item(kind="idea", id=i["_id"], theme_id=i["theme_id"], thread_id="",
                      text=f"{i['title']}\n{i.get('description', '')}"[:EXCERPT],
                      language="")
                 async for i in self._ideas.find(
                     {"consultation_id": consultation_id, "status": {"$ne": MERGED}},
                     {"theme_id": 1, "title": 1, "description": 1})]
        shard.set_ideas(ideas)
        self._ideas_at[consultation_id] = time.monotonic()

    async def refresh(self) -> None:
        """One poll: every loaded consultation catches up with the corpus."""
        for consultation_id, shard in list(self._shards.items()):
            since = self._watermark[consultation_id]
            self._watermark[consultation_id] = now() - OVERLAP
            await self._apply(shard, {"consultation_id": consultation_id,
                                      "changed_at": {"$gte": since}})
            if time.monotonic() - self._ideas_at.get(consultation_id, 0.0) > IDEAS_SECONDS:
                await self._load_ideas(consultation_id, shard)

    async def serve(self) -> None:
        """A background job: load the corpus's consultations, then poll."""
        with contextlib.suppress(Exception):
            for consultation_id in await self._corpus.distinct("consultation_id"):
                await self._shard(consultation_id)
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                await self.refresh()
            except Exception:  # the next poll retries; the index keeps serving
                log.exception("similar index refresh failed")
