"""Topics, suggestions and duplicates over HTTP, on the whole stack: posts about three
clearly different subjects, clustered by the synthesis service's worker process."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.synthesis.support import CATCHER, SYNTHESIS_DB

Mongo = AsyncMongoClient[dict[str, object]]
Json = dict[str, Any]
MODERATOR = auth("moderator", "moderator")
SUBJECTS = {
    "bikes": [
        "We need protected bike lanes on the main avenues so cycling feels safe.",
        "More bike parking at the station would let commuters cycle to the train.",
        "Painted bike lanes are not enough, cyclists need kerbs separating them from cars.",
        "A bike sharing scheme with electric bikes would help people cycle up the hill.",
        "Children should be able to cycle to school on safe bike lanes.",
        "Cycling in winter needs bike lanes cleared of snow and ice.",
        "Bike lanes should connect, the network of cycle paths has gaps everywhere.",
        "Secure bike parking near shops would make me cycle instead of driving.",
    ],
    "housing": [
        "Rents are far too high, we need more social housing for young families.",
        "The city should build affordable housing instead of luxury apartments.",
        "Rent control would protect tenants from landlords doubling the rent.",
        "Empty apartments should be taxed so landlords rent them out as housing.",
        "Social housing waiting lists are years long, families cannot find housing.",
        "Tenants need protection against evictions when landlords sell apartments.",
        "Affordable housing for students near the university, rents are unbearable.",
        "Cooperative housing lets tenants own their apartments together at fair rents.",
    ],
    "school": [
        "School meals should be free and cooked with fresh local food for every pupil.",
        "Teachers are underpaid, schools cannot hire enough teachers for the classes.",
        "Class sizes of thirty pupils are too big for teachers to help each child.",
        "The school buildings are old, classrooms need heating and new windows.",
        "Pupils need more music and sport at school, not only exams.",
        "Schools should hire more teachers so class sizes shrink.",
        "Free school meals help pupils concentrate in class in the afternoon.",
        "Teachers need training and time to prepare classes for their pupils.",
    ],
}


async def _consultation_with_posts(api: httpx.AsyncClient,
                                   mongo: Mongo) -> tuple[Json, dict[str, str]]:
    """A consultation with the three subjects' posts in one theme; post id -> subject."""
    consultation: Json = await create_consultation(api)
    thread = await create_thread(api, consultation)
    subject_of: dict[str, str] = {}
    for subject, bodies in SUBJECTS.items():
        for number, body in enumerate(bodies):
            reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": body},
                                   headers=auth(f"{subject}-{number}"))
            assert reply.status_code == 201, reply.text
            subject_of[reply.json()["id"]] = subject
    corpus = mongo[SYNTHESIS_DB]["contributions"]

    async def ingested() -> int:
        return await corpus.count_documents({"consultation_id": consultation["id"]})

    await eventually(ingested, lambda n: n == len(subject_of), within=30)
    return consultation, subject_of


async def _computed(api: httpx.AsyncClient, consultation: Json, **params: str) -> Json:
    url = f"/v1/consultations/{consultation['id']}/topics"
    started = await api.post(f"{url}/runs", headers=CATCHER)
    assert started.status_code == 202, started.text
    assert started.json()["state"] == "running"

    async def read() -> Json:
        reply = await api.get(url, headers=CATCHER, params=params)
        assert reply.status_code == 200, reply.text
        body: Json = reply.json()
        return body

    done = await eventually(read, lambda b: b["run"]["state"] in ("done", "failed"),
                            within=90, interval=0.5)
    assert done["run"]["state"] == "done", done
    return done


