"""From queued mails to messages: the texts in the recipient's language, a
deterministic Message-ID, and the RFC 8058 one-click unsubscribe headers."""

from __future__ import annotations

from collections import defaultdict
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from agora_kit.types import Document
from services.notifications import render
from services.notifications.directory import ConsultationInfo
from services.notifications.unsubscribe import Links


class Composer:
    def __init__(self, links: Links, *, public_url: str, mail_from: str) -> None:
        self._links = links
        self._public = public_url.rstrip("/")
        self._from = mail_from

    def link(self, item: Document) -> str:
        """The post, synthesis version, deliverable or vote session the item is about."""
        params = item.get("params") or {}
        if "synthesis_id" in params:
            return (f"{self._public}/v1/consultations/{item['consultation_id']}/syntheses/"
                    f"{params['synthesis_id']}/versions/{params['version']}")
        if "deliverable" in params:
            return (f"{self._public}/v1/consultations/{item['consultation_id']}/deliverables/"
                    f"{params['deliverable']}")
        if "session_id" in params:
            return f"{self._public}/v1/vote-sessions/{params['session_id']}"
        if "queue" in params:
            return f"{self._public}/v1/consultations/{item['consultation_id']}/moderation/queue"
        if not item["post_id"]:  # about the consultation itself (an announcement)
            return f"{self._public}/v1/consultations/{item['consultation_id']}"
        return f"{self._public}/v1/posts/{item['post_id']}"

    def unsubscribe_url(self, token: str) -> str:
        return f"{self._public}/v1/notifications/unsubscribe?token={token}"

    def message(self, mail: Document, *, to: str, subject: str, text: str,
                html: str, token: str) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._from, to, subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{mail['_id'].replace(':', '.')}@notifications.agora>"
        message["List-Unsubscribe"] = f"<{self.unsubscribe_url(token)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def single(self, mail: Document, item: Document, info: ConsultationInfo, lang: str,
               to: str) -> EmailMessage:
        token = self._links.token(account_id=mail["account_id"],
                                  consultation_id=mail["consultation_id"], kind=mail["kind"])
        summary = render.summary(lang, item["kind"], item.get("params"))
        text, html = render.mail(
            lang, "notification", summary=summary, consultation_title=info.title,
            theme_title=info.themes.get(item["theme_id"], ""), excerpt=render.excerpt(lang, item),
            link=self.link(item), unsubscribe_url=self.unsubscribe_url(token))
        return self.message(mail, to=to, subject=f"{summary} · {info.title}", text=text,
                            html=html, token=token)

    def digest(self, mail: Document, items: list[Document],
               infos: dict[str, ConsultationInfo], lang: str, to: str) -> EmailMessage:
        """Grouped by consultation, then theme, in the order things happened."""
        cadence = mail["kind"].removeprefix("digest:")
        grouped: dict[str, dict[str, list[Document]]] = defaultdict(lambda: defaultdict(list))
        for item in sorted(items, key=lambda i: (i["created_at"], i["_id"])):
            grouped[item["consultation_id"]][item["theme_id"]].append(item)
        consultations: list[dict[str, Any]] = []
        for consultation_id, themes in grouped.items():
            info = infos[consultation_id]
            consultations.append({"title": info.title, "themes": [
                {"title": info.themes.get(theme_id, ""), "entries": [
                    {"summary": render.summary(lang, i["kind"], i.get("params")),
                     "excerpt": render.excerpt(lang, i), "link": self.link(i)} for i in entries]}
                for theme_id, entries in themes.items()]})
        token = self._links.token(account_id=mail["account_id"], consultation_id="",
                                  kind=mail["kind"])
        cadence_name = render.phrase(lang, cadence)
        text, html = render.mail(lang, "digest", cadence_name=cadence_name, count=len(items),
                                 consultations=consultations,
                                 unsubscribe_url=self.unsubscribe_url(token))
        subject = render.phrase(lang, "digest_subject", cadence=cadence_name, count=len(items))
        return self.message(mail, to=to, subject=subject, text=text, html=html, token=token)
