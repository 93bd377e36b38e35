"""/v1/consultations/{id}/events — live updates as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated

import grpc
import nats.errors
from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from agora.v1 import threads_pb2
from services.gateway.deps import Clients, Keys, Names, OptionalUser, resources_of
from services.gateway.events.live import SYNTHESISERS_ONLY
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.permissions import allowed
from services.gateway.problems import RETRY_AFTER_SECONDS, Problem
from services.gateway.reading import reading_language, translated_post
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import PostPublic

router = APIRouter(prefix="/v1/consultations", tags=["live"])
LastEventId = Annotated[
    str | None,
    Header(alias="Last-Event-ID", pattern=r"^[0-9]{1,20}$",
           description="Resume after this event id (browsers send it on reconnect); an id "
                       "past the stream's end resumes at its end."),
]


@router.get("/{consultation_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def stream(consultation_id: str, request: Request, clients: Clients, names: Names,
                 keys: Keys, user: OptionalUser, lang: ReadLang = None,
                 original: Original = False, accept_language: AcceptLanguage = None,
                 last_event_id: LastEventId = None) -> StreamingResponse:
    """New posts, edits, reaction counts, phase changes and hides of one consultation,
    and its extracts, ideas, syntheses and contests as they change (ids and states;
    `synthesis.draft_saved` to synthesisers only), as `text/event-stream`; each event's
    `id` is its position in the event stream, so a client reconnecting with
    `Last-Event-ID` misses nothing. An id beyond the stream's last event resumes at its
    end; an id that is not a decimal number is a 422. Posts come in the reader's language
    (`lang`, else Accept-Language; `original=true`: as written), and `translation.ready`
    brings a post again once translated into it (README "Translation"). A signed-in
    reader also gets a `notification` event for each new in-app notification of theirs
    (its id and kind), and nobody else's."""
    consultation_id = existing_id(consultation_id, "consultation")
    after = int(last_event_id) if last_event_id is not None else None
    await clients.call("threads", clients.threads.GetConsultation,
                       threads_pb2.GetConsultationRequest(consultation_id=consultation_id))
    resources = resources_of(request.app)
    feed = resources.live
    language = await reading_language(resources.languages, consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)
    try:  # before the 200: once streaming, a failure can only cut the connection
        after = await feed.resume_point(after)
    except (nats.errors.Error, OSError) as error:
        raise Problem(503, f"live updates are unavailable ({type(error).__name__}); retry",
                      kind="service-unavailable",
                      headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from error

    async def read_post(post_id: str) -> PostPublic | None:
        """The public view: the frame is shared by every reader in `language` (live.py)."""
        try:
            post: threads_pb2.Post = await clients.threads.GetPost(
                threads_pb2.GetPostRequest(post_id=post_id), timeout=clients.timeout)
        except grpc.aio.AioRpcError:
            return None
        return await translated_post(clients, await names.name(post, keys), language)

    async def alive() -> bool:
        return not await request.is_disconnected()

    writes = user is not None and allowed("synthesis.write", user.roles)

    def sees(kind: str) -> bool:
        return writes or kind not in SYNTHESISERS_ONLY

    return StreamingResponse(
        feed.events(consultation_id, after, read_post, alive, sees, language,
                    viewer=user.account_id if user is not None else ""),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
