"""Done means (issue 10), over HTTP against the whole stack: posts are written, an idea
catcher harvests extracts into ideas, a post is edited (its extract re-anchors) and
another hidden (its extract shows it), two ideas are merged, a synthesis is published
twice with a diff, a participant contests a paragraph and the synthesiser answers, a vote
closes, and the deliverable's three formats are generated: the PDF rendered to PNG
(pdftoppm) and read (pdftotext) for its sections, the JSON validated against its
published schema, the CSV bundle opened, and every recommendation's provenance followed
down to a real post. A second generation survives the synthesis process being killed
mid-job: resumed, it yields exactly one version, and its idempotency key replays it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from pymongo import AsyncMongoClient

from devstack import processes
from devstack.stack import Stack
from tests.helpers import auth, eventually
from tests.synthesis.support import CATCHER, SYNTHESIS_DB, SYNTHESISER

Json = dict[str, Any]
Mongo = AsyncMongoClient[dict[str, object]]
STRATEGIST = auth("chief", "strategist")
MODERATOR = auth("mod", "moderator")
SECTIONS = ("The step after", "Participation", "Recommendations", "Vote results", "Synthesis")
STEP_AFTER = "The council votes on the recommendations in June."
BODIES = ("We need protected bike lanes and safe bike parking near stations.",
          "Buses should come every five minutes, my neighbour Jo Bloggs says.",
          "More trams would help the suburbs a lot.")


async def ok(api: httpx.AsyncClient, method: str, url: str, *, status: int = 200,
             **kwargs: Any) -> Json:
    reply = await api.request(method, url, **kwargs)
    assert reply.status_code == status, (method, url, reply.status_code, reply.text)
    body: Json = reply.json()
    return body


async def consultation_with_posts(api: httpx.AsyncClient) -> tuple[Json, list[Json]]:
    consultation = await ok(api, "POST", "/v1/consultations", status=201,
                            headers=auth("host", "operator"), json={
                                "title": "Streets for people", "languages": ["en"],
                                "question": "How should we share our streets?",
                                "step_after": STEP_AFTER, "themes": [{"title": "Mobility"}]})
    thread = await ok(api, "POST", f"/v1/consultations/{consultation['id']}/threads",
                      status=201, headers=auth("host"),
                      json={"theme_id": consultation["themes"][0]["id"], "title": "Streets"})
    posts = [await ok(api, "POST", f"/v1/threads/{thread['id']}/posts", status=201,
                      headers=auth(f"writer{i}"), json={"body": body})
             for i, body in enumerate(BODIES)]
    return consultation, posts


async def harvest(api: httpx.AsyncClient, consultation: Json, post: Json, passage: str,
                  idea: Json) -> Json:
    start = str(post["body"]).index(passage)
    return await ok(api, "POST", f"/v1/consultations/{consultation['id']}/extracts",
                    status=201, headers=CATCHER, json={
                        "post_id": post["id"], "start": start, "end": start + len(passage),
                        "nature": "actionable_solution", "idea_id": idea["id"]})


async def generate(api: httpx.AsyncClient, consultation_id: str,
                   **headers: str) -> httpx.Response:
    return await api.post(f"/v1/consultations/{consultation_id}/deliverables", json={},
                          headers={**STRATEGIST, **headers})


async def job_done(api: httpx.AsyncClient, location: str) -> Json:
    seen: list[int] = []

    async def status() -> Json:
        found = await ok(api, "GET", location, headers=STRATEGIST)
        seen.append(found["progress"])
        return found

    done = await eventually(status, lambda j: j["status"] in ("done", "failed"), within=120)
    assert done["status"] == "done", done
    assert done["progress"] == 100
    return done


def read_pdf(data: bytes, where: Path) -> tuple[list[bytes], str]:
    """The PDF's pages rendered to PNG (pdftoppm), and its text (pdftotext)."""
    pdf = where / "deliverable.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(where / "page")],
                   check=True, timeout=60)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout
    return [p.read_bytes() for p in sorted(where.glob("page*.png"))], text


async def deliverable_collections(mongo: Mongo) -> tuple[int, ...]:
    db = mongo[SYNTHESIS_DB]
    return tuple([await db[c].count_documents({}) for c in
                  ("deliverable_jobs", "deliverables", "deliverable_locks")])


