"""Reading in one's language through the gateway (services/gateway/reading.py): a post
written in French is read in English by another participant, the original one parameter
away, through the real stack (threads -> JetStream -> translation with the suite's
LibreTranslate-protocol server -> translation.ready -> the gateway's caches)."""

from __future__ import annotations

from typing import Any

import httpx

from devstack import processes
from devstack.stack import Stack
from tests.gateway.test_live import has, listen
from tests.helpers import assert_problem, auth, eventually, metric_value
from tests.translation.test_service import consultation_and_thread

FRENCH = "Il faut *plus* de pistes cyclables."
ENGLISH = "[en] IL FAUT *PLUS* DE PISTES CYCLABLES."
READER = auth("reader-bob")


async def thread_in(api: httpx.AsyncClient) -> tuple[str, str]:
    """A consultation in French, English and German; its id and a thread's."""
    return await consultation_and_thread(api, ["fr", "en", "de"])


async def write(api: httpx.AsyncClient, thread_id: str, body: str = FRENCH) -> dict[str, Any]:
    reply = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth("alice"),
                           json={"body": body, "language": "fr", "format": "markdown"})
    assert reply.status_code == 201, reply.text
    written: dict[str, Any] = reply.json()
    return written


async def page(api: httpx.AsyncClient, thread_id: str, query: str = "",
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    reply = await api.get(f"/v1/threads/{thread_id}/posts{query}",
                          headers={**READER, **(headers or {})})
    assert reply.status_code == 200, reply.text
    found: dict[str, Any] = reply.json()
    return found


def translated(answer: dict[str, Any]) -> bool:
    return bool(answer["items"]) and all(p["translated"] for p in answer["items"])


async def test_a_french_post_is_read_in_english_the_original_one_parameter_away(
        api: httpx.AsyncClient) -> None:
    _, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    assert (post["language"], post["original_language"], post["translated"]) == (
        "fr", "fr", False)  # its author gets what they wrote

    english = await eventually(lambda: page(api, thread_id, "?lang=en"), translated)
    (read,) = english["items"]
    assert read["body"] == ENGLISH
    assert read["body_html"] == "<p>[en] IL FAUT <em>PLUS</em> DE PISTES CYCLABLES.</p>\n"
    assert (read["language"], read["original_language"]) == ("en", "fr")
    assert (read["translated"], read["machine"], read["human_verified"]) == (True, True, False)

    (original,) = (await page(api, thread_id, "?lang=en&original=true"))["items"]
    assert original["body"] == FRENCH
    assert original["body_html"] == "<p>Il faut <em>plus</em> de pistes cyclables.</p>\n"
    assert (original["language"], original["translated"]) == ("fr", False)
    (unasked,) = (await page(api, thread_id))["items"]  # no language asked: as written
    assert (unasked["body"], unasked["translated"]) == (FRENCH, False)

    one = await api.get(f"/v1/posts/{post['id']}?lang=en", headers=READER)
    assert one.status_code == 200, one.text
    assert (one.json()["body"], one.json()["language"], one.json()["translated"]) == (
        ENGLISH, "en", True)
    one = await api.get(f"/v1/posts/{post['id']}?lang=en&original=true", headers=READER)
    assert (one.json()["body"], one.json()["translated"]) == (FRENCH, False)


async def test_accept_language_is_honoured_and_lang_wins(api: httpx.AsyncClient) -> None:
    _, thread_id = await thread_in(api)
    await write(api, thread_id)
    await eventually(lambda: page(api, thread_id, "?lang=de"), translated)
    header = {"Accept-Language": "es;q=1, de;q=0.5, en-GB;q=0.9, fr;q=0.1"}
    (read,) = (await eventually(lambda: page(api, thread_id, headers=header),
                                translated))["items"]
    assert (read["language"], read["body"]) == ("en", ENGLISH)  # en-GB reads en
    (read,) = (await page(api, thread_id, "?lang=de", header))["items"]
    assert read["language"] == "de"
    assert read["body"].startswith("[de] IL FAUT")
    # q=0 refuses a language; an unreadable weight drops its range; `*` asks for none.
    for refusing in ("en;q=0, fr", "en;q=2", "en;q=abc", "*"):
        (read,) = (await page(api, thread_id, headers={"Accept-Language": refusing}))["items"]
        assert (read["language"], read["translated"]) == ("fr", False), refusing


async def test_another_language_reads_the_original_and_a_malformed_one_is_a_422(
        api: httpx.AsyncClient) -> None:
    _, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    for query in ("?lang=es", "?lang=fr"):  # not the consultation's; the post's own
        (read,) = (await page(api, thread_id, query))["items"]
        assert (read["body"], read["language"], read["translated"]) == (FRENCH, "fr", False)
    for path in (f"/v1/threads/{thread_id}/posts", f"/v1/posts/{post['id']}",
                 f"/v1/consultations/{post['consultation_id']}/events"):
        for malformed in ("english", ""):
            assert_problem(await api.get(path, params={"lang": malformed}, headers=READER),
                           422, "query.lang")
        assert_problem(await api.get(path, params={"original": "perhaps"}, headers=READER),
                       422, "query.original")
        assert_problem(await api.get(path, headers={**READER, "Accept-Language": "en," * 200}),
                       422)


async def test_one_translations_call_per_page(api: httpx.AsyncClient, stack: Stack) -> None:
    _, thread_id = await thread_in(api)
    for n in range(5):
        await write(api, thread_id, f"Idée numéro {n}.")
    await eventually(lambda: page(api, thread_id, "?lang=en&limit=5"), translated)
    metrics = f"http://127.0.0.1:{stack.config.metrics_ports['translation']}/metrics"

    async def calls() -> float:
        async with httpx.AsyncClient(timeout=5) as client:
            return metric_value((await client.get(metrics)).text,
                                "rpc_server_duration_seconds_count",
                                method="/agora.v1.TranslationService/GetTranslations")

    before = await calls()
    answer = await page(api, thread_id, "?lang=de&limit=4")  # a page not read before
    assert len(answer["items"]) == 4
    assert await calls() == before + 1


async def test_a_page_cached_before_its_translation_is_served_translated_after(
        api: httpx.AsyncClient) -> None:
    """The first read caches the page with the original (not translated yet: never an
    error, never a wait); `translation.ready` renews the thread's translations
    generation, so the next read is translated. Without it the cached page would stay
    as it was (nothing else changes in the thread)."""
    for _ in range(3):  # read at once: the translation takes longer (else try again)
        _, thread_id = await thread_in(api)
        await write(api, thread_id)
        (first,) = (await page(api, thread_id, "?lang=en"))["items"]
        if not first["translated"]:
            break
    assert (first["body"], first["language"], first["translated"]) == (FRENCH, "fr", False)
    (later,) = (await eventually(lambda: page(api, thread_id, "?lang=en"), translated,
                                 interval=0.3))["items"]
    assert later["body"] == ENGLISH


async def test_live_posts_come_in_the_readers_language(api: httpx.AsyncClient) -> None:
    consultation_id, thread_id = await thread_in(api)
    async with listen(api, consultation_id, READER, {"lang": "en"}) as stream:
        post = await write(api, thread_id)
        events = await stream.until(has("post.created", "translation.ready"))
    (created,) = [e.data["post"] for e in events if e.type == "post.created"]
    (ready,) = [e.data["post"] for e in events if e.type == "translation.ready"]
    assert created["id"] == ready["id"] == post["id"]
    # Shaped when it is read: the original, or already translated if the translation won.
    assert (created["body"], created["translated"]) in ((FRENCH, False), (ENGLISH, True))
    assert (ready["body"], ready["language"], ready["translated"]) == (ENGLISH, "en", True)
    async with listen(api, consultation_id, READER,
                      {"lang": "en", "original": "true"}) as stream:
        await write(api, thread_id, "Un deuxième texte.")
        events = await stream.until(has("post.created"))
    assert [e.data["post"]["translated"] for e in events if e.type == "post.created"] == [
        False]


async def test_the_translation_service_down_serves_the_originals(
        api: httpx.AsyncClient, stack: Stack) -> None:
    _, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    await eventually(lambda: page(api, thread_id, "?lang=en"), translated)
    stack.children["translation"].stop()
    try:
        await page(api, thread_id, "?lang=en")  # cached: as it was
        (read,) = (await page(api, thread_id, "?lang=en&limit=7"))["items"]  # not cached
        assert (read["body"], read["language"], read["translated"]) == (FRENCH, "fr", False)
        one = await api.get(f"/v1/posts/{post['id']}?lang=en", headers=READER)
        assert one.status_code == 200, one.text
        assert (one.json()["body"], one.json()["translated"]) == (FRENCH, False)
    finally:
        restarted = stack.start_service("translation")
        processes.wait_serving(restarted, stack.config.address("translation"), 60)
    # The page served meanwhile was not cached: translated again once the service is back.
    await eventually(lambda: page(api, thread_id, "?lang=en&limit=7"), translated)


async def test_an_edit_is_read_as_written_until_its_own_translation_is_ready(
        api: httpx.AsyncClient) -> None:
    """The translation of the previous revision is never served for the new text."""
    _, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    await eventually(lambda: page(api, thread_id, "?lang=en"), translated)
    edited = await api.patch(f"/v1/posts/{post['id']}", headers=auth("alice"),
                             json={"body": "Il faut des pistes plus larges.",
                                   "format": "markdown"})
    assert edited.status_code == 200, edited.text
    (first,) = (await page(api, thread_id, "?lang=en"))["items"]
    assert first["revision"] == 1
    assert (first["body"], first["translated"]) in (  # never ENGLISH, the old text's
        ("Il faut des pistes plus larges.", False), ("[en] IL FAUT DES PISTES PLUS LARGES.", True))
    (later,) = (await eventually(lambda: page(api, thread_id, "?lang=en"), translated))["items"]
    assert later["body"] == "[en] IL FAUT DES PISTES PLUS LARGES."


async def test_corrections_reach_the_reader(api: httpx.AsyncClient) -> None:
    """A knowledge manager's translation replaces the machine's on the page (renewed by
    its translation.ready), and a post whose author corrects its language to the
    reader's own is translated from the corrected language (the service's word, not
    threads' detected one)."""
    _, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    await eventually(lambda: page(api, thread_id, "?lang=en"), translated)
    reply = await api.put(f"/v1/posts/{post['id']}/translations/en",
                          headers=auth("kim", "knowledge_manager"),
                          json={"text": "More *cycle* lanes are needed."})
    assert reply.status_code == 200, reply.text
    (read,) = (await eventually(lambda: page(api, thread_id, "?lang=en"), lambda got: got[
        "items"][0]["human_verified"]))["items"]
    assert (read["body"], read["machine"], read["translated"]) == (
        "More *cycle* lanes are needed.", False, True)
    assert read["body_html"] == "<p>More <em>cycle</em> lanes are needed.</p>\n"

    mislabelled = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth("alice"),
                                 json={"body": "Plus de bancs publics.", "language": "en"})
    assert mislabelled.status_code == 201, mislabelled.text
    post_id = mislabelled.json()["id"]
    # 404 until the translation service has seen the post (its post.created).
    reply = await eventually(lambda: api.put(f"/v1/posts/{post_id}/language",
                                             headers=auth("alice"), json={"language": "fr"}),
                             lambda got: got.status_code != 404)
    assert reply.status_code == 200, reply.text

    async def in_english() -> dict[str, Any]:
        found: dict[str, Any] = (await api.get(f"/v1/posts/{post_id}?lang=en",
                                               headers=READER)).json()
        return found

    fixed = await eventually(in_english, lambda got: got["translated"])
    assert (fixed["body"], fixed["original_language"]) == ("[en] PLUS DE BANCS PUBLICS.", "fr")


async def test_a_correction_reaches_live_readers(api: httpx.AsyncClient) -> None:
    """The SSE stream in English carries a knowledge manager's correction as the post's
    translation.ready, human-verified, replacing the machine text it pushed before."""
    consultation_id, thread_id = await thread_in(api)
    post = await write(api, thread_id)
    await eventually(lambda: page(api, thread_id, "?lang=en"), translated)

    def corrected(events: list[Any]) -> bool:
        return any(e.type == "translation.ready" and e.data["post"]["human_verified"]
                   for e in events)

    async with listen(api, consultation_id, READER, {"lang": "en"}) as stream:
        reply = await api.put(f"/v1/posts/{post['id']}/translations/en",
                              headers=auth("kim", "knowledge_manager"),
                              json={"text": "More cycle lanes, please."})
        assert reply.status_code == 200, reply.text
        events = await stream.until(corrected)
    ready = next(e.data["post"] for e in events
                 if e.type == "translation.ready" and e.data["post"]["human_verified"])
    assert ready["id"] == post["id"]
    assert (ready["body"], ready["machine"], ready["translated"]) == (
        "More cycle lanes, please.", False, True)
