"""Reactions through the gateway become opinion groups: the synthesis service's reaction
consumer marks the consultation's map due and its background job recomputes it."""

from __future__ import annotations

from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.helpers import auth, eventually
from tests.synthesis.support import SYNTHESIS_DB, debate


async def test_two_camps_of_reactions_make_two_groups(
        api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    consultation, posts = await debate(api, "More buses", "Fewer cars", "Wider pavements",
                                       "Cheaper parking")
    for u in range(10):
        for j, post in enumerate(posts):
            kind = "like" if (u % 2) == (j % 2) else "disagree"
            reacted = await api.put(f"/v1/posts/{post['id']}/reaction", json={"kind": kind},
                                    headers=auth(f"voter{u}"))
            assert reacted.status_code == 200, reacted.text
    maps = mongo[SYNTHESIS_DB]["opinion_maps"]

    async def stored() -> dict[str, Any]:
        doc = await maps.find_one({"_id": consultation["id"]}) or {}
        result: dict[str, Any] = doc.get("result") or {}
        return result

    def complete(r: dict[str, Any]) -> bool:
        return sum(p["group"] is not None for p in r.get("participants", [])) == 10

    result = await eventually(stored, complete, within=90.0, interval=0.5)
    assert sorted(g["size"] for g in result["groups"]) == [5, 5]
    ids = {p["id"] for p in posts}
    for group in result["groups"]:
        assert {s["post_id"] for s in group["representative"]} <= ids
        assert group["representative"]
    assert {p["key"] for p in result["participants"]}.isdisjoint(
        {f"voter{u}" for u in range(10)})

    # The same map through the gateway, as a front-end draws it.
    url = f"/v1/consultations/{consultation['id']}"
    groups = await api.get(f"{url}/opinion-groups", headers=auth("reader"))
    assert groups.status_code == 200, groups.text
    served = groups.json()
    assert served["computed"] is True
    assert served["computed_at"]
    assert sorted(g["size"] for g in served["groups"]) == [5, 5]
    for group in served["groups"]:
        assert all(s["post_id"] in ids and s["url"] == f"/v1/posts/{s['post_id']}"
                   and s["repful_for"] in ("agree", "disagree")
                   and s["in_group"]["seen"] >= s["in_group"]["agree"]
                   for s in group["representative"])
    drawn = await api.get(f"{url}/opinion-map", headers=auth("reader"))
    assert drawn.status_code == 200, drawn.text
    participants = drawn.json()["participants"]
    assert len(participants) == 10
    assert {p["group"] for p in participants} == {g["id"] for g in served["groups"]}
    assert {p["key"] for p in participants} == {p["key"] for p in result["participants"]}


async def test_a_consultation_without_a_map_says_so(api: httpx.AsyncClient) -> None:
    consultation, _ = await debate(api, "Nobody reacted yet")
    url = f"/v1/consultations/{consultation['id']}"
    for route in ("opinion-groups", "opinion-map"):
        reply = await api.get(f"{url}/{route}", headers=auth("reader"))
        assert reply.status_code == 200, reply.text
        assert reply.json()["computed"] is False
        assert reply.json()["groups"] == []
    missing = await api.get("/v1/consultations/not-an-id/opinion-groups",
                            headers=auth("reader"))
    assert missing.status_code == 404
