"""/v1/posts/{id} — read, edit (author), revisions, pin (moderators), react, report."""

from __future__ import annotations

from fastapi import APIRouter, Response

from agora.v1 import threads_pb2
from services.gateway.debate_schemas import (
    REACTION_TO_PROTO,
    PinUpdate,
    PostRevisionPublic,
    PostRevisions,
    PostUpdate,
    ReactionStatePublic,
    ReactionUpdate,
    ReportCreate,
    ReportPublic,
)
from services.gateway.deps import (
    Cache,
    Clients,
    Keys,
    Names,
    OptionalUser,
    Recorder,
    Res,
    Writer,
    roles,
)
from services.gateway.languages import AcceptLanguage, Original, ReadLang
from services.gateway.reading import reading_language, translated_post
from services.gateway.routes.ids import existing_id
from services.gateway.schemas import FORMAT_TO_PROTO, PostPublic, _when

router = APIRouter(prefix="/v1/posts", tags=["posts"])


@router.get("/{post_id}", response_model=PostPublic)
async def get(post_id: str, clients: Clients, viewer: OptionalUser, names: Names, keys: Keys,
              resources: Res, lang: ReadLang = None, original: Original = False,
              accept_language: AcceptLanguage = None) -> PostPublic:
    """One post; its author (and moderators) also see why it was hidden. Its text comes
    in the reader's language (`lang`, else Accept-Language) once translated, as written
    otherwise or with `original=true` (README "Translation")."""
    request = threads_pb2.GetPostRequest(
        post_id=existing_id(post_id, "post"), viewer_id=viewer.account_id if viewer else "",
        viewer_roles=roles(viewer))
    post = await names.name(
        await clients.call("threads", clients.threads.GetPost, request), keys)
    language = await reading_language(resources.languages, post.consultation_id, lang=lang,
                                      accept_language=accept_language, original=original)
    return await translated_post(clients, post, language)


@router.patch("/{post_id}", response_model=PostPublic)
async def edit(post_id: str, body: PostUpdate, user: Writer, clients: Clients,
               cache: Cache, names: Names, keys: Keys) -> PostPublic:
    """Edit one's own post; the previous text is kept as a revision. A hidden or held
    post, once revised, is held for the moderators (`pending`) with the revised text."""
    request = threads_pb2.EditPostRequest(
        post_id=existing_id(post_id, "post"), body=body.body,
        format=FORMAT_TO_PROTO[body.format], actor_id=user.account_id, actor_roles=roles(user))
    post = await clients.call("threads", clients.threads.EditPost, request)
    if post.status == threads_pb2.POST_STATUS_PENDING:  # a hidden or held post, resubmitted
        await cache.after_write(cache.post_moderated(post.thread_id, user.account_id))
    else:
        await cache.after_write(cache.content_changed(post.thread_id))
    return await names.name(post, keys)


@router.get("/{post_id}/revisions", response_model=PostRevisions)
async def revisions(post_id: str, clients: Clients, viewer: OptionalUser) -> PostRevisions:
    """Earlier versions of a post, oldest first (the current text is the post itself);
    none are shown of a hidden post except to its author and moderators."""
    reply = await clients.call("threads", clients.threads.ListPostRevisions,
                               threads_pb2.GetPostRequest(
                                   post_id=existing_id(post_id, "post"),
                                   viewer_id=viewer.account_id if viewer else "",
                                   viewer_roles=roles(viewer)))
    return PostRevisions(items=[
        PostRevisionPublic(revision=r.revision, body=r.body, body_html=r.body_html,
                           written_at=_when(r.written_at)) for r in reply.revisions])


@router.put("/{post_id}/pin", response_model=PostPublic)
async def pin(post_id: str, body: PinUpdate, user: Writer, clients: Clients,
              cache: Cache, names: Names, keys: Keys) -> PostPublic:
    """Pin (or unpin) a top-level post as an announcement (moderators)."""
    request = threads_pb2.PinPostRequest(post_id=existing_id(post_id, "post"), pinned=body.pinned,
                                         actor_id=user.account_id, actor_roles=roles(user))
    post = await clients.call("threads", clients.threads.PinPost, request)
    await cache.after_write(cache.content_changed(post.thread_id))
    return await names.name(post, keys)


@router.put("/{post_id}/reaction", response_model=ReactionStatePublic)
async def react(post_id: str, body: ReactionUpdate, user: Writer, clients: Clients,
                participation: Recorder, cache: Cache) -> ReactionStatePublic:
    """Set or change the caller's one reaction on the post."""
    request = threads_pb2.SetReactionRequest(
        post_id=existing_id(post_id, "post"), kind=REACTION_TO_PROTO[body.kind],
        actor_id=user.account_id, actor_roles=roles(user))
    state = await clients.call("threads", clients.threads.SetReaction, request)
    await cache.after_write(cache.reaction_changed(state.thread_id, user.account_id))
    if state.consultation_id:
        await participation.record(consultation_id=state.consultation_id,
                                   theme_id=state.theme_id, account_id=user.account_id,
                                   level="react")
    return ReactionStatePublic.of(state)


@router.delete("/{post_id}/reaction", response_model=ReactionStatePublic)
async def unreact(post_id: str, user: Writer, clients: Clients,
                  cache: Cache) -> ReactionStatePublic:
    """Remove the caller's reaction (no error when there is none)."""
    request = threads_pb2.SetReactionRequest(
        post_id=existing_id(post_id, "post"), kind=threads_pb2.REACTION_KIND_UNSPECIFIED,
        actor_id=user.account_id, actor_roles=roles(user))
    state = await clients.call("threads", clients.threads.SetReaction, request)
    await cache.after_write(cache.reaction_changed(state.thread_id, user.account_id))
    return ReactionStatePublic.of(state)


@router.post("/{post_id}/reports", status_code=201, response_model=ReportPublic)
async def report(post_id: str, body: ReportCreate, user: Writer, clients: Clients,
                 response: Response) -> ReportPublic:
    """Report a post to the moderators; reporting it again returns the open report."""
    request = threads_pb2.ReportPostRequest(
        post_id=existing_id(post_id, "post"),
        reason=threads_pb2.ReportReason.Value(f"REPORT_REASON_{body.reason.upper()}"),
        note=body.note, actor_id=user.account_id, actor_roles=roles(user))
    return ReportPublic.of(await clients.call("threads", clients.threads.ReportPost, request))
