"""Knowledge: resources per theme (knowledge managers) and fact-checks on posts (experts).

A resource is its own document; a fact-check is the latest expert annotation of a post,
stored on the post so it is read with it at no extra cost. Each write and its event
commit in one transaction.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from pymongo import ASCENDING

from agora.v1 import debate_events_pb2, threads_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id
from agora_kit.mongo import Session
from agora_kit.types import Document
from services.threads.posts import get_post
from services.threads.store import ThreadsStore
from services.threads.visibility import Viewer

MAX_LINKS = 20
LINK_MAX = 2_000
NOTE_MAX = 2_000
STATUSES = {v: k.removeprefix("FACT_CHECK_STATUS_").lower()
            for k, v in threads_pb2.FactCheckStatus.items() if v}


def links(values: list[str], *, field: str) -> list[str]:
    """http(s) URLs only: a `javascript:` link must never reach a reader."""
    if len(values) > MAX_LINKS:
        raise InvalidArgument(f"at most {MAX_LINKS} links", field=field)
    for value in values:
        parsed = urlparse(value)
        if len(value) > LINK_MAX or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidArgument(f"{value[:80]!r} is not an http(s) URL", field=field)
    return list(values)


async def create_resource(store: ThreadsStore, *, consultation_id: str, theme_id: str,
                          title: str, body: str, urls: list[str], actor: str,
                          idempotency_key: str | None) -> Document:
    consultation = await store.get_consultation(consultation_id)
    if theme_id not in {t["id"] for t in consultation["themes"]}:
        raise InvalidArgument(f"theme {theme_id} is not a theme of this consultation",
                              field="theme_id")
    request = {"consultation_id": consultation_id, "theme_id": theme_id, "title": title,
               "body": body, "links": urls}

    async def create(extra: dict[str, Any]) -> Document:
        document = {"_id": new_id(), **request, "created_by": actor, "created_at": now(),
                    **extra}
        payload = debate_events_pb2.ResourcePublished(resource_id=document["_id"],
                                                      theme_id=theme_id, title=title)

        async def work(session: Session, outbox: Outbox) -> None:
            await store.resources.insert_one(document, session=session)
            await outbox.add(new_envelope(event_type=EVENTS.resource_published,
                                          consultation_id=consultation_id, actor=actor,
                                          payload=payload), session=session)

        await store.commit(work)
        return document

    return await idempotency.create_once(store.resources, actor=actor, key=idempotency_key,
                                         request=request, create=create)


async def list_resources(store: ThreadsStore, *, consultation_id: str, theme_id: str | None,
                         after: str | None, limit: int) -> list[Document]:
    query: dict[str, Any] = {"consultation_id": consultation_id}
    if theme_id:
        query["theme_id"] = theme_id
    if after:
        query["_id"] = {"$gt": after}
    found = await store.resources.find(query).sort("_id", ASCENDING).limit(limit).to_list()
    if not found and after is None:
        await store.get_consultation(consultation_id)
    return found


async def fact_check(store: ThreadsStore, *, post_id: str, status: int, note: str,
                     sources: list[str], viewer: Viewer) -> Document:
    if status not in STATUSES:
        raise InvalidArgument(f"status must be one of {sorted(STATUSES.values())}",
                              field="status")
    post = viewer.readable(await get_post(store, post_id))  # a held post: not for experts
    actor = viewer.account_id
    annotation = {"status": status, "note": note, "sources": sources, "expert_id": actor,
                  "checked_at": now()}
    payload = debate_events_pb2.PostFactChecked(post_id=post_id, thread_id=post["thread_id"],
                                                status=status)  # type: ignore[arg-type]

    async def work(session: Session, outbox: Outbox) -> None:
        await store.posts.update_one({"_id": post_id}, {"$set": {"fact_check": annotation}},
                                     session=session)
        await outbox.add(new_envelope(event_type=EVENTS.post_fact_checked,
                                      consultation_id=post["consultation_id"], actor=actor,
                                      payload=payload), session=session)

    await store.commit(work)
    return {**post, "fact_check": annotation}
