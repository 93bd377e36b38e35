"""People's corrections through the gateway: a translation (author or knowledge manager),
a post's language (author), and what becomes of them when the post or glossary changes."""

from __future__ import annotations

import asyncio

import httpx
from nats.aio.client import Client as NatsClient
from pymongo import AsyncMongoClient

from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import parse_envelope
from devstack.stack import Stack
from tests.helpers import auth, eventually
from tests.translation.test_service import consultation_in, lookup

Mongo = AsyncMongoClient[dict[str, object]]
KM = auth("kim", "knowledge_manager")


async def post(api: httpx.AsyncClient, thread_id: str, body: str, language: str = "fr",
               author: str = "alice") -> str:
    reply = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth(author),
                           json={"body": body, "language": language})
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def translated(stack: Stack, post_id: str, target: str = "en", revision: int = 0
                     ) -> None:
    await eventually(lambda: lookup(stack, post_id, target),
                     lambda got: got[0].found and got[0].revision == revision)


async def correct(api: httpx.AsyncClient, post_id: str, lang: str, text: str,
                  headers: dict[str, str]) -> httpx.Response:
    return await api.put(f"/v1/posts/{post_id}/translations/{lang}", headers=headers,
                   json={"text": text})


async def test_a_knowledge_managers_correction_wins_and_is_announced(
        api: httpx.AsyncClient, stack: Stack, nc: NatsClient) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    post_id = await post(api, thread_id, "Le vélo en ville, c'est la liberté.")
    await translated(stack, post_id)
    announced: list[str] = []

    async def on_ready(message: object) -> None:
        payload = EVENTS.translation_ready.unpack(parse_envelope(message.data))  # type: ignore[attr-defined]
        if payload.content_id == post_id:
            announced.append(payload.target)

    subscription = await nc.subscribe(f"agora.*.{EVENTS.translation_ready.name}", cb=on_ready)
    reply = await correct(api, post_id, "en", "  Cycling in town is freedom.  ", KM)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "post_id": post_id, "lang": "en", "text": "Cycling in town is freedom.",
        "translated": True, "original_language": "fr", "revision": 0, "machine": False,
        "human_verified": True, "needs_review": False}
    [english] = await lookup(stack, post_id, "en")
    assert (english.text, english.machine, english.human_verified, english.provider) == (
        "Cycling in town is freedom.", False, True, "")
    await eventually(lambda: asyncio.sleep(0, announced), lambda got: "en" in got)
    await subscription.unsubscribe()


async def test_the_author_corrects_others_may_not(api: httpx.AsyncClient, stack: Stack) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    post_id = await post(api, thread_id, "Plus de bancs sur la place.")
    await translated(stack, post_id)
    reply = await correct(api, post_id, "en", "More benches on the square.", auth("alice"))
    assert reply.status_code == 200, reply.text
    assert reply.json()["human_verified"]
    refused = await correct(api, post_id, "en", "Benches!", auth("bob"))
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    [english] = await lookup(stack, post_id, "en")
    assert english.text == "More benches on the square."


async def test_bad_corrections_are_defined_problems(api: httpx.AsyncClient, stack: Stack) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    post_id = await post(api, thread_id, "Des arbres, partout.")
    await translated(stack, post_id)
    cases = [("de", "Bäume überall.", 422, "target"),          # not a language here
             ("fr", "Des arbres.", 422, "target"),             # the original's language
             ("en", " \n\t ", 422, "text"),                    # blank
             ("en", "x" * 20_001, 422, "text"),                # over the limit
             ("not a language", "Trees.", 422, "lang")]
    for lang, text, status, field in cases:
        reply = await correct(api, post_id, lang, text, KM)
        assert reply.status_code == status, (lang, reply.text)
        assert field in reply.text, (lang, reply.text)
    unknown = await correct(api, "0" * 24, "en", "Trees.", KM)
    assert unknown.status_code == 404, unknown.text
    [english] = await lookup(stack, post_id, "en")
    assert english.machine  # nothing half-written


