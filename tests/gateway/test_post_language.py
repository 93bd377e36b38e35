"""A post written without `language` gets the language it is written in, detected among
the consultation's, with the detector's confidence; `und` when it cannot be told."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from agora.v1 import events_pb2
from tests.debate import MODERATOR, OPERATOR
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]


async def trilingual(api: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A consultation in French first, then English and German, and a thread in it."""
    reply = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "L'avenir du travail", "languages": ["fr", "en", "de"],
        "themes": [{"title": "Formation"}]})
    assert reply.status_code == 201, reply.text
    consultation: dict[str, Any] = reply.json()
    thread = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                            json={"theme_id": consultation["themes"][0]["id"], "title": "Idées"},
                            headers=auth("opener"))
    assert thread.status_code == 201, thread.text
    return consultation, thread.json()


async def write(api: httpx.AsyncClient, thread: dict[str, Any], body: str,
                **extra: str) -> dict[str, Any]:
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": body, **extra},
                           headers=auth("polyglot"))
    assert reply.status_code == 201, reply.text
    written: dict[str, Any] = reply.json()
    return written


async def created_event(mongo: Mongo, post_id: str) -> events_pb2.PostCreated:
    async for record in mongo["agora_threads"]["outbox"].find({"type": "post.created"}):
        data = record["data"]
        assert isinstance(data, bytes)
        envelope = events_pb2.EventEnvelope.FromString(data)
        created = events_pb2.PostCreated()
        envelope.payload.Unpack(created)
        if created.post_id == post_id:
            return created
    raise AssertionError(f"no post.created for {post_id}")


async def test_an_undeclared_language_is_detected_not_assumed(
    api: httpx.AsyncClient, mongo: Mongo
) -> None:
    _, thread = await trilingual(api)
    cases = {"Who would pay for it?": "en", "Qui paierait pour ça ?": "fr",
             "Wer würde dafür bezahlen? Die Stadt hat kein Geld.": "de", "ok": "und"}
    written = {body: await write(api, thread, body) for body in cases}
    declared = await write(api, thread, "Who would pay for it?", language="fr")
    page = {p["id"]: p for p in
            (await api.get(f"/v1/threads/{thread['id']}/posts")).json()["items"]}
    for body, language in cases.items():
        post = written[body]
        assert (post["language"], page[post["id"]]["language"]) == (language, language), body
        confidence = page[post["id"]]["language_confidence"]
        assert confidence == post["language_confidence"]
        assert (confidence == 0.0) if language == "und" else (0.5 <= confidence <= 1.0), body
        event = await created_event(mongo, post["id"])
        assert (event.language, event.language_confidence) == (language, confidence)
    assert (declared["language"], declared["language_confidence"]) == ("fr", None)
    event = await created_event(mongo, declared["id"])
    assert (event.language, event.HasField("language_confidence")) == ("fr", False)


async def test_an_edit_detects_again_unless_the_author_declared_it(
    api: httpx.AsyncClient,
) -> None:
    _, thread = await trilingual(api)
    detected = await write(api, thread, "Who would pay for it?")
    declared = await write(api, thread, "Who would pay for it?", language="en")
    for post in (detected, declared):
        edited = await api.patch(f"/v1/posts/{post['id']}",
                                 json={"body": "Qui paierait pour ça ? Personne."},
                                 headers=auth("polyglot"))
        assert edited.status_code == 200, edited.text
    assert (await api.get(f"/v1/posts/{detected['id']}")).json()["language"] == "fr"
    kept = (await api.get(f"/v1/posts/{declared['id']}")).json()
    assert (kept["language"], kept["language_confidence"]) == ("en", None)


async def test_workshop_contributions_are_detected_too(api: httpx.AsyncClient) -> None:
    consultation, _ = await trilingual(api)
    reply = await api.post(
        f"/v1/consultations/{consultation['id']}/workshop-imports", headers=MODERATOR,
        json={"workshop": "Town hall", "csv": "theme,text\nFormation,Who would pay for it?\n"
              "Formation,Il faut former les salariés avant tout.\n"})
    assert reply.status_code == 201, reply.text
    (thread_id,) = reply.json()["thread_ids"]
    page = (await api.get(f"/v1/threads/{thread_id}/posts")).json()["items"]
    assert [p["language"] for p in page] == ["en", "fr"]
