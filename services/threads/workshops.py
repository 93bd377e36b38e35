"""Workshop import: contributions from an in-person workshop, as posts, all or nothing.

Every line is checked before anything is written, and every bad line is reported (not
just the first), so a facilitator fixes the file once. Then the workshop's threads (one
per theme it spoke to), its posts, their events and a record of the import commit in one
transaction: either the whole workshop is in the consultation or none of it is. The
record carries the request's idempotency key, so a retried import (a timeout, a double
click) returns the first one instead of doubling every contribution.

Files come from spreadsheets: a leading byte-order mark is dropped and the separator
(`,`, `;` as Excel writes in many locales, or tab) is detected by `csv.Sniffer`; quoting
stays Excel's (`"` doubled inside quotes). When the sniffer cannot tell, `,` is assumed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from agora.v1 import debate_events_pb2, events_pb2, threads_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.types import Document
from agora_kit.validators import has_control_characters
from services.threads import kinds
from services.threads.post_events import post_created
from services.threads.post_language import post_language
from services.threads.store import VISIBLE, ThreadsStore
from services.threads.structure import theme_key

MAX_LINES = 500
LABEL_MAX = 100
HEADER = ("theme", "text")
SEPARATORS = ",;\t"
SNIFF_CHARS = 16_384


@dataclass(frozen=True)
class Line:
    theme_id: str
    text: str
    author_label: str


def parse(content: str, themes: list[Document], *, max_chars: int,
          ) -> tuple[list[Line], list[tuple[int, str]]]:
    """The lines and every error as (line number, message); lines are valid only if no
    error was found."""
    content = content.removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(content), delimiter=separator(content)))
    if not rows or tuple(c.strip().lower() for c in rows[0][:2]) != HEADER:
        return [], [(1, "the first line must be the header theme,text[,author] "
                        "(separated by commas, semicolons or tabs)")]
    # Structures check that titles differ; one stored before that may repeat a title.
    titles = [theme_key(t["title"]) for t in themes]
    by_key: dict[str, str] = {t["id"]: t["id"] for t in themes}
    by_key.update((key, t["id"]) for key, t in zip(titles, themes, strict=True)
                  if titles.count(key) == 1)
    lines: list[Line] = []
    errors: list[tuple[int, str]] = []
    if len(rows) - 1 > MAX_LINES:
        return [], [(MAX_LINES + 2, f"at most {MAX_LINES} contributions per import")]
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) not in (2, 3):
            errors.append((number, f"expected 2 or 3 columns, found {len(row)}"))
            continue
        theme, text, label = row[0].strip(), row[1].strip(), (row[2] if len(row) == 3
                                                                else "").strip()
        problems = []
        if titles.count(theme_key(theme)) > 1:
            problems.append(f"several themes are titled {theme[:60]!r}; name it by its id")
        elif theme_key(theme) not in by_key and theme not in by_key:
            problems.append(f"unknown theme {theme[:60]!r}")
        if not text:
            problems.append("the text is empty")
        elif len(text) > max_chars:
            problems.append(f"the text is longer than {max_chars} characters")
        if len(label) > LABEL_MAX:
            problems.append(f"the author label is longer than {LABEL_MAX} characters")
        if has_control_characters(text + label):
            problems.append("control characters")
        if problems:
            errors.append((number, "; ".join(problems)))
        else:
            lines.append(Line(by_key.get(theme, by_key.get(theme_key(theme), "")), text, label))
    if not lines and not errors:
        errors.append((2, "no contribution in the file"))
    return ([] if errors else lines), errors


def separator(content: str) -> str:
    """The file's separator as csv.Sniffer reads its start; "," when it cannot tell."""
    try:
        return csv.Sniffer().sniff(content[:SNIFF_CHARS], delimiters=SEPARATORS).delimiter
    except csv.Error:
        return ","


async def import_once(store: ThreadsStore, *, consultation: Document, workshop: str,
                      lines: list[Line], actor: str, idempotency_key: str | None,
                      request: dict[str, Any]) -> Document:
    """The import's record: written now, or the earlier one with the same key."""

    async def create(fields: dict[str, Any]) -> Document:
        return await import_lines(store, consultation=consultation, workshop=workshop,
                                  lines=lines, actor=actor, record_fields=fields)

    return await idempotency.create_once(store.workshop_imports, actor=actor,
                                         key=idempotency_key, request=request, create=create)


async def import_lines(store: ThreadsStore, *, consultation: Document, workshop: str,
                       lines: list[Line], actor: str,
                       record_fields: dict[str, Any]) -> Document:
    """Write the workshop in one transaction; returns the import's record."""
    consultation_id = consultation["_id"]
    at = now()
    threads: dict[str, Document] = {}
    posts: list[Document] = []
    envelopes: list[events_pb2.EventEnvelope] = []
    for line in lines:
        if line.theme_id not in threads:
            threads[line.theme_id] = {
                "_id": new_id(), "consultation_id": consultation_id, "theme_id": line.theme_id,
                "title": f"Workshop: {workshop}", "created_by": actor, "created_at": at,
                "kind": kinds.DISCUSSION, "idea_id": None, "columns": [], "workshop": workshop}
        thread = threads[line.theme_id]
        post: dict[str, Any] = {
            "_id": new_id(), "thread_id": thread["_id"], "consultation_id": consultation_id,
            "theme_id": line.theme_id, "author_id": actor, "created_by": actor,
            "body": line.text, "format": threads_pb2.POST_FORMAT_PLAIN,
            **post_language(line.text, "", consultation), "created_at": at, "parent_id": None,
            "column_id": None, "depth": 0, "revision": 0, "pinned": False, "status": VISIBLE,
            "workshop": workshop, "author_label": line.author_label}
        posts.append(post)
        envelopes.append(new_envelope(event_type=EVENTS.post_created,
                                      consultation_id=consultation_id, actor=actor,
                                      payload=post_created(post)))
    thread_ids = [t["_id"] for t in threads.values()]
    envelopes.append(new_envelope(
        event_type=EVENTS.workshop_imported, consultation_id=consultation_id, actor=actor,
        payload=debate_events_pb2.WorkshopImported(workshop=workshop, posts=len(posts),
                                                   thread_ids=thread_ids)))

    record = {"_id": new_id(), "consultation_id": consultation_id, "workshop": workshop,
              "created_by": actor, "created_at": at, "imported": len(posts),
              "thread_ids": thread_ids, **record_fields}

    async def work(session: Session, outbox: Outbox) -> None:
        await store.workshop_imports.insert_one(record, session=session)
        await store.threads.insert_many(list(threads.values()), session=session)
        await store.posts.insert_many(posts, session=session)
        for envelope in envelopes:
            await outbox.add(envelope, session=session)

    await store.commit(work)
    return record
