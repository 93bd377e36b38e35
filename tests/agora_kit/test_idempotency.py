"""Idempotency keys: the replay lookup is served by an index on SecantusDB too."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from agora_kit import idempotency
from agora_kit.ids import new_id


async def test_replay_lookup_uses_an_index(mongo: AsyncMongoClient[dict[str, object]]) -> None:
    collection = mongo["agora_test_idempotency"][f"c{new_id()}"]
    await idempotency.ensure_index(collection)
    documents: list[dict[str, object]] = [{"created_by": f"u{i}", "idempotency_key": f"k{i}"}
                                          for i in range(50)]
    await collection.insert_many([*documents, {"created_by": "x"}])
    plan = await collection.find({"created_by": "u7", "idempotency_key": "k7"}).explain()
    assert "COLLSCAN" not in str(plan["queryPlanner"])
    assert await collection.count_documents({"created_by": "u7", "idempotency_key": "k7"}) == 1


async def test_the_same_key_twice_creates_once(
    mongo: AsyncMongoClient[dict[str, object]],
) -> None:
    collection = mongo["agora_test_idempotency"][f"c{new_id()}"]
    await idempotency.ensure_index(collection)
    created = 0

    async def create(fields: dict[str, object]) -> dict[str, object]:
        nonlocal created
        created += 1
        document = {"_id": new_id(), "created_by": "ana", **fields}
        await collection.insert_one(document)
        return document

    first = await idempotency.create_once(collection, actor="ana", key="k", request={"a": 1},
                                          create=create)
    again = await idempotency.create_once(collection, actor="ana", key="k", request={"a": 1},
                                          create=create)
    assert (again["_id"], created) == (first["_id"], 1)
