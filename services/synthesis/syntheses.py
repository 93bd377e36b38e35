"""Syntheses: Markdown paragraphs citing ideas and extracts, published as versions.

A synthesis (of a theme, or of the whole consultation) has one draft, which synthesisers
save as a list of paragraphs. A paragraph carried over from the latest published version
names that paragraph's anchor; a new one names none and gets a fresh anchor when
published, so an anchor survives every version its paragraph is carried into, and so do
the contests on it (contests.py). Citations `[idea:<id>]` and `[extract:<id>]` are
checked on save: each must name an idea or extract of the same consultation (422 on
`paragraphs.<i>.text` otherwise).

Saving a draft writes `synthesis.draft_saved` with it (one transaction): the gateway
renews its cached reads and streams it to synthesisers only, since a draft is not public.

Publishing copies the draft into an immutable version numbered after the latest; the
version's `_id` is `<synthesis>:<number>`, so two concurrent publications cannot both
take a number. An empty draft is not published.
"""

from __future__ import annotations

import html
import re
from typing import Any

from diff_match_patch import diff_match_patch
from google.protobuf.message import Message
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from agora.v1 import synthesis_pb2
from agora_kit import idempotency
from agora_kit.clock import now
from agora_kit.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from agora_kit.events.catalog import EVENTS, EventType
from agora_kit.events.outbox import Outbox
from agora_kit.ids import is_valid_id, new_id
from agora_kit.mongo import Client, Database, Session
from agora_kit.transactions import commit
from agora_kit.types import Document
from services.synthesis import permissions
from services.synthesis.events import publish
from services.synthesis.posts import Posts

SYNTHESES, VERSIONS = "syntheses", "synthesis_versions"
CITATION = re.compile(r"\[(idea|extract):([^\]\s]*)\]")
MAX_PARAGRAPHS, MAX_PARAGRAPH = 200, 10_000


def version_id(synthesis_id: str, number: int) -> str:
    return f"{synthesis_id}:{number}"


