"""The opinion map over the synthesis read models, in a real SecantusDB: votes read from
reactions (a hidden post and reactions other than agree/disagree leave the map), the
lease that keeps two replicas from computing the same map, the debounce, the warm
start from the stored state."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient

from agora_kit.clock import now
from agora_kit.lease import Lease
from services.synthesis.opinions.store import MAPS, OpinionMaps, load_votes


async def seeded(mongo: AsyncMongoClient[dict[str, Any]]) -> tuple[Any, str]:
    """Two camps of 20 participants reacting opposite ways on 10 posts, a hidden post
    everyone liked, and 'more info' reactions."""
    db = mongo[f"opinions_{uuid.uuid4().hex[:8]}"]
    consultation = "c1"
    posts = [f"post{j}" for j in range(10)]
    await db["contributions"].insert_many(
        [{"_id": p, "consultation_id": consultation} for p in [*posts, "hidden"]]
        + [{"_id": "elsewhere", "consultation_id": "c2"}])
    await db["post_texts"].insert_one({"_id": "hidden", "status": "hidden"})
    like, disagree = "REACTION_KIND_LIKE", "REACTION_KIND_DISAGREE"
    reactions = []
    for u in range(40):
        side = 1 if u % 2 else -1
        for j, p in enumerate(posts):
            kind = like if side * (1 if j % 2 else -1) > 0 else disagree
            reactions.append({"_id": f"{p}:user{u}", "post_id": p, "kind": kind, "at": now()})
        reactions.append({"_id": f"hidden:user{u}", "post_id": "hidden", "kind": like,
                          "at": now()})
        reactions.append({"_id": f"elsewhere:user{u}", "post_id": "elsewhere", "kind": like,
                          "at": now()})
    reactions.append({"_id": "post0:user99", "post_id": "post0",
                      "kind": "REACTION_KIND_MORE_INFO", "at": now()})
    await db["post_reactions"].insert_many(reactions)
    return db, consultation


async def test_votes_come_from_the_reactions_of_the_consultations_visible_posts(
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    db, consultation = await seeded(mongo)
    votes = await load_votes(db, consultation)
    assert set(votes.statements) == {f"post{j}" for j in range(10)}
    assert len(votes.participants) == 40
    assert votes.votes.nnz == 400


async def test_a_recompute_stores_two_groups_and_the_map(
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    db, consultation = await seeded(mongo)
    maps = OpinionMaps(db)
    assert await maps.read(consultation) is None
    assert await maps.recompute(consultation, "replica-a")
    stored = await maps.read(consultation)
    assert stored is not None
    assert sorted(g["size"] for g in stored["groups"]) == [20, 20]
    assert len(stored["participants"]) == 40
    assert all(not p["key"].startswith("user") for p in stored["participants"])
    shown = {s["post_id"] for g in stored["groups"] for s in g["representative"]}
    assert shown
    assert "hidden" not in shown
    top = stored["groups"][0]["representative"][0]
    assert top["in_group"]["seen"] == 20
    assert top["out_of_group"]["seen"] == 20
    again = await maps.recompute(consultation, "replica-a")  # warm, from the stored state
    assert again
    warm = await maps.read(consultation)
    assert warm is not None
    assert [g["size"] for g in warm["groups"]] == \
        [g["size"] for g in stored["groups"]]


async def test_a_held_lease_stops_a_second_replica(
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    db, consultation = await seeded(mongo)
    maps = OpinionMaps(db)
    held = Lease(db, f"opinion-map:{consultation}", holder="replica-a", ttl_seconds=60)
    assert await held.acquire()
    assert not await maps.recompute(consultation, "replica-b")
    assert await maps.read(consultation) is None
    await held.release()
    assert await maps.recompute(consultation, "replica-b")
    assert await db["leases"].count_documents({"_id": f"opinion-map:{consultation}"}) == 0


async def test_a_changed_map_is_due_at_most_once_per_debounce(
        mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    db, consultation = await seeded(mongo)
    maps = OpinionMaps(db)
    assert await maps.due(timedelta(0)) == []
    await maps.mark_dirty(consultation)
    assert await maps.due(timedelta(minutes=5)) == [consultation], "never computed: now"
    assert await maps.recompute_due("replica-a", timedelta(minutes=5)) == 1
    assert await maps.read(consultation) is not None
    assert await maps.due(timedelta(0)) == []
    await maps.mark_dirty(consultation)  # a new reaction
    assert await maps.due(timedelta(minutes=5)) == [], "computed less than 5 minutes ago"
    assert await maps.due(timedelta(0)) == [consultation]


async def test_a_consultation_without_a_map_never_holds_up_the_others(
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    """Reactions that are neither agree nor disagree make an empty map (no participant
    placed, no group): it is computed without an error, and the one after it in the
    background job's list still gets its map — the suite's long-lived stack once waited
    90 s for a map behind such a consultation."""
    db, consultation = await seeded(mongo)
    await db["contributions"].insert_one({"_id": "puzzling", "consultation_id": "c0"})
    await db["post_reactions"].insert_one({"_id": "puzzling:u1", "post_id": "puzzling",
                                           "kind": "REACTION_KIND_MORE_INFO", "at": now()})
    maps = OpinionMaps(db)
    await maps.mark_dirty("c0")
    await maps.mark_dirty(consultation)
    assert await maps.recompute_due("me", timedelta(0)) == 2
    empty = await maps.read("c0")
    assert empty is not None
    assert empty["groups"] == []
    assert empty["participants"] == []
    assert "error" not in (await db[MAPS].find_one({"_id": "c0"}) or {})
    assert await maps.due(timedelta(0)) == []  # not retried until a new reaction
    computed = await maps.read(consultation)
    assert computed is not None
    assert len(computed["groups"]) == 2
