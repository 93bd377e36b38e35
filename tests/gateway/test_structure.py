"""Consultation structure over HTTP: phases, the current phase, guards, adaptation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from google.protobuf.message import Message as ProtoMessage
from pymongo import AsyncMongoClient

from agora.v1 import debate_events_pb2, events_pb2
from tests.debate import (
    MODERATOR,
    OPERATOR,
    STRATEGIST,
    counts,
    events_of,
    phased,
    post,
    schedule,
    thread_in,
)
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]


async def test_a_consultation_carries_its_structure_and_current_phase(
    api: httpx.AsyncClient,
) -> None:
    consultation = await phased(api, "ideation")
    assert consultation["current_phase"] == "ideation"
    assert consultation["step_after"].startswith("The council")
    assert [p["kind"] for p in consultation["phases"]][:2] == ["appropriation", "ideation"]
    assert consultation["phases"][2]["modules"] == ["two_column"]
    assert all(len(t["sub_themes"]) == 2 for t in consultation["themes"])
    again = (await api.get(f"/v1/consultations/{consultation['id']}")).json()
    assert again == consultation


async def test_only_operators_create_consultations(api: httpx.AsyncClient, mongo: Mongo) -> None:
    before = await counts(mongo)
    reply = await api.post("/v1/consultations", headers=auth("pat"), json={
        "title": "t", "languages": ["en"], "themes": [{"title": "a"}]})
    assert_problem(reply, 403)
    assert await counts(mongo) == before


async def test_posting_outside_the_threads_phase_is_a_clear_conflict(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    ideation = await phased(api, "ideation")
    thread = await thread_in(api, ideation)
    # Move the consultation on to deepening: threads close.
    advanced = await api.post(f"/v1/consultations/{ideation['id']}/phase-changes",
                              json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["current_phase"] == "deepening"
    before = await counts(mongo)
    reply = await api.post(f"/v1/threads/{thread['id']}/posts", json={"body": "late"},
                           headers=auth("ana"))
    body = assert_problem(reply, 409)
    assert body["detail"] == "threads is not open in the deepening phase; it opens in ideation"
    assert await counts(mongo) == before


async def test_strategists_advance_extend_and_reopen_with_an_event_each(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "appropriation")
    url = f"/v1/consultations/{consultation['id']}/phase-changes"
    advanced = await api.post(url, json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.json()["current_phase"] == "ideation"
    far = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    extended = await api.post(url, json={"change": "extend", "phase": "ideation", "ends_at": far},
                              headers=STRATEGIST)
    assert extended.status_code == 200, extended.text
    ideation = extended.json()["phases"][1]
    assert ideation["ends_at"][:10] == far[:10]
    assert extended.json()["phases"][2]["starts_at"] >= ideation["ends_at"]
    reopened = await api.post(url, json={"change": "reopen", "phase": "appropriation",
                                         "ends_at": far}, headers=STRATEGIST)
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["current_phase"] == "appropriation"
    assert await events_of(mongo, consultation["id"], "consultation.phase_changed") == 3


@pytest.mark.parametrize(("headers", "payload", "status"), [
    (auth("ana"), {"change": "advance"}, 403),
    (MODERATOR, {"change": "advance"}, 403),
    (STRATEGIST, {"change": "jump"}, 422),
    (STRATEGIST, {"change": "extend", "phase": "ideation"}, 422),
    (STRATEGIST, {"change": "extend", "phase": "ideation", "ends_at": "2001-01-01T00:00:00Z"},
     422),
    (STRATEGIST, {"change": "extend", "phase": "ideation", "ends_at": "tomorrow"}, 422),
    (STRATEGIST, {"change": "extend", "phase": "ideation", "ends_at": "2030-01-01T00:00:00"},
     422),
])
async def test_bad_phase_changes_are_refused_and_change_nothing(
    api: httpx.AsyncClient, mongo: Mongo, headers: dict[str, str], payload: dict[str, Any],
    status: int,
) -> None:
    consultation = await phased(api, "ideation")
    before = await counts(mongo)
    reply = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                           json=payload, headers=headers)
    assert_problem(reply, status)
    assert await counts(mongo) == before
    unchanged = (await api.get(f"/v1/consultations/{consultation['id']}")).json()
    assert unchanged["phases"] == consultation["phases"]


async def test_advancing_past_the_last_phase_is_409(api: httpx.AsyncClient) -> None:
    consultation = await phased(api, "deliverable")
    reply = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                           json={"change": "advance"}, headers=STRATEGIST)
    assert_problem(reply, 409)


async def test_adapting_themes_and_phases_keeps_content(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    written = await post(api, thread)
    kept = consultation["themes"][0]
    structure = {
        "title": consultation["title"], "languages": consultation["languages"],
        "description": "Rewritten", "step_after": "Published in July.",
        "themes": [{"id": kept["id"], "title": "Renamed", "sub_themes": ["Sub 0.a", "New", "X"]},
                   {"title": "A new theme"}],
        "phases": schedule("ideation", days=14),
    }
    reply = await api.put(f"/v1/consultations/{consultation['id']}/structure", json=structure,
                          headers=STRATEGIST)
    assert reply.status_code == 200, reply.text
    adapted = reply.json()
    assert adapted["themes"][0]["id"] == kept["id"]
    assert adapted["themes"][0]["sub_themes"][0]["id"] == kept["sub_themes"][0]["id"]
    assert adapted["description"] == "Rewritten"
    assert (await api.get(f"/v1/posts/{written['id']}")).json()["body"] == written["body"]
    assert (await api.get(f"/v1/threads/{thread['id']}")).json()["theme_id"] == kept["id"]
    assert await events_of(mongo, consultation["id"], "consultation.updated") == 1

    before = await counts(mongo)
    dropped = await api.put(f"/v1/consultations/{consultation['id']}/structure",
                            json={**structure, "themes": [{"title": "Only this"}]},
                            headers=STRATEGIST)
    assert "has threads" in assert_problem(dropped, 409)["detail"]
    assert await counts(mongo) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"themes": [{"title": "a", "sub_themes": ["only one"]}]}, "themes.0.sub_themes"),
    ({"themes": [{"title": "a", "sub_themes": ["1", "2", "3", "4"]}]}, "themes.0.sub_themes"),
    ({"phases": list(reversed(schedule("ideation")))}, "phases"),
    ({"phases": [{"kind": "ideation", "starts_at": "2030-01-02T00:00:00Z",
                  "ends_at": "2030-01-01T00:00:00Z"}]}, "phases.0.ends_at"),
    ({"phases": [{"kind": "brainstorm", "starts_at": "2030-01-01T00:00:00Z",
                  "ends_at": "2030-01-02T00:00:00Z"}]}, "phases.0.kind"),
    ({"phases": [{"kind": "ideation", "starts_at": "2030-01-01T00:00:00Z",
                  "ends_at": "2030-01-02T00:00:00Z", "modules": ["karaoke"]}]},
     "phases.0.modules.0"),
    ({"themes": [{"title": "a", "id": "000000000000000000000000"}]}, "themes.0.id"),
    # Titles name themes in workshop CSVs: two alike would make a line ambiguous.
    ({"themes": [{"title": "Work"}, {"title": "Home"}, {"title": " work "}]},
     "themes.2.title"),
    ({"themes": [{"title": "a", "sub_themes": [{"title": "x", "id": "0" * 24},
                                               {"title": "y"}]}]}, "themes.0.sub_themes"),
    # A phase offers only its modules of the method: no token vote during ideation.
    ({"phases": [{"kind": "ideation", "starts_at": "2030-01-01T00:00:00Z",
                  "ends_at": "2030-01-02T00:00:00Z", "modules": ["token_vote"]}]},
     "phases.0.modules"),
    ({"question": "?" * 501}, "question"),
    ({"title": ""}, "title"),
    ({"languages": []}, "languages"),
])
async def test_bad_structures_are_refused_naming_the_field(
    api: httpx.AsyncClient, mongo: Mongo, change: dict[str, Any], field: str,
) -> None:
    consultation = await phased(api, "ideation")
    base = {"title": "t", "languages": ["en"], "themes": [{"title": "a"}]}
    before = await counts(mongo)
    created = await api.post("/v1/consultations", headers=OPERATOR, json={**base, **change})
    # A creation has no ids to keep: its schema refuses them outright (e.g. at
    # `themes.0.sub_themes.0`, a title expected), an adaptation checks them.
    body = assert_problem(created, 422)
    assert any(e["field"].startswith(field) for e in body["errors"]), body
    adapted = await api.put(f"/v1/consultations/{consultation['id']}/structure",
                            json={**base, **change}, headers=STRATEGIST)
    assert_problem(adapted, 422, field)
    assert await counts(mongo) == before


async def test_only_strategists_adapt(api: httpx.AsyncClient, mongo: Mongo) -> None:
    consultation = await phased(api, "ideation")
    before = await counts(mongo)
    reply = await api.put(f"/v1/consultations/{consultation['id']}/structure",
                          json={"title": "t", "languages": ["en"], "themes": [{"title": "mine"}]},
                          headers=MODERATOR)
    assert_problem(reply, 403)
    assert await counts(mongo) == before


def contiguous(consultation: dict[str, Any]) -> bool:
    """Each phase starts when the one before it ends."""
    dated = sorted(consultation["phases"], key=lambda p: p["starts_at"])
    return all(datetime.fromisoformat(a["ends_at"]) == datetime.fromisoformat(b["starts_at"])
               for a, b in itertools.pairwise(dated))


async def test_phase_changes_keep_the_calendar_without_holes(api: httpx.AsyncClient) -> None:
    """Advancing a week early used to move only the next phase, leaving a week of no phase
    before the one after; now the calendar moves as one, and so for extend and reopen."""
    consultation = await phased(api, "appropriation")
    assert contiguous(consultation)
    url = f"/v1/consultations/{consultation['id']}/phase-changes"
    advanced = (await api.post(url, json={"change": "advance"}, headers=STRATEGIST)).json()
    assert advanced["current_phase"] == "ideation"
    assert contiguous(advanced), advanced["phases"]
    ideation = advanced["phases"][1]
    assert (datetime.fromisoformat(ideation["ends_at"])
            - datetime.fromisoformat(ideation["starts_at"])) == timedelta(days=7)
    sooner = (datetime.fromisoformat(ideation["starts_at"]) + timedelta(days=2)).isoformat()
    shortened = await api.post(url, headers=STRATEGIST, json={
        "change": "extend", "phase": "ideation", "ends_at": sooner})
    assert shortened.status_code == 200, shortened.text
    assert contiguous(shortened.json()), shortened.json()["phases"]
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    reopened = await api.post(url, headers=STRATEGIST, json={
        "change": "reopen", "phase": "appropriation", "ends_at": later})
    assert reopened.json()["current_phase"] == "appropriation"
    # Ideation was interrupted: it resumes when appropriation ends, the rest after it.
    assert contiguous(reopened.json()), reopened.json()["phases"]

    in_deepening = await phased(api, "deepening")
    url = f"/v1/consultations/{in_deepening['id']}/phase-changes"
    ended = await api.post(url, headers=STRATEGIST, json={
        "change": "extend", "phase": "ideation", "ends_at": later})
    assert "reopen it" in assert_problem(ended, 409)["detail"]
    not_yet = await api.post(url, headers=STRATEGIST, json={
        "change": "reopen", "phase": "deliverable", "ends_at": later})
    assert "has not started yet" in assert_problem(not_yet, 409)["detail"]


async def test_the_question_title_and_languages_are_set_and_adapted(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    question = "What should work look like in our city in 2035?"
    created = await api.post("/v1/consultations", headers=OPERATOR, json={
        "title": "Work 2035", "question": f"  {question} ", "languages": ["en"],
        "themes": [{"title": "Skills"}]})
    assert created.status_code == 201, created.text
    consultation = created.json()
    assert consultation["question"] == question
    assert (await api.get(f"/v1/consultations/{consultation['id']}")).json()["question"] == question
    payload = await last_payload(mongo, consultation["id"], "consultation.created",
                                 events_pb2.ConsultationCreated())
    assert payload.question == question

    adapted = await api.put(f"/v1/consultations/{consultation['id']}/structure",
                            headers=STRATEGIST, json={
                                "title": "Work in 2035", "question": "How will we work?",
                                "languages": ["fr", "en", "de"],
                                "themes": [{"id": consultation["themes"][0]["id"],
                                            "title": "Skills"}]})
    assert adapted.status_code == 200, adapted.text
    assert {k: adapted.json()[k] for k in ("title", "question", "languages")} == {
        "title": "Work in 2035", "question": "How will we work?",
        "languages": ["fr", "en", "de"]}
    updated = await last_payload(mongo, consultation["id"], "consultation.updated",
                                 debate_events_pb2.PhaseChanged())
    assert (updated.title, updated.question, list(updated.languages)) == (
        "Work in 2035", "How will we work?", ["fr", "en", "de"])


async def test_a_language_posts_are_written_in_cannot_be_removed(
    api: httpx.AsyncClient, mongo: Mongo,
) -> None:
    consultation = await phased(api, "ideation")  # en, fr
    thread = await thread_in(api, consultation)
    await post(api, thread, "Des cours du soir", language="fr")
    url = f"/v1/consultations/{consultation['id']}/structure"
    structure = {"title": consultation["title"], "languages": ["en"],
                 "themes": [{"id": t["id"], "title": t["title"]} for t in consultation["themes"]],
                 "phases": schedule("ideation")}
    before = await counts(mongo)
    refused = await api.put(url, json=structure, headers=STRATEGIST)
    assert "posts are written in 'fr'" in assert_problem(refused, 409)["detail"]
    assert await counts(mongo) == before
    reordered = await api.put(url, json={**structure, "languages": ["fr", "en", "es"]},
                              headers=STRATEGIST)
    assert reordered.status_code == 200, reordered.text
    dropped_unused = await api.put(url, json={**structure, "languages": ["fr", "en"]},
                                   headers=STRATEGIST)
    assert dropped_unused.json()["languages"] == ["fr", "en"]


async def last_payload(mongo: Mongo, consultation_id: str, event_type: str,
                       payload: ProtoMessage) -> Any:
    """The payload of the latest event of that type in the threads service's outbox."""
    record = await mongo["agora_threads"]["outbox"].find_one(
        {"subject": f"agora.{consultation_id}.{event_type}"}, sort=[("created_at", -1)])
    assert record is not None
    data = record["data"]
    assert isinstance(data, bytes)
    envelope = events_pb2.EventEnvelope.FromString(data)
    envelope.payload.Unpack(payload)
    return payload
