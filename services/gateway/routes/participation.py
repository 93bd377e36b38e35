"""/v1/consultations/{id}/participation — contributors, reactors and learners (strategists).

A day's counts are the union of the registers Redis holds and those flushed to the
threads service, so they survive a Redis loss. When Redis does not answer, the stored
counts (as of the last flush) are served; today and yesterday without a stored record
are then unknown (503) rather than reported as zero.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from redis.exceptions import RedisError

from agora.v1 import threads_pb2
from agora_kit.ids import ID_PATTERN
from services.gateway.auth import Role
from services.gateway.deps import Clients, CurrentUser, resources_of
from services.gateway.participation.flush import registers_of
from services.gateway.participation.record import ALL_THEMES, Levels
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations", tags=["participation"])
MAX_DAYS = 92
ThemeId = Annotated[str | None, Query(pattern=ID_PATTERN)]
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # a date as ISO 8601 writes it, nothing else


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, f"{name} is not a calendar date",
                      errors=[{"field": f"query.{name}", "message": "not a calendar date"}],
                      ) from None


class ParticipationPublic(BaseModel):
    day: date
    theme_id: str | None
    contributors: int
    reactors: int
    learners: int


class ParticipationDays(BaseModel):
    items: list[ParticipationPublic]


async def _check(consultation_id: str, user: CurrentUser, clients: Clients) -> None:
    if Role.STRATEGIST not in user.roles:
        raise Problem(403, "participation levels need the role strategist", kind="forbidden")
    await clients.call("threads", clients.threads.GetConsultation, threads_pb2.
                       GetConsultationRequest(
                           consultation_id=existing_id(consultation_id, "consultation")))


async def _levels(request: Request, clients: Clients, *, consultation_id: str, first: date,
                  last: date, theme_id: str | None) -> list[ParticipationPublic]:
    """Each day's levels from Redis and the stored registers (stored counts without Redis)."""
    theme = theme_id or ALL_THEMES
    found = await clients.call("threads", clients.threads.ListParticipation,
                               threads_pb2.ListParticipationRequest(
                                   consultation_id=consultation_id, from_day=first.isoformat(),
                                   to_day=last.isoformat(), theme_id=theme))
    stored = {date.fromisoformat(r.day): r for r in found.records}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    participation = resources_of(request.app).participation
    counted: dict[date, Levels] = {}
    try:
        for day in days:
            record = stored.get(day)
            counted[day] = await participation.levels(
                consultation_id=consultation_id, day=day, theme_id=theme,
                stored=registers_of(record) if record else None)
    except RedisError:
        counted = stored_levels(days, stored)
    return [ParticipationPublic(day=day, theme_id=theme_id, contributors=levels.contributors,
                                reactors=levels.reactors, learners=levels.learners)
            for day, levels in counted.items()]


def stored_levels(days: list[date], stored: dict[date, threads_pb2.ParticipationRecord],
                 ) -> dict[date, Levels]:
    """Stored counts; a day before yesterday without a record had nobody (it was flushed
    after its end), a later one is unknown while Redis is away."""
    settled = datetime.now(UTC).date() - timedelta(days=1)
    counted = {}
    for day in days:
        record = stored.get(day)
        if record is None and day >= settled:
            raise Problem(503, "participation counts are unavailable; retry shortly",
                          kind="service-unavailable", headers={"Retry-After": "5"})
        counted[day] = (Levels(record.contributors, record.reactors, record.learners)
                        if record else Levels(0, 0, 0))
    return counted


@router.get("/{consultation_id}/participation", response_model=ParticipationPublic)
async def levels(
    consultation_id: str, request: Request, user: CurrentUser, clients: Clients,
    day: Annotated[str | None, Query(pattern=DAY, description="UTC, e.g. 2026-03-01.")] = None,
    theme_id: ThemeId = None,
) -> ParticipationPublic:
    """Distinct contributors (posted), reactors (reacted or voted, did not post) and
    learners (only read) on one day (UTC, default today), for the consultation or one
    theme. Counts are HyperLogLog estimates (about 1% error)."""
    await _check(consultation_id, user, clients)
    chosen = _day(day, "day") if day is not None else datetime.now(UTC).date()
    [found] = await _levels(request, clients, consultation_id=consultation_id, first=chosen,
                            last=chosen, theme_id=theme_id)
    return found


@router.get("/{consultation_id}/participation/days", response_model=ParticipationDays)
async def levels_by_day(
    consultation_id: str, request: Request, user: CurrentUser, clients: Clients,
    first_day: Annotated[str, Query(alias="from", pattern=DAY,
                                    description="First day (UTC), inclusive.")],
    last_day: Annotated[str, Query(alias="to", pattern=DAY,
                                   description="Last day (UTC), inclusive.")],
    theme_id: ThemeId = None,
) -> ParticipationDays:
    """The levels of each day from `from` to `to` (at most 92 days), oldest first; each
    day counts its own distinct participants."""
    first, last = _day(first_day, "from"), _day(last_day, "to")
    if last < first or (last - first).days >= MAX_DAYS:
        raise Problem(422, f"to must be on or after from, at most {MAX_DAYS} days in all",
                      errors=[{"field": "query.to", "message": "outside the allowed range"}])
    await _check(consultation_id, user, clients)
    return ParticipationDays(items=await _levels(
        request, clients, consultation_id=consultation_id, first=first, last=last,
        theme_id=theme_id))
