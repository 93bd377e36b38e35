"""The deliverable in a consultation's language, over HTTP against the whole stack
(translation through the LibreTranslate-protocol fake): a French argument in a retained
idea's two-column thread is shown in the English deliverable as the machine translated
it, marked so; a knowledge manager corrects that translation and the next English
version carries the correction, marked verified by a person, in Markdown, JSON and PDF.
The extract keeps quoting the original. A language the consultation has not is refused."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from pathlib import Path

import httpx
import jsonschema

from devstack.processes import free_port
from devstack.stack import Stack
from services.synthesis.deliverable.translations import Translations, Wanted
from tests.helpers import auth, create_consultation, create_thread
from tests.synthesis.support import CATCHER, SYNTHESISER
from tests.synthesis.test_end_to_end import (
    STRATEGIST,
    Json,
    harvest,
    job_done,
    ok,
    read_pdf,
)
from tests.translation.test_corrections import KM, correct, translated
from tests.translation.test_service import lookup

PROPOSAL = "Il faut des pistes cyclables protégées partout."
ARGUMENT = "Les enfants iraient à l'école à vélo en sécurité."
CORRECTED = "Children would cycle to school safely."
STEP_AFTER = "The council decides in June."


async def retained_idea_with_a_french_argument(api: httpx.AsyncClient
                                               ) -> tuple[Json, Json, Json, Json]:
    """A consultation in English and French (English first); a French post harvested into
    an idea retained for deepening; a French argument in its two-column thread."""
    consultation: Json = dict(await create_consultation(api))
    thread = await create_thread(api, consultation)
    post = await ok(api, "POST", f"/v1/threads/{thread['id']}/posts", status=201,
                    headers=auth("ana"), json={"body": PROPOSAL, "language": "fr"})
    base = f"/v1/consultations/{consultation['id']}"
    idea = await ok(api, "POST", f"{base}/ideas", status=201, headers=CATCHER, json={
        "theme_id": consultation["themes"][0]["id"], "title": "Protected bike lanes"})
    await harvest(api, consultation, post, "pistes cyclables protégées", idea)
    retained = await ok(api, "PUT", f"{base}/ideas/{idea['id']}/status", headers=SYNTHESISER,
                        json={"status": "retained", "open_deepening": True})
    deepening = await ok(api, "GET", f"/v1/threads/{retained['thread_id']}")
    argument = await ok(api, "POST", f"/v1/threads/{deepening['id']}/posts", status=201,
                        headers=auth("bea"), json={"body": ARGUMENT, "language": "fr",
                                                   "column_id": deepening["columns"][0]["id"]})
    return consultation, idea, post, argument


async def version_files(api: httpx.AsyncClient, consultation_id: str,
                        body: Json) -> tuple[Json, dict[str, httpx.Response]]:
    started = await api.post(f"/v1/consultations/{consultation_id}/deliverables",
                             json={"step_after": STEP_AFTER, **body}, headers=STRATEGIST)
    assert started.status_code == 202, started.text
    assert started.json()["language"] == body.get("language", "en")
    done = await job_done(api, started.headers["Location"])
    version = await ok(api, "GET", str(done["version_url"]))
    files = {f["format"]: await api.get(f["url"]) for f in version["files"]}
    assert all(reply.status_code == 200 for reply in files.values())
    return version, files


def the_argument(document: Json) -> Json:
    [recommendation] = document["recommendations"]
    [argument] = [a for c in recommendation["arguments"] for a in c["posts"]]
    found: Json = argument
    return found


async def test_the_english_deliverable_shows_the_machine_then_the_corrected_translation(
    api: httpx.AsyncClient, stack: Stack, tmp_path: Path,
) -> None:
    consultation, idea, post, argument = await retained_idea_with_a_french_argument(api)
    cid = consultation["id"]
    await translated(stack, argument["id"], "en")
    [machine] = await lookup(stack, argument["id"], "en")
    assert machine.machine
    assert machine.text != ARGUMENT

    # English (the consultation's first language, asked for by default): the machine's.
    first, files = await version_files(api, cid, {})
    assert (first["number"], first["language"]) == (1, "en")
    schema = await ok(api, "GET", "/v1/schemas/deliverable.json")
    document = files["json"].json()
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["language"] == "en"
    assert the_argument(document) == {
        "post_id": argument["id"], "url": f"/v1/posts/{argument['id']}",
        "text": machine.text, "language": "en", "original_text": ARGUMENT,
        "original_language": "fr", "translated": True, "machine": True,
        "human_verified": False}
    [extract] = document["recommendations"][0]["extracts"]
    assert (extract["quote"], extract["language"]) == ("pistes cyclables protégées", "fr")
    markdown = files["markdown"].text
    assert "written in en" in markdown
    assert "*(machine translation from fr)*" in markdown
    assert "pistes cyclables protégées" in markdown  # the quote as written

    # A knowledge manager corrects it: the next English version carries the correction.
    reply = await correct(api, argument["id"], "en", CORRECTED, KM)
    assert reply.status_code == 200, reply.text
    second, files = await version_files(api, cid, {"language": "en"})
    assert (second["number"], second["language"]) == (2, "en")
    document = files["json"].json()
    jsonschema.Draft202012Validator(schema).validate(document)
    served = the_argument(document)
    assert (served["text"], served["original_text"], served["translated"], served["machine"],
            served["human_verified"]) == (CORRECTED, ARGUMENT, True, False, True)
    markdown = files["markdown"].text
    assert f"{CORRECTED} *(translation from fr, verified by a person)*" in markdown
    assert machine.text not in markdown
    _, text = await asyncio.to_thread(read_pdf, files["pdf"].content, tmp_path)
    flat = " ".join(text.split())
    assert CORRECTED in flat, text
    assert "verified by a person" in flat, text
    with zipfile.ZipFile(io.BytesIO(files["csv"].content)) as bundle:
        [row] = csv.DictReader(io.StringIO(bundle.read("arguments.csv").decode()))
    assert (row["text"], row["original_text"], row["human_verified"]) == (
        CORRECTED, ARGUMENT, "True")

    # In French, the argument is its original; the English versions stay as they were.
    third, files = await version_files(api, cid, {"language": "fr"})
    assert (third["number"], third["language"]) == (3, "fr")
    served = the_argument(files["json"].json())
    assert (served["text"], served["language"], served["translated"]) == (ARGUMENT, "fr", False)
    assert "translation from" not in files["markdown"].text
    listed = await ok(api, "GET", f"/v1/consultations/{cid}/deliverables")
    assert [(v["number"], v["language"]) for v in listed["items"]] == [
        (1, "en"), (2, "en"), (3, "fr")]
    assert idea["id"] == document["recommendations"][0]["idea_id"]
    assert post["language"] == "fr"


async def test_a_language_the_consultation_has_not_is_refused(api: httpx.AsyncClient) -> None:
    consultation = await create_consultation(api)  # English and French
    for language, status in (("de", 422), ("not a language", 422)):
        reply = await api.post(f"/v1/consultations/{consultation['id']}/deliverables",
                               json={"step_after": "Votes", "language": language},
                               headers=STRATEGIST)
        assert reply.status_code == status, reply.text
        assert reply.headers["content-type"].startswith("application/problem+json")
        problem = reply.json()
        fields = {e["field"] for e in problem.get("errors", [])} | {problem.get("field")}
        assert "language" in fields, problem
    listed = await ok(api, "GET", f"/v1/consultations/{consultation['id']}/deliverables")
    assert listed["items"] == []


async def test_translations_are_asked_in_batches_of_the_rpcs_limit_of_the_current_revision(
    api: httpx.AsyncClient, stack: Stack,
) -> None:
    """501 posts ask two calls (one of 501 keys would be refused); a translation is used
    only for the revision the post is at."""
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    post = await ok(api, "POST", f"/v1/threads/{thread['id']}/posts", status=201,
                    headers=auth("ana"), json={"body": ARGUMENT, "language": "fr"})
    await translated(stack, post["id"], "en")
    client = Translations(stack.config.address("translation"))
    unknown = [Wanted(f"{n:024x}", "fr", 0) for n in range(500)]
    found = await client.into("en", [*unknown, Wanted(post["id"], "fr", 0)])
    assert list(found) == [post["id"]]
    assert found[post["id"]].machine
    assert await client.into("en", [Wanted(post["id"], "fr", 1)]) == {}  # an older text's
    assert await client.into("fr", [Wanted(post["id"], "fr", 0)]) == {}  # its own language


async def test_the_translation_service_down_leaves_the_originals() -> None:
    """Nothing listens at the address: no translation, no failure (the originals)."""
    down = Translations(f"127.0.0.1:{free_port()}")
    assert await down.into("en", [Wanted("a" * 24, "fr", 0)]) == {}
