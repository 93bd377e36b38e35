"""The consultation a load run works on: themes, ≥ 200 threads of posts, a vote session
and real accounts, written to a JSON file the Locust scenarios read.

Why this shape: readers must spread over many threads and pages (Zipf popularity,
loadtests/locustfile.py), or the run measures one cached page. Consultations, themes,
threads and the vote session are created through the API as a facilitator would; the
posts (thousands) go straight into the threads database with `insert_many`, as in
bench_thread_read, because seeding is not what is measured and through the API it
would take minutes of the run's machine. Accounts are registered through the real
identity flow (argon2id), so the scenarios' logins are real logins.

Two consultations: one in ideation (threads, posts, reactions) and one in
prioritisation with an open vote session (the voting rush).
"""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient

from agora_kit.ids import encode_cursor

Json = dict[str, Any]
OPERATOR = {"Authorization": "Bearer dev-bench-operator~operator"}
STRATEGIST = {"Authorization": "Bearer dev-bench-strategist~strategist,operator"}
PASSWORD = "load test passphrase 2026"
LANGUAGES = ("en", "fr", "de")
PAGE = 20
PHASES = ("appropriation", "ideation", "deepening", "prioritisation", "deliverable")
BODIES = {
    "en": "Post {i}: evening classes at the *library* would help people retrain.",
    "fr": "Message {i} : des cours du soir à la *bibliothèque* aideraient à se reconvertir.",
    "de": "Beitrag {i}: Abendkurse in der *Bibliothek* würden beim Umschulen helfen.",
}


def schedule(current: str, days: int = 7) -> list[Json]:
    """The five phases, `days` long each, dated so that `current` runs now."""
    start = datetime.now(UTC) - timedelta(days=days * PHASES.index(current) + 1)
    return [{"kind": kind, "starts_at": (start + timedelta(days=days * i)).isoformat(),
             "ends_at": (start + timedelta(days=days * (i + 1))).isoformat()}
            for i, kind in enumerate(PHASES)]


def ok(reply: httpx.Response) -> Json:
    if reply.status_code >= 300:
        raise RuntimeError(f"{reply.request.method} {reply.request.url}: "
                           f"{reply.status_code} {reply.text[:300]}")
    body: Json = reply.json()
    return body


async def register(api: httpx.AsyncClient, count: int, concurrency: int = 4) -> list[str]:
    """`count` accounts registered and able to log in (registration completes in
    identity's background); their emails."""
    emails = [f"bench{i}-{random.getrandbits(32):08x}@example.org" for i in range(count)]
    limit = asyncio.Semaphore(concurrency)

    async def one(email: str) -> None:
        async with limit:
            ok(await api.post("/v1/accounts", json={"email": email, "password": PASSWORD}))

    await asyncio.gather(*(one(e) for e in emails))
    for email in emails[-1:]:  # the last one logs in: the others were registered before it
        for _ in range(300):
            reply = await api.post("/v1/sessions", json={"email": email, "password": PASSWORD})
            if reply.status_code == 200:
                break
            await asyncio.sleep(0.2)
        ok(reply)
    return emails


async def seed(gateway: str, mongo_uri: str, *, threads: int = 200, accounts: int = 100,
               seed_value: int = 14) -> Json:
    rng = random.Random(seed_value)
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as api:
        ideation = ok(await api.post("/v1/consultations", headers=OPERATOR, json={
            "title": "The future of work in our city", "languages": list(LANGUAGES),
            "themes": [{"title": f"Theme {i}"} for i in range(8)],
            "phases": schedule("ideation")}))
        made = []
        for i in range(threads):
            theme = ideation["themes"][i % len(ideation["themes"])]
            made.append(ok(await api.post(
                f"/v1/consultations/{ideation['id']}/threads", headers=OPERATOR,
                json={"theme_id": theme["id"], "title": f"Question {i}"})))
        voting = ok(await api.post("/v1/consultations", headers=OPERATOR, json={
            "title": "Prioritising", "languages": list(LANGUAGES),
            "themes": [{"title": "Proposals"}], "phases": schedule("deepening")}))
        ok(await api.post(f"/v1/consultations/{voting['id']}/phase-changes",
                          json={"change": "advance"}, headers=STRATEGIST))
        session = ok(await api.post(
            f"/v1/consultations/{voting['id']}/vote-sessions", headers=STRATEGIST, json={
                "categories": [
                    {"name": {"en": "To take into account", "fr": "À retenir",
                              "de": "Berücksichtigen"}, "color": "#2e7d32",
                     "total_number": 10, "max_per_proposal": 5},
                    {"name": {"en": "Low potential", "fr": "Peu de potentiel",
                              "de": "Wenig Potenzial"}, "color": "#c62828",
                     "total_number": 5}],
                "exclusive_categories": True,
                "proposals": [{"title": {"en": f"Proposal {i}", "fr": f"Proposition {i}",
                                         "de": f"Vorschlag {i}"}} for i in range(10)]}))
        session = ok(await api.post(f"/v1/vote-sessions/{session['id']}/open",
                                    headers=STRATEGIST))
        emails = await register(api, accounts)

    client: AsyncMongoClient[Json] = AsyncMongoClient(mongo_uri)
    db = client["agora_threads"]
    now = datetime.now(UTC) - timedelta(hours=1)
    thread_pages = []
    for rank, thread in enumerate(made):
        # The popular threads are the long ones: 5 to 160 posts, falling with rank.
        count = max(5, int(160 / (1 + rank) ** 0.5) + rng.randint(0, 10))
        docs = []
        for i in range(count):
            language = LANGUAGES[(rank + i) % len(LANGUAGES)]
            docs.append({"_id": str(ObjectId()), "thread_id": thread["id"],
                         "consultation_id": ideation["id"], "theme_id": thread["theme_id"],
                         "author_id": f"seed{rng.randrange(2000)}",
                         "created_by": "seed", "body": BODIES[language].format(i=i),
                         "format": 2, "language": language,
                         "created_at": now + timedelta(milliseconds=i), "parent_id": None,
                         "column_id": None, "depth": 0, "revision": 0, "pinned": False,
                         "status": "visible"})
        docs.sort(key=lambda d: d["_id"])
        await db["posts"].insert_many(docs)
        cursors = [""] + [encode_cursor(docs[p - 1]["_id"])
                          for p in range(PAGE, len(docs), PAGE)]
        thread_pages.append({"id": thread["id"], "posts": [d["_id"] for d in docs[:40]],
                             "cursors": cursors})
    await client.close()
    return {"ideation": ideation["id"], "themes": [t["id"] for t in ideation["themes"]],
            "threads": thread_pages, "voting": voting["id"], "session": session,
            "accounts": emails, "password": PASSWORD, "languages": list(LANGUAGES)}


def write(path: Path, seeded: Json) -> None:
    path.write_text(json.dumps(seeded))
