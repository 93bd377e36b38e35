"""Reactions over HTTP: one per user per post, counts equal to the stored reactions."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.debate import counts, events_of, phased, post, thread_in
from tests.gateway.test_problems import assert_problem
from tests.helpers import auth

Mongo = AsyncMongoClient[dict[str, object]]
KINDS = ["like", "disagree", "dont_understand", "more_info"]


@pytest.fixture
async def written(api: httpx.AsyncClient) -> dict[str, Any]:
    return await post(api, await thread_in(api, await phased(api, "ideation")))


async def recount(mongo: Mongo, post_id: str) -> dict[str, int]:
    docs = await mongo["agora_threads"]["reactions"].find({"post_id": post_id}).to_list()
    found = Counter(str(d["kind"]) for d in docs)
    return {kind: found.get(kind, 0) for kind in KINDS}


async def test_set_change_and_unset_one_reaction(
    api: httpx.AsyncClient, mongo: Mongo, written: dict[str, Any],
) -> None:
    url = f"/v1/posts/{written['id']}/reaction"
    liked = (await api.put(url, json={"kind": "like"}, headers=auth("r1"))).json()
    assert liked["my_reaction"] == "like"
    assert liked["counts"]["like"] == 1
    again = (await api.put(url, json={"kind": "like"}, headers=auth("r1"))).json()
    assert again["counts"]["like"] == 1  # the same value twice is one reaction
    changed = (await api.put(url, json={"kind": "disagree"}, headers=auth("r1"))).json()
    assert (changed["counts"]["like"], changed["counts"]["disagree"]) == (0, 1)
    shown = (await api.get(f"/v1/posts/{written['id']}", headers=auth("r1"))).json()
    assert shown["my_reaction"] == "disagree"
    assert shown["reaction_counts"] == changed["counts"]
    removed = (await api.delete(url, headers=auth("r1"))).json()
    assert removed["my_reaction"] is None
    assert sum(removed["counts"].values()) == 0
    assert (await api.delete(url, headers=auth("r1"))).status_code == 200
    # set, change, unset: three events; the repeated like and the second unset none.
    assert await events_of(mongo, written["consultation_id"], "reaction.changed") == 3


async def test_counts_equal_stored_reactions_under_concurrent_changes(
    api: httpx.AsyncClient, mongo: Mongo, written: dict[str, Any],
) -> None:
    """50 concurrent set/change/unset requests by 20 users (several racing on their own
    reaction), then the counts read back equal a recount of the stored documents."""
    rng = random.Random(4)
    url = f"/v1/posts/{written['id']}/reaction"

    async def change(user: str) -> int:
        kind = rng.choice([*KINDS, None])
        headers = auth(user)
        reply = await (api.delete(url, headers=headers) if kind is None
                       else api.put(url, json={"kind": kind}, headers=headers))
        return reply.status_code

    statuses = await asyncio.gather(*(change(f"crowd{i % 20}") for i in range(50)))
    assert set(statuses) == {200}, statuses
    shown = (await api.get(f"/v1/posts/{written['id']}")).json()["reaction_counts"]
    stored = await recount(mongo, written["id"])
    assert shown == stored
    users = await mongo["agora_threads"]["reactions"].distinct("user_id",
                                                               {"post_id": written["id"]})
    assert sum(stored.values()) == len(users) <= 20


async def test_reactions_on_every_post_of_a_page(
    api: httpx.AsyncClient, written: dict[str, Any],
) -> None:
    await api.put(f"/v1/posts/{written['id']}/reaction", json={"kind": "more_info"},
                  headers=auth("curious"))
    page = (await api.get(f"/v1/threads/{written['thread_id']}/posts",
                          headers=auth("curious"))).json()
    assert page["items"][0]["reaction_counts"]["more_info"] == 1
    assert page["items"][0]["my_reaction"] == "more_info"


@pytest.mark.parametrize(("path", "payload", "status"), [
    ("/v1/posts/{id}/reaction", {"kind": "love"}, 422),
    ("/v1/posts/{id}/reaction", {"kind": ["like"]}, 422),
    ("/v1/posts/{id}/reaction", {}, 422),
    ("/v1/posts/000000000000000000000000/reaction", {"kind": "like"}, 404),
    ("/v1/posts/zzz/reaction", {"kind": "like"}, 404),
])
async def test_bad_reactions_are_refused(
    api: httpx.AsyncClient, mongo: Mongo, written: dict[str, Any], path: str,
    payload: dict[str, Any], status: int,
) -> None:
    before = await counts(mongo)
    reply = await api.put(path.format(id=written["id"]), json=payload, headers=auth("r2"))
    assert_problem(reply, status)
    assert await counts(mongo) == before
