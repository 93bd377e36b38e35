"""The event catalog: one vocabulary for the bus, each type with the payload it carries."""

from __future__ import annotations

import re

import pytest

from agora.v1 import debate_events_pb2, events_pb2, identity_pb2
from agora_kit.events.catalog import (
    ALL,
    EVENTS,
    MalformedEvent,
    event_type,
    payload_class,
    subject_for,
    unpack,
)
from agora_kit.events.envelope import new_envelope


def test_every_type_is_named_once_and_found_by_its_name() -> None:
    names = [event.name for event in ALL]
    assert len(names) == len(set(names))
    # 30 of identity, threads and voting; 16 of synthesis (idea.edited the latest); 1 of
    # translation; 2 of notifications
    assert len(ALL) == 49
    for event in ALL:
        assert event_type(event.name) is event
    assert payload_class("post.created") is events_pb2.PostCreated
    with pytest.raises(ValueError, match=re.escape("unknown event type 'post.creatd'")):
        event_type("post.creatd")


def test_subjects_and_filters() -> None:
    assert EVENTS.post_created.subject("c1") == "agora.c1.post.created"
    assert EVENTS.user_erased.subject("") == "agora._.user.erased"
    assert subject_for("c1", "reaction.changed") == "agora.c1.reaction.changed"
    assert subject_for("c1", EVENTS.reaction_changed) == "agora.c1.reaction.changed"
    assert EVENTS.consultation_updated.filter_subject == "agora.*.consultation.updated"


def test_an_envelope_carries_its_types_payload_and_nothing_else() -> None:
    payload = identity_pb2.UserErased(account_id="ana")
    envelope = new_envelope(event_type=EVENTS.user_erased, consultation_id="",
                            actor="ana", payload=payload)
    assert envelope.type == "user.erased"
    assert EVENTS.user_erased.unpack(envelope) == payload
    mismatch = "post.created carries a PostCreated, not a UserErased"
    with pytest.raises(TypeError, match=re.escape(mismatch)):
        new_envelope(event_type=EVENTS.post_created, consultation_id="c1", actor="ana",
                     payload=payload)
    with pytest.raises(ValueError, match=re.escape("unknown event type")):
        new_envelope(event_type="post.invented", consultation_id="c1", actor="ana",
                     payload=payload)


def test_unpack_refuses_another_type_or_a_foreign_payload() -> None:
    changed = new_envelope(event_type=EVENTS.consultation_updated, consultation_id="c1",
                           actor="x", payload=debate_events_pb2.PhaseChanged(consultation_id="c1"))
    assert unpack(changed, EVENTS.consultation_phase_changed,
                  EVENTS.consultation_updated).consultation_id == "c1"
    with pytest.raises(MalformedEvent, match=re.escape("consultation.updated is not one of")):
        EVENTS.consultation_phase_changed.unpack(changed)
    forged = new_envelope(event_type=EVENTS.user_erased, consultation_id="", actor="x",
                          payload=identity_pb2.UserErased(account_id="a"))
    forged.type = "post.created"  # a producer that lied about its payload
    lie = "post.created does not carry a PostCreated"
    with pytest.raises(MalformedEvent, match=re.escape(lie)):
        EVENTS.post_created.unpack(forged)
