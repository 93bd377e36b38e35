"""gRPC servicer of the topics service (synthesis's second gRPC service): thin, the
stores do the work. Every read re-checks the caller's roles (topics and suggestions are
for idea catchers and synthesisers) and leaves out posts the corpus now knows hidden."""

from __future__ import annotations

import time
from typing import Any, TypeAlias

import grpc

from agora.v1 import topics_pb2, topics_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import require_id
from agora_kit.mongo import Database
from agora_kit.types import Document
from services.synthesis import permissions
from services.synthesis.corpus import CORPUS_COLLECTION, HIDDEN
from services.synthesis.idea_rpcs import DESCRIPTION_MAX, TITLE_MAX, idea_message
from services.synthesis.ideas import Ideas
from services.synthesis.posts import Posts
from services.synthesis.topics.runner import TopicRunner
from services.synthesis.topics.similar import SimilarIndex
from services.synthesis.topics.store import TopicStore
from services.synthesis.topics.suggestions import Suggestions

Context: TypeAlias = grpc.aio.ServicerContext
TEXT_MAX = 20_000
LIMIT_MAX = 20
SHOWN = 5
EXCERPT = 300
STATUSES = ("", "open", "accepted", "dismissed")
THEMES_SECONDS = 10.0  # how long a consultation's themes are trusted without asking again


def _run(run: Document) -> topics_pb2.TopicRun:
    message = topics_pb2.TopicRun(
        consultation_id=run["_id"], state=run["state"], run_id=run["run_id"],
        posts=run["posts"], topics=run["topics"], error=run["error"],
        seconds=run["seconds"])
    if run["started_at"] is not None:
        message.started_at.FromDatetime(run["started_at"])
    if run["finished_at"] is not None:
        message.finished_at.FromDatetime(run["finished_at"])
    return message


