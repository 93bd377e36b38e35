"""gRPC methods for the deliverable (a mixin of the synthesis servicer)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeAlias

import grpc

from agora.v1 import synthesis_pb2, synthesis_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import decode_cursor, encode_cursor, page_size, require_id
from agora_kit.types import Document
from services.synthesis.deliverable.jobs import Jobs
from services.synthesis.deliverable.store import FORMATS, Store

Context: TypeAlias = grpc.aio.ServicerContext
MAX_NUMBER = 10_000_000  # past any version: a cursor beyond it reads the same empty page


def job_message(job: Document) -> synthesis_pb2.DeliverableJob:
    message = synthesis_pb2.DeliverableJob(
        id=job["_id"], consultation_id=job["consultation_id"], status=job["status"],
        progress=job["progress"], stage=job["stage"], version=job["version"],
        error=job["error"], created_by=job["created_by"], attempts=job["attempts"],
        language=job.get("language", ""))
    message.created_at.FromDatetime(job["created_at"])
    return message


def deliverable_message(version: Document) -> synthesis_pb2.Deliverable:
    message = synthesis_pb2.Deliverable(
        consultation_id=version["consultation_id"], number=version["number"],
        job_id=version["job_id"], step_after=version["step_after"],
        generated_by=version["generated_by"], recommendations=version["recommendations"],
        language=version.get("language", ""),
        files=[synthesis_pb2.DeliverableFile(format=f["format"], media_type=f["media_type"],
                                             size=f["size"], sha256=f["sha256"])
               for f in version["files"]])
    message.generated_at.FromDatetime(version["generated_at"])
    return message


def _cursor(cursor: str) -> int | None:
    """The version number a cursor points after. A cursor is an id (24 hex digits, as
    every cursor of the API): the number in hexadecimal, so any id names a position (one
    past every version reads an empty page)."""
    found = decode_cursor(cursor)
    return None if found is None else min(int(found, 16), MAX_NUMBER)


def _next_cursor(number: int) -> str:
    return encode_cursor(f"{number:024x}")


class DeliverableRpcs(synthesis_pb2_grpc.SynthesisServiceServicer):
    _jobs: Jobs
    _store: Store

    async def GenerateDeliverable(
        self, request: synthesis_pb2.GenerateDeliverableRequest, context: Context
    ) -> synthesis_pb2.DeliverableJob:
        return job_message(await self._jobs.request(
            consultation_id=require_id(request.consultation_id, field="consultation_id"),
            step_after=request.step_after, language=request.language, actor=request.actor_id,
            roles=list(request.actor_roles), idempotency_key=request.idempotency_key or None))

    async def GetDeliverableJob(
        self, request: synthesis_pb2.GetDeliverableJobRequest, context: Context
    ) -> synthesis_pb2.DeliverableJob:
        return job_message(await self._jobs.get(
            require_id(request.consultation_id, field="consultation_id"),
            require_id(request.job_id, field="job_id")))

    async def GetDeliverable(
        self, request: synthesis_pb2.GetDeliverableRequest, context: Context
    ) -> synthesis_pb2.Deliverable:
        return deliverable_message(await self._store.get(
            require_id(request.consultation_id, field="consultation_id"), request.number))

    async def ListDeliverables(
        self, request: synthesis_pb2.ListDeliverablesRequest, context: Context
    ) -> synthesis_pb2.ListDeliverablesResponse:
        limit = page_size(request.page_size)
        found = await self._store.page(
            require_id(request.consultation_id, field="consultation_id"),
            after=_cursor(request.cursor), limit=limit + 1)
        return synthesis_pb2.ListDeliverablesResponse(
            deliverables=[deliverable_message(v) for v in found[:limit]],
            next_cursor=_next_cursor(found[limit - 1]["number"]) if len(found) > limit
            else "")

    async def ReadDeliverableFile(
        self, request: synthesis_pb2.ReadDeliverableFileRequest, context: Context
    ) -> AsyncIterator[synthesis_pb2.DeliverableChunk]:
        if request.format not in FORMATS:
            raise InvalidArgument(f"format is one of {', '.join(FORMATS)}", field="format")
        version = await self._store.get(
            require_id(request.consultation_id, field="consultation_id"), request.number)
        async for data in self._store.read(version, request.format):
            yield synthesis_pb2.DeliverableChunk(data=data)
