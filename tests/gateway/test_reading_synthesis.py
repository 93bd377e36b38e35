"""Ideas and published syntheses read in one's language through the real stack
(synthesis -> JetStream -> translation with the suite's LibreTranslate-protocol server ->
translation.ready -> the gateway's read cache): the same fields and `?original=true` as
posts, citations intact, the original (marked) until a translation is ready."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import auth, eventually
from tests.synthesis.support import CATCHER, SYNTHESISER
from tests.translation.test_service import consultation_and_thread

Json = dict[str, Any]
READER = auth("reader-bob")
TITLE = "Des pistes cyclables protégées partout"
DESCRIPTION = "Les enfants doivent pouvoir aller à l'école à vélo en sécurité."


async def consultation_in_french(api: httpx.AsyncClient) -> tuple[str, str]:
    """A consultation in French and English: its id and its theme's."""
    consultation_id, _ = await consultation_and_thread(api, ["fr", "en"])
    consultation = (await api.get(f"/v1/consultations/{consultation_id}")).json()
    return consultation_id, str(consultation["themes"][0]["id"])


async def get(api: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> Json:
    reply = await api.get(url, headers={**READER, **(headers or {})})
    assert reply.status_code == 200, reply.text
    found: Json = reply.json()
    return found


async def test_a_french_idea_is_read_in_english_the_original_one_parameter_away(
        api: httpx.AsyncClient) -> None:
    consultation_id, theme_id = await consultation_in_french(api)
    url = f"/v1/consultations/{consultation_id}/ideas"
    created = await api.post(url, headers=CATCHER, json={
        "theme_id": theme_id, "title": TITLE, "description": DESCRIPTION})
    assert created.status_code == 201, created.text
    idea_url = f"{url}/{created.json()['id']}"
    assert (await get(api, f"{url}?lang=en"))["items"][0]["title"] in (
        TITLE, f"[en] {TITLE.upper()}")  # cached before or after its translation

    read = await eventually(lambda: get(api, f"{idea_url}?lang=en"),
                            lambda idea: idea["translated"])
    assert (read["title"], read["description"]) == (f"[en] {TITLE.upper()}",
                                                    f"[en] {DESCRIPTION.upper()}")
    assert (read["language"], read["original_language"], read["machine"],
            read["human_verified"]) == ("en", "fr", True, False)
    # The table's cached page was renewed by translation.ready; Accept-Language works too.
    table = await eventually(
        lambda: get(api, url, {"Accept-Language": "en-GB, fr;q=0.5"}),
        lambda page: page["items"][0]["translated"])
    assert table["items"][0]["title"] == f"[en] {TITLE.upper()}"

    original = await get(api, f"{idea_url}?lang=en&original=true")
    assert (original["title"], original["translated"], original["language"]) == (
        TITLE, False, None)
    french = await get(api, f"{idea_url}?lang=fr")  # its own language: as written
    assert (french["title"], french["translated"], french["language"],
            french["original_language"]) == (TITLE, False, "fr", "fr")
    unasked = await get(api, idea_url)
    assert (unasked["title"], unasked["translated"]) == (TITLE, False)

    # An edit: the older revision's translation is never served for the new text; the
    # new title is read in English once translated again (the description, unchanged,
    # from the segment cache).
    edited = await api.patch(idea_url, headers=CATCHER, json={"title": "Des bus la nuit"})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["revision"], edited.json()["description"]) == (1, DESCRIPTION)
    now = await get(api, f"{idea_url}?lang=en")
    assert now["title"] in ("Des bus la nuit", "[en] DES BUS LA NUIT")
    assert now["translated"] or now["description"] == DESCRIPTION
    again = await eventually(lambda: get(api, f"{idea_url}?lang=en"),
                             lambda idea: idea["translated"])
    assert (again["title"], again["description"], again["revision"]) == (
        "[en] DES BUS LA NUIT", f"[en] {DESCRIPTION.upper()}", 1)
    refused = await api.patch(idea_url, headers=CATCHER, json={"title": "  "})
    assert refused.status_code == 422, refused.text
    assert (await api.patch(idea_url, headers=READER, json={"title": "X"})).status_code == 403


async def test_a_french_synthesis_paragraph_is_read_in_english_with_its_citation(
        api: httpx.AsyncClient) -> None:
    consultation_id, theme_id = await consultation_in_french(api)
    idea = (await api.post(f"/v1/consultations/{consultation_id}/ideas", headers=CATCHER,
                           json={"theme_id": theme_id, "title": TITLE})).json()
    created = await api.post(f"/v1/consultations/{consultation_id}/syntheses",
                             headers=SYNTHESISER, json={"title": "Ce que nous avons entendu"})
    assert created.status_code == 201, created.text
    url = str(created.headers["Location"])
    cited = f"Les habitants veulent des **pistes cyclables** [idea:{idea['id']}]."
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER, json={"paragraphs": [
        {"text": cited}, {"text": "Les bus sont trop lents dans le centre."}]})
    assert saved.status_code == 200, saved.text
    published = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert published.status_code == 201, published.text
    assert published.json()["translated"] is False  # a write answers as written

    version = await eventually(
        lambda: get(api, f"{url}/versions/1?lang=en"),
        lambda v: v["translated"] and all(p["translated"] for p in v["paragraphs"]))
    first, second = version["paragraphs"]
    assert first["text"] == (f"[en] LES HABITANTS VEULENT DES **PISTES CYCLABLES** "
                             f"[idea:{idea['id']}].")
    assert "<strong>PISTES CYCLABLES</strong>" in first["html"]
    assert f"[idea:{idea['id']}]" in first["html"]
    assert (first["language"], first["original_language"], first["machine"]) == (
        "en", "fr", True)
    assert second["text"] == "[en] LES BUS SONT TROP LENTS DANS LE CENTRE."
    assert version["title"] == "[en] CE QUE NOUS AVONS ENTENDU"
    listed = await eventually(  # the list's title is the published versions'
        lambda: get(api, f"/v1/consultations/{consultation_id}/syntheses?lang=en"),
        lambda page: page["items"][0]["translated"])
    assert (listed["items"][0]["title"], listed["items"][0]["original_language"]) == (
        "[en] CE QUE NOUS AVONS ENTENDU", "fr")
    one = await get(api, f"{url}?lang=en")
    assert (one["title"], one["translated"]) == ("[en] CE QUE NOUS AVONS ENTENDU", True)
    assert (await get(api, f"{url}?original=true&lang=en"))["title"] == (
        "Ce que nous avons entendu")

    original = await get(api, f"{url}/versions/1?lang=en&original=true")
    assert [p["text"] for p in original["paragraphs"]] == [
        cited, "Les bus sont trop lents dans le centre."]
    assert not any(p["translated"] for p in original["paragraphs"])

    # The next version carries the first paragraph over and adds one: each is read in
    # English once translated (the carried one from the segment cache).
    anchor = first["anchor"]
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER, json={"paragraphs": [
        {"anchor": anchor, "text": cited}, {"text": "Les trams sont appréciés de tous."}]})
    assert saved.status_code == 200, saved.text
    assert (await api.post(f"{url}/versions", headers=SYNTHESISER)).status_code == 201
    second_version = await eventually(
        lambda: get(api, f"{url}/versions/2?lang=en"),
        lambda v: all(p["translated"] for p in v["paragraphs"]))
    assert [p["text"] for p in second_version["paragraphs"]] == [
        first["text"], "[en] LES TRAMS SONT APPRÉCIÉS DE TOUS."]
    assert second_version["paragraphs"][0]["anchor"] == anchor
