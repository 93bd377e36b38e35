"""Kinds of threads: a discussion, a survey question, a two-column deepening.

They share posts, replies, reactions and moderation; the kind decides who may open one,
which phase module must be open to write in it, and (two-column) the columns a
top-level contribution must name.
"""

from __future__ import annotations

from collections.abc import Sequence

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument, NotFound
from agora_kit.ids import new_id
from agora_kit.types import Document
from services.threads import validation
from services.threads.permissions import Action

DISCUSSION, SURVEY, TWO_COLUMN = "discussion", "survey_question", "two_column"
NAMES = {
    threads_pb2.THREAD_KIND_UNSPECIFIED: DISCUSSION,
    threads_pb2.THREAD_KIND_DISCUSSION: DISCUSSION,
    threads_pb2.THREAD_KIND_SURVEY_QUESTION: SURVEY,
    threads_pb2.THREAD_KIND_TWO_COLUMN: TWO_COLUMN,
}
VALUES = {
    DISCUSSION: threads_pb2.THREAD_KIND_DISCUSSION,
    SURVEY: threads_pb2.THREAD_KIND_SURVEY_QUESTION,
    TWO_COLUMN: threads_pb2.THREAD_KIND_TWO_COLUMN,
}
MODULE = {DISCUSSION: "threads", SURVEY: "survey", TWO_COLUMN: "two_column"}
CREATE = {DISCUSSION: Action.CREATE_THREAD, SURVEY: Action.ASK_SURVEY_QUESTION,
          TWO_COLUMN: Action.OPEN_DEEPENING}
DEFAULT_COLUMNS = ("Advantages", "Drawbacks")
COLUMNS = (2, 4)
LABEL_MAX = 60
IDEA_REF_MAX = 100


def kind_of(value: int) -> str:
    if value not in NAMES:
        raise InvalidArgument("unknown thread kind", field="kind")
    return NAMES[value]  # type: ignore[index]


def of_thread(thread: Document) -> str:
    return str(thread.get("kind", DISCUSSION))


def columns(kind: str, labels: Sequence[str]) -> list[Document]:
    """Column documents of a two-column thread; none for the other kinds."""
    if kind != TWO_COLUMN:
        if labels:
            raise InvalidArgument("only a two-column thread has columns", field="column_labels")
        return []
    chosen = [validation.text(label, field="column_labels", max_chars=LABEL_MAX)
              for label in labels] or list(DEFAULT_COLUMNS)
    if not COLUMNS[0] <= len(chosen) <= COLUMNS[1]:
        raise InvalidArgument(f"between {COLUMNS[0]} and {COLUMNS[1]} columns",
                              field="column_labels")
    if len(set(chosen)) != len(chosen):
        raise InvalidArgument("column labels must differ", field="column_labels")
    return [{"id": new_id(), "label": label, "summary": ""} for label in chosen]


def idea_ref(kind: str, value: str) -> str | None:
    """The idea under deepening: required for two-column threads, opaque until the
    synthesis service defines ideas."""
    if kind != TWO_COLUMN:
        if value:
            raise InvalidArgument("only a two-column thread deepens an idea", field="idea_id")
        return None
    return validation.text(value, field="idea_id", max_chars=IDEA_REF_MAX)


def column_of(thread: Document, requested: str | None, parent_column: str | None) -> str | None:
    """The column of a new post: named for a top-level two-column contribution, inherited
    by replies, absent elsewhere."""
    if of_thread(thread) != TWO_COLUMN:
        if requested:
            raise InvalidArgument("only two-column threads have columns", field="column_id")
        return None
    if parent_column is not None:
        if requested and requested != parent_column:
            raise InvalidArgument("a reply stays in its parent's column", field="column_id")
        return parent_column
    if not requested:
        raise InvalidArgument("a contribution names its column", field="column_id")
    if requested not in {c["id"] for c in thread["columns"]}:
        raise NotFound(f"column {requested} is not a column of this thread", field="column_id")
    return requested