async def test_topics_separate_three_subjects_and_suggestions_become_ideas(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation, subject_of = await _consultation_with_posts(api, mongo)
    across = await _computed(api, consultation)
    assert across["run"]["posts"] == 24
    topics = across["items"]
    # Three subjects; a subject may split into two sub-topics, never two subjects mix.
    assert 3 <= len(topics) <= 4, [t["key_phrases"] for t in topics]
    words = {"bikes": ("bike", "cycl"), "housing": ("hous", "rent", "tenant", "landlord"),
             "school": ("school", "teacher", "pupil", "class", "meal")}
    seen = set()
    for topic in topics:
        subjects = {subject_of[p["post_id"]] for p in topic["representative"]}
        assert len(subjects) == 1, topic  # each topic is one subject
        subject = subjects.pop()
        seen.add(subject)
        assert topic["theme_id"] is None
        assert topic["size"] >= 3
        assert any(w in phrase for phrase in topic["key_phrases"][:3]
                   for w in words[subject]), topic["key_phrases"]
    assert seen == set(SUBJECTS)

    # The theme's topics are the suggestions, for idea catchers only.
    url = f"/v1/consultations/{consultation['id']}/suggestions"
    assert (await api.get(url, headers=auth("someone"))).status_code == 403
    listed = await api.get(url, headers=CATCHER)
    assert listed.status_code == 200, listed.text
    suggestions = listed.json()["items"]
    assert 3 <= len(suggestions) <= 4
    first, second = suggestions[0], suggestions[1]
    sources = [p["post_id"] for p in first["sources"]]
    assert len({subject_of[p] for p in sources}) == 1

    accepted = await api.post(f"{url}/{first['id']}/acceptance", headers=CATCHER, json={})
    assert accepted.status_code == 201, accepted.text
    idea = accepted.json()["idea"]
    assert accepted.json()["suggestion"]["status"] == "accepted"
    assert accepted.json()["suggestion"]["idea_id"] == idea["id"]
    assert idea["title"] == first["title"]
    assert idea["status"] == "proposed"
    assert idea["counts"]["posts"] == len(sources)
    extracts = (await api.get(f"/v1/consultations/{consultation['id']}/extracts",
                              params={"limit": 100})).json()["items"]
    assert sorted(e["post_id"] for e in extracts if e["idea_id"] == idea["id"]) == \
        sorted(sources)

    # Decided suggestions refuse a second decision, writing nothing.
    db = mongo[SYNTHESIS_DB]

    async def state() -> tuple[int, int, int, list[Any]]:
        return (await db["ideas"].count_documents({}), await db["extracts"].count_documents({}),
                await db["outbox"].count_documents({}),
                await db["suggestions"].find({}, {"status": 1}).sort("_id", 1).to_list())

    before = await state()
    again = await api.post(f"{url}/{first['id']}/acceptance", headers=CATCHER, json={})
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert (await api.post(f"{url}/{first['id']}/dismissal", headers=CATCHER)).status_code \
        == 409
    dismissed = await api.post(f"{url}/{second['id']}/dismissal", headers=CATCHER)
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed"
    middle = await state()
    assert middle[:3] == before[:3]
    refused = await api.post(f"{url}/{second['id']}/acceptance", headers=CATCHER, json={})
    assert refused.status_code == 409, refused.text
    unknown = await api.post(f"{url}/{'0' * 24}/acceptance", headers=CATCHER, json={})
    assert unknown.status_code == 404, unknown.text
    assert await state() == middle
    left = (await api.get(url, headers=CATCHER)).json()["items"]
    assert [s["id"] for s in left] == [s["id"] for s in suggestions[2:]]

    # A new run does not offer the decided topics again.
    await _computed(api, consultation)
    decided = {p["post_id"] for s in (first, second) for p in s["sources"]}
    for offered in (await api.get(url, headers=CATCHER)).json()["items"]:
        posts = {p["post_id"] for p in offered["sources"]}
        assert len(posts & decided) < len(posts) / 2, offered


async def test_duplicates_while_writing_follow_moderation(api: httpx.AsyncClient,
                                                          mongo: Mongo) -> None:
    consultation, subject_of = await _consultation_with_posts(api, mongo)
    url = f"/v1/consultations/{consultation['id']}/similar"
    target = next(p for p, s in subject_of.items() if s == "housing")  # by housing-0
    body = (await api.get(f"/v1/posts/{target}")).json()["body"]
    draft = {"text": body.replace("far too high", "really much too high")}

    async def similar() -> list[Json]:
        reply = await api.post(url, json=draft, headers=auth("drafter"))
        assert reply.status_code == 200, reply.text
        found: list[Json] = reply.json()["items"]
        return found

    found = await eventually(similar, lambda items: bool(items) and items[0]["id"] == target)
    assert found[0]["kind"] == "post"
    assert found[0]["score"] > 0.5
    assert found[0]["translated"] is False
    assert found[0]["language"] == "en"
    assert all(subject_of.get(m["id"]) == "housing" for m in found[:3]), found
    hidden = await api.post(f"/v1/posts/{target}/moderation", headers=MODERATOR,
                            json={"action": "hide", "reason": "Duplicate of another post"})
    assert hidden.status_code == 200, hidden.text
    gone = await eventually(similar, lambda items: target not in [m["id"] for m in items])
    assert all(m["id"] != target for m in gone)
    restored = await api.post(f"/v1/posts/{target}/moderation", headers=MODERATOR,
                              json={"action": "restore"})
    assert restored.status_code == 200, restored.text
    await eventually(similar, lambda items: bool(items) and items[0]["id"] == target)

    # An edit replaces the text the post is found by.
    edited = await api.patch(f"/v1/posts/{target}", headers=auth("housing-0"), json={
        "body": "Harbour trucks should pay parking fees at the container terminal."})
    assert edited.status_code == 200, edited.text
    draft = {"text": "parking fees for trucks at the harbour terminal"}
    await eventually(similar, lambda items: bool(items) and items[0]["id"] == target)
    draft = {"text": body}
    assert target not in [m["id"] for m in await similar()]


async def test_bad_drafts_and_unknown_places_are_problems(api: httpx.AsyncClient,
                                                          mongo: Mongo) -> None:
    consultation: Json = await create_consultation(api)
    url = f"/v1/consultations/{consultation['id']}/similar"
    writer = auth("drafter")
    for bad in ({"text": ""}, {"text": "   "}, {"text": "x" * 20_001}, {"text": "ok", "limit": 0},
                {"text": "ok", "theme_id": "not an id!"}):
        reply = await api.post(url, json=bad, headers=writer)
        assert reply.status_code == 422, (bad, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json")
    other_theme = await api.post(url, json={"text": "bike lanes", "theme_id": "0" * 24},
                                 headers=writer)
    assert other_theme.status_code == 422, other_theme.text
    nowhere = f"/v1/consultations/{'0' * 24}"
    assert (await api.post(f"{nowhere}/similar", json={"text": "bike lanes"},
                           headers=writer)).status_code == 404
    assert (await api.post(f"{nowhere}/topics/runs", headers=CATCHER)).status_code == 404
    assert (await api.get(f"{nowhere}/topics", headers=CATCHER)).status_code == 404
    assert (await api.post(f"{url}", json={"text": "bike lanes"})).status_code == 401
    empty = await api.post(url, json={"text": "bike lanes"}, headers=writer)
    assert empty.status_code == 200
    assert empty.json() == {"items": []}
    assert (await mongo[SYNTHESIS_DB]["topic_runs"].count_documents(
        {"_id": "0" * 24})) == 0