class Syntheses:
    def __init__(self, *, mongo: Client, db: Database, outbox: Outbox, posts: Posts) -> None:
        self._mongo = mongo
        self._outbox = outbox
        self._posts = posts
        self.syntheses = db[SYNTHESES]
        self.versions = db[VERSIONS]
        self._ideas = db["ideas"]
        self._extracts = db["extracts"]

    async def ensure_indexes(self) -> None:
        await self.syntheses.create_index([("consultation_id", ASCENDING), ("_id", ASCENDING)])
        await self.versions.create_index([("synthesis_id", ASCENDING), ("number", DESCENDING)])
        await idempotency.ensure_index(self.syntheses)

    async def create(self, *, consultation_id: str, theme_id: str | None, title: str,
                     actor: str, roles: list[str], idempotency_key: str | None) -> Document:
        permissions.require(permissions.Action.WRITE_SYNTHESES, roles)
        if not title.strip():
            raise InvalidArgument("title must not be blank", field="title")
        themes = await self._posts.theme_ids(consultation_id)
        if theme_id is not None and theme_id not in themes:
            raise InvalidArgument(f"theme {theme_id} is not a theme of this consultation",
                                  field="theme_id")
        request = {"consultation_id": consultation_id, "theme_id": theme_id, "title": title}

        async def create(extra: dict[str, Any]) -> Document:
            document: Document = {"_id": new_id(), **request, "title": title.strip(),
                                  "draft": [], "created_by": actor, "created_at": now(),
                                  **extra}

            async def work(session: Session) -> Document:
                await self.syntheses.insert_one(document, session=session)
                await self._event(document, EVENTS.synthesis_created, 0, actor, session)
                return document

            created = await commit(self._mongo, self._outbox, lambda session, _: work(session))
            return created

        return await idempotency.create_once(self.syntheses, actor=actor,
                                             key=idempotency_key, request=request,
                                             create=create)

    async def get(self, consultation_id: str, synthesis_id: str) -> Document:
        found = await self.syntheses.find_one({"_id": synthesis_id,
                                               "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"synthesis {synthesis_id} does not exist", field="synthesis_id")
        return found

    async def page(self, consultation_id: str, *, after: str | None,
                   limit: int) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if after is not None:
            query["_id"] = {"$gt": after}
        found: list[Document] = await self.syntheses.find(query).sort("_id", ASCENDING) \
            .limit(limit).to_list()
        return found

    async def latest(self, synthesis_id: str, *,
                     session: Session | None = None) -> Document | None:
        found: list[Document] = await self.versions.find(
            {"synthesis_id": synthesis_id}, session=session).sort("number", DESCENDING) \
            .limit(1).to_list()
        return found[0] if found else None

    async def version(self, consultation_id: str, synthesis_id: str, number: int) -> Document:
        found = await self.versions.find_one({"_id": version_id(synthesis_id, number),
                                              "consultation_id": consultation_id})
        if found is None:
            raise NotFound(f"synthesis {synthesis_id} has no version {number}",
                           field="number")
        return found

    async def save_draft(self, *, consultation_id: str, synthesis_id: str,
                         paragraphs: list[tuple[str, str]], actor: str,
                         roles: list[str]) -> Document:
        """Replace the draft with (anchor or "", text) paragraphs, all checked first."""
        permissions.require(permissions.Action.WRITE_SYNTHESES, roles)
        synthesis = await self.get(consultation_id, synthesis_id)
        if len(paragraphs) > MAX_PARAGRAPHS:
            raise InvalidArgument(f"at most {MAX_PARAGRAPHS} paragraphs", field="paragraphs")
        latest = await self.latest(synthesis_id)
        published = {p["anchor"] for p in latest["paragraphs"]} if latest else set()
        seen: set[str] = set()
        draft = []
        for i, (anchor, text) in enumerate(paragraphs):
            if not text.strip() or len(text) > MAX_PARAGRAPH:
                raise InvalidArgument(f"a paragraph has 1 to {MAX_PARAGRAPH} characters, not "
                                      "only blanks", field=f"paragraphs.{i}.text")
            if anchor and (anchor not in published or anchor in seen):
                raise InvalidArgument("an anchor names a paragraph of the latest published "
                                      "version, once", field=f"paragraphs.{i}.anchor")
            seen.add(anchor)
            await self._check_citations(consultation_id, text, f"paragraphs.{i}.text")
            draft.append({"anchor": anchor or None, "text": text})
        saved = {**synthesis, "draft": draft}

        async def work(session: Session) -> Document:
            await self.syntheses.update_one({"_id": synthesis_id}, {"$set": {"draft": draft}},
                                            session=session)
            await self._event(saved, EVENTS.synthesis_draft_saved, 0, actor, session)
            return saved

        return await commit(self._mongo, self._outbox, lambda session, _: work(session))

    async def publish(self, *, consultation_id: str, synthesis_id: str, actor: str,
                      roles: list[str]) -> Document:
        permissions.require(permissions.Action.WRITE_SYNTHESES, roles)
        await self.get(consultation_id, synthesis_id)

        async def work(session: Session) -> Document:
            synthesis = await self.syntheses.find_one({"_id": synthesis_id}, session=session)
            assert synthesis is not None
            if not synthesis["draft"]:
                raise FailedPrecondition("the draft is empty: write a paragraph before "
                                         "publishing", field="synthesis_id")
            latest = await self.latest(synthesis_id, session=session)
            number = (latest["number"] if latest else 0) + 1
            version: Document = {
                "_id": version_id(synthesis_id, number), "synthesis_id": synthesis_id,
                "consultation_id": consultation_id, "number": number,
                "title": synthesis["title"],
                "paragraphs": [{"anchor": p["anchor"] or new_id(), "text": p["text"]}
                               for p in synthesis["draft"]],
                "published_by": actor, "published_at": now()}
            try:
                await self.versions.insert_one(version, session=session)
            except DuplicateKeyError:  # a concurrent publish took this number: rerun
                raise Conflict("another version was published meanwhile") from None
            # The draft continues from what was published: every paragraph now has its anchor.
            await self.syntheses.update_one({"_id": synthesis_id},
                                            {"$set": {"draft": version["paragraphs"]}},
                                            session=session)
            await self._event(synthesis, EVENTS.synthesis_published, number, actor, session,
                              version=version)
            return version

        version = await commit(self._mongo, self._outbox, lambda session, _: work(session))
        return version

    async def diff(self, consultation_id: str, synthesis_id: str, before: int,
                   after: int) -> list[Document]:
        """Paragraph by paragraph, in the later version's order, then removed ones."""
        old = await self.version(consultation_id, synthesis_id, before)
        new = await self.version(consultation_id, synthesis_id, after)
        earlier = {p["anchor"]: p["text"] for p in old["paragraphs"]}
        changes = []
        for p in new["paragraphs"]:
            was = earlier.pop(p["anchor"], None)
            kind = "added" if was is None else "unchanged" if was == p["text"] else "changed"
            changes.append(_change(p["anchor"], kind, was or "", p["text"]))
        changes += [_change(a, "removed", text, "") for a, text in earlier.items()]
        return changes

    async def _check_citations(self, consultation_id: str, text: str, field: str) -> None:
        for kind, cited in CITATION.findall(text):
            collection = self._ideas if kind == "idea" else self._extracts
            found = is_valid_id(cited) and await collection.find_one(
                {"_id": cited, "consultation_id": consultation_id}, {"_id": 1}) is not None
            if not found:
                raise InvalidArgument(f"[{kind}:{cited}] cites no {kind} of this consultation",
                                      field=field)

    async def _event(self, synthesis: Document, event_type: EventType[Message], number: int,
                     actor: str, session: Session, version: Document | None = None) -> None:
        """A published `version` travels with its event: what translation translates."""
        payload = synthesis_pb2.SynthesisChanged(synthesis_id=synthesis["_id"], version=number)
        if version is not None:
            payload.title = version["title"]
            payload.paragraphs.extend(synthesis_pb2.Paragraph(anchor=p["anchor"], text=p["text"])
                                      for p in version["paragraphs"])
        await publish(self._outbox, event_type=event_type,
                      consultation_id=synthesis["consultation_id"], actor=actor,
                      payload=payload, session=session)


def _change(anchor: str, kind: str, before: str, after: str) -> Document:
    dmp = diff_match_patch()
    diffs = dmp.diff_main(before, after)
    dmp.diff_cleanupSemantic(diffs)
    rendered = "".join(
        f"<del>{html.escape(t)}</del>" if op < 0 else f"<ins>{html.escape(t)}</ins>" if op > 0
        else html.escape(t) for op, t in diffs)
    return {"anchor": anchor, "change": kind, "before": before, "after": after,
            "html": rendered}
