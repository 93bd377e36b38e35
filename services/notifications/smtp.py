"""Sending one message over SMTP (aiosmtplib): plain, STARTTLS or implicit TLS, with
authentication when a user is configured. A 5xx answer for the recipient is a hard
failure (`Rejected`), anything else a transient one the caller retries."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from services.notifications.config import NotificationsSettings


class Rejected(Exception):
    """The server refused the recipient or the message for good (5xx)."""


class SmtpSender:
    def __init__(self, settings: NotificationsSettings) -> None:
        self._s = settings

    async def send(self, message: EmailMessage) -> None:
        s = self._s
        try:
            await aiosmtplib.send(
                message, hostname=s.smtp_host, port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password.get_secret_value() or None,
                use_tls=s.smtp_tls == "tls", start_tls=s.smtp_tls == "starttls",
                timeout=s.smtp_timeout_seconds)
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise Rejected(str(error)) from None
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise Rejected(str(error)) from None
            raise
