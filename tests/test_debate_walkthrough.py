"""The issue's "done means": one consultation walked through its five phases over HTTP,
watched on its live stream."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.debate import MODERATOR, STRATEGIST, phased, post
from tests.gateway.test_live import Event, listen
from tests.helpers import auth

SYNTHESISER = auth("syn", "synthesiser")


async def advance(api: httpx.AsyncClient, consultation: dict[str, Any], to: str) -> None:
    reply = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                           json={"change": "advance"}, headers=STRATEGIST)
    assert reply.status_code == 200, reply.text
    assert reply.json()["current_phase"] == to


async def open_thread(api: httpx.AsyncClient, consultation: dict[str, Any],
                      headers: dict[str, str], **body: Any) -> dict[str, Any]:
    reply = await api.post(f"/v1/consultations/{consultation['id']}/threads", headers=headers,
                           json={"theme_id": consultation["themes"][0]["id"], **body})
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def test_a_consultation_through_its_five_phases(api: httpx.AsyncClient) -> None:
    consultation = await phased(api, "appropriation")
    assert consultation["question"] == "How will we work in 2035?"
    question = await open_thread(api, consultation, STRATEGIST, kind="survey_question",
                                 title="What worries you about work in 2035?")
    discussion_wont_open = await api.post(
        f"/v1/consultations/{consultation['id']}/threads", headers=auth("early"),
        json={"theme_id": consultation["themes"][0]["id"], "title": "Too soon"})
    assert discussion_wont_open.status_code == 409

    async with listen(api, consultation["id"], auth("watcher")) as stream:
        # 1. Appropriation: a survey answer, reacted to.
        answer = await post(api, question, "Losing my job to automation", account="ana")
        await api.put(f"/v1/posts/{answer['id']}/reaction", json={"kind": "like"},
                      headers=auth("ben"))

        # 2. Ideation: a post and a reply, reactions, a report and a hide.
        await advance(api, consultation, "ideation")
        sub_theme = consultation["themes"][0]["sub_themes"][0]
        thread = await open_thread(api, consultation, auth("ana"), title="Retraining",
                                   sub_theme_id=sub_theme["id"])
        assert thread["sub_theme_id"] == sub_theme["id"]
        idea = await post(api, thread, "Evening classes at the library", account="ana")
        reply = await post(api, thread, "Who would teach?", account="ben", parent_id=idea["id"])
        await api.put(f"/v1/posts/{idea['id']}/reaction", json={"kind": "like"},
                      headers=auth("ben"))
        await api.put(f"/v1/posts/{reply['id']}/reaction", json={"kind": "dont_understand"},
                      headers=auth("ana"))
        spam = await post(api, thread, "Buy cheap watches", account="spammer")
        reported = await api.post(f"/v1/posts/{spam['id']}/reports", json={"reason": "spam"},
                                  headers=auth("ana"))
        assert reported.status_code == 201
        hidden = await api.post(f"/v1/posts/{spam['id']}/moderation",
                                json={"action": "hide", "reason": "Advertising"},
                                headers=MODERATOR)
        assert hidden.json()["status"] == "hidden"

        # 3. Deepening: a two-column contribution on the retained idea.
        await advance(api, consultation, "deepening")
        deepening = await open_thread(api, consultation, SYNTHESISER, kind="two_column",
                                      title="Evening classes", idea_id=idea["id"])
        contribution = await post(api, deepening, "Cheap: the rooms exist", account="cara",
                                  column_id=deepening["columns"][0]["id"])
        assert contribution["column_id"] == deepening["columns"][0]["id"]
        late = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "late"},
                              headers=auth("ana"))
        assert late.status_code == 409

        # 4. Prioritisation and 5. deliverable: the voting and synthesis services' turn.
        await advance(api, consultation, "prioritisation")
        await advance(api, consultation, "deliverable")

        def walked(events: list[Event]) -> bool:
            phases = [e.data["current_phase"] for e in events
                      if e.type == "consultation.phase_changed"]
            return phases == ["ideation", "deepening", "prioritisation", "deliverable"]

        events = await stream.until(walked, within=30)

    seen = {e.type for e in events}
    assert {"post.created", "reaction.changed", "moderation.post_hidden"} <= seen
    streamed = [e.data["post"]["id"] for e in events if e.type == "post.created"]
    assert answer["id"] in streamed
    # The spam was visible when posted, so it may have streamed then; once hidden, the
    # stream says so and never carries its text again.
    hide_at = next(i for i, e in enumerate(events) if e.type == "moderation.post_hidden")
    assert events[hide_at].data["post_id"] == spam["id"]
    assert "Buy cheap" not in str(events[hide_at:])
    page = (await api.get(f"/v1/threads/{thread['id']}/posts")).json()["items"]
    shown = {p["id"]: p for p in page}
    assert shown[spam["id"]]["body"] == ""
    assert shown[idea["id"]]["reaction_counts"]["like"] == 1
    assert shown[reply["id"]]["parent_id"] == idea["id"]
    final = (await api.get(f"/v1/consultations/{consultation['id']}")).json()
    assert final["current_phase"] == "deliverable"
    # Four advances, each early: every phase still starts when the one before it ends.
    assert all(a["ends_at"] == b["starts_at"]
               for a, b in itertools.pairwise(final["phases"])), final["phases"]
    listed = (await api.get(f"/v1/consultations/{consultation['id']}/threads")).json()["items"]
    assert {t["id"]: t["post_count"] for t in listed}[thread["id"]] == 3