async def closed_vote(api: httpx.AsyncClient, mongo: Mongo, consultation_id: str,
                      ideas: list[Json]) -> Json:
    session = await ok(api, "POST", f"/v1/consultations/{consultation_id}/vote-sessions",
                       status=201, headers=STRATEGIST, json={
                           "categories": [{"name": {"en": "Priority"}, "color": "#2e7d32",
                                           "total_number": 3}],
                           "proposals": [{"title": {"en": i["title"]}, "idea_id": i["id"]}
                                         for i in ideas]})
    await ok(api, "POST", f"/v1/vote-sessions/{session['id']}/open", headers=STRATEGIST)
    green = session["categories"][0]["id"]
    for voter, tokens in (("v1", (3, 0)), ("v2", (2, 1)), ("v3", (1, 2))):
        allocations = [{"proposal_id": p["id"], "category_id": green, "tokens": t}
                       for p, t in zip(session["proposals"], tokens, strict=True) if t]
        await ok(api, "PUT", f"/v1/vote-sessions/{session['id']}/ballot", headers=auth(voter),
                 json={"allocations": allocations})
    closing = await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=STRATEGIST)
    assert closing.status_code in (200, 202), closing.text

    async def read_model() -> Any:
        return await mongo[SYNTHESIS_DB]["vote_results"].find_one({"_id": session["id"]})

    await eventually(read_model, lambda found: found is not None, within=60)
    return session


