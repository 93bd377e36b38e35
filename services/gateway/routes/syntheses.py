"""/v1/consultations/{id}/syntheses — syntheses, their versions and diffs, and contests.

Synthesisers write (`synthesis.write`: create, save the draft, publish, answer contests
and mark them taken into account); everyone the consultation admits reads published
versions, diffs and contests (`synthesis.read`); the draft is shown to synthesisers
only. Any member contests a published paragraph (`contest.write`). Contest authors
appear as their author key in the consultation, as post authors do. Reads come from the
gateway's read cache with an ETag (reads/synthesis.py), synthesisers' view (with the
draft) apart; every write renews it before answering.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from agora.v1 import synthesis_pb2
from services.gateway.auth import Principal
from services.gateway.deps import (
    Cache,
    Clients,
    Cursor,
    IdempotencyKey,
    Keys,
    Limit,
    OptionalUser,
    Res,
    Writer,
    roles,
)
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.permissions import allowed
from services.gateway.problems import Problem
from services.gateway.reading import reading_language
from services.gateway.reads.synthesis import IfNoneMatch, Untranslated, answer, respond
from services.gateway.routes.ids import existing_id
from services.gateway.synthesis_reading import (
    VARY,
    syntheses_page_units,
    synthesis_units,
    translated,
    version_units,
)
from services.gateway.synthesis_schemas import (
    Anchor,
    ContestAnswer,
    ContestCreate,
    ContestPublic,
    ContestResolution,
    ContestsPage,
    DraftUpdate,
    ParagraphChangePublic,
    SynthesesPage,
    SynthesisCreate,
    SynthesisDiffPublic,
    SynthesisPublic,
    SynthesisVersionPublic,
)

router = APIRouter(prefix="/v1/consultations", tags=["synthesis"])


def _writes(user: Principal | None) -> bool:
    return user is not None and allowed("synthesis.write", user.roles)


def _view(writes: bool) -> str:
    """The cache's view: synthesisers' answers carry the drafts."""
    return "synthesiser" if writes else ""


MAX_VERSION = 1_000_000


def _version(number: str) -> int:
    """A version number from the path; anything else names no version (404, as for ids)."""
    if not number.isascii() or not number.isdigit() or not 1 <= int(number) <= MAX_VERSION:
        raise Problem(404, f"version {number} does not exist", kind="not-found")
    return int(number)


@router.post("/{consultation_id}/syntheses", status_code=201, response_model=SynthesisPublic)
async def create_synthesis(consultation_id: str, body: SynthesisCreate, user: Writer,
                           clients: Clients, cache: Cache, response: Response,
                           idempotency_key: IdempotencyKey = None) -> SynthesisPublic:
    """Start a synthesis of a theme or of the whole consultation (an empty draft)."""
    request = synthesis_pb2.CreateSynthesisRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        theme_id=body.theme_id or "", title=body.title, actor_id=user.account_id,
        actor_roles=roles(user), idempotency_key=idempotency_key or "")
    created = await clients.call("synthesis", clients.synthesis.CreateSynthesis, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    response.headers["Location"] = f"/v1/consultations/{consultation_id}/syntheses/{created.id}"
    return SynthesisPublic.of(created, with_draft=True)


@router.get("/{consultation_id}/syntheses", response_model=SynthesesPage)
async def list_syntheses(consultation_id: str, user: OptionalUser, clients: Clients,
                         resources: Res, limit: Limit = 20, cursor: Cursor = "",
                         if_none_match: IfNoneMatch = None, lang: ReadLang = None,
                         original: Original = False,
                         accept_language: AcceptLanguage = None) -> Response:
    """The consultation's syntheses, oldest first, with their latest version number;
    published ones' titles in the reader's language once translated (`lang`, else
    Accept-Language; `original=true`: as written). Answers carry an `ETag`;
    `If-None-Match` gets 304 while they are unchanged."""
    request = synthesis_pb2.ListSynthesesRequest(
        consultation_id=existing_id(consultation_id, "consultation"), page_size=limit,
        cursor=cursor)
    writes = _writes(user)
    language = await reading_language(resources.languages, request.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)

    async def build() -> SynthesesPage | Untranslated:
        page = await clients.call("synthesis", clients.synthesis.ListSyntheses, request)
        return await translated(clients, SynthesesPage(
            items=[SynthesisPublic.of(s, with_draft=writes) for s in page.syntheses],
            next_cursor=page.next_cursor or None), syntheses_page_units, language)

    return respond(await answer(resources, read="syntheses",
                                consultation_id=request.consultation_id,
                                view=_view(writes), request=str(request), build=build,
                                language=language), if_none_match, VARY)


@router.get("/{consultation_id}/syntheses/{synthesis_id}", response_model=SynthesisPublic)
async def get_synthesis(consultation_id: str, synthesis_id: str, user: OptionalUser,
                        clients: Clients, resources: Res,
                        if_none_match: IfNoneMatch = None, lang: ReadLang = None,
                        original: Original = False,
                        accept_language: AcceptLanguage = None) -> Response:
    """A synthesis (its draft for synthesisers, as written); its title, once published,
    in the reader's language as the list's."""
    request = synthesis_pb2.GetSynthesisRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"))
    writes = _writes(user)
    language = await reading_language(resources.languages, request.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)

    async def build() -> SynthesisPublic | Untranslated:
        found = await clients.call("synthesis", clients.synthesis.GetSynthesis, request)
        return await translated(clients, SynthesisPublic.of(found, with_draft=writes),
                                synthesis_units, language)

    return respond(await answer(resources, read="synthesis",
                                consultation_id=request.consultation_id,
                                view=_view(writes), request=str(request), build=build,
                                language=language), if_none_match, VARY)


@router.put("/{consultation_id}/syntheses/{synthesis_id}/draft",
            response_model=SynthesisPublic)
async def save_draft(consultation_id: str, synthesis_id: str, body: DraftUpdate,
                     user: Writer, clients: Clients, cache: Cache) -> SynthesisPublic:
    """Replace the draft; citations are checked, anchors must be the latest version's."""
    request = synthesis_pb2.SaveDraftRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"),
        paragraphs=[synthesis_pb2.Paragraph(anchor=p.anchor or "", text=p.text)
                    for p in body.paragraphs],
        actor_id=user.account_id, actor_roles=roles(user))
    saved = await clients.call("synthesis", clients.synthesis.SaveDraft, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return SynthesisPublic.of(saved, with_draft=True)


@router.post("/{consultation_id}/syntheses/{synthesis_id}/versions", status_code=201,
             response_model=SynthesisVersionPublic)
async def publish_synthesis(consultation_id: str, synthesis_id: str, user: Writer,
                            clients: Clients, cache: Cache,
                            response: Response) -> SynthesisVersionPublic:
    """Publish the draft as the next immutable version (an empty draft is 409)."""
    request = synthesis_pb2.PublishSynthesisRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"), actor_id=user.account_id,
        actor_roles=roles(user))
    version = await clients.call("synthesis", clients.synthesis.PublishSynthesis, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    response.headers["Location"] = (f"/v1/consultations/{consultation_id}/syntheses/"
                                    f"{synthesis_id}/versions/{version.number}")
    return SynthesisVersionPublic.of(version)


@router.get("/{consultation_id}/syntheses/{synthesis_id}/versions/{number}",
            response_model=SynthesisVersionPublic)
async def get_version(consultation_id: str, synthesis_id: str, number: str,
                      clients: Clients, resources: Res,
                      if_none_match: IfNoneMatch = None, lang: ReadLang = None,
                      original: Original = False,
                      accept_language: AcceptLanguage = None) -> Response:
    """A published version: its paragraphs, anchors and contest counts; its title and
    each paragraph in the reader's language once translated (`lang`, else
    Accept-Language; `original=true`: as written), citations kept."""
    request = synthesis_pb2.GetSynthesisVersionRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"), number=_version(number))
    language = await reading_language(resources.languages, request.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)

    async def build() -> SynthesisVersionPublic | Untranslated:
        return await translated(clients, SynthesisVersionPublic.of(
            await clients.call("synthesis", clients.synthesis.GetSynthesisVersion, request)),
            version_units, language)

    return respond(await answer(resources, read="version",
                                consultation_id=request.consultation_id, view="",
                                request=str(request), build=build, language=language),
                   if_none_match, VARY)


@router.get("/{consultation_id}/syntheses/{synthesis_id}/diff",
            response_model=SynthesisDiffPublic)
async def diff_versions(consultation_id: str, synthesis_id: str, clients: Clients,
                        from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
                        to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
                        ) -> SynthesisDiffPublic:
    """What changed between two versions, paragraph by paragraph (by anchor), rendered."""
    request = synthesis_pb2.DiffSynthesisVersionsRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"), from_number=from_version,
        to_number=to_version)
    diff = await clients.call("synthesis", clients.synthesis.DiffSynthesisVersions, request)
    return SynthesisDiffPublic(from_version=diff.from_number, to_version=diff.to_number,
                               changes=[ParagraphChangePublic.model_validate(
                                   {"anchor": c.anchor, "change": c.change,
                                    "before": c.before, "after": c.after, "html": c.html})
                                   for c in diff.changes])


