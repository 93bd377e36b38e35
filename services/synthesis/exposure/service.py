"""The order of exposure served: candidates from the synthesis service's own read models,
the batch from order.py.

Candidates are the consultation's (or one thread's) published posts the corpus holds
(`post.created`), minus those moderators hid (`post_texts`, kept by extract_events.py
from moderation events), with their current text (after edits, for near-duplicates) and
the reaction totals reactions.py keeps. No call to another service per request. The
newest `MAX_CANDIDATES` posts are considered: enough for any thread, and a bound on
the work of a consultation-wide request.
"""

from __future__ import annotations

import random
from collections import OrderedDict

import grpc
from pymongo import DESCENDING

from agora.v1 import exposure_pb2, exposure_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import require_id
from agora_kit.mongo import Database
from services.synthesis.corpus import CORPUS_COLLECTION
from services.synthesis.exposure.near_duplicates import shingles
from services.synthesis.exposure.order import Candidate, Offered, next_batch
from services.synthesis.extracts import POST_TEXTS
from services.synthesis.posts import HIDDEN
from services.synthesis.reactions import AGREE, DISAGREE, OTHER, Reactions

MAX_CANDIDATES = 5_000
MAX_BATCH = 50
SHINGLE_CACHE = 50_000


class Exposure:
    def __init__(self, db: Database, reactions: Reactions, *, min_reactions: int) -> None:
        self._contributions = db[CORPUS_COLLECTION]
        self._texts = db[POST_TEXTS]
        self._reactions = reactions
        self.min_reactions = min_reactions
        self._words: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()

    async def ensure_indexes(self) -> None:
        await self._contributions.create_index([("consultation_id", 1), ("created_at", -1)])
        await self._contributions.create_index([("thread_id", 1), ("created_at", -1)])

    async def next_posts(self, consultation_id: str, thread_id: str, viewer_id: str,
                         size: int, rng: random.Random | None = None
                         ) -> list[tuple[Offered, str]]:
        """(offered post, its thread) for `viewer_id`, at most `size`."""
        query = {"consultation_id": consultation_id, **({"thread_id": thread_id}
                                                         if thread_id else {})}
        posts = await self._contributions.find(
            query, {"author_id": 1, "body": 1, "thread_id": 1}).sort(
            "created_at", DESCENDING).limit(MAX_CANDIDATES).to_list()
        ids = [p["_id"] for p in posts]
        texts = {t["_id"]: t async for t in self._texts.find(
            {"_id": {"$in": ids}}, {"status": 1, "body": 1, "revision": 1})}
        shown = [p for p in posts if texts.get(p["_id"], {}).get("status") != HIDDEN]
        totals = await self._reactions.totals([p["_id"] for p in shown])
        reacted = await self._reactions.reacted(viewer_id, [p["_id"] for p in shown])
        candidates = []
        for post in shown:
            known = texts.get(post["_id"], {})
            counts = totals.get(post["_id"], {})
            candidates.append(Candidate(
                post["_id"], post["author_id"],
                self._shingles(post["_id"], str(known.get("revision", 0)),
                               str(known.get("body") or post["body"])),
                counts.get(AGREE, 0), counts.get(DISAGREE, 0), counts.get(OTHER, 0)))
        offered = next_batch(candidates, viewer_id=viewer_id, reacted=reacted, size=size,
                             min_reactions=self.min_reactions, rng=rng or random.Random())
        threads = {p["_id"]: p["thread_id"] for p in shown}
        return [(o, threads[o.post_id]) for o in offered]

    def _shingles(self, post_id: str, revision: str, body: str) -> frozenset[str]:
        key = (post_id, revision)
        words = self._words.get(key)
        if words is None:
            words = self._words[key] = shingles(body)
            if len(self._words) > SHINGLE_CACHE:
                self._words.popitem(last=False)
        else:
            self._words.move_to_end(key)
        return words


class ExposureServicer(exposure_pb2_grpc.ExposureServiceServicer):
    def __init__(self, exposure: Exposure) -> None:
        self._exposure = exposure

    async def NextPosts(self, request: exposure_pb2.NextPostsRequest,
                        context: grpc.aio.ServicerContext) -> exposure_pb2.NextPostsResponse:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        thread_id = require_id(request.thread_id, field="thread_id") if request.thread_id else ""
        if not request.viewer_id:
            raise InvalidArgument("the order of exposure is a participant's", field="viewer_id")
        if not 1 <= request.size <= MAX_BATCH:
            raise InvalidArgument(f"size must be between 1 and {MAX_BATCH}", field="size")
        offered = await self._exposure.next_posts(consultation_id, thread_id,
                                                  request.viewer_id, request.size)
        return exposure_pb2.NextPostsResponse(posts=[
            exposure_pb2.OfferedPost(post_id=o.post_id, thread_id=thread, reason=o.reason)
            for o, thread in offered])
