"""Anyone can check a closed vote over HTTP alone: the published leaves (a cursor-paged
list) hash to the Merkle root, their ballots add up to the announced tallies, and the
root and `announced` hash to the results digest. Everything below is recomputed from the
README's description ("Verifying the results"), without the service's code."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from tests.helpers import auth
from tests.voting.support import (
    allocation,
    ids,
    prioritising,
    session_body,
    sessions_url,
    unique,
)

Json = dict[str, Any]
CHAIR = auth("chair", "strategist")


def merkle_root(leaves: list[str]) -> str:
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    level = [hashlib.sha256(b"\x00" + leaf.encode()).digest() for leaf in leaves]
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                 if i + 1 < len(level) else level[i] for i in range(0, len(level), 2)]
    return level[0].hex()


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def announced_from(leaves: list[Json], session: Json) -> str:
    """Token rows per category (competition ranks, ties in the strategist's order) and
    gauge rows, recounted from the leaves."""
    proposals = [p["id"] for p in session["proposals"]]
    tokens: dict[tuple[str, str], list[int]] = {}
    answers: dict[tuple[str, str], dict[int, int]] = {
        (p["id"], g["id"]): {} for p in session["proposals"] for g in p["gauges"]}
    for leaf in leaves:
        for proposal, category, n in leaf["allocations"]:
            cell = tokens.setdefault((proposal, category), [0, 0])
            cell[0] += n
            cell[1] += 1
        for proposal, gauge, value in leaf["gauges"]:
            counts = answers[(proposal, gauge)]
            counts[value] = counts.get(value, 0) + 1
    rows = []
    for category in [c["id"] for c in session["categories"]]:
        def total(p: str, category: str = category) -> int:
            return tokens.get((p, category), [0, 0])[0]

        for p in sorted(proposals, key=lambda p: (-total(p), proposals.index(p))):
            rank = 1 + sum(1 for other in proposals if total(other) > total(p))
            rows.append([p, category, total(p), tokens.get((p, category), [0, 0])[1], rank])
    gauges = [[p, g, sum(c.values()), sum(v * n for v, n in c.items()),
               sorted([v, n] for v, n in c.items())] for (p, g), c in answers.items()]
    return canonical({"gauges": gauges, "tokens": rows})


async def gauged_session(api: httpx.AsyncClient) -> Json:
    """An open session of four proposals, the first with a 0..10 gauge."""
    body = session_body(proposals=4)
    body["proposals"][0]["gauges"] = [{"question": {"en": "How soon?"}, "min": 0, "max": 10}]
    created = await api.post(sessions_url(await prioritising(api)), json=body, headers=CHAIR)
    assert created.status_code == 201, created.text
    opened = await api.post(f"/v1/vote-sessions/{created.json()['id']}/open", headers=CHAIR)
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


async def all_leaves(api: httpx.AsyncClient, base: str) -> list[str]:
    texts: list[str] = []
    cursor = None
    while True:
        page = await api.get(f"{base}/leaves",
                             params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        assert all(json.loads(i["leaf"])["voter"] == i["pseudonym"] for i in items)
        texts += [i["leaf"] for i in items]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return texts


async def test_the_results_are_recomputed_from_the_published_leaves_alone(
    api: httpx.AsyncClient,
) -> None:
    session = await gauged_session(api)
    base = f"/v1/vote-sessions/{session['id']}"
    (p0, p1, p2, p3), (green, red) = ids(session)
    gauge = session["proposals"][0]["gauges"][0]["id"]
    ballots = [([allocation(p0, green, 2), allocation(p1, red, 1)], 7),
               ([allocation(p1, green, 2), allocation(p2, red, 1)], 3),
               ([allocation(p2, green, 3)], 7),
               ([allocation(p0, green, 1), allocation(p1, green, 1)], None),
               ([allocation(p3, red, 3)], None)]
    for allocations, answer in ballots:
        answers = [] if answer is None else [
            {"proposal_id": p0, "gauge_id": gauge, "value": answer}]
        reply = await api.put(f"{base}/ballot", headers=auth(unique("v")),
                              json={"allocations": allocations, "gauge_answers": answers})
        assert reply.status_code == 200, reply.text
    early = await api.get(f"{base}/leaves")
    assert early.status_code == 409, early.text  # published at close, not before
    closed = await api.post(f"{base}/close", headers=CHAIR)
    assert closed.status_code == 200, closed.text

    texts = await all_leaves(api, base)
    for bad in ({"cursor": "not a cursor"}, {"limit": 0}, {"limit": 101}):
        refused = await api.get(f"{base}/leaves", params=bad)
        assert refused.status_code == 422, refused.text
    leaves = [json.loads(text) for text in texts]
    assert len(leaves) == len(ballots)
    assert [leaf["voter"] for leaf in leaves] == sorted(leaf["voter"] for leaf in leaves)
    assert all(canonical(leaf) == text for leaf, text in zip(leaves, texts, strict=True))

    results = (await api.get(f"{base}/results")).json()
    assert results["final"] is True
    root = merkle_root(texts)
    assert root == results["merkle_root"] == closed.json()["merkle_root"]
    announced = announced_from(leaves, (await api.get(base)).json())
    assert announced == results["announced"]
    digest = hashlib.sha256(f"{root}\n{announced}".encode()).hexdigest()
    assert digest == results["results_digest"] == closed.json()["results_digest"]
    # p0, p1 and p2 all hold 3 green tokens: they share rank 1, and p3 is 4th ("1114").
    assert {t["proposal_id"]: t["rank"] for t in results["tallies"]
            if t["category_id"] == green} == {p0: 1, p1: 1, p2: 1, p3: 4}