class TopicsServicer(topics_pb2_grpc.TopicsServiceServicer):
    def __init__(self, *, db: Database, posts: Posts, store: TopicStore, runner: TopicRunner,
                 suggestions: Suggestions, similar: SimilarIndex, ideas: Ideas) -> None:
        self._corpus = db[CORPUS_COLLECTION]
        self._posts = posts
        self._store = store
        self._runner = runner
        self._suggestions = suggestions
        self._similar = similar
        self._ideas = ideas
        self._themes: dict[str, tuple[float, set[str]]] = {}

    async def _theme_ids(self, consultation_id: str) -> set[str]:
        """The consultation's themes, asked of threads at most every few seconds: the
        duplicates route is asked on every pause in typing, themes change rarely."""
        known = self._themes.get(consultation_id)
        if known is not None and known[0] > time.monotonic():
            return known[1]
        themes = await self._posts.theme_ids(consultation_id)
        if len(self._themes) > 10_000:
            self._themes.clear()
        self._themes[consultation_id] = (time.monotonic() + THEMES_SECONDS, themes)
        return themes

    async def _consultation(self, consultation_id: str) -> str:
        """The consultation's id, NotFound when threads does not know it."""
        checked = require_id(consultation_id, field="consultation_id")
        await self._theme_ids(checked)
        return checked

    async def _theme(self, consultation_id: str, theme_id: str) -> str:
        if not theme_id:
            return ""
        checked = require_id(theme_id, field="theme_id")
        if checked not in await self._theme_ids(consultation_id):
            raise InvalidArgument(f"theme {checked} is not a theme of this consultation",
                                  field="theme_id")
        return checked

    async def _shown(self, post_ids: list[str], count: int) -> list[topics_pb2.TopicPost]:
        """The first `count` of these posts that are not hidden, with an excerpt."""
        known = {c["_id"]: c async for c in self._corpus.find(
            {"_id": {"$in": post_ids}},
            {"thread_id": 1, "theme_id": 1, "body": 1, "language": 1, "status": 1})}
        shown = []
        for post_id in post_ids:
            post: dict[str, Any] | None = known.get(post_id)
            if post is None or post.get("status") == HIDDEN or "thread_id" not in post:
                continue
            shown.append(topics_pb2.TopicPost(
                post_id=post_id, thread_id=post["thread_id"], theme_id=post["theme_id"],
                excerpt=post["body"][:EXCERPT], language=post.get("language", "")))
            if len(shown) == count:
                break
        return shown

    async def _suggestion(self, s: Document) -> topics_pb2.Suggestion:
        message = topics_pb2.Suggestion(
            id=s["_id"], consultation_id=s["consultation_id"], theme_id=s["theme_id"],
            topic_id=s["topic_id"], title=s["title"], key_phrases=s["key_phrases"],
            sources=await self._shown(s["source_post_ids"], len(s["source_post_ids"])),
            status=s["status"], idea_id=s.get("idea_id") or "",
            decided_by=s.get("decided_by") or "")
        message.created_at.FromDatetime(s["created_at"])
        if s.get("decided_at") is not None:
            message.decided_at.FromDatetime(s["decided_at"])
        return message

    async def ComputeTopics(
        self, request: topics_pb2.ComputeTopicsRequest, context: Context
    ) -> topics_pb2.TopicRun:
        permissions.require(permissions.Action.SHAPE_IDEAS, request.actor_roles)
        consultation_id = await self._consultation(request.consultation_id)
        return _run(await self._runner.start(consultation_id))

    async def ListTopics(
        self, request: topics_pb2.ListTopicsRequest, context: Context
    ) -> topics_pb2.ListTopicsResponse:
        permissions.require(permissions.Action.SHAPE_IDEAS, request.viewer_roles)
        consultation_id = await self._consultation(request.consultation_id)
        theme_id = await self._theme(consultation_id, request.theme_id)
        topics = [topics_pb2.Topic(
            id=t["_id"], theme_id=t["theme_id"], key_phrases=t["key_phrases"],
            size=t["size"], representative=await self._shown(t["source_post_ids"], SHOWN))
            for t in await self._store.current(consultation_id, theme_id)]
        return topics_pb2.ListTopicsResponse(
            run=_run(await self._store.run_of(consultation_id)), topics=topics)

    async def ListSuggestions(
        self, request: topics_pb2.ListSuggestionsRequest, context: Context
    ) -> topics_pb2.ListSuggestionsResponse:
        if request.status not in STATUSES:
            raise InvalidArgument("status must be open, accepted or dismissed",
                                  field="status")
        permissions.require(permissions.Action.SHAPE_IDEAS, request.viewer_roles)
        consultation_id = await self._consultation(request.consultation_id)
        theme_id = await self._theme(consultation_id, request.theme_id)
        found = await self._suggestions.page(consultation_id, theme_id=theme_id,
                                             status=request.status,
                                             roles=list(request.viewer_roles))
        return topics_pb2.ListSuggestionsResponse(
            suggestions=[await self._suggestion(s) for s in found])

    async def AcceptSuggestion(
        self, request: topics_pb2.AcceptSuggestionRequest, context: Context
    ) -> topics_pb2.AcceptSuggestionResponse:
        if len(request.title) > TITLE_MAX:
            raise InvalidArgument(f"title is longer than {TITLE_MAX}", field="title")
        if len(request.description) > DESCRIPTION_MAX:
            raise InvalidArgument(f"description is longer than {DESCRIPTION_MAX}",
                                  field="description")
        suggestion, idea = await self._suggestions.accept(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            suggestion_id=require_id(request.suggestion_id, field="suggestion_id"),
            title=request.title, description=request.description, actor=request.actor_id,
            roles=list(request.actor_roles))

        counts = await self._ideas.counts([idea["_id"]])
        return topics_pb2.AcceptSuggestionResponse(
            suggestion=await self._suggestion(suggestion),
            idea=idea_message(idea, counts[idea["_id"]]))

    async def DismissSuggestion(
        self, request: topics_pb2.DismissSuggestionRequest, context: Context
    ) -> topics_pb2.Suggestion:
        dismissed = await self._suggestions.dismiss(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            suggestion_id=require_id(request.suggestion_id, field="suggestion_id"),
            actor=request.actor_id, roles=list(request.actor_roles))
        return await self._suggestion(dismissed)

    async def FindSimilar(
        self, request: topics_pb2.FindSimilarRequest, context: Context
    ) -> topics_pb2.FindSimilarResponse:
        if not request.text.strip():
            raise InvalidArgument("text must not be blank", field="text")
        if len(request.text) > TEXT_MAX:
            raise InvalidArgument(f"text is longer than {TEXT_MAX}", field="text")
        if not 0 <= request.limit <= LIMIT_MAX:
            raise InvalidArgument(f"limit must be between 1 and {LIMIT_MAX}", field="limit")
        consultation_id = await self._consultation(request.consultation_id)
        theme_id = await self._theme(consultation_id, request.theme_id)
        found = await self._similar.find(consultation_id, request.text, theme_id=theme_id,
                                         limit=request.limit or SHOWN,
                                         language=request.language)
        return topics_pb2.FindSimilarResponse(matches=[topics_pb2.SimilarMatch(
            kind=m.item.kind, id=m.item.id, theme_id=m.item.theme_id,
            thread_id=m.item.thread_id, text=translated or m.item.text,
            language=request.language if translated else m.item.language, score=m.score,
            translated=translated is not None) for m, translated in found])