async def test_a_consultation_from_posts_to_a_traceable_deliverable(
    api: httpx.AsyncClient, mongo: Mongo, tmp_path: Path,
) -> None:
    consultation, (bikes, buses, trams) = await consultation_with_posts(api)
    cid = consultation["id"]
    base = f"/v1/consultations/{cid}"

    async def idea(title: str) -> Json:
        return await ok(api, "POST", f"{base}/ideas", status=201, headers=CATCHER, json={
            "theme_id": consultation["themes"][0]["id"], "title": title})

    # An idea catcher harvests extracts into ideas.
    lanes, parking, frequent = (await idea("Protected bike lanes"), await idea("Bike parking"),
                                await idea("Frequent buses"))
    e_lanes = await harvest(api, consultation, bikes, "protected bike lanes", lanes)
    e_parking = await harvest(api, consultation, bikes, "safe bike parking", parking)
    e_buses = await harvest(api, consultation, buses, "Buses should come every five minutes",
                            frequent)
    e_trams = await harvest(api, consultation, trams, "More trams", lanes)

    # A post is edited: its extract re-anchors on the new text.
    edited = "Honestly: more trams would help the suburbs a lot. More trams, please."
    await ok(api, "PATCH", f"/v1/posts/{trams['id']}", headers=auth("writer2"),
             json={"body": "Honestly: " + BODIES[2] + " More trams, please."})
    moved = await eventually(lambda: ok(api, "GET", f"{base}/extracts/{e_trams['id']}"),
                             lambda e: e["post_revision"] == 1)
    position = next(s for s in moved["selectors"] if s["type"] == "TextPositionSelector")
    assert moved["state"] == "anchored"
    assert ("Honestly: " + BODIES[2] + " More trams, please.")[
        position["start"]:position["end"]] == "More trams" != edited[:0]

    # Another is hidden: its extract shows it and withholds its quote.
    await ok(api, "POST", f"/v1/posts/{buses['id']}/moderation", headers=MODERATOR,
             json={"action": "hide", "reason": "personal data"})
    hidden = await eventually(lambda: ok(api, "GET", f"{base}/extracts/{e_buses['id']}"),
                              lambda e: e["post_status"] == "hidden")
    assert hidden["quote_withheld"] is True

    # Two ideas are merged: the extract moves, the merged id redirects.
    merged = await ok(api, "POST", f"{base}/ideas/{parking['id']}/merge", headers=CATCHER,
                      json={"into_id": lanes["id"]})
    assert (merged["id"], merged["counts"]["extracts"]) == (lanes["id"], 3)

    # Retained for deepening: the idea's two-column thread gets an argument per column.
    retained = await ok(api, "PUT", f"{base}/ideas/{lanes['id']}/status", headers=SYNTHESISER,
                        json={"status": "retained", "open_deepening": True})
    await ok(api, "PUT", f"{base}/ideas/{frequent['id']}/status", headers=SYNTHESISER,
             json={"status": "retained"})
    deepening = await ok(api, "GET", f"/v1/threads/{retained['thread_id']}")
    arguments = [await ok(api, "POST", f"/v1/threads/{deepening['id']}/posts", status=201,
                          headers=auth(f"arguer{i}"),
                          json={"body": text, "column_id": column["id"]})
                 for i, (column, text) in enumerate(zip(
                     deepening["columns"], ("Safer for children.", "Fewer parking spaces."),
                     strict=False))]

    # A synthesis published twice, with a diff; a contest answered.
    synthesis = await ok(api, "POST", f"{base}/syntheses", status=201, headers=SYNTHESISER,
                         json={"title": "What we heard"})
    s_url = f"{base}/syntheses/{synthesis['id']}"
    await ok(api, "PUT", f"{s_url}/draft", headers=SYNTHESISER, json={"paragraphs": [
        {"text": f"People want bike lanes [idea:{lanes['id']}]."}]})
    first = await ok(api, "POST", f"{s_url}/versions", status=201, headers=SYNTHESISER)
    anchor = first["paragraphs"][0]["anchor"]
    await ok(api, "PUT", f"{s_url}/draft", headers=SYNTHESISER, json={"paragraphs": [
        {"anchor": anchor, "text": f"People want protected bike lanes [idea:{lanes['id']}], "
                                   f"quoting [extract:{e_lanes['id']}]."}]})
    await ok(api, "POST", f"{s_url}/versions", status=201, headers=SYNTHESISER)
    diff = await ok(api, "GET", f"{s_url}/diff", params={"from": 1, "to": 2})
    assert [c["change"] for c in diff["changes"]] == ["changed"]
    contest = await ok(api, "POST", f"{s_url}/versions/2/paragraphs/{anchor}/contests",
                       status=201, headers=auth("pat"), json={"body": "And buses?"})
    answered = await ok(api, "POST", f"{base}/contests/{contest['id']}/answers",
                        headers=SYNTHESISER, json={"body": "They are in the vote."})
    assert answered["status"] == "answered"

    # A vote closes.
    session = await closed_vote(api, mongo, cid, [lanes, frequent])

    # The deliverable: only strategists generate it; twice at once is 409, nothing written.
    assert (await generate(api, cid, **auth("pat"))).status_code == 403
    started = await generate(api, cid)
    assert started.status_code == 202, started.text
    before = await deliverable_collections(mongo)
    twice = await generate(api, cid)
    assert twice.status_code == 409, twice.text
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert await deliverable_collections(mongo) == before
    done = await job_done(api, started.headers["Location"])
    assert done["version"] == 1

    # Every admitted reader (here anonymous) reads the version and its files.
    version = await ok(api, "GET", f"{base}/deliverables/1")
    assert {f["format"] for f in version["files"]} == {"markdown", "pdf", "json", "csv"}
    assert version["step_after"] == STEP_AFTER
    assert version["recommendations"] == 2
    files = {f["format"]: await api.get(f["url"]) for f in version["files"]}
    assert all(reply.status_code == 200 for reply in files.values())

    markdown = files["markdown"].text
    assert all(f"## {section}" in markdown for section in SECTIONS)
    assert "Jo Bloggs" not in markdown  # the hidden post's words stay hidden

    pngs, text = await asyncio.to_thread(read_pdf, files["pdf"].content, tmp_path)
    assert pngs
    assert all(png[:8] == b"\x89PNG\r\n\x1a\n" for png in pngs)
    assert all(section in text for section in SECTIONS), text
    assert "Protected bike lanes" in text
    assert STEP_AFTER in " ".join(text.split())
    assert "Jo Bloggs" not in text

    schema = await ok(api, "GET", "/v1/schemas/deliverable.json")
    document = files["json"].json()
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["synthesis"]["version"] == 2
    assert document["participation"]["contributions"] >= 3
    assert document["participation"]["ballots"] == 3

    with zipfile.ZipFile(io.BytesIO(files["csv"].content)) as bundle:
        tables = {name: list(csv.DictReader(io.StringIO(bundle.read(name).decode())))
                  for name in bundle.namelist()}
    assert {r["idea_id"] for r in tables["recommendations.csv"]} == {lanes["id"], frequent["id"]}
    assert len(tables["extracts.csv"]) == 4

    # Every recommendation's provenance, followed down to a real post.
    by_idea = {r["idea_id"]: r for r in document["recommendations"]}
    assert {e["extract_id"] for e in by_idea[lanes["id"]]["extracts"]} == {
        e_lanes["id"], e_parking["id"], e_trams["id"]}
    assert by_idea[lanes["id"]]["merged_from"] == [parking["id"]]
    [withheld] = by_idea[frequent["id"]]["extracts"]
    assert (withheld["quote"], withheld["post_status"]) == (None, "hidden")
    posts = {p["id"] for p in (bikes, buses, trams, *arguments)}
    for r in document["recommendations"]:
        assert (await ok(api, "GET", r["url"]))["id"] == r["idea_id"]
        assert r["extracts"]
        assert r["votes"]
        for e in r["extracts"]:
            extract = await ok(api, "GET", e["url"])
            post = await ok(api, "GET", e["post_url"])
            assert extract["post_id"] == post["id"] == e["post_id"]
            assert post["id"] in posts
        for column in r["arguments"]:
            await ok(api, "GET", column["thread_url"])
            for a in column["posts"]:
                assert (await ok(api, "GET", a["url"]))["id"] == a["post_id"]
        for v in r["votes"]:
            results = await ok(api, "GET", v["url"])
            assert results["session_id"] == session["id"] == v["session_id"]
            assert sum(t["tokens"] for t in v["tallies"]) > 0
    argued = [a["post_id"] for c in by_idea[lanes["id"]]["arguments"] for a in c["posts"]]
    assert sorted(argued) == sorted(a["id"] for a in arguments)


