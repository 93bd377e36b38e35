"""/v1/notifications and a consultation's subscriptions and notification preferences.

What one follows must be something one may read: the consultation's admission is the
gateway's (`authorize`), and a theme, thread, post, idea or synthesis is looked up as the
caller would read it (a hidden post is not found). The inbox is always the caller's own.
Unsubscribe links (in mails) carry their own signed token and need no session.
Moderators and strategists announce to a consultation's participants (or followers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agora.v1 import notifications_pb2, synthesis_pb2, threads_pb2
from services.gateway.clients import ServiceClients
from services.gateway.deps import Clients, CurrentUser, Cursor, Limit, Writer, roles
from services.gateway.notification_schemas import (
    AnnouncementCreate,
    AnnouncementPublic,
    Marked,
    MarkRead,
    NotificationPublic,
    NotificationsPage,
    PreferencesPublic,
    PreferencesUpdate,
    SubscriptionPublic,
    SubscriptionsPublic,
    TargetKind,
    UnreadCount,
    Unsubscribed,
    UnsubscribeToken,
)
from services.gateway.problems import Problem
from services.gateway.routes.ids import existing_id

router = APIRouter(tags=["notifications"])
Token = Annotated[UnsubscribeToken, Query(description="The token of the mail's link.")]
CONSULTATION = "/v1/consultations/{consultation_id}"


def _absent(kind: str, target_id: str) -> Problem:
    return Problem(404, f"{kind} {target_id} does not exist in this consultation",
                   kind="not-found")


async def _readable(clients: ServiceClients, user: CurrentUser, consultation_id: str,
                    kind: str, target_id: str) -> None:
    """NotFound unless the caller may read the target, in this consultation."""
    if kind == "theme":
        consultation = await clients.call("threads", clients.threads.GetConsultation,
                                          threads_pb2.GetConsultationRequest(
                                              consultation_id=consultation_id))
        themes = {t.id for t in consultation.themes} | {
            s.id for t in consultation.themes for s in t.sub_themes}
        if target_id not in themes:
            raise _absent(kind, target_id)
    elif kind == "thread":
        thread = await clients.call("threads", clients.threads.GetThread,
                                    threads_pb2.GetThreadRequest(
                                        thread_id=existing_id(target_id, kind)))
        if thread.consultation_id != consultation_id:
            raise _absent(kind, target_id)
    elif kind == "post":
        post = await clients.call("threads", clients.threads.GetPost, threads_pb2.GetPostRequest(
            post_id=existing_id(target_id, kind), viewer_id=user.account_id,
            viewer_roles=roles(user)))
        # A hidden or held post shows a placeholder: nothing to follow, but for its author.
        visible = post.status == threads_pb2.POST_STATUS_VISIBLE
        if post.consultation_id != consultation_id or not (
                visible or post.author_id == user.account_id):
            raise _absent(kind, target_id)
    elif kind == "idea":
        await clients.call("synthesis", clients.synthesis.GetIdea, synthesis_pb2.GetIdeaRequest(
            consultation_id=consultation_id, idea_id=existing_id(target_id, kind)))
    elif kind == "synthesis":
        await clients.call("synthesis", clients.synthesis.GetSynthesis,
                           synthesis_pb2.GetSynthesisRequest(
                               consultation_id=consultation_id,
                               synthesis_id=existing_id(target_id, kind)))
    elif target_id != consultation_id:
        raise _absent(kind, target_id)


async def _follow(clients: ServiceClients, user: CurrentUser, consultation_id: str,
                  target_kind: str, target_id: str, active: bool) -> SubscriptionPublic:
    consultation_id = existing_id(consultation_id, "consultation")
    if active:
        await _readable(clients, user, consultation_id, target_kind, target_id)
    request = notifications_pb2.FollowRequest(
        account_id=user.account_id, consultation_id=consultation_id,
        target_kind=target_kind, target_id=target_id)
    method = clients.notifications.Follow if active else clients.notifications.Unfollow
    return SubscriptionPublic.of(await clients.call("notifications", method, request))


@router.put(CONSULTATION + "/subscriptions/{target_kind}/{target_id}",
            response_model=SubscriptionPublic)
async def follow(consultation_id: str, target_kind: TargetKind, target_id: str,
                 user: CurrentUser, clients: Clients) -> SubscriptionPublic:
    """Follow something of this consultation (for a consultation, its own id); one may
    only follow what one may read (404 otherwise). Idempotent."""
    return await _follow(clients, user, consultation_id, target_kind, target_id, True)


@router.delete(CONSULTATION + "/subscriptions/{target_kind}/{target_id}",
               response_model=SubscriptionPublic)
async def unfollow(consultation_id: str, target_kind: TargetKind, target_id: str,
                   user: CurrentUser, clients: Clients) -> SubscriptionPublic:
    """Stop following, implicit follows included (it stays off). Idempotent."""
    return await _follow(clients, user, consultation_id, target_kind, target_id, False)


@router.get(CONSULTATION + "/subscriptions", response_model=SubscriptionsPublic)
async def subscriptions(consultation_id: str, user: CurrentUser,
                        clients: Clients) -> SubscriptionsPublic:
    """What the caller follows here, implicit follows and turned-off ones included."""
    reply = await clients.call("notifications", clients.notifications.ListSubscriptions,
                               notifications_pb2.ListSubscriptionsRequest(
                                   account_id=user.account_id,
                                   consultation_id=existing_id(consultation_id,
                                                               "consultation")))
    return SubscriptionsPublic(items=[SubscriptionPublic.of(s) for s in reply.subscriptions])


@router.get(CONSULTATION + "/notification-preferences", response_model=PreferencesPublic)
async def preferences(consultation_id: str, user: CurrentUser,
                      clients: Clients) -> PreferencesPublic:
    """Per kind of notification: in-app, e-mail, and the cadence of mails."""
    reply = await clients.call("notifications", clients.notifications.GetPreferences,
                               notifications_pb2.GetPreferencesRequest(
                                   account_id=user.account_id,
                                   consultation_id=existing_id(consultation_id,
                                                               "consultation")))
    return PreferencesPublic.of(reply)


@router.put(CONSULTATION + "/notification-preferences", response_model=PreferencesPublic)
async def set_preferences(consultation_id: str, body: PreferencesUpdate, user: CurrentUser,
                          clients: Clients) -> PreferencesPublic:
    """Change the kinds named (others keep their setting) and the language (one of the
    consultation's, else 422)."""
    request = notifications_pb2.Preferences(
        account_id=user.account_id, consultation_id=existing_id(consultation_id,
                                                                "consultation"),
        language=body.language or "",
        kinds=[notifications_pb2.KindPreference(kind=k, in_app=v.in_app, email=v.email,
                                                cadence=v.cadence)
               for k, v in body.kinds.items()])
    return PreferencesPublic.of(
        await clients.call("notifications", clients.notifications.SetPreferences, request))


@router.get("/v1/notifications", response_model=NotificationsPage)
async def inbox(user: CurrentUser, clients: Clients, limit: Limit = 20, cursor: Cursor = "",
                unread: bool = False) -> NotificationsPage:
    """The caller's in-app notifications, newest first."""
    reply = await clients.call("notifications", clients.notifications.ListNotifications,
                               notifications_pb2.ListNotificationsRequest(
                                   account_id=user.account_id, page_size=limit,
                                   cursor=cursor, unread_only=unread))
    return NotificationsPage(items=[NotificationPublic.of(n) for n in reply.notifications],
                             next_cursor=reply.next_cursor or None)


@router.get("/v1/notifications/unread-count", response_model=UnreadCount)
async def unread_count(user: CurrentUser, clients: Clients) -> UnreadCount:
    reply = await clients.call("notifications", clients.notifications.CountUnread,
                               notifications_pb2.CountUnreadRequest(account_id=user.account_id))
    return UnreadCount(unread=reply.unread)


@router.post("/v1/notifications/read", response_model=Marked)
async def mark_read(body: MarkRead, user: CurrentUser, clients: Clients) -> Marked:
    """Mark the named notifications (or `all`) read; others' ids change nothing."""
    reply = await clients.call("notifications", clients.notifications.MarkRead,
                               notifications_pb2.MarkReadRequest(
                                   account_id=user.account_id, ids=body.ids, all=body.all))
    return Marked(marked=reply.marked)


async def _unsubscribe(clients: ServiceClients, token: str, apply: bool) -> Unsubscribed:
    reply = await clients.call("notifications", clients.notifications.Unsubscribe,
                               notifications_pb2.UnsubscribeRequest(token=token, apply=apply))
    return Unsubscribed(consultation_id=reply.consultation_id or None, kind=reply.kind,
                        channel="email", applied=reply.applied)


@router.get("/v1/notifications/unsubscribe", response_model=Unsubscribed)
async def unsubscribe_check(clients: Clients, token: Token) -> Unsubscribed:
    """What a mail's unsubscribe link turns off, without turning it off (the page a
    front-end shows before the click). A forged link is a 403, an expired or used one 409."""
    return await _unsubscribe(clients, token, False)


@router.post("/v1/notifications/unsubscribe", response_model=Unsubscribed)
async def unsubscribe(clients: Clients, token: Token) -> Unsubscribed:
    """One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click`
    (form-encoded, ignored here) to the link; the link itself is the authority."""
    return await _unsubscribe(clients, token, True)


@router.post(CONSULTATION + "/announcements", status_code=201,
             response_model=AnnouncementPublic)
async def announce(consultation_id: str, body: AnnouncementCreate, user: Writer,
                   clients: Clients) -> AnnouncementPublic:
    """A moderator's or strategist's announcement: each recipient is notified once
    (in-app and by mail, per their preferences for `announcement`), in their language
    where it was written. The texts' languages must be the consultation's (else 422)."""
    request = notifications_pb2.AnnounceRequest(
        consultation_id=existing_id(consultation_id, "consultation"),
        author_id=user.account_id, author_roles=roles(user), audience=body.audience,
        texts={lang: notifications_pb2.AnnouncementText(title=t.title, body=t.body)
               for lang, t in body.texts.items()})
    return AnnouncementPublic.of(
        await clients.call("notifications", clients.notifications.Announce, request))
