"""Workshop import over HTTP: all or nothing, every bad line reported."""

from __future__ import annotations

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import MODERATOR, counts, events_of, phased
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]


async def test_a_workshop_becomes_marked_posts_in_workshop_threads(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    theme0, theme1 = consultation["themes"][0], consultation["themes"][1]
    content = ("theme,text,author\n"
               f"{theme0['title']},\"More apprenticeships, for adults too\",Table 1\n"
               f"{theme1['id']},Four-day week pilots,\n"
               f"theme 0,<script>alert(1)</script> night classes,Table 3\n")
    reply = await api.post(f"/v1/consultations/{consultation['id']}/workshop-imports",
                           json={"workshop": "Town hall, 12 May", "csv": content},
                           headers=MODERATOR)
    assert reply.status_code == 201, reply.text
    result = reply.json()
    assert result["imported"] == 3
    assert len(result["thread_ids"]) == 2
    page = (await api.get(f"/v1/threads/{result['thread_ids'][0]}/posts")).json()["items"]
    assert [(p["body"], p["author_label"]) for p in page] == [
        ("More apprenticeships, for adults too", "Table 1"),
        ("<script>alert(1)</script> night classes", "Table 3")]
    assert all(p["workshop"] == "Town hall, 12 May" for p in page)
    assert "<script" not in page[1]["body_html"]
    assert await events_of(mongo, consultation["id"], "post.created") == 3
    assert await events_of(mongo, consultation["id"], "workshop.imported") == 1


async def test_an_excel_export_imports_as_written(api: httpx.AsyncClient) -> None:
    """Excel in many locales saves "CSV UTF-8" with a byte-order mark, `;` between cells,
    CRLF line ends, and quotes only where a cell needs them."""
    consultation = await phased(api, "ideation")
    title = consultation["themes"][0]["title"]
    content = ("\ufefftheme;text;author\r\n"
               f"{title};\"Cheaper transport; and nights, too\";Table 1\r\n"
               f"{title};\"She said \"\"yes\"\"\";\r\n")
    reply = await api.post(f"/v1/consultations/{consultation['id']}/workshop-imports",
                           json={"workshop": "Excel", "csv": content}, headers=MODERATOR)
    assert reply.status_code == 201, reply.text
    (thread_id,) = reply.json()["thread_ids"]
    page = (await api.get(f"/v1/threads/{thread_id}/posts")).json()["items"]
    assert [(p["body"], p["author_label"]) for p in page] == [
        ("Cheaper transport; and nights, too", "Table 1"), ('She said "yes"', None)]


async def test_a_retried_import_is_imported_once(api: httpx.AsyncClient, mongo: Mongo) -> None:
    """The same Idempotency-Key twice (a timeout, a double click): one import, the same
    answer; the key reused for another file is refused with nothing written."""
    consultation = await phased(api, "ideation")
    url = f"/v1/consultations/{consultation['id']}/workshop-imports"
    title = consultation["themes"][0]["title"]
    body = {"workshop": "Library, 3 June", "csv": f"theme,text\n{title},Evening classes\n"}
    headers = {**MODERATOR, "Idempotency-Key": "library-import-1"}
    first = await api.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    before = await counts(mongo)
    again = await api.post(url, json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    other = await api.post(url, json={**body, "csv": f"theme,text\n{title},Something else\n"},
                           headers=headers)
    assert_problem(other, 422)
    assert await counts(mongo) == before
    assert await events_of(mongo, consultation["id"], "post.created") == 1


async def test_one_bad_line_imports_nothing_and_every_bad_line_is_named(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    title = consultation["themes"][0]["title"]
    content = (f"theme,text\n{title},fine\nNo such theme,lost\n{title},\n"
               f"{title},{'x' * 10_001}\n{title},a,b,c\n{title},also fine\n")
    before = await counts(mongo)
    reply = await api.post(f"/v1/consultations/{consultation['id']}/workshop-imports",
                           json={"workshop": "W", "csv": content}, headers=MODERATOR)
    body = assert_problem(reply, 422)
    assert [e["field"] for e in body["errors"]] == [
        "csv.line.3", "csv.line.4", "csv.line.5", "csv.line.6"]
    assert "unknown theme" in body["errors"][0]["message"]
    assert await counts(mongo) == before


@pytest.mark.parametrize(("headers", "payload", "status"), [
    (auth("ana"), {"workshop": "W", "csv": "theme,text\nTheme 0,x\n"}, 403),
    (MODERATOR, {"workshop": "W", "csv": "text,theme\nx,Theme 0\n"}, 422),
    (MODERATOR, {"workshop": "W", "csv": "theme,text\n"}, 422),
    (MODERATOR, {"workshop": "", "csv": "theme,text\nTheme 0,x\n"}, 422),
    (MODERATOR, {"csv": "theme,text\nTheme 0,x\n"}, 422),
])
async def test_bad_imports_are_refused(
    api: httpx.AsyncClient, mongo: Mongo, headers: dict[str, str], payload: dict[str, str],
    status: int,
) -> None:
    consultation = await phased(api, "ideation")
    before = await counts(mongo)
    reply = await api.post(f"/v1/consultations/{consultation['id']}/workshop-imports",
                           json=payload, headers=headers)
    assert_problem(reply, status)
    assert await counts(mongo) == before
