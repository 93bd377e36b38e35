"""/v1/consultations/{id}/participation — contributors, reactors and learners (strategists)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from redis.exceptions import RedisError

from agora.v1 import threads_pb2
from services.gateway.auth import Role
from services.gateway.deps import Clients, CurrentUser
from services.gateway.participation import ALL_THEMES, Participation
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations", tags=["participation"])


class ParticipationPublic(BaseModel):
    day: date
    theme_id: str | None
    contributors: int
    reactors: int
    learners: int


@router.get("/{consultation_id}/participation", response_model=ParticipationPublic)
async def levels(
    consultation_id: str, request: Request, user: CurrentUser, clients: Clients,
    day: date | None = None,
    theme_id: Annotated[str | None, Query(pattern=r"^[0-9a-f]{24}$")] = None,
) -> ParticipationPublic:
    """Distinct contributors (posted), reactors (reacted, did not post) and learners (only
    read) on one day (UTC, default today), for the consultation or one theme. Counts are
    HyperLogLog estimates (about 1% error)."""
    if Role.STRATEGIST not in user.roles:
        raise Problem(403, "participation levels need the role strategist", kind="forbidden")
    await clients.call("threads", clients.threads.GetConsultation, threads_pb2.
                       GetConsultationRequest(
                           consultation_id=existing_id(consultation_id, "consultation")))
    participation: Participation = request.app.state.participation
    chosen = day or datetime.now(UTC).date()
    try:
        found = await participation.levels(consultation_id=consultation_id, day=chosen,
                                           theme_id=theme_id or ALL_THEMES)
    except RedisError:
        raise Problem(503, "participation counts are unavailable; retry shortly",
                      kind="service-unavailable", headers={"Retry-After": "5"}) from None
    return ParticipationPublic(day=chosen, theme_id=theme_id, contributors=found.contributors,
                               reactors=found.reactors, learners=found.learners)
