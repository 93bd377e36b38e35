"""Outgoing mail behind one protocol: a file sender locally, SMTP in production.

The file sender writes each message as a JSON file (mode 0600) into a directory, so a
developer (or a test) reads the verification code there; nothing is logged, because
the message carries a single-use secret.
"""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from agora_kit.ids import new_id
from services.identity.config import IdentitySettings


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class MailSender(Protocol):
    async def send(self, mail: Mail) -> None: ...


class FileSender:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._write, mail)

    def _write(self, mail: Mail) -> None:
        """Write under a temporary name, then rename: a reader never sees half a mail."""
        self._directory.mkdir(parents=True, exist_ok=True)
        name = new_id()
        partial = self._directory / f".{name}.partial"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(asdict(mail), handle)
        os.replace(partial, self._directory / f"{name}.json")


class SmtpSender:
    def __init__(self, settings: IdentitySettings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: Mail) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.mail_from, mail.to, mail.subject
        message.set_content(mail.body)
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)


def sender_for(settings: IdentitySettings) -> MailSender:
    if settings.mail_sender == "smtp":
        return SmtpSender(settings)
    return FileSender(settings.mail_dir)
