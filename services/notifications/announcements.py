"""Announcements: a moderator or strategist (or operator) writes to a consultation's
participants (its followers and everyone who wrote in it) or its followers only, in one
or more of its languages. The announcement and its `announcement.published` event are
stored in one transaction (the outbox); the fan-out consumes the event like any other,
so recipients are told once whatever the redeliveries.
"""

from __future__ import annotations

from agora.v1 import notifications_pb2
from agora_kit.clock import now
from agora_kit.errors import InvalidArgument, PermissionDenied
from agora_kit.events.catalog import EVENTS
from agora_kit.events.envelope import new_envelope
from agora_kit.events.outbox import Outbox
from agora_kit.ids import new_id, require_id
from agora_kit.mongo import Session
from agora_kit.runtime import Dependencies
from agora_kit.types import Document
from services.notifications.directory import Directory
from services.notifications.kinds import AUDIENCES

ANNOUNCEMENTS = "announcements"
AUTHORS = frozenset({"moderator", "strategist", "operator"})
TITLE_CHARS = 200
BODY_CHARS = 4000


def _texts(texts: dict[str, notifications_pb2.AnnouncementText],
           languages: list[str]) -> dict[str, dict[str, str]]:
    if not texts:
        raise InvalidArgument("an announcement needs a text in at least one language",
                              field="texts")
    out: dict[str, dict[str, str]] = {}
    for lang, text in sorted(texts.items()):
        if lang not in languages:
            raise InvalidArgument(f"{lang!r} is not a language of this consultation "
                                  f"({', '.join(languages)})", field="texts")
        title, body = text.title.strip(), text.body.strip()
        if not 0 < len(title) <= TITLE_CHARS:
            raise InvalidArgument(f"a title of 1 to {TITLE_CHARS} characters is required",
                                  field=f"texts.{lang}.title")
        if not 0 < len(body) <= BODY_CHARS:
            raise InvalidArgument(f"a body of 1 to {BODY_CHARS} characters is required",
                                  field=f"texts.{lang}.body")
        out[lang] = {"title": title, "body": body}
    return out


def message(doc: Document) -> notifications_pb2.Announcement:
    announcement = notifications_pb2.Announcement(
        id=doc["_id"], consultation_id=doc["consultation_id"], author_id=doc["author_id"],
        audience=doc["audience"], texts={
            lang: notifications_pb2.AnnouncementText(**text)
            for lang, text in doc["texts"].items()})
    announcement.created_at.FromDatetime(doc["created_at"])
    return announcement


class Announcements:
    def __init__(self, deps: Dependencies, directory: Directory) -> None:
        self._deps = deps
        self._collection = deps.db[ANNOUNCEMENTS]
        self._directory = directory

    async def announce(self, request: notifications_pb2.AnnounceRequest) -> Document:
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        author = request.author_id
        if not 0 < len(author) <= 64:
            raise InvalidArgument("author_id is missing or too long", field="author_id")
        if not AUTHORS & set(request.author_roles):
            raise PermissionDenied("only a moderator or strategist of this consultation "
                                   "announces")
        if request.audience not in AUDIENCES:
            raise InvalidArgument(f"audience must be one of {', '.join(AUDIENCES)}",
                                  field="audience")
        info = await self._directory.existing_consultation(consultation_id)
        doc: Document = {
            "_id": new_id(), "consultation_id": consultation_id, "author_id": author,
            "texts": _texts(dict(request.texts), info.languages),
            "audience": request.audience, "created_at": now()}
        event = notifications_pb2.AnnouncementPublished(
            announcement_id=doc["_id"], audience=doc["audience"], texts={
                lang: notifications_pb2.AnnouncementText(**text)
                for lang, text in doc["texts"].items()})

        async def work(session: Session, outbox: Outbox) -> None:
            await self._collection.insert_one(doc, session=session)
            await outbox.add(new_envelope(event_type=EVENTS.announcement_published,
                                          consultation_id=consultation_id, actor=author,
                                          payload=event), session=session)

        await self._deps.commit(work)
        return doc
