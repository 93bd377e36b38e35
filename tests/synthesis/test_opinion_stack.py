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
