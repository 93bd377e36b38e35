"""Harvesting over HTTP: extracts anchored on posts, kept true to them through edits,
moderation and erasure, and every bad selection refused without a trace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.debate import MODERATOR
from tests.helpers import auth, create_consultation, create_thread, eventually
from tests.identity.support import PASSWORD, new_account
from tests.synthesis.support import (
    CATCHER,
    SYNTHESIS_DB,
    SYNTHESISER,
    counts,
    debate,
    extracts_url,
    file_extract,
    quote,
)

Mongo = AsyncMongoClient[dict[str, object]]
BODY = ("We should build protected bike lanes on every arterial road. "
        "Buses need their own lanes too.")


async def test_an_idea_catcher_files_an_extract_anchored_on_the_original_text(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation, (post,) = await debate(api, BODY)
    filed = await file_extract(api, consultation, post, "protected bike lanes")
    assert filed.status_code == 201, filed.text
    extract = filed.json()
    assert filed.headers["Location"] == f"{extracts_url(consultation)}/{extract['id']}"
    start = BODY.index("protected bike lanes")
    assert extract["selectors"] == [
        {"type": "TextQuoteSelector", "exact": "protected bike lanes",
         "prefix": BODY[:start], "suffix": BODY[start + 20:start + 52]},
        {"type": "TextPositionSelector", "start": start, "end": start + 20}]
    assert (extract["state"], extract["post_status"], extract["nature"]) == (
        "anchored", "visible", "actionable_solution")
    assert extract["language"] == post["language"]
    read = await api.get(f"{extracts_url(consultation)}/{extract['id']}")
    assert read.status_code == 200
    assert read.json() == extract
    listed = await api.get(extracts_url(consultation), params={"post_id": post["id"]})
    assert [e["id"] for e in listed.json()["items"]] == [extract["id"]]
    stored = await mongo[SYNTHESIS_DB]["outbox"].count_documents(
        {"subject": f"agora.{consultation['id']}.extract.filed"})
    assert stored == 1
    by_synthesiser = await file_extract(api, consultation, post, "Buses", nature="issue",
                                        headers=SYNTHESISER)
    assert by_synthesiser.status_code == 201, by_synthesiser.text


async def test_participants_may_not_harvest(api: httpx.AsyncClient, mongo: Mongo) -> None:
    consultation, (post,) = await debate(api, BODY)
    before = await counts(mongo)
    refused = await file_extract(api, consultation, post, "bike", headers=auth("pat"))
    assert refused.status_code == 403, refused.text
    assert await counts(mongo) == before


async def test_bad_selections_are_refused_and_nothing_is_written(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation, (post, hidden) = await debate(api, BODY, "Hide me, please.")
    other, (elsewhere,) = await debate(api, "A post of another consultation.")
    moderated = await api.post(f"/v1/posts/{hidden['id']}/moderation", headers=MODERATOR,
                               json={"action": "hide", "reason": "off topic"})
    assert moderated.status_code == 200, moderated.text
    url = extracts_url(consultation)

    def body(**change: Any) -> dict[str, Any]:
        return {"post_id": post["id"], "start": 0, "end": 5, "nature": "issue", **change}

    cases: list[tuple[dict[str, Any], int, str]] = [
        (body(end=len(BODY) + 1), 422, "end"),          # outside the text
        (body(start=len(BODY) + 3, end=len(BODY) + 9), 422, "start"),
        (body(start=-1), 422, "start"),
        (body(start=5, end=5), 422, "end"),             # empty
        (body(start=9, end=3), 422, "end"),
        (body(start=BODY.index(". ") + 1, end=BODY.index(". ") + 2), 422, "start"),  # blank
        (body(nature="opinion"), 422, "nature"),        # unknown nature
        (body(post_id=elsewhere["id"]), 422, "post_id"),  # another consultation's post
        (body(post_id=hidden["id"]), 409, "post_id"),   # a hidden post
        (body(post_id="0" * 24), 404, "post_id"),
    ]
    before = await counts(mongo)
    for request, status, field in cases:
        reply = await api.post(url, json=request, headers=CATCHER)
        assert reply.status_code == status, (request, reply.text)
        assert reply.headers["content-type"].startswith("application/problem+json")
        problem = reply.json()
        if status == 422:  # only validation problems name fields (problems.py)
            assert field in [e["field"] for e in problem["errors"]], (request, problem)
        else:
            assert request[field] in problem["detail"], (request, problem)
    assert await counts(mongo) == before
    assert other["id"] != consultation["id"]


async def test_an_edit_reanchors_the_extract_or_orphans_it_until_reanchored(
    api: httpx.AsyncClient,
) -> None:
    consultation, (post,) = await debate(api, BODY)
    kept = (await file_extract(api, consultation, post, "protected bike lanes")).json()
    gone = (await file_extract(api, consultation, post, "Buses need their own lanes",
                               nature="issue")).json()
    edited_body = ("Honestly, we should build protected bike lanes on every road. "
                   "Trams deserve priority at every junction.")
    edited = await api.patch(f"/v1/posts/{post['id']}", json={"body": edited_body},
                             headers=auth("ana"))
    assert edited.status_code == 200, edited.text

    async def read(extract: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = (
            await api.get(f"{extracts_url(consultation)}/{extract['id']}")).json()
        return found

    moved = await eventually(lambda: read(kept), lambda e: e["post_revision"] == 1)
    assert moved["state"] == "anchored"
    position = next(s for s in moved["selectors"] if s["type"] == "TextPositionSelector")
    assert edited_body[position["start"]:position["end"]] == "protected bike lanes"
    orphan = await eventually(lambda: read(gone), lambda e: e["post_revision"] == 1)
    assert orphan["state"] == "orphaned"
    assert quote(orphan) == "Buses need their own lanes"  # the words it had, still listed
    listed = (await api.get(extracts_url(consultation))).json()["items"]
    assert {e["id"] for e in listed} == {kept["id"], gone["id"]}

    start = edited_body.index("Trams deserve priority")
    anchor_url = f"{extracts_url(consultation)}/{gone['id']}/anchor"
    refused = await api.put(anchor_url, json={"start": start, "end": start + 3},
                            headers=auth("pat"))
    assert refused.status_code == 403
    outside = await api.put(anchor_url, json={"start": start, "end": len(edited_body) + 1},
                            headers=CATCHER)
    assert outside.status_code == 422, outside.text
    assert (await read(gone))["state"] == "orphaned"
    again = await api.put(anchor_url, json={"start": start, "end": start + 22},
                          headers=CATCHER)
    assert again.status_code == 200, again.text
    assert (again.json()["state"], quote(again.json())) == ("anchored",
                                                            "Trams deserve priority")


async def test_a_hidden_posts_extract_shows_it_and_withholds_its_quote(
    api: httpx.AsyncClient,
) -> None:
    consultation, (post,) = await debate(api, BODY)
    extract = (await file_extract(api, consultation, post, "protected bike lanes")).json()
    url = f"{extracts_url(consultation)}/{extract['id']}"
    hidden = await api.post(f"/v1/posts/{post['id']}/moderation", headers=MODERATOR,
                            json={"action": "hide", "reason": "personal data"})
    assert hidden.status_code == 200, hidden.text

    async def anonymous() -> dict[str, Any]:
        found: dict[str, Any] = (await api.get(url)).json()
        return found

    seen = await eventually(anonymous, lambda e: e["post_status"] == "hidden")
    assert (seen["quote_withheld"], seen["selectors"]) == (True, [])
    assert "protected" not in (await api.get(extracts_url(consultation))).text
    assert quote((await api.get(url, headers=MODERATOR)).json()) == "protected bike lanes"
    assert quote((await api.get(url, headers=auth("ana"))).json()) == "protected bike lanes"
    restored = await api.post(f"/v1/posts/{post['id']}/moderation", headers=MODERATOR,
                              json={"action": "restore"})
    assert restored.status_code == 200, restored.text
    back = await eventually(anonymous, lambda e: e["post_status"] == "visible")
    assert quote(back) == "protected bike lanes"


async def test_an_erased_authors_extract_shows_it(
    api: httpx.AsyncClient, work_dir: Path,
) -> None:
    user = await new_account(api, work_dir / "mail")
    consultation = await create_consultation(api)
    thread = await create_thread(api, consultation)
    posted = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": BODY},
                            headers=user.headers)
    assert posted.status_code == 201, posted.text
    extract = (await file_extract(api, consultation, posted.json(), "bike lanes")).json()
    assert extract["author_erased"] is False
    erased = await api.post("/v1/accounts/me/erasure", json={"password": PASSWORD},
                            headers=user.headers)
    assert erased.status_code == 204, erased.text
    url = f"{extracts_url(consultation)}/{extract['id']}"

    async def read() -> dict[str, Any]:
        found: dict[str, Any] = (await api.get(url)).json()
        return found

    seen = await eventually(read, lambda e: e["author_erased"])
    assert quote(seen) == "bike lanes"  # the content stays, as the post's does
