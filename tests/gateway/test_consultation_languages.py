"""A consultation's own texts in the reader's language (threads' versions, the gateway's
reading): services/threads/versions.py, services/gateway/consultation_reading.py."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, events_pb2
from tests.debate import MODERATOR, OPERATOR, STRATEGIST, counts, schedule
from tests.gateway.test_structure import last_payload
from tests.helpers import assert_problem, auth

Mongo = AsyncMongoClient[dict[str, object]]
ENGLISH = {
    "language": "en", "title": "The future of work", "question": "How will we work in 2035?",
    "description": "Automation changes work.",
    "themes": [{"title": "Remote work", "sub_themes": ["Tools", ""]}, {"title": ""}],
}


def structure(**change: Any) -> dict[str, Any]:
    """A consultation written in French, with an English version (no "step after" in it,
    the second theme and a sub-theme left to the original)."""
    return {
        "title": "L'avenir du travail", "languages": ["fr", "en"],
        "original_language": "fr", "question": "Comment travaillerons-nous en 2035 ?",
        "description": "L'automatisation change le travail.",
        "step_after": "Le conseil vote en juin.",
        "themes": [{"title": "Télétravail", "sub_themes": ["Outils", "Lieux"]},
                   {"title": "Carrières"}],
        "phases": schedule("ideation"), "versions": [ENGLISH], **change,
    }


async def bilingual(api: httpx.AsyncClient, **change: Any) -> dict[str, Any]:
    reply = await api.post("/v1/consultations", headers=OPERATOR, json=structure(**change))
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def read(api: httpx.AsyncClient, consultation_id: str, query: str = "",
               **headers: str) -> dict[str, Any]:
    reply = await api.get(f"/v1/consultations/{consultation_id}{query}", headers=headers)
    assert reply.status_code == 200, reply.text
    assert reply.headers["vary"] == "Accept-Language"
    body: dict[str, Any] = reply.json()
    return body


async def test_each_reader_reads_the_texts_in_their_language(api: httpx.AsyncClient) -> None:
    created = await bilingual(api)
    # A write answers as written, with every version.
    assert created["title"] == "L'avenir du travail"
    assert (created["language"], created["original_language"]) == ("fr", "fr")
    assert created["versions"][0]["title"] == "The future of work"
    english = await read(api, created["id"], "?lang=en")
    assert english["title"] == "The future of work"
    assert english["question"] == "How will we work in 2035?"
    assert english["themes"][0]["title"] == "Remote work"
    assert [s["title"] for s in english["themes"][0]["sub_themes"]] == ["Tools", "Lieux"]
    assert english["themes"][1]["title"] == "Carrières"
    assert english["step_after"] == "Le conseil vote en juin."
    assert (english["language"], english["original_language"]) == ("en", "fr")
    assert english["translated"]
    assert english["human_verified"]
    assert not english["machine"]
    assert english["as_written"] == ["step_after", "themes.0.sub_themes.1",
                                     "themes.1.title"]
    assert [t["id"] for t in english["themes"]] == [t["id"] for t in created["themes"]]
    french = await read(api, created["id"], **{"Accept-Language": "fr-CH, en;q=0.5"})
    assert french["title"] == "L'avenir du travail"
    assert (french["language"], french["translated"]) == ("fr", False)
    by_header = await read(api, created["id"], **{"Accept-Language": "de, en;q=0.8"})
    assert by_header["title"] == "The future of work"
    # ?lang= wins over the header; ?original=true over both.
    assert (await read(api, created["id"], "?lang=fr",
                       **{"Accept-Language": "en"}))["title"] == "L'avenir du travail"
    original = await read(api, created["id"], "?lang=en&original=true")
    assert (original["title"], original["translated"]) == ("L'avenir du travail", False)
    # The listing reads each consultation as its item does.
    listed = (await api.get("/v1/consultations?limit=100&lang=en")).json()["items"]
    assert next(c for c in listed if c["id"] == created["id"])["title"] == "The future of work"


async def test_a_language_without_a_version_reads_the_original(api: httpx.AsyncClient) -> None:
    created = await bilingual(api, languages=["fr", "en", "de"])
    for query in ("?lang=de", "?lang=it", ""):
        body = await read(api, created["id"], query)
        assert body["title"] == "L'avenir du travail"
        assert (body["language"], body["translated"], body["as_written"]) == ("fr", False, [])
    assert_problem(await api.get(f"/v1/consultations/{created['id']}?lang=english"), 422,
                   "query.lang")


async def test_reads_in_turn_never_mix_languages(api: httpx.AsyncClient) -> None:
    """The answers follow the asked language, however they alternate (nothing cached
    across languages)."""
    created = await bilingual(api)
    for _ in range(3):
        assert (await read(api, created["id"], "?lang=en"))["title"] == "The future of work"
        assert (await read(api, created["id"], "?lang=fr"))["title"] == "L'avenir du travail"


async def test_strategists_adapt_the_versions_and_the_event_says_so(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    created = await bilingual(api)
    payload = await last_payload(mongo, created["id"], "consultation.created",
                                 events_pb2.ConsultationCreated())
    assert (payload.original_language, list(payload.version_languages)) == ("fr", ["en"])
    themes = [{"id": t["id"], "title": t["title"],
               "sub_themes": [{"id": s["id"], "title": s["title"]} for s in t["sub_themes"]]}
              for t in created["themes"]]
    # Reordered themes: the version's theme texts follow their position in the request.
    adapted = await api.put(f"/v1/consultations/{created['id']}/structure", headers=STRATEGIST,
                            json=structure(themes=themes[::-1], versions=[{
                                "language": "en", "title": "Work ahead",
                                "themes": [{"title": "Careers"}, {"title": "Remote work"}]}]))
    assert adapted.status_code == 200, adapted.text
    english = await read(api, created["id"], "?lang=en")
    assert english["title"] == "Work ahead"
    assert [t["title"] for t in english["themes"]] == ["Careers", "Remote work"]
    assert english["question"] == "Comment travaillerons-nous en 2035 ?"
    updated = await last_payload(mongo, created["id"], "consultation.updated",
                                 debate_events_pb2.PhaseChanged())
    assert list(updated.version_languages) == ["en"]
    # Replaced as given: none sent, none remain.
    bare = await api.put(f"/v1/consultations/{created['id']}/structure", headers=STRATEGIST,
                         json=structure(themes=themes, versions=[]))
    assert bare.status_code == 200, bare.text
    assert (await read(api, created["id"], "?lang=en"))["title"] == "L'avenir du travail"


@pytest.mark.parametrize(("version", "field"), [
    ({"language": "de", "title": "Zukunft"}, "versions.0.language"),
    ({"language": "fr", "title": "Doublon"}, "versions.0.language"),
    ({"language": "en", "title": "   "}, "versions.0.title"),
    ({"language": "en", "title": "Work", "question": "  "}, "versions.0.question"),
    ({"language": "en", "title": "Work", "themes": [{"title": "Only one"}]},
     "versions.0.themes"),
    ({"language": "en", "title": "Work",
      "themes": [{"title": "x", "sub_themes": ["one"]}, {}]}, "versions.0.themes.0.sub_themes"),
])
async def test_bad_versions_are_refused_naming_the_field(
    api: httpx.AsyncClient, mongo: Mongo, version: dict[str, Any], field: str,
) -> None:
    created = await bilingual(api)
    before = await counts(mongo)
    reply = await api.post("/v1/consultations", headers=OPERATOR,
                           json=structure(versions=[version]))
    body = assert_problem(reply, 422)
    assert any(e["field"].endswith(field) for e in body["errors"]), body
    adapted = await api.put(f"/v1/consultations/{created['id']}/structure",
                            headers=STRATEGIST, json=structure(versions=[version]))
    body = assert_problem(adapted, 422)
    assert any(e["field"].endswith(field) for e in body["errors"]), body
    assert await counts(mongo) == before
    assert (await read(api, created["id"], "?lang=en"))["title"] == "The future of work"


async def test_two_versions_in_one_language_and_an_unknown_original_are_refused(
    api: httpx.AsyncClient,
) -> None:
    twice = await api.post("/v1/consultations", headers=OPERATOR,
                           json=structure(versions=[ENGLISH, ENGLISH]))
    assert_problem(twice, 422, "versions.1.language")
    unknown = await api.post("/v1/consultations", headers=OPERATOR,
                             json=structure(original_language="de"))
    assert_problem(unknown, 422, "original_language")


@pytest.mark.parametrize("headers", [MODERATOR, auth("pat"), {}])
async def test_only_strategists_write_versions(
    api: httpx.AsyncClient, mongo: Mongo, headers: dict[str, str],
) -> None:
    created = await bilingual(api)
    before = await counts(mongo)
    reply = await api.put(f"/v1/consultations/{created['id']}/structure", headers=headers,
                          json=structure(versions=[{"language": "en", "title": "Mine"}]))
    assert_problem(reply, 401 if not headers else 403)
    assert await counts(mongo) == before
    assert (await read(api, created["id"], "?lang=en"))["title"] == "The future of work"


async def test_a_replayed_creation_compares_the_versions(api: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f"versions-{uuid.uuid4().hex}", **OPERATOR}
    body = structure()  # dated once: the replay is the same request
    first = await api.post("/v1/consultations", headers=key, json=body)
    assert first.status_code == 201, first.text
    again = await api.post("/v1/consultations", headers=key, json=body)
    assert again.json()["id"] == first.json()["id"], again.text
    other = await api.post("/v1/consultations", headers=key, json={
        **body, "versions": [{**ENGLISH, "title": "Another title"}]})
    assert_problem(other, 422, "idempotency_key")


async def test_a_consultation_stored_before_versions_reads_as_written(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    created = await bilingual(api)
    await mongo["agora_threads"]["consultations"].update_one(
        {"_id": created["id"]}, {"$unset": {"versions": "", "original_language": ""}})
    body = await read(api, created["id"], "?lang=en")
    assert (body["title"], body["original_language"], body["versions"]) == (
        "L'avenir du travail", "fr", [])
