"""Glossaries per consultation through the gateway: versions, who publishes, bad input,
and re-translation of only the posts containing a changed term."""

from __future__ import annotations

import httpx
from pymongo import AsyncMongoClient

from devstack.stack import Stack
from tests.helpers import auth, eventually
from tests.translation.test_corrections import post, translated
from tests.translation.test_service import consultation_in, lookup

Mongo = AsyncMongoClient[dict[str, object]]
STRATEGIST = auth("sam", "strategist")


async def test_a_new_version_retranslates_only_posts_with_changed_terms(
        api: httpx.AsyncClient, stack: Stack, mongo: Mongo) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    consultation_id = (await api.get(f"/v1/threads/{thread_id}")).json()["consultation_id"]
    with_term = await post(api, thread_id, "Le budget participatif de Lyon.")
    other = await post(api, thread_id, "Des pistes cyclables sûres.")
    for post_id in (with_term, other):
        await translated(stack, post_id)
    stored = mongo["agora_translation"]["translations"]
    untouched = await stored.find_one({"_id": f"{other}:en"})
    assert untouched is not None
    url = f"/v1/consultations/{consultation_id}/glossary"
    empty = await api.get(url, headers=auth("alice"))
    assert empty.status_code == 200, empty.text
    assert (empty.json()["version"], empty.json()["keep"]) == (0, [])
    reply = await api.post(url + "/versions", headers=STRATEGIST, json={
        "keep": ["Lyon"], "fixed": [{"term": "budget participatif", "source_language": "fr",
                                     "target_language": "en",
                                     "translation": "participatory budget"}]})
    assert reply.status_code == 201, reply.text
    first = reply.json()
    assert (first["version"], first["retranslating"], first["published_by"]) == (1, 1, "sam")
    [english] = await eventually(lambda: lookup(stack, with_term, "en"),
                                 lambda got: "participatory budget" in got[0].text)
    assert english.text == "[en] LE participatory budget DE Lyon."
    # version 2 changes only the fixed translation: the same one post again, never the other
    reply = await api.post(url + "/versions", headers=auth("kim", "knowledge_manager"), json={
        "keep": ["Lyon"], "fixed": [{"term": "budget participatif", "source_language": "fr",
                                     "target_language": "en",
                                     "translation": "citizens' budget"}]})
    assert reply.status_code == 201, reply.text
    assert (reply.json()["version"], reply.json()["retranslating"]) == (2, 1)
    await eventually(lambda: lookup(stack, with_term, "en"),
                     lambda got: "citizens' budget" in got[0].text)
    current = (await api.get(url, headers=auth("alice"))).json()
    assert current["version"] == 2
    assert current["fixed"][0]["translation"] == "citizens' budget"
    assert (await stored.find_one({"_id": f"{other}:en"}))["at"] == untouched["at"]  # type: ignore[index]
    # a version with the same terms changes nothing
    same = await api.post(url + "/versions", headers=STRATEGIST, json={
        "keep": ["lyon"], "fixed": current["fixed"]})
    assert same.json()["retranslating"] == 0


async def test_who_publishes_and_bad_glossaries(api: httpx.AsyncClient, stack: Stack) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    consultation_id = (await api.get(f"/v1/threads/{thread_id}")).json()["consultation_id"]
    url = f"/v1/consultations/{consultation_id}/glossary/versions"
    refused = await api.post(url, headers=auth("alice"), json={"keep": ["Agora"]})
    assert refused.status_code == 403, refused.text

    def fixed(term: str, source: str, target: str) -> dict[str, str]:
        return {"term": term, "source_language": source, "target_language": target,
                "translation": "x"}

    for body, field in [
            ({"fixed": [fixed("vélo", "fr", "de")]}, "fixed.0.target_language"),
            ({"fixed": [fixed("vélo", "fr", "fr")]}, "fixed.0.target_language"),
            ({"keep": ["Agora", "agora"]}, "keep"),
            ({"keep": ["Agora"], "fixed": [fixed("agora", "fr", "en")]}, "fixed.0.term"),
            ({"keep": [" "]}, "keep.0"),
            ({"keep": ["x" * 101]}, "keep.0")]:
        reply = await api.post(url, headers=STRATEGIST, json=body)
        assert reply.status_code == 422, (body, reply.text)
        assert field in reply.text, (body, reply.text)
    current = await api.get(f"/v1/consultations/{consultation_id}/glossary")
    assert current.json()["version"] == 0  # nothing half-written