async def test_a_generation_survives_its_process_being_killed_and_replays_by_key(
    api: httpx.AsyncClient, mongo: Mongo, stack: Stack,
) -> None:
    consultation, (bikes, _, _) = await consultation_with_posts(api)
    cid = consultation["id"]
    idea = await ok(api, "POST", f"/v1/consultations/{cid}/ideas", status=201,
                    headers=CATCHER,
                    json={"theme_id": consultation["themes"][0]["id"], "title": "Bike lanes"})
    await harvest(api, consultation, bikes, "protected bike lanes", idea)
    await ok(api, "PUT", f"/v1/consultations/{cid}/ideas/{idea['id']}/status",
             headers=SYNTHESISER, json={"status": "retained"})
    jobs = mongo[SYNTHESIS_DB]["deliverable_jobs"]
    key = {"Idempotency-Key": f"deliverable-{cid}"}
    started = await generate(api, cid, **key)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    for _ in range(1000):  # kill the process as soon as it works on the job
        stored = await jobs.find_one({"_id": job_id})
        if stored is not None and stored["status"] == "running":
            break
        await asyncio.sleep(0.005)
    synthesis = stack.children["synthesis"]
    synthesis.kill()
    try:
        stored = await jobs.find_one({"_id": job_id})
        assert stored is not None
        assert stored["status"] in ("queued", "running"), stored
        restarted = stack.start_service("synthesis")
        processes.wait_serving(restarted, stack.config.address("synthesis"), 60)
    except BaseException:
        stack.start_service("synthesis")
        raise
    done = await job_done(api, started.headers["Location"])
    assert done["attempts"] >= 1
    assert done["version"] == 1
    versions = await mongo[SYNTHESIS_DB]["deliverables"].find({"consultation_id": cid}) \
        .to_list()
    assert [v["job_id"] for v in versions] == [job_id]
    replayed = await generate(api, cid, **key)
    assert replayed.status_code == 202
    assert replayed.json()["id"] == job_id
    assert replayed.json()["status"] == "done"
    await asyncio.sleep(1.5)  # a resumed job would have written a version by now
    assert await mongo[SYNTHESIS_DB]["deliverables"].count_documents(
        {"consultation_id": cid}) == 1
    document = json.loads((await api.get(
        f"/v1/consultations/{cid}/deliverables/1/json")).content)
    assert [r["idea_id"] for r in document["recommendations"]] == [idea["id"]]