@router.post("/{consultation_id}/syntheses/{synthesis_id}/versions/{number}/paragraphs/"
             "{anchor}/contests", status_code=201, response_model=ContestPublic)
async def contest_paragraph(consultation_id: str, synthesis_id: str, number: str,
                            anchor: str, body: ContestCreate, user: Writer, clients: Clients,
                            keys: Keys, cache: Cache, idempotency_key: IdempotencyKey = None
                            ) -> ContestPublic:
    """Contest a published paragraph (visible to everyone; a synthesiser answers)."""
    request = synthesis_pb2.ContestParagraphRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"), version=_version(number),
        anchor=existing_id(anchor, "paragraph"), body=body.body, actor_id=user.account_id,
        actor_roles=roles(user), idempotency_key=idempotency_key or "")
    contest = await clients.call("synthesis", clients.synthesis.ContestParagraph, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return ContestPublic.of(contest, keys, consultation_id)


@router.get("/{consultation_id}/syntheses/{synthesis_id}/contests",
            response_model=ContestsPage)
async def list_contests(
    consultation_id: str, synthesis_id: str, clients: Clients, keys: Keys, resources: Res,
    anchor: Annotated[Anchor | None, Query(description="Only this paragraph's.")] = None,
    limit: Limit = 20, cursor: Cursor = "", if_none_match: IfNoneMatch = None,
) -> Response:
    """The synthesis's contests, oldest first, with their answers."""
    request = synthesis_pb2.ListContestsRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        synthesis_id=existing_id(synthesis_id, "synthesis"), anchor=anchor or "",
        page_size=limit, cursor=cursor)

    async def build() -> ContestsPage:
        page = await clients.call("synthesis", clients.synthesis.ListContests, request)
        return ContestsPage(items=[ContestPublic.of(c, keys, request.consultation_id)
                                   for c in page.contests],
                            next_cursor=page.next_cursor or None)

    return respond(await answer(resources, read="contests",
                                consultation_id=request.consultation_id, view="",
                                request=str(request), build=build), if_none_match)


