"""Topic runs and their topics in MongoDB, one current set per consultation.

A finished run replaces the consultation's topics and its open suggestions in one
transaction (suggestions.py decides which topics become suggestions), so a reader sees
the old set or the new one, never half of each. Decided suggestions (accepted,
dismissed) are history and stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from agora_kit.clock import now
from agora_kit.ids import new_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import run
from agora_kit.types import Document
from services.synthesis.topics import suggestions
from services.synthesis.topics.compute import Topic

RUNS, TOPICS = "topic_runs", "topics"
NONE, RUNNING, DONE, FAILED = "none", "running", "done", "failed"


class TopicStore:
    def __init__(self, *, mongo: Client, db: Database) -> None:
        self._mongo = mongo
        self.runs = db[RUNS]
        self.topics = db[TOPICS]
        self.suggestions = db[suggestions.SUGGESTIONS]

    async def ensure_indexes(self) -> None:
        await self.topics.create_index([("consultation_id", ASCENDING),
                                        ("theme_id", ASCENDING), ("rank", ASCENDING)])
        await self.suggestions.create_index([("consultation_id", ASCENDING),
                                             ("status", ASCENDING)])

    async def run_of(self, consultation_id: str) -> Document:
        found = await self.runs.find_one({"_id": consultation_id})
        return found or {"_id": consultation_id, "state": NONE, "run_id": "", "posts": 0,
                         "topics": 0, "error": "", "started_at": None, "finished_at": None,
                         "seconds": 0.0}

    async def started(self, consultation_id: str, run_id: str) -> Document:
        document: Document = {"_id": consultation_id, "state": RUNNING, "run_id": run_id,
                              "posts": 0, "topics": 0, "error": "", "started_at": now(),
                              "finished_at": None, "seconds": 0.0}
        await self.runs.replace_one({"_id": consultation_id}, document, upsert=True)
        return document

    async def failed(self, consultation_id: str, run_id: str, error: str) -> None:
        await self.runs.update_one({"_id": consultation_id, "run_id": run_id},
                                   {"$set": {"state": FAILED, "error": error[:500],
                                             "finished_at": now()}})

    async def save(self, consultation_id: str, run_id: str, found: list[Topic], *,
                   posts: int, started_at: datetime, seconds: float) -> None:
        """The run's topics and suggestions replace the current ones, in one transaction."""
        topics = [{"_id": new_id(), "consultation_id": consultation_id, "run_id": run_id,
                   "rank": rank, "theme_id": t.theme_id, "key_phrases": t.key_phrases,
                   "size": t.size, "source_post_ids": t.source_post_ids,
                   "languages": t.languages, "created_at": now()}
                  for rank, t in enumerate(found)]

        async def work(session: Session) -> None:
            await self.topics.delete_many({"consultation_id": consultation_id},
                                          session=session)
            if topics:
                await self.topics.insert_many(topics, session=session)
            await suggestions.replace_open(self.suggestions, consultation_id, topics,
                                           session=session)
            await self.runs.update_one(
                {"_id": consultation_id, "run_id": run_id},
                {"$set": {"state": DONE, "posts": posts, "topics": len(topics),
                          "finished_at": now(), "started_at": started_at,
                          "seconds": seconds}}, session=session)

        await run(self._mongo, work)

    async def current(self, consultation_id: str, theme_id: str) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id, "theme_id": theme_id}
        found: list[Document] = await self.topics.find(query).sort("rank", ASCENDING) \
            .to_list()
        return found
