"""A French post is translated into the consultation's other languages, through the stack
(threads -> JetStream -> translation -> the LibreTranslate-protocol server)."""

from __future__ import annotations

import asyncio

import grpc
import httpx
import pytest
from nats.aio.client import Client as NatsClient

from agora.v1 import translation_pb2, translation_pb2_grpc
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import parse_envelope
from agora_kit.ids import new_id
from devstack.stack import Stack
from tests.helpers import auth, eventually


async def consultation_in(api: httpx.AsyncClient, languages: list[str]) -> str:
    """A thread of a new consultation in these languages."""
    _, thread_id = await consultation_and_thread(api, languages)
    return thread_id


async def consultation_and_thread(api: httpx.AsyncClient,
                                  languages: list[str]) -> tuple[str, str]:
    """A consultation in these languages and a thread of it: their ids."""
    reply = await api.post("/v1/consultations", headers=auth("facilitator", "operator"),
                           json={"title": "Transports", "languages": languages,
                                 "themes": [{"title": "Vélo"}]})
    assert reply.status_code == 201, reply.text
    consultation = reply.json()
    reply = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                           headers=auth("facilitator"),
                           json={"theme_id": consultation["themes"][0]["id"], "title": "Pistes"})
    assert reply.status_code == 201, reply.text
    return str(consultation["id"]), str(reply.json()["id"])


def stub(stack: Stack) -> translation_pb2_grpc.TranslationServiceStub:
    channel = grpc.aio.insecure_channel(stack.config.address("translation"))
    return translation_pb2_grpc.TranslationServiceStub(channel)


async def lookup(stack: Stack, post_id: str, *targets: str) -> list[translation_pb2.Translation]:
    answer = await stub(stack).GetTranslations(translation_pb2.GetTranslationsRequest(
        keys=[translation_pb2.TranslationKey(content_id=post_id, target=t) for t in targets]))
    return list(answer.translations)


async def test_a_french_post_is_read_in_english_and_german(
        api: httpx.AsyncClient, stack: Stack, nc: NatsClient) -> None:
    thread_id = await consultation_in(api, ["fr", "en", "de"])
    ready: list[tuple[str, str]] = []

    async def on_ready(message: object) -> None:
        envelope = parse_envelope(message.data)  # type: ignore[attr-defined]
        payload = EVENTS.translation_ready.unpack(envelope)
        ready.append((payload.content_id, payload.target))

    subscription = await nc.subscribe(f"agora.*.{EVENTS.translation_ready.name}", cb=on_ready)
    body = "Il faut plus de pistes cyclables, dit @paul. Voir [le plan](https://ex.org/plan)."
    reply = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth("alice"),
                           json={"body": body, "language": "fr"})
    assert reply.status_code == 201, reply.text
    post_id = reply.json()["id"]
    found = await eventually(lambda: lookup(stack, post_id, "en", "de", "fr"),
                             lambda got: got[0].found and got[1].found)
    english, german, french = found
    assert english.text == ("[en] IL FAUT PLUS DE PISTES CYCLABLES, DIT @paul. VOIR [LE PLAN]"
                            "(https://ex.org/plan).")
    assert german.text.startswith("[de] IL FAUT")
    assert (english.source_language, english.revision, english.machine) == ("fr", 0, True)
    assert not english.human_verified
    assert not french.found  # the original's own language is the original
    await eventually(lambda: asyncio.sleep(0, ready), lambda got: {
        (post_id, "en"), (post_id, "de")} <= set(got))
    await subscription.unsubscribe()


async def test_an_edit_is_translated_again(api: httpx.AsyncClient, stack: Stack) -> None:
    thread_id = await consultation_in(api, ["fr", "en"])
    reply = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth("alice"),
                           json={"body": "Première version du texte.", "language": "fr"})
    post_id = reply.json()["id"]
    await eventually(lambda: lookup(stack, post_id, "en"), lambda got: got[0].found)
    reply = await api.patch(f"/v1/posts/{post_id}", headers=auth("alice"),
                            json={"body": "Seconde version du texte."})
    assert reply.status_code == 200, reply.text
    [english] = await eventually(lambda: lookup(stack, post_id, "en"),
                                 lambda got: got[0].revision == 1)
    assert english.text == "[en] SECONDE VERSION DU TEXTE."


@pytest.mark.parametrize(("content_id", "targets", "field"), [
    ("p1", ["en"], "content_id"), (new_id(), ["not a language"], "target"),
    (new_id(), ["en"] * 501, "keys")])
async def test_bad_lookups_are_refused(stack: Stack, content_id: str, targets: list[str],
                                       field: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await lookup(stack, content_id, *targets)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in (caught.value.details() or "")


async def test_an_unknown_translation_is_not_found(stack: Stack) -> None:
    [missing] = await lookup(stack, new_id(), "en")
    assert not missing.found
    assert missing.text == ""
