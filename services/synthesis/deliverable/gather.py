"""Gathering a deliverable: one open-data document that every format renders.

Everything comes from the synthesis service's own read models (ideas, extracts, the
corpus, reactions, closed votes, published syntheses) except what threads owns: the
consultation and the two-column arguments of each retained idea, asked of its gRPC API.
The document is what a public reader may see: a hidden post's words are withheld (as
for an anonymous reader), and no account id is in it, only counts.

Every recommendation (a retained idea) carries its provenance as links (paths of the
gateway's public GET routes): the idea, each extract and its post, each argument's
post, and the vote results its proposals come from.

A deliverable is written in one of the consultation's languages: each argument's text
is served in it when the translation service has a translation of the post's current
revision (a person's correction winning over the machine's), beside the original
(`original_text`, `original_language`) and what it is (`translated`, `machine`,
`human_verified`). An extract's quote stays as written: it is a passage of the original
post, anchored in it, and a translation of the whole post would not be that passage.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from pymongo import DESCENDING

from agora.v1 import threads_pb2
from agora_kit.mongo import Database
from agora_kit.types import Document
from services.synthesis.corpus import Corpus
from services.synthesis.deliverable.translations import Served, Translations, Wanted
from services.synthesis.deliverable.votes import VoteResults
from services.synthesis.ideas import MERGED, RETAINED, Ideas
from services.synthesis.posts import HIDDEN, Posts

SCHEMA_ID = "/v1/schemas/deliverable.json"
FORMAT = "agora-deliverable/2"
Progress = Callable[[str, int], Awaitable[None]]
# Ids per `$in` query: SecantusDB answers a few small ones much faster than one long one.
CHUNK = 25


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class Gatherer:
    def __init__(self, *, db: Database, posts: Posts, ideas: Ideas, corpus: Corpus,
                 votes: VoteResults, translations: Translations) -> None:
        self._db = db
        self._translations = translations
        self._posts = posts
        self._ideas = ideas
        self._corpus = corpus
        self._votes = votes

    async def gather(self, consultation_id: str, *, step_after: str, language: str,
                     number: int, generated_at: datetime, progress: Progress) -> Document:
        base = f"/v1/consultations/{consultation_id}"
        consultation = await self._posts.consultation(consultation_id)
        themes = {t.id: t.title for t in consultation.themes}
        ideas = [i async for i in self._db["ideas"].find({"consultation_id": consultation_id})]
        retained = sorted((i for i in ideas if i["status"] == RETAINED),
                          key=lambda i: (i["theme_id"], i["_id"]))
        merged_from: dict[str, list[str]] = {}
        for i in ideas:
            if i["status"] == MERGED and i.get("merged_into"):
                merged_from.setdefault(i["merged_into"], []).append(i["_id"])
        await progress("gathering", 5)
        extracts: dict[str, list[Document]] = {i["_id"]: [] for i in retained}
        ids = list(extracts)
        for start in range(0, len(ids), CHUNK):
            async for e in self._db["extracts"].find(
                    {"idea_id": {"$in": ids[start:start + CHUNK]}}).sort("_id", 1):
                extracts[e["idea_id"]].append(e)
        counts = {}
        for start in range(0, len(ids), CHUNK):
            counts.update(await self._ideas.counts(ids[start:start + CHUNK]))
        votes = await self._votes.of(consultation_id)
        await progress("gathering", 15)
        recommendations = []
        shown: list[tuple[Document, Wanted]] = []  # argument entries and their posts
        for n, idea in enumerate(retained):
            sources = {idea["_id"], *merged_from.get(idea["_id"], [])}
            c = counts[idea["_id"]]
            recommendations.append({
                "idea_id": idea["_id"], "url": f"{base}/ideas/{idea['_id']}",
                "title": idea["title"], "description": idea.get("description") or "",
                "theme_id": idea["theme_id"], "theme": themes.get(idea["theme_id"], ""),
                "merged_from": sorted(merged_from.get(idea["_id"], [])),
                "counts": {"extracts": c.extracts, "posts": c.posts, "authors": c.authors,
                           "reactions": c.reactions},
                "extracts": [_extract(e, base) for e in extracts[idea["_id"]]],
                "arguments": await self._arguments(idea.get("thread_id"), shown),
                "votes": _votes_for(sources, votes)})
            if n % 25 == 0:
                await progress("gathering", 15 + 25 * n // max(1, len(retained)))
        await progress("translating", 40)
        served = await self._translations.into(language, [w for _, w in shown])
        for entry, wanted in shown:
            _serve(entry, served.get(wanted.post_id), language)
        contributions, contributors = await self._corpus.stats(consultation_id)
        return {
            "$schema": SCHEMA_ID, "format": FORMAT, "version": number,
            "generated_at": _iso(generated_at), "language": language,
            "consultation": {"id": consultation_id, "url": base, "title": consultation.title,
                             "question": consultation.question,
                             "description": consultation.description},
            "step_after": step_after,
            "participation": {
                "contributions": contributions, "contributors": contributors,
                "reactors": await self._reactors(consultation_id),
                "extracts": await self._db["extracts"].count_documents(
                    {"consultation_id": consultation_id}),
                "ideas": sum(1 for i in ideas if i["status"] != MERGED),
                "retained_ideas": len(retained),
                "ballots": sum(v["ballot_count"] for v in votes)},
            "synthesis": await self._synthesis(consultation_id, base),
            "recommendations": recommendations,
            "votes": [_vote(v) for v in votes]}

    async def _arguments(self, thread_id: str | None,
                         shown: list[tuple[Document, Wanted]]) -> list[Document]:
        """The two-column thread's columns, each with its contributions as written (the
        visible ones added to `shown`, to be translated)."""
        if not thread_id:
            return []
        thread, posts = await self._posts.two_columns(thread_id)
        columns = []
        for column in thread.columns:
            entries = []
            for p in posts:
                if p.column_id != column.id:
                    continue
                text = p.body if _visible(p.status) else None
                entry = {"post_id": p.id, "url": f"/v1/posts/{p.id}", "text": text,
                         "language": p.language, "original_text": text,
                         "original_language": p.language, "translated": False,
                         "machine": False, "human_verified": False}
                entries.append(entry)
                if text is not None:
                    shown.append((entry, Wanted(p.id, p.language, p.revision)))
            columns.append({
                "column_id": column.id, "label": column.label, "summary": column.summary,
                "thread_url": f"/v1/threads/{thread_id}", "posts": entries})
        return columns

    async def _reactors(self, consultation_id: str) -> int:
        """Distinct people whose reaction to a post of the consultation stands now (a
        removed reaction is no reaction)."""
        people = {r["user_id"] async for r in self._db["post_reactions"].find(
            {"consultation_id": consultation_id, "kind": {"$ne": ""}}, {"user_id": 1})}
        return len(people)

    async def _synthesis(self, consultation_id: str, base: str) -> Document | None:
        """The consultation's last published synthesis version, if any."""
        found = await self._db["synthesis_versions"].find(
            {"consultation_id": consultation_id}).sort("published_at", DESCENDING) \
            .limit(1).to_list()
        if not found:
            return None
        v = found[0]
        return {"synthesis_id": v["synthesis_id"], "title": v["title"], "version": v["number"],
                "published_at": _iso(v["published_at"]),
                "url": f"{base}/syntheses/{v['synthesis_id']}/versions/{v['number']}",
                "paragraphs": [{"anchor": p["anchor"], "text": p["text"]}
                               for p in v["paragraphs"]]}


