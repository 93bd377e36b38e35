"""A consultation to harvest: posts, ideas and extracts at the issue's scale (100,000
posts, 2,000 ideas, 10,000 extracts; `scale` shrinks all three), for bench_synthesis.

The consultation, its themes and threads are made through the API, as a facilitator
would; the posts, ideas and extracts go straight into the threads and synthesis
databases with `insert_many` (as bench_thread_read and seed.py do), because seeding is
not what is measured and through the API it would take the machine for an hour. The
documents have the shapes the services write (services/synthesis/ideas.py `create`,
extracts.py `file`, the anchor from anchoring.py), so the services read them as theirs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient

from agora_kit.ids import encode_cursor
from loadtests.seed import ok
from services.synthesis import anchoring

OPERATOR = {"Authorization": "Bearer dev-bench-operator~operator"}
THEMES, THREADS_PER_THEME, PAGE = 10, 10, 20  # 10 themes: the most a consultation has
BODY = ("Post {i}: evening classes at the library would help people retrain; "
        "and protected bike lanes would get them there safely.")
NATURES = ("issue", "actionable_solution", "knowledge", "example", "concept", "argument")
Json = dict[str, Any]


@dataclass
class Seeded:
    consultation: str
    themes: list[str]
    posts: list[str]  # every post's id
    ideas: list[str]  # every idea's id
    # per theme, the cursors of its ideas table's pages ("" for the first)
    pages: dict[str, list[str]] = field(default_factory=dict)


async def seed(gateway: str, mongo_uri: str, *, posts: int = 100_000, ideas: int = 2_000,
               extracts: int = 10_000, seed_value: int = 10) -> Seeded:
    rng = random.Random(seed_value)
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as api:
        consultation = ok(await api.post("/v1/consultations", headers=OPERATOR, json={
            "title": "Harvest", "languages": ["en"],
            "themes": [{"title": f"Theme {i}"} for i in range(THEMES)]}))
        threads = [ok(await api.post(
            f"/v1/consultations/{consultation['id']}/threads", headers=OPERATOR,
            json={"theme_id": theme["id"], "title": f"Question {j}"}))
            for theme in consultation["themes"] for j in range(THREADS_PER_THEME)]
    client: AsyncMongoClient[Json] = AsyncMongoClient(mongo_uri, tz_aware=True)
    cid = consultation["id"]
    at = datetime.now(UTC) - timedelta(hours=1)
    post_docs = []
    for i in range(posts):
        thread = threads[i % len(threads)]
        post_docs.append({
            "_id": str(ObjectId()), "thread_id": thread["id"], "consultation_id": cid,
            "theme_id": thread["theme_id"], "author_id": f"seed{rng.randrange(5000)}",
            "created_by": "seed", "body": BODY.format(i=i), "format": 2, "language": "en",
            "created_at": at + timedelta(milliseconds=i), "parent_id": None,
            "column_id": None, "depth": 0, "revision": 0, "pinned": False,
            "status": "visible"})
    for start in range(0, len(post_docs), 5000):
        await client["agora_threads"]["posts"].insert_many(post_docs[start:start + 5000])

    db = client["agora_synthesis"]
    themes = [t["id"] for t in consultation["themes"]]
    idea_docs = sorted(({
        "_id": str(ObjectId()), "consultation_id": cid, "theme_id": themes[i % len(themes)],
        "title": f"Idea {i}", "description": "", "parent_id": None, "status": "proposed",
        "merged_into": None, "thread_id": None, "merge": None, "created_by": "seed",
        "created_at": at} for i in range(ideas)), key=lambda d: d["_id"])
    for start in range(0, len(idea_docs), 5000):
        await db["ideas"].insert_many(idea_docs[start:start + 5000])
    by_theme: dict[str, list[Json]] = {t: [] for t in themes}
    for idea in idea_docs:
        by_theme[idea["theme_id"]].append(idea)
    extract_docs = []
    for i in range(extracts):
        post = post_docs[rng.randrange(len(post_docs))]
        theme_ideas = by_theme[post["theme_id"]]
        anchor = anchoring.select(post["body"], 0, post["body"].index(";"))
        extract_docs.append({
            "_id": str(ObjectId()), "consultation_id": cid, "post_id": post["_id"],
            "thread_id": post["thread_id"], "theme_id": post["theme_id"],
            "nature": NATURES[i % len(NATURES)],
            "idea_id": theme_ideas[rng.randrange(len(theme_ideas))]["_id"]
            if theme_ideas else None,
            "state": "anchored", "anchor": anchor.document(), "post_status": "visible",
            "author_id": post["author_id"], "author_erased": False, "language": "en",
            "post_revision": 0, "created_by": "seed", "created_at": at, "anchored_at": at})
    for start in range(0, len(extract_docs), 5000):
        await db["extracts"].insert_many(extract_docs[start:start + 5000])
    await client.close()
    pages = {theme: [""] + [encode_cursor(listed[p - 1]["_id"])
                            for p in range(PAGE, len(listed), PAGE)]
             for theme, listed in by_theme.items()}
    return Seeded(consultation=cid, themes=themes, posts=[p["_id"] for p in post_docs],
                  ideas=[i["_id"] for i in idea_docs], pages=pages)
