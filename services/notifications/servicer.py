"""gRPC surface of the notifications service: thin, validating, always about the
account the gateway names (the caller's own)."""

from __future__ import annotations

from agora.v1 import notifications_pb2, notifications_pb2_grpc
from agora_kit.errors import InvalidArgument
from agora_kit.ids import is_canonical_id, require_id
from agora_kit.mongo import Client, Session
from agora_kit.transactions import run
from agora_kit.types import Context, Document
from services.notifications import kinds, render
from services.notifications.announcements import Announcements, message
from services.notifications.directory import Directory
from services.notifications.inbox import Inbox
from services.notifications.kinds import Delivery
from services.notifications.preferences import Preferences, Settings
from services.notifications.subscriptions import Subscriptions
from services.notifications.unsubscribe import Links

MAX_MARK = 100


def _subscription(doc: Document) -> notifications_pb2.Subscription:
    return notifications_pb2.Subscription(
        consultation_id=doc["consultation_id"], target_kind=doc["target_kind"],
        target_id=doc["target_id"], active=doc["active"], implicit=doc.get("implicit", False))


def _account(value: str) -> str:
    return require_id(value, field="account_id")


class NotificationsServicer(notifications_pb2_grpc.NotificationsServiceServicer):
    def __init__(self, mongo: Client, subscriptions: Subscriptions, preferences: Preferences,
                 inbox: Inbox, links: Links, directory: Directory,
                 announcements: Announcements) -> None:
        self._mongo = mongo
        self._subscriptions = subscriptions
        self._preferences = preferences
        self._inbox = inbox
        self._links = links
        self._directory = directory
        self._announcements = announcements

    async def _follow(self, request: notifications_pb2.FollowRequest,
                      active: bool) -> notifications_pb2.Subscription:
        target_kind = kinds.target(request.target_kind)
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        target_id = request.target_id or ""
        if target_kind == "consultation":
            target_id = consultation_id
        elif not target_id or len(target_id) > 64:
            raise InvalidArgument("target_id is missing or too long", field="target_id")
        doc = await self._subscriptions.change(
            account_id=_account(request.account_id), consultation_id=consultation_id,
            target_kind=target_kind, target_id=target_id, active=active)
        return _subscription(doc)

    async def Follow(self, request: notifications_pb2.FollowRequest,
                     context: Context) -> notifications_pb2.Subscription:
        return await self._follow(request, True)

    async def Unfollow(self, request: notifications_pb2.FollowRequest,
                       context: Context) -> notifications_pb2.Subscription:
        return await self._follow(request, False)

    async def ListSubscriptions(
            self, request: notifications_pb2.ListSubscriptionsRequest,
            context: Context) -> notifications_pb2.ListSubscriptionsResponse:
        docs = await self._subscriptions.of_account(
            _account(request.account_id),
            require_id(request.consultation_id, field="consultation_id"))
        return notifications_pb2.ListSubscriptionsResponse(
            subscriptions=[_subscription(d) for d in docs])

    def _preferences_message(self, account_id: str, consultation_id: str,
                             settings: Settings) -> notifications_pb2.Preferences:
        return notifications_pb2.Preferences(
            account_id=account_id, consultation_id=consultation_id, language=settings.language,
            kinds=[notifications_pb2.KindPreference(kind=k, in_app=d.in_app, email=d.email,
                                                    cadence=d.cadence)
                   for k, d in settings.kinds.items()])

    async def GetPreferences(self, request: notifications_pb2.GetPreferencesRequest,
                             context: Context) -> notifications_pb2.Preferences:
        account_id = _account(request.account_id)
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        settings = await self._preferences.get(account_id, consultation_id)
        return self._preferences_message(account_id, consultation_id, settings)

    async def SetPreferences(self, request: notifications_pb2.Preferences,
                             context: Context) -> notifications_pb2.Preferences:
        account_id = _account(request.account_id)
        consultation_id = require_id(request.consultation_id, field="consultation_id")
        current = await self._preferences.get(account_id, consultation_id)
        changed = dict(current.kinds)
        for item in request.kinds:
            changed[kinds.kind(item.kind)] = Delivery(
                in_app=item.in_app, email=item.email, cadence=kinds.cadence(item.cadence))
        language = request.language
        if language:
            offered = (await self._directory.consultation(consultation_id)).languages
            if language not in offered:
                raise InvalidArgument(f"{language!r} is not a language of this consultation "
                                      f"({', '.join(offered)})", field="language")
        settings = Settings(language=language or current.language, kinds=changed)
        await self._preferences.put(account_id, consultation_id, settings)
        return self._preferences_message(account_id, consultation_id, settings)

    async def ListNotifications(
            self, request: notifications_pb2.ListNotificationsRequest,
            context: Context) -> notifications_pb2.ListNotificationsResponse:
        account_id = _account(request.account_id)
        docs, cursor = await self._inbox.page(account_id, size=request.page_size,
                                              cursor=request.cursor,
                                              unread_only=request.unread_only)
        languages: dict[str, str] = {}
        out = []
        for doc in docs:
            consultation_id = doc["consultation_id"]
            if consultation_id not in languages:
                chosen = (await self._preferences.get(account_id, consultation_id)).language
                offered = (await self._directory.consultation(consultation_id)).languages
                languages[consultation_id] = render.language(chosen, offered)
            lang = languages[consultation_id]
            item = notifications_pb2.Notification(
                id=doc["_id"], kind=doc["kind"], consultation_id=consultation_id,
                theme_id=doc["theme_id"], thread_id=doc["thread_id"], post_id=doc["post_id"],
                excerpt=render.excerpt(lang, doc),
                summary=render.summary(lang, doc["kind"], doc.get("params")),
                read=doc["read"], language=lang)
            item.created_at.FromDatetime(doc["created_at"])
            out.append(item)
        return notifications_pb2.ListNotificationsResponse(notifications=out,
                                                           next_cursor=cursor)

    async def CountUnread(self, request: notifications_pb2.CountUnreadRequest,
                          context: Context) -> notifications_pb2.CountUnreadResponse:
        return notifications_pb2.CountUnreadResponse(
            unread=await self._inbox.unread(_account(request.account_id)))

    async def MarkRead(self, request: notifications_pb2.MarkReadRequest,
                       context: Context) -> notifications_pb2.MarkReadResponse:
        ids = list(request.ids)
        if not request.all and not ids:
            raise InvalidArgument("name the notifications to mark, or all", field="ids")
        if len(ids) > MAX_MARK or not all(is_canonical_id(i) for i in ids):
            raise InvalidArgument(f"ids: at most {MAX_MARK} notification ids", field="ids")
        marked = await self._inbox.mark_read(_account(request.account_id), ids, request.all)
        return notifications_pb2.MarkReadResponse(marked=marked)

    async def Unsubscribe(self, request: notifications_pb2.UnsubscribeRequest,
                          context: Context) -> notifications_pb2.UnsubscribeResponse:
        scope = self._links.read(request.token)
        answer = notifications_pb2.UnsubscribeResponse(
            consultation_id=scope.consultation_id, kind=scope.kind, channel="email",
            applied=False)
        if not request.apply:
            return answer

        async def work(session: Session) -> None:
            await self._links.use(session, scope)
            if scope.kind.startswith("digest:"):
                await self._preferences.digest_email_off(
                    session, scope.account_id, scope.kind.removeprefix("digest:"))
            else:
                await self._preferences.email_off(session, scope.account_id,
                                                  scope.consultation_id, scope.kind)

        await run(self._mongo, work)
        answer.applied = True
        return answer

    async def Announce(self, request: notifications_pb2.AnnounceRequest,
                       context: Context) -> notifications_pb2.Announcement:
        return message(await self._announcements.announce(request))
