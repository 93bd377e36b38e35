"""Strategists adapt a running consultation: structure and phase dates.

Each adaptation is one transaction writing the consultation and its event: a
`consultation.phase_changed` event whenever the current phase differs afterwards or a
strategist moved the dates through advance/extend/reopen, `consultation.updated`
otherwise; both carry the calendar, title, question and languages as they are after
the change. "Before" is the phase last announced (`announced_phase`), so a calendar
move the announcer has not published yet is not swallowed by an adaptation; each
adaptation records the phase it announces. The consultation document is the one
document these transactions share, and they are rare (a few a week), so there is no hot
spot.
"""

from __future__ import annotations

from datetime import datetime

from agora.v1 import debate_events_pb2, threads_pb2
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads import phases
from services.threads.store import (
    ANNOUNCED_PHASE,
    ThreadsStore,
    consultation_phases,
    phase_kind,
)
from services.threads.structure import ConsultationDraft

PHASE_CHANGES = {
    threads_pb2.PHASE_CHANGE_ADVANCE: "advance",
    threads_pb2.PHASE_CHANGE_EXTEND: "extend",
    threads_pb2.PHASE_CHANGE_REOPEN: "reopen",
}


def kind_value(phase: phases.Phase | None) -> threads_pb2.PhaseKind.ValueType:
    return kind_of(phase_kind(phase))


def kind_of(kind: str) -> threads_pb2.PhaseKind.ValueType:
    """The proto value of a stored phase kind ("" for none)."""
    if not kind:
        return threads_pb2.PHASE_KIND_UNSPECIFIED
    return threads_pb2.PhaseKind.Value(f"PHASE_KIND_{kind.upper()}")


def announced(consultation: Document, moment: datetime) -> str:
    """The phase last announced; before the announcer existed, the date-derived one."""
    stored = consultation.get(ANNOUNCED_PHASE)
    if isinstance(stored, str):
        return stored
    return phase_kind(phases.current(consultation_phases(consultation), moment))


def phase_message(phase: phases.Phase) -> threads_pb2.Phase:
    message = threads_pb2.Phase(kind=kind_value(phase), modules=phase.modules)
    message.starts_at.FromDatetime(phase.starts_at)
    message.ends_at.FromDatetime(phase.ends_at)
    return message


def phase_changed(consultation: Document, *, previous: str, current: phases.Phase | None,
                  change: threads_pb2.PhaseChange.ValueType) -> debate_events_pb2.PhaseChanged:
    """The payload of consultation.phase_changed and consultation.updated."""
    return debate_events_pb2.PhaseChanged(
        consultation_id=consultation["_id"], previous_phase=kind_of(previous),
        current_phase=kind_value(current), change=change,
        phases=[phase_message(p) for p in consultation_phases(consultation)],
        title=consultation["title"], question=consultation.get("question", ""),
        languages=consultation["languages"],
        original_language=consultation.get("original_language") or consultation["languages"][0],
        version_languages=[v["language"] for v in consultation.get("versions", [])])


async def _save(store: ThreadsStore, consultation: Document, fields: Document, *,
                actor: str, change: threads_pb2.PhaseChange.ValueType) -> Document:
    moment = now()
    before = announced(consultation, moment)
    after = phases.current(consultation_phases({**consultation, **fields}), moment)
    fields = {**fields, ANNOUNCED_PHASE: phase_kind(after)}
    updated = {**consultation, **fields}
    moved = change != threads_pb2.PHASE_CHANGE_UNSPECIFIED or before != phase_kind(after)
    payload = phase_changed(updated, previous=before, current=after, change=change)
    envelope = new_envelope(
        event_type=EVENTS.consultation_phase_changed if moved else EVENTS.consultation_updated,
        consultation_id=consultation["_id"], actor=actor, payload=payload,
    )

    async def work(session: Session, outbox: Outbox) -> None:
        await store.consultations.update_one({"_id": consultation["_id"]}, {"$set": fields},
                                             session=session)
        await outbox.add(envelope, session=session)

    await store.commit(work)
    return updated


async def update_structure(store: ThreadsStore, *, consultation_id: str,
                           draft: ConsultationDraft, actor: str) -> Document:
    """Replace title, question, languages, texts, themes and phases. Themes and
    sub-themes keep their ids; one with threads stays, and so does a language posts
    are written in (their language would name none of the consultation's)."""
    consultation = await store.get_consultation(consultation_id)
    fields = draft.fields(existing_themes=consultation["themes"])
    await _refuse_orphans(store, consultation, fields)
    return await _save(store, consultation, fields, actor=actor,
                       change=threads_pb2.PHASE_CHANGE_UNSPECIFIED)


async def _refuse_orphans(store: ThreadsStore, consultation: Document, fields: Document) -> None:
    """FailedPrecondition when the new structure drops a theme or sub-theme that has
    threads, or a language that posts are written in."""
    consultation_id = consultation["_id"]
    kept = {t["id"]: {s["id"] for s in t["sub_themes"]} for t in fields["themes"]}
    for theme in consultation["themes"]:
        if theme["id"] not in kept:
            if await store.threads.find_one(
                    {"consultation_id": consultation_id, "theme_id": theme["id"]}) is not None:
                raise FailedPrecondition(
                    f"theme {theme['title']!r} has threads; keep it (rename it if needed)",
                    field="themes")
            continue
        for sub_theme in theme.get("sub_themes", []):
            if sub_theme["id"] not in kept[theme["id"]] and await store.threads.find_one(
                    {"consultation_id": consultation_id,
                     "sub_theme_id": sub_theme["id"]}) is not None:
                raise FailedPrecondition(
                    f"sub-theme {sub_theme['title']!r} has threads; keep it (send its id to "
                    "rename it)", field="themes")
    removed = sorted(set(consultation["languages"]) - set(fields["languages"]))
    if removed:
        used = await store.posts.find_one(
            {"consultation_id": consultation_id, "language": {"$in": removed}}, {"language": 1})
        if used is not None:
            raise FailedPrecondition(
                f"posts are written in {used['language']!r}; a language in use stays (add "
                "or reorder languages freely)", field="languages")


async def change_phase(store: ThreadsStore, *, consultation_id: str,
                       change: threads_pb2.PhaseChange.ValueType, phase: str | None,
                       ends_at: datetime | None, actor: str) -> Document:
    """Advance, extend or reopen; the new dates are validated before anything is written."""
    consultation = await store.get_consultation(consultation_id)
    current = consultation_phases(consultation)
    moment = now()
    if change == threads_pb2.PHASE_CHANGE_ADVANCE:
        new = phases.advance(current, moment)
    else:
        assert phase is not None
        assert ends_at is not None
        operation = phases.extend if change == threads_pb2.PHASE_CHANGE_EXTEND else phases.reopen
        new = operation(current, phase, ends_at, moment)
    return await _save(store, consultation, {"phases": [p.to_doc() for p in new]},
                       actor=actor, change=change)
