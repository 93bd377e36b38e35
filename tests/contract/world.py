"""A small consultation with something behind every path parameter, for contract runs.

Schemathesis generates bodies and query strings; path parameters come from here, so
that its requests reach real threads, posts, columns and vote sessions instead of
stopping at a 404. Each run gets a world of its own, so one caller's destructive
requests (closing the vote, changing the access policy) never change another's.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx

Json = dict[str, Any]
OPERATOR = {"Authorization": "Bearer dev-world-op~operator"}
STRATEGIST = {"Authorization": "Bearer dev-world-strategist~strategist"}
AUTHOR = {"Authorization": "Bearer dev-world-author"}
CATCHER = {"Authorization": "Bearer dev-world-catcher~idea_catcher"}
SYNTHESISER = {"Authorization": "Bearer dev-world-writer~synthesiser"}


def _created(reply: httpx.Response) -> Json:
    assert reply.status_code in (200, 201), reply.text
    body: Json = reply.json()
    return body


def build(base_url: str) -> dict[str, str]:
    """Create the world; its ids by path parameter name."""
    with httpx.Client(base_url=base_url, timeout=30.0) as api:
        consultation = _created(api.post("/v1/consultations", headers=OPERATOR, json={
            "title": f"Contract {uuid.uuid4().hex[:8]}", "languages": ["en", "fr"],
            "themes": [{"title": "Mobility", "sub_themes": ["Bikes", "Buses"]},
                       {"title": "Housing"}]}))
        cid, theme = consultation["id"], consultation["themes"][0]["id"]
        thread = _created(api.post(f"/v1/consultations/{cid}/threads", headers=AUTHOR,
                                   json={"theme_id": theme, "title": "More bike lanes?"}))
        post = _created(api.post(f"/v1/threads/{thread['id']}/posts", headers=AUTHOR,
                                 json={"body": "Yes, *protected* ones.", "format": "markdown"}))
        _created(api.post(f"/v1/threads/{thread['id']}/posts", headers=AUTHOR,
                          json={"body": "Agreed", "parent_id": post["id"]}))
        deepening = _created(api.post(
            f"/v1/consultations/{cid}/threads", headers=STRATEGIST,
            json={"theme_id": theme, "title": "Car-free Sundays", "kind": "two_column",
                  "idea_id": "idea-1"}))
        session = _created(api.post(f"/v1/consultations/{cid}/vote-sessions", headers=STRATEGIST,
                                    json={"categories": [{"name": {"en": "Yes"},
                                                          "color": "#2e7d32",
                                                          "total_number": 5}],
                                          "proposals": [{"title": {"en": "Bike lanes"}},
                                                        {"title": {"en": "Buses"}}]}))
        _created(api.post(f"/v1/vote-sessions/{session['id']}/open", headers=STRATEGIST))
        idea = _created(api.post(f"/v1/consultations/{cid}/ideas", headers=CATCHER,
                                 json={"theme_id": theme, "title": "Protected bike lanes"}))
        extract = _created(api.post(f"/v1/consultations/{cid}/extracts", headers=CATCHER,
                                    json={"post_id": post["id"], "start": 5, "end": 16,
                                          "nature": "actionable_solution"}))
        synthesis = _created(api.post(f"/v1/consultations/{cid}/syntheses", headers=SYNTHESISER,
                                      json={"title": "What we heard"}))
        synthesis_url = f"/v1/consultations/{cid}/syntheses/{synthesis['id']}"
        _created(api.put(f"{synthesis_url}/draft", headers=SYNTHESISER, json={
            "paragraphs": [{"text": f"Bike lanes [idea:{idea['id']}]."}]}))
        version = _created(api.post(f"{synthesis_url}/versions", headers=SYNTHESISER))
        anchor = version["paragraphs"][0]["anchor"]
        contest = _created(api.post(
            f"{synthesis_url}/versions/1/paragraphs/{anchor}/contests", headers=AUTHOR,
            json={"body": "Buses matter too."}))
        job = api.post(f"/v1/consultations/{cid}/deliverables", headers=STRATEGIST,
                       json={"step_after": "The council votes on it."})
        assert job.status_code == 202, job.text
        for _ in range(600):  # a deliverable version for the file routes to read
            status = _created(api.get(job.headers["Location"], headers=STRATEGIST))
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert status["status"] == "done", status
        return {"consultation_id": cid, "thread_id": thread["id"], "post_id": post["id"],
                "column_id": deepening["columns"][0]["id"], "session_id": session["id"],
                "extract_id": extract["id"], "idea_id": idea["id"], "account_id": "me",
                "role": "moderator", "synthesis_id": synthesis["id"], "number": "1",
                "anchor": anchor, "contest_id": contest["id"], "job_id": job.json()["id"],
                "file_format": "pdf",
                # Two posts make no topic, so no suggestion: its routes answer 404 here
                # (tests/synthesis/test_topics.py decides real ones).
                "suggestion_id": "0" * 24,
                "target_kind": "thread", "target_id": thread["id"]}
