"""/v1/consultations/{id}/opinion-groups and …/opinion-map — opinion groups the Pol.is way.

The synthesis service computes them from the reactions (`like` agrees, `disagree`
disagrees), at most once per `OPINION_DEBOUNCE_SECONDS` after reactions arrive, and
caches the result (services/synthesis/opinions/); these routes read that cache, so they
are cheap and every reader sees the same map. `computed: false` means no map yet (too
few reactions, or the first one still debouncing). Participants appear by an anonymised
key, never by account or author key. Everyone the consultation admits reads them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from agora.v1 import opinions_pb2
from services.gateway.deps import Clients
from services.gateway.routes.ids import existing_id

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])


class VoteTallyPublic(BaseModel):
    agree: int
    disagree: int
    seen: int = Field(description="Participants who reacted to it at all.")


class StatementPublic(BaseModel):
    post_id: str
    url: str
    repful_for: Literal["agree", "disagree"] = Field(
        description="What it stands for: the group (or everyone) agrees, or disagrees.")
    score: float = Field(description="The metric it was ranked by.")
    in_group: VoteTallyPublic = Field(description="For consensus and divisive: everyone.")
    out_of_group: VoteTallyPublic


class OpinionGroupPublic(BaseModel):
    id: int
    size: int
    center: tuple[float, float]
    representative: list[StatementPublic]


class OpinionGroupsPublic(BaseModel):
    consultation_id: str
    computed: bool
    computed_at: datetime | None
    groups: list[OpinionGroupPublic]
    consensus: list[StatementPublic]
    divisive: list[StatementPublic]


class MappedParticipantPublic(BaseModel):
    key: str = Field(description="Anonymised, stable within the consultation.")
    x: float
    y: float
    group: int | None


class OpinionMapPublic(BaseModel):
    consultation_id: str
    computed: bool
    computed_at: datetime | None
    groups: list[OpinionGroupPublic]
    participants: list[MappedParticipantPublic]


async def _read(consultation_id: str, clients: Clients) -> opinions_pb2.OpinionMap:
    return await clients.call("synthesis", clients.opinions.GetOpinionMap,
                              opinions_pb2.GetOpinionMapRequest(
                                  consultation_id=existing_id(consultation_id,
                                                              "consultation")))


def _statement(s: opinions_pb2.StatementStats) -> StatementPublic:
    return StatementPublic(
        post_id=s.post_id, url=f"/v1/posts/{s.post_id}",
        repful_for="disagree" if s.repful_for == "disagree" else "agree", score=s.score,
        in_group=VoteTallyPublic(agree=s.in_group.agree, disagree=s.in_group.disagree,
                                 seen=s.in_group.seen),
        out_of_group=VoteTallyPublic(agree=s.out_of_group.agree,
                                     disagree=s.out_of_group.disagree,
                                     seen=s.out_of_group.seen))


def _groups(found: opinions_pb2.OpinionMap) -> list[OpinionGroupPublic]:
    return [OpinionGroupPublic(id=g.id, size=g.size, center=(g.center_x, g.center_y),
                               representative=[_statement(s) for s in g.representative])
            for g in found.groups]


def _when(found: opinions_pb2.OpinionMap) -> datetime | None:
    return found.computed_at.ToDatetime(tzinfo=UTC) if found.computed else None


@router.get("/{consultation_id}/opinion-groups", response_model=OpinionGroupsPublic)
async def opinion_groups(consultation_id: str, clients: Clients) -> OpinionGroupsPublic:
    """The groups with their representative posts, and the consensus and divisive posts."""
    found = await _read(consultation_id, clients)
    return OpinionGroupsPublic(
        consultation_id=found.consultation_id, computed=found.computed,
        computed_at=_when(found), groups=_groups(found),
        consensus=[_statement(s) for s in found.consensus],
        divisive=[_statement(s) for s in found.divisive])


@router.get("/{consultation_id}/opinion-map", response_model=OpinionMapPublic)
async def opinion_map(consultation_id: str, clients: Clients) -> OpinionMapPublic:
    """The map's 2-D projection: each participant placed, and the groups' centres."""
    found = await _read(consultation_id, clients)
    return OpinionMapPublic(
        consultation_id=found.consultation_id, computed=found.computed,
        computed_at=_when(found), groups=_groups(found),
        participants=[MappedParticipantPublic(
            key=p.key, x=p.x, y=p.y, group=p.group if p.HasField("group") else None)
            for p in found.participants])