@router.post("/{consultation_id}/contests/{contest_id}/answers", response_model=ContestPublic)
async def answer_contest(consultation_id: str, contest_id: str, body: ContestAnswer,
                         user: Writer, clients: Clients, keys: Keys,
                         cache: Cache) -> ContestPublic:
    """Answer a contest (it turns `answered` unless already taken into account)."""
    request = synthesis_pb2.AnswerContestRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        contest_id=existing_id(contest_id, "contest"), body=body.body,
        actor_id=user.account_id, actor_roles=roles(user))
    contest = await clients.call("synthesis", clients.synthesis.AnswerContest, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return ContestPublic.of(contest, keys, consultation_id)


@router.put("/{consultation_id}/contests/{contest_id}/resolution",
            response_model=ContestPublic)
async def resolve_contest(consultation_id: str, contest_id: str, body: ContestResolution,
                          user: Writer, clients: Clients, keys: Keys,
                         cache: Cache) -> ContestPublic:
    """Mark a contest taken into account by the later version that changed the paragraph."""
    request = synthesis_pb2.ResolveContestRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        contest_id=existing_id(contest_id, "contest"), version=body.version,
        actor_id=user.account_id, actor_roles=roles(user))
    contest = await clients.call("synthesis", clients.synthesis.ResolveContest, request)
    await cache.after_write(cache.synthesis_changed(request.consultation_id))
    return ContestPublic.of(contest, keys, consultation_id)
