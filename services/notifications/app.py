"""The notifications service as the runtime sees it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

import grpc

from agora.v1 import notifications_pb2, notifications_pb2_grpc
from agora_kit.events.consumer import ConsumerSpec, Handler
from agora_kit.periodic import every, lease_for
from agora_kit.runtime import Dependencies, ServiceApp
from services.notifications import fanout
from services.notifications.announcements import Announcements
from services.notifications.compose import Composer
from services.notifications.config import NotificationsSettings
from services.notifications.digest import Digests
from services.notifications.directory import Directory
from services.notifications.erasure import Erasure
from services.notifications.fanout import Fanout, Timing
from services.notifications.inbox import Inbox
from services.notifications.mailer import Mailer
from services.notifications.preferences import Preferences
from services.notifications.servicer import NotificationsServicer
from services.notifications.smtp import SmtpSender
from services.notifications.subscriptions import Subscriptions
from services.notifications.unsubscribe import Links
from services.notifications.windows import Windows


class NotificationsApp(ServiceApp):
    name = "notifications"
    grpc_services = (
        notifications_pb2.DESCRIPTOR.services_by_name["NotificationsService"].full_name,)

    def __init__(self, settings: NotificationsSettings) -> None:
        self.database = settings.notifications_database
        self._settings = settings

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        s = self._settings
        self._wake_mailer = asyncio.Event()
        self._subscriptions = Subscriptions(deps.db)
        self._preferences = Preferences(deps.db)
        self._inbox = Inbox(deps.db)
        self._erasure = Erasure(deps.db)
        windows = Windows(s.digest_day_seconds)
        directory = Directory(s.identity_addr, s.threads_addr, s.synthesis_addr)
        links = Links(deps.db, s.unsubscribe_key(), days=s.unsubscribe_link_days)
        timing = Timing(notice_seconds=s.vote_closing_notice_seconds,
                        alert_seconds=s.moderation_alert_seconds,
                        lease=lease_for(deps.db, "notifications-timed", s.timed_check_seconds))
        self._fanout = Fanout(deps.mongo, deps.db, self._subscriptions, self._preferences,
                              self._erasure, windows, self._wake_mailer, directory,
                              deps.outbox, timing)
        self._mailer = Mailer(
            deps.db, directory=directory,
            composer=Composer(links, public_url=s.public_url, mail_from=s.mail_from),
            preferences=self._preferences, erasure=self._erasure, sender=SmtpSender(s),
            wake=self._wake_mailer, poll_seconds=s.mail_poll_seconds,
            max_attempts=s.mail_max_attempts)
        self._digests = Digests(deps.mongo, deps.db, windows=windows,
                                preferences=self._preferences, wake_mailer=self._wake_mailer)
        notifications_pb2_grpc.add_NotificationsServiceServicer_to_server(
            NotificationsServicer(deps.mongo, self._subscriptions, self._preferences,
                                  self._inbox, links, directory,
                                  Announcements(deps, directory)), server)

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler]]:
        return [(fanout.CONSUMER, self._fanout.apply)]

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        return [self._mailer.run(),
                every(self._settings.digest_check_seconds, self._digests.tick,
                      name="digests", lease=self._digests.lease),
                every(self._settings.timed_check_seconds, self._fanout.timed.tick,
                      name="timed-notices", lease=self._fanout.timed.lease)]

    async def prepare(self, deps: Dependencies) -> None:
        await self._subscriptions.ensure_indexes()
        await self._inbox.ensure_indexes()
        await self._mailer.ensure_indexes()
        await self._digests.ensure_indexes()
        await self._fanout.ensure_indexes()
