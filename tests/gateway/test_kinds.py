"""Survey questions (answers are posts) and two-column deepening, over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import STRATEGIST, author_key, counts, events_of, phased, post
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]
SYNTHESISER = auth("syn", "synthesiser")


async def open_thread(api: httpx.AsyncClient, consultation: dict[str, Any],
                      headers: dict[str, str], **body: Any) -> httpx.Response:
    return await api.post(f"/v1/consultations/{consultation['id']}/threads", headers=headers,
                          json={"theme_id": consultation["themes"][1]["id"], **body})


async def test_survey_answers_are_posts_with_reactions_and_counts(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "appropriation")
    asked = await open_thread(api, consultation, STRATEGIST, kind="survey_question",
                              title="What would make your work better?")
    assert asked.status_code == 201, asked.text
    question = asked.json()
    assert question["kind"] == "survey_question"
    answer = await post(api, question, "Shorter commutes")
    await post(api, question, "Better tools", account="ben")
    liked = await api.put(f"/v1/posts/{answer['id']}/reaction", json={"kind": "like"},
                          headers=auth("ben"))
    assert liked.json()["counts"]["like"] == 1
    listed = (await api.get(f"/v1/consultations/{consultation['id']}/threads",
                            params={"kind": "survey_question"})).json()["items"]
    assert [(q["title"], q["post_count"]) for q in listed] == [(question["title"], 2)]


async def test_survey_questions_need_a_strategist_and_close_after_appropriation(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    before = await counts(mongo)
    refused = await open_thread(api, consultation, auth("ana"), kind="survey_question",
                                title="Mine?")
    assert_problem(refused, 403)
    assert await counts(mongo) == before
    question = (await open_thread(api, consultation, STRATEGIST, kind="survey_question",
                                  title="Late question")).json()
    before = await counts(mongo)
    late = await api.post(f"/v1/threads/{question['id']}/posts", json={"body": "x"},
                          headers=auth("ana"))
    assert "survey is not open in the ideation phase" in assert_problem(late, 409)["detail"]
    assert await counts(mongo) == before


async def test_two_column_contributions_replies_and_summaries(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "deepening")
    opened = await open_thread(api, consultation, SYNTHESISER, kind="two_column",
                               title="Evening classes at the library", idea_id="idea-42")
    assert opened.status_code == 201, opened.text
    deepening = opened.json()
    advantages, drawbacks = deepening["columns"]
    assert (advantages["label"], drawbacks["label"]) == ("Advantages", "Drawbacks")
    pro = await post(api, deepening, "Free and close to home", column_id=advantages["id"])
    con = await post(api, deepening, "Librarians are overworked", account="lib",
                     column_id=drawbacks["id"])
    reply = await post(api, deepening, "Volunteers could help", account="vol",
                       parent_id=con["id"])
    assert (pro["column_id"], reply["column_id"]) == (advantages["id"], drawbacks["id"])
    summary_url = f"/v1/threads/{deepening['id']}/columns/{drawbacks['id']}/summary"
    assert_problem(await api.put(summary_url, json={"summary": "x"}, headers=STRATEGIST), 403)
    written = await api.put(summary_url, json={"summary": "Staffing is the risk."},
                            headers=SYNTHESISER)
    assert written.status_code == 200, written.text
    column = written.json()["columns"][1]
    assert (column["summary"], column["summary_by_key"]) == (
        "Staffing is the risk.", await author_key(api, consultation["id"], SYNTHESISER))
    assert await events_of(mongo, consultation["id"], "deepening.summary_written") == 1


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"body": "no column"}, 422, "column_id"),
    ({"body": "x", "column_id": "000000000000000000000000"}, 404, None),
    ({"body": "x", "column_id": "bad"}, 422, "column_id"),
])
async def test_bad_two_column_contributions(
    api: httpx.AsyncClient, mongo: Mongo, body: dict[str, Any], status: int, field: str | None,
) -> None:
    consultation = await phased(api, "deepening")
    deepening = (await open_thread(api, consultation, STRATEGIST, kind="two_column",
                                   title="Idea", idea_id="i1",
                                   columns=["Strengths", "Weaknesses", "Unknowns"])).json()
    assert len(deepening["columns"]) == 3
    before = await counts(mongo)
    reply = await api.post(f"/v1/threads/{deepening['id']}/posts", json=body,
                           headers=auth("ana"))
    assert_problem(reply, status, field)
    assert await counts(mongo) == before


async def test_a_two_column_contribution_outside_deepening_is_refused(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    deepening = (await open_thread(api, consultation, STRATEGIST, kind="two_column",
                                   title="Prepared early", idea_id="i2")).json()
    before = await counts(mongo)
    reply = await api.post(f"/v1/threads/{deepening['id']}/posts",
                           json={"body": "too early", "column_id": deepening["columns"][0]["id"]},
                           headers=auth("ana"))
    body = assert_problem(reply, 409)
    assert body["detail"] == "two_column is not open in the ideation phase; it opens in deepening"
    assert await counts(mongo) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "two_column", "title": "t"}, "idea_id"),
    ({"kind": "two_column", "title": "t", "idea_id": "i", "columns": ["only"]}, "column_labels"),
    ({"kind": "two_column", "title": "t", "idea_id": "i", "columns": ["a", "a"]},
     "column_labels"),
    ({"kind": "discussion", "title": "t", "idea_id": "i"}, "idea_id"),
    ({"kind": "poll", "title": "t"}, "kind"),
])
async def test_bad_threads_are_refused(
    api: httpx.AsyncClient, mongo: Mongo, body: dict[str, Any], field: str,
) -> None:
    consultation = await phased(api, "ideation")
    before = await counts(mongo)
    assert_problem(await open_thread(api, consultation, STRATEGIST, **body), 422, field)
    assert await counts(mongo) == before