async def test_a_correction_survives_a_rerun_and_is_flagged_after_an_edit(
        api: httpx.AsyncClient, stack: Stack, mongo: Mongo) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    consultation_id = (await api.get(f"/v1/threads/{thread_id}")).json()["consultation_id"]
    post_id = await post(api, thread_id, "Agora aime le vélo.")
    await translated(stack, post_id)
    reply = await correct(api, post_id, "en", "Agora loves cycling.", KM)
    assert reply.status_code == 200, reply.text
    # a glossary term the post contains: its translation job runs again, same revision
    stored = mongo["agora_translation"]["translations"]
    before = await stored.find_one({"_id": f"{post_id}:en"})
    assert before is not None
    reply = await api.post(f"/v1/consultations/{consultation_id}/glossary/versions",
                           headers=auth("sam", "strategist"), json={"keep": ["Agora"]})
    assert reply.status_code == 201, reply.text
    assert reply.json()["retranslating"] == 1
    after = await eventually(lambda: stored.find_one({"_id": f"{post_id}:en"}),
                             lambda doc: doc is not None and doc["at"] != before["at"])
    assert after is not None
    assert after["text"] == "[en] Agora AIME LE VÉLO."  # the machine's, re-run, kept aside
    [english] = await lookup(stack, post_id, "en")
    assert (english.text, english.human_verified) == ("Agora loves cycling.", True)
    # the post changes: the person's translation is kept, flagged, and not served as current
    reply = await api.patch(f"/v1/posts/{post_id}", headers=auth("alice"),
                            json={"body": "Agora adore le vélo."})
    assert reply.status_code == 200, reply.text
    [english] = await eventually(lambda: lookup(stack, post_id, "en"),
                                 lambda got: got[0].revision == 1)
    assert (english.text, english.machine, english.needs_review) == (
        "[en] Agora ADORE LE VÉLO.", True, True)
    doc = await stored.find_one({"_id": f"{post_id}:en"})
    assert doc is not None
    assert doc["human"]["text"] == "Agora loves cycling."  # type: ignore[index]
    # a new correction of the current text clears the flag
    reply = await correct(api, post_id, "en", "Agora adores cycling.", KM)
    assert reply.json()["needs_review"] is False
    assert reply.json()["revision"] == 1


async def test_the_author_corrects_the_language_and_translation_follows(
        api: httpx.AsyncClient, stack: Stack) -> None:
    thread_id = await consultation_in(api, ["fr", "en", "de"])
    post_id = await post(api, thread_id, "More cycle lanes please.", language="fr")
    await translated(stack, post_id, "en")
    await translated(stack, post_id, "de")
    url = f"/v1/posts/{post_id}/language"
    assert (await api.put(url, headers=auth("bob"), json={"language": "en"})).status_code == 403
    refused = await api.put(url, headers=auth("alice"), json={"language": "it"})
    assert refused.status_code == 422, refused.text
    assert "language" in refused.text
    reply = await api.put(url, headers=auth("alice"), json={"language": "en"})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"post_id": post_id, "language": "en", "revision": 0,
                            "corrected": True}
    english, german, french = await eventually(
        lambda: lookup(stack, post_id, "en", "de", "fr"),
        lambda got: got[1].source_language == "en" and got[2].found)
    assert not english.found  # it is the original now
    assert german.text == "[de] MORE CYCLE LANES PLEASE."
    assert french.source_language == "en"
    # an edit keeps the corrected language
    await api.patch(f"/v1/posts/{post_id}", headers=auth("alice"),
                    json={"body": "More cycle lanes, please."})
    [german] = await eventually(lambda: lookup(stack, post_id, "de"),
                                lambda got: got[0].revision == 1)
    assert german.source_language == "en"


async def test_a_correction_replaces_the_machine_text_in_the_gateways_pages(
        api: httpx.AsyncClient, stack: Stack) -> None:
    """The page read in English (cached with the machine text first) shows the person's
    translation once it is stored: `translation.ready` renewed the cached page."""
    thread_id = await consultation_in(api, ["fr", "en"])
    post_id = await post(api, thread_id, "Un marché couvert le dimanche.")
    reader = auth("rita")

    async def page() -> dict[str, object]:
        reply = await api.get(f"/v1/threads/{thread_id}/posts?lang=en", headers=reader)
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["items"][0])

    machine = await eventually(page, lambda item: bool(item["translated"]))
    assert (machine["body"], machine["machine"]) == ("[en] UN MARCHÉ COUVERT LE DIMANCHE.",
                                                    True)
    reply = await correct(api, post_id, "en", "A covered market on Sundays.", KM)
    assert reply.status_code == 200, reply.text
    human = await eventually(page, lambda item: item["body"] == "A covered market on Sundays.")
    assert (human["human_verified"], human["machine"], human["translated"]) == (
        True, False, True)
    one = await api.get(f"/v1/posts/{post_id}?lang=en", headers=reader)
    assert one.json()["body"] == "A covered market on Sundays."
