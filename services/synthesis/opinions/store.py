"""A consultation's opinion map, computed from the synthesis read models and cached.

The votes come from what the service already keeps: `contributions` (post ->
consultation), `post_reactions` (one current reaction per post and user: `LIKE` is
agree, `DISAGREE` disagree, the other kinds are no vote) and `post_texts` (a hidden
post leaves the map). `recompute` takes the consultation's lease (agora_kit.lease,
`opinion-map:<id>`) first, so two replicas never compute the same map at once, starts from
the stored state (a warm start), runs the math off the event loop and stores the
result with its state. Participants are shown by an anonymised key, stable within a
consultation and meaningless outside it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from agora_kit.clock import now
from agora_kit.lease import Lease
from agora_kit.mongo import Database, Session
from services.synthesis.corpus import CORPUS_COLLECTION
from services.synthesis.opinions import matrix
from services.synthesis.opinions.clustering import KSmoother
from services.synthesis.opinions.matrix import VoteMatrix
from services.synthesis.opinions.opinion_map import OpinionMap, State, update
from services.synthesis.opinions.representativeness import Statement
from services.synthesis.reactions import REACTIONS

log = logging.getLogger(__name__)
MAPS = "opinion_maps"
POST_TEXTS = "post_texts"
LEASE_PREFIX = "opinion-map:"
LEASE_SECONDS = 120.0
# Reaction kinds as reactions.py stores them; the other kinds are no vote.
VOTE = {"REACTION_KIND_LIKE": 1, "REACTION_KIND_DISAGREE": -1}


async def load_votes(db: Database, consultation_id: str) -> VoteMatrix:
    posts = [d["_id"] async for d in db[CORPUS_COLLECTION].find(
        {"consultation_id": consultation_id}, {"_id": 1})]
    hidden = {d["_id"] async for d in db[POST_TEXTS].find(
        {"_id": {"$in": posts}, "status": "hidden"}, {"_id": 1})}
    triples: list[tuple[str, str, int]] = []
    async for doc in db[REACTIONS].find({"post_id": {"$in": posts}},
                                        {"post_id": 1, "kind": 1, "at": 1}).sort("at", 1):
        vote = VOTE.get(doc.get("kind", ""))
        if vote is None or doc["post_id"] in hidden:
            continue
        user = str(doc["_id"]).removeprefix(f"{doc['post_id']}:")
        triples.append((user, doc["post_id"], vote))
    return matrix.build(triples)


def anonymous(consultation_id: str, participant: str) -> str:
    return hashlib.sha256(f"{consultation_id}\0{participant}".encode()).hexdigest()[:16]


class OpinionMaps:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.maps = db[MAPS]

    async def ensure_indexes(self) -> None:
        await self.maps.create_index("dirty_at")

    async def mark_dirty(self, consultation_id: str, session: Session | None = None) -> None:
        """A reaction changed: the map is due once the debounce has passed."""
        await self.maps.update_one({"_id": consultation_id}, {"$set": {"dirty_at": now()}},
                                   upsert=True, session=session)

    async def recompute(self, consultation_id: str, owner: str) -> bool:
        """Recompute under the consultation's lease; False when another holder has it."""
        lease = Lease(self.db, f"{LEASE_PREFIX}{consultation_id}", holder=owner,
                      ttl_seconds=LEASE_SECONDS)
        if not await lease.acquire():
            return False
        try:
            started = now()
            doc = await self.maps.find_one({"_id": consultation_id}, {"state": 1}) or {}
            votes = await load_votes(self.db, consultation_id)
            try:
                result = await asyncio.to_thread(update, votes, _state(doc.get("state")))
            except Exception as error:
                # No map from these votes (none agree or disagree yet, say): recorded as
                # computed, so it waits for the next reaction instead of being retried —
                # and blocking the consultations after it — every few seconds.
                log.warning("opinion map of %s not computed: %r", consultation_id, error)
                await self.maps.update_one(
                    {"_id": consultation_id},
                    {"$set": {"computed_at": started, "error": repr(error)[:500]}},
                    upsert=True)
                return True
            await self.maps.update_one(
                {"_id": consultation_id},
                {"$set": {"computed_at": started, "result": _result(consultation_id, result),
                          "state": _stored(result.state)}, "$unset": {"error": ""}},
                upsert=True)
        finally:
            await lease.release()
        return True

    async def recompute_due(self, owner: str, debounce: timedelta) -> int:
        """Recompute every consultation that is due (the background job); how many."""
        done = 0
        for consultation_id in await self.due(debounce):
            try:
                done += await self.recompute(consultation_id, owner)
            except Exception:  # one consultation's failure never starves the others
                log.exception("opinion map of %s failed", consultation_id)
        return done

    async def read(self, consultation_id: str) -> dict[str, Any] | None:
        doc = await self.maps.find_one({"_id": consultation_id}, {"result": 1,
                                                                  "computed_at": 1})
        if doc is None or "result" not in doc:
            return None
        out: dict[str, Any] = doc["result"]
        out["computed_at"] = doc["computed_at"]
        return out

    async def due(self, debounce: timedelta) -> list[str]:
        """Consultations whose reactions changed since their map was computed, that map
        at least `debounce` old (so a stream of reactions is one recompute per interval)."""
        cutoff: datetime = now() - debounce
        out = []
        async for doc in self.maps.find({"dirty_at": {"$exists": True}},
                                        {"computed_at": 1, "dirty_at": 1}):
            computed = doc.get("computed_at")
            if computed is None or (computed < doc["dirty_at"] and computed <= cutoff):
                out.append(doc["_id"])
        return out


def _statement(s: Statement) -> dict[str, Any]:
    return {"post_id": s.id, "for": s.repful_for, "score": s.score,
            "in_group": {"agree": s.agree_in, "disagree": s.disagree_in, "seen": s.seen_in},
            "out_of_group": {"agree": s.agree_out, "disagree": s.disagree_out,
                             "seen": s.seen_out}}


def _result(consultation_id: str, r: OpinionMap) -> dict[str, Any]:
    number = {g.id: n for n, g in enumerate(r.groups)}
    return {
        "groups": [{"id": number[g.id], "size": g.size, "center": list(g.center),
                    "representative": [_statement(s) for s in g.representative]}
                   for g in r.groups],
        "consensus": [_statement(s) for s in r.consensus],
        "divisive": [_statement(s) for s in r.divisive],
        "participants": [{"key": anonymous(consultation_id, p), "x": float(x), "y": float(y),
                          "group": number.get(int(g)) if g >= 0 else None}
                         for p, (x, y), g in zip(r.participants, r.positions, r.group_of,
                                                 strict=True)],
    }


def _stored(s: State) -> dict[str, Any]:
    return {"statements": list(s.statements), "comps": s.comps.tolist(),
            "in_conv": sorted(s.in_conv), "base_of": list(s.base_of.items()),
            "groups_of": [[k, list(v.items())] for k, v in s.groups_of.items()],
            "smoother": [s.smoother.last_k, s.smoother.last_k_count, s.smoother.smoothed_k]}


def _state(doc: dict[str, Any] | None) -> State | None:
    if not doc:
        return None
    return State(statements=tuple(doc["statements"]), comps=np.array(doc["comps"]),
                 in_conv=frozenset(doc["in_conv"]),
                 base_of={p: int(b) for p, b in doc["base_of"]},
                 groups_of={int(k): {int(b): int(g) for b, g in v} for k, v in
                            doc["groups_of"]},
                 smoother=KSmoother(*doc["smoother"]))