def _serve(entry: Document, served: Served | None, language: str) -> None:
    """Put a translation in place of an argument's text (its original stays beside)."""
    if served is not None:
        entry.update(text=served.text, language=language, translated=True,
                     machine=served.machine, human_verified=served.human_verified)


def _visible(status: int) -> bool:
    return status in (threads_pb2.POST_STATUS_VISIBLE, threads_pb2.POST_STATUS_UNSPECIFIED)


def _extract(e: Document, base: str) -> Document:
    hidden = e["post_status"] == HIDDEN
    return {"extract_id": e["_id"], "url": f"{base}/extracts/{e['_id']}",
            "nature": e["nature"], "state": e["state"],
            "quote": None if hidden else e["anchor"]["exact"],
            "post_id": e["post_id"], "post_url": f"/v1/posts/{e['post_id']}",
            "post_status": e["post_status"], "language": e["language"]}


def _tallies(proposal: Document, categories: dict[str, str]) -> list[Document]:
    return [{"category_id": t["category_id"], "category": categories.get(t["category_id"], ""),
             "tokens": t["tokens"], "voters": t["voters"], "rank": t["rank"]}
            for t in proposal["tallies"]]


def _votes_for(ideas: set[str], votes: list[Document]) -> list[Document]:
    """The tallies of every proposal that stands for one of these ideas."""
    found: list[Document] = []
    for v in votes:
        categories = {c["id"]: c["name"] for c in v["categories"]}
        found += [{"session_id": v["_id"], "url": f"/v1/vote-sessions/{v['_id']}/results",
                   "proposal_id": p["id"], "title": p["title"],
                   "ballot_count": v["ballot_count"], "tallies": _tallies(p, categories)}
                  for p in v["proposals"] if p.get("idea_id") in ideas]
    return found


def _vote(v: Document) -> dict[str, Any]:
    categories = {c["id"]: c["name"] for c in v["categories"]}
    return {"session_id": v["_id"], "url": f"/v1/vote-sessions/{v['_id']}/results",
            "ballot_count": v["ballot_count"], "closed_at": _iso(v["closed_at"]),
            "categories": [{"id": c["id"], "name": c["name"], "color": c["color"]}
                           for c in v["categories"]],
            "proposals": [{"proposal_id": p["id"], "title": p["title"],
                           "idea_id": p.get("idea_id"), "tallies": _tallies(p, categories)}
                          for p in v["proposals"]]}
