"""The consultation a load run works on: themes, ≥ 200 threads of posts, a vote session
and real accounts, written to a JSON file the Locust scenarios read.

Why this shape: readers must spread over many threads and pages (Zipf popularity,
loadtests/locustfile.py), or the run measures one cached page. Consultations, themes,
threads and the vote session are created through the API as a facilitator would; the
posts (thousands) go straight into the threads database with `insert_many`, as in
bench_thread_read, because seeding is not what is measured and through the API it
would take minutes of the run's machine. Accounts are registered through the real
identity flow (argon2id), so the scenarios' logins are real logins.

Four consultations, one per phase the crowd works in: ideation (threads, posts,
reactions, and what facilitators harvest: ideas per theme, an extract each, a published
synthesis per theme), appropriation (survey questions), deepening (two-column threads of
ideas retained there) and prioritisation with an open vote session (the voting rush).
A share of each thread's posts (`moderated`) is kept for the facilitators' hide/restore,
so no other participant reacts to or harvests a post while it is hidden.
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
CATCHER = {"Authorization": "Bearer dev-bench-catcher~idea_catcher,synthesiser"}
PASSWORD = "load test passphrase 2026"
LANGUAGES = ("en", "fr", "de")
PAGE = 20
IDEAS_PER_THEME = 5
SURVEY_QUESTIONS = 20
DEEPENED_IDEAS = 10
MODERATED_SHARE = 5  # one post in five of those listed per thread is the facilitators'
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
        appropriation = await consultation(api, "How we learn about work", "appropriation")
        surveys = [ok(await api.post(
            f"/v1/consultations/{appropriation['id']}/threads", headers=STRATEGIST,
            json={"theme_id": appropriation["themes"][i % 4]["id"], "kind": "survey_question",
                  "title": f"Survey question {i}: what do you know about it?"}))["id"]
            for i in range(SURVEY_QUESTIONS)]
        deepening = await consultation(api, "Deepening the retained ideas", "deepening")
        two_columns = await deepen(api, deepening)
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
        listed = [d["_id"] for d in docs[:40]]
        thread_pages.append({"id": thread["id"], "theme_id": thread["theme_id"],
                             "posts": [p for i, p in enumerate(listed)
                                       if i % MODERATED_SHARE],
                             "moderated": listed[::MODERATED_SHARE], "cursors": cursors})
    await client.close()
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as api:
        harvest = await harvested(api, ideation, thread_pages)
    return {"ideation": ideation["id"], "themes": [t["id"] for t in ideation["themes"]],
            "threads": thread_pages, "voting": voting["id"], "session": session,
            "accounts": emails, "password": PASSWORD, "languages": list(LANGUAGES),
            "appropriation": appropriation["id"], "surveys": surveys,
            "deepening": deepening["id"], "two_columns": two_columns, **harvest}


async def consultation(api: httpx.AsyncClient, title: str, phase: str) -> Json:
    return ok(await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": title, "languages": list(LANGUAGES),
        "themes": [{"title": f"{title}: theme {i}"} for i in range(4)],
        "phases": schedule(phase)}))


async def deepen(api: httpx.AsyncClient, deepening: Json) -> list[Json]:
    """Ideas retained for deepening, each with its two-column thread opened by the
    synthesis service through threads' API (as a facilitator does it)."""
    made = []
    for i in range(DEEPENED_IDEAS):
        theme = deepening["themes"][i % len(deepening["themes"])]["id"]
        idea = ok(await api.post(f"/v1/consultations/{deepening['id']}/ideas",
                                 headers=CATCHER,
                                 json={"theme_id": theme, "title": f"Retained idea {i}"}))
        retained = ok(await api.put(
            f"/v1/consultations/{deepening['id']}/ideas/{idea['id']}/status",
            headers=CATCHER, json={"status": "retained", "open_deepening": True}))
        thread = ok(await api.get(f"/v1/threads/{retained['thread_id']}",
                                  headers=CATCHER))
        made.append({"id": thread["id"], "columns": [c["id"] for c in thread["columns"]]})
    return made


async def harvested(api: httpx.AsyncClient, ideation: Json,
                    threads: list[Json]) -> Json:
    """Ideas per theme, one extract each, and a synthesis per theme published once, so
    learners have an ideas table and a synthesis to read, and facilitators a draft to
    rework."""
    ideas: dict[str, list[str]] = {}
    for theme in ideation["themes"]:
        ideas[theme["id"]] = [ok(await api.post(
            f"/v1/consultations/{ideation['id']}/ideas", headers=CATCHER,
            json={"theme_id": theme["id"], "title": f"Idea {i} of {theme['title']}"}))["id"]
            for i in range(IDEAS_PER_THEME)]
    for rank, thread in enumerate(threads[:len(ideation["themes"]) * IDEAS_PER_THEME]):
        idea = ideas[thread["theme_id"]][rank % IDEAS_PER_THEME]
        ok(await api.post(f"/v1/consultations/{ideation['id']}/extracts", headers=CATCHER,
                          json={"post_id": thread["posts"][0], "start": 0, "end": 6,
                                "nature": "actionable_solution", "idea_id": idea}))
    syntheses = []
    for theme in ideation["themes"]:
        made = ok(await api.post(f"/v1/consultations/{ideation['id']}/syntheses",
                                 headers=CATCHER,
                                 json={"title": f"Synthesis of {theme['title']}",
                                       "theme_id": theme["id"]}))
        base = f"/v1/consultations/{ideation['id']}/syntheses/{made['id']}"
        ok(await api.put(f"{base}/draft", headers=CATCHER, json={"paragraphs": [
            {"text": f"Participants ask for [idea:{ideas[theme['id']][0]}]."},
            {"text": "Several doubt it can be funded."}]}))
        ok(await api.post(f"{base}/versions", headers=CATCHER))
        syntheses.append(made["id"])
    return {"ideas": ideas, "syntheses": syntheses}


def write(path: Path, seeded: Json) -> None:
    path.write_text(json.dumps(seeded))
