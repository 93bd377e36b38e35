"""/v1/consultations/{id}/structure and /phase-changes — strategists adapt a running
consultation: its texts, themes and phases, and which phase is current."""

from __future__ import annotations

from fastapi import APIRouter

from agora.v1 import threads_pb2
from services.gateway.debate_schemas import PhaseChangeCreate
from services.gateway.deps import Clients, Writer, roles
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import PHASE_TO_PROTO, ConsultationPublic, ConsultationStructure

router = APIRouter(prefix="/v1/consultations", tags=["phases"])
CHANGES = {
    "advance": threads_pb2.PHASE_CHANGE_ADVANCE,
    "extend": threads_pb2.PHASE_CHANGE_EXTEND,
    "reopen": threads_pb2.PHASE_CHANGE_REOPEN,
}


@router.put("/{consultation_id}/structure", response_model=ConsultationPublic)
async def update_structure(consultation_id: str, body: ConsultationStructure, user: Writer,
                           clients: Clients) -> ConsultationPublic:
    """Replace title, question, languages, description, "the step after", themes and
    phases (send all of them). Themes and sub-themes sent with their `id` keep their
    threads; removing one that has threads, or a language posts are written in, is
    refused (409). `versions` (the texts in the other languages) are replaced as given too:
    send them all again; a version in a language the consultation does not have, in the
    original's, or with a blank text is a 422 naming the field."""
    request = threads_pb2.UpdateConsultationRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        title=body.title, question=body.question, languages=body.languages,
        actor_id=user.account_id, actor_roles=roles(user), description=body.description,
        step_after=body.step_after, themes=[t.to_proto() for t in body.themes],
        phases=[p.to_proto() for p in body.phases], pre_moderation=body.pre_moderation,
        original_language=body.original_language or "", versions=body.version_protos(),
    )
    return ConsultationPublic.of(
        await clients.call("threads", clients.threads.UpdateConsultation, request))


@router.post("/{consultation_id}/phase-changes", response_model=ConsultationPublic)
async def change_phase(consultation_id: str, body: PhaseChangeCreate, user: Writer,
                       clients: Clients) -> ConsultationPublic:
    """Advance to the next phase now, extend a phase, or reopen one (strategists); the
    phases after the change move with it, so the calendar keeps no hole and no overlap.
    Emits `consultation.phase_changed`."""
    request = threads_pb2.ChangePhaseRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        actor_id=user.account_id, actor_roles=roles(user), change=CHANGES[body.change],
        phase=PHASE_TO_PROTO[body.phase] if body.phase else threads_pb2.PHASE_KIND_UNSPECIFIED,
    )
    if body.ends_at is not None:
        request.ends_at.FromDatetime(body.ends_at)
    return ConsultationPublic.of(
        await clients.call("threads", clients.threads.ChangePhase, request))
