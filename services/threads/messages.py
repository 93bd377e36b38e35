"""Stored documents to protos, including what a given viewer may see of a post."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from agora.v1 import threads_pb2
from agora_kit.clock import now
from agora_kit.rendering import render_body
from agora_kit.types import Document
from services.threads import adapt, kinds, phases, versions
from services.threads.reactions import counts_message
from services.threads.store import HIDDEN, PENDING, consultation_phases
from services.threads.visibility import ANONYMOUS, Viewer

PLACEHOLDER_HTML = "<p><em>This contribution was hidden by the moderators.</em></p>"
STATUSES = {"visible": threads_pb2.POST_STATUS_VISIBLE, HIDDEN: threads_pb2.POST_STATUS_HIDDEN,
            PENDING: threads_pb2.POST_STATUS_PENDING}


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def consultation_message(doc: Document) -> threads_pb2.Consultation:
    schedule = consultation_phases(doc)
    running = phases.current(schedule, now())
    return threads_pb2.Consultation(
        id=doc["_id"], title=doc["title"], languages=doc["languages"],
        themes=[threads_pb2.Theme(
            id=t["id"], title=t["title"],
            sub_themes=[threads_pb2.SubTheme(id=s["id"], title=s["title"])
                        for s in t.get("sub_themes", [])]) for t in doc["themes"]],
        created_by=doc["created_by"], created_at=timestamp(doc["created_at"]),
        description=doc.get("description", ""), step_after=doc.get("step_after", ""),
        phases=[adapt.phase_message(p) for p in schedule],
        current_phase=adapt.kind_value(running),
        pre_moderation=doc.get("pre_moderation", False),
        scheduled=not schedule or running is not None,
        question=doc.get("question", ""),
        original_language=doc.get("original_language") or doc["languages"][0],
        versions=versions.messages(doc),
    )


def column_message(doc: Document) -> threads_pb2.Column:
    column = threads_pb2.Column(id=doc["id"], label=doc["label"], summary=doc["summary"],
                                summary_by=doc.get("summary_by", ""))
    if doc.get("summary_at"):
        column.summary_at.CopyFrom(timestamp(doc["summary_at"]))
    return column


def thread_message(doc: Document, post_count: int = 0) -> threads_pb2.Thread:
    return threads_pb2.Thread(
        id=doc["_id"], consultation_id=doc["consultation_id"], theme_id=doc["theme_id"],
        title=doc["title"], created_by=doc["created_by"],
        created_at=timestamp(doc["created_at"]), post_count=post_count,
        kind=kinds.VALUES[kinds.of_thread(doc)], idea_id=doc.get("idea_id") or "",
        columns=[column_message(c) for c in doc.get("columns", [])],
        sub_theme_id=doc.get("sub_theme_id") or "",
    )


def post_message(doc: Document, viewer: Viewer = ANONYMOUS,
                 counts: dict[str, int] | None = None, mine: str = "") -> threads_pb2.Post:
    """The post as viewer may see it: a hidden post is a placeholder except to its author
    and moderators, who also see why it was hidden."""
    status = doc.get("status", "visible")
    privileged = viewer.moderates or viewer.wrote(doc)
    masked = status == HIDDEN and not privileged
    message = threads_pb2.Post(
        id=doc["_id"], thread_id=doc["thread_id"], consultation_id=doc["consultation_id"],
        theme_id=doc["theme_id"], author_id=doc["author_id"],
        body="" if masked else doc["body"], format=doc["format"],
        body_html=PLACEHOLDER_HTML if masked else render_body(doc["body"], doc["format"]),
        language=doc["language"], created_at=timestamp(doc["created_at"]),
        parent_id=doc.get("parent_id") or "", depth=doc.get("depth", 0),
        revision=doc.get("revision", 0), pinned=doc.get("pinned", False),
        status=STATUSES[status],
        hidden_reason=doc.get("hidden_reason", "") if status == HIDDEN and privileged else "",
        reaction_counts=counts_message(counts or {}), my_reaction=mine,
        column_id=doc.get("column_id") or "",
        workshop=doc.get("workshop") or "", author_label=doc.get("author_label") or "",
        language_confidence=doc.get("language_confidence"),
    )
    if doc.get("fact_check"):
        check = doc["fact_check"]
        message.fact_check.CopyFrom(threads_pb2.FactCheck(
            status=check["status"], note=check["note"], sources=check["sources"],
            expert_id=check["expert_id"], checked_at=timestamp(check["checked_at"])))
    if doc.get("edited_at"):
        message.edited_at.CopyFrom(timestamp(doc["edited_at"]))
    return message


def resource_message(doc: Document) -> threads_pb2.Resource:
    return threads_pb2.Resource(
        id=doc["_id"], consultation_id=doc["consultation_id"], theme_id=doc["theme_id"],
        title=doc["title"], body=doc["body"],
        body_html=render_body(doc["body"], threads_pb2.POST_FORMAT_MARKDOWN), links=doc["links"],
        created_by=doc["created_by"], created_at=timestamp(doc["created_at"]))
