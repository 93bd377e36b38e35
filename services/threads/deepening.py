"""Two-column deepening: a synthesiser writes the summary of one column.

The summary is stored in the thread's column (the thread document is written rarely, by
one synthesiser at a time, so it is no hot spot), with its `deepening.summary_written`
event in the same transaction.
"""

from __future__ import annotations

from agora.v1 import debate_events_pb2
from agora_kit.clock import now
from agora_kit.errors import FailedPrecondition, NotFound
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads import kinds
from services.threads.store import ThreadsStore


async def summarise_column(store: ThreadsStore, *, thread_id: str, column_id: str,
                           summary: str, actor: str) -> Document:
    thread = await store.get_thread(thread_id)
    if kinds.of_thread(thread) != kinds.TWO_COLUMN:
        raise FailedPrecondition("only a two-column thread has column summaries")
    if column_id not in {c["id"] for c in thread["columns"]}:
        raise NotFound(f"column {column_id} is not a column of this thread", field="column_id")
    at = now()
    columns = [{**c, "summary": summary, "summary_by": actor, "summary_at": at}
               if c["id"] == column_id else c for c in thread["columns"]]
    payload = debate_events_pb2.ColumnSummaryWritten(thread_id=thread_id, column_id=column_id,
                                                     summary=summary)

    async def work(session: Session, outbox: Outbox) -> None:
        await store.threads.update_one(
            {"_id": thread_id, "columns.id": column_id},
            {"$set": {"columns.$.summary": summary, "columns.$.summary_by": actor,
                      "columns.$.summary_at": at}}, session=session)
        await outbox.add(new_envelope(event_type=EVENTS.deepening_summary_written,
                                      consultation_id=thread["consultation_id"], actor=actor,
                                      payload=payload), session=session)

    await store.commit(work)
    return {**thread, "columns": columns}
