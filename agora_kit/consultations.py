"""A consultation as another service asks threads for it, with one error translation.

Voting (phases), synthesis (the deliverable's consultation) and translation (its
languages) all read a consultation through threads' `GetConsultation`; an unknown or
malformed id is the caller's NotFound, anything else that fails is Unavailable (the
caller's client retries), never INTERNAL.
"""

from __future__ import annotations

import grpc

from agora.v1 import threads_pb2, threads_pb2_grpc
from agora_kit.errors import DomainError, NotFound


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


async def fetch_consultation(threads: threads_pb2_grpc.ThreadsServiceStub, consultation_id: str,
                             *, deadline_seconds: float) -> threads_pb2.Consultation:
    try:
        found: threads_pb2.Consultation = await threads.GetConsultation(
            threads_pb2.GetConsultationRequest(consultation_id=consultation_id),
            timeout=deadline_seconds)
    except grpc.aio.AioRpcError as error:
        if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise NotFound(f"consultation {consultation_id} does not exist",
                           field="consultation_id") from None
        raise Unavailable("the threads service did not answer; retry shortly") from None
    return found
