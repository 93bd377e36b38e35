"""Texts in the recipient's language: one-line summaries (inbox, subjects) from a small
catalogue, mails from Jinja2 templates (`templates/<language>/`, HTML autoescaped).

A language without templates falls back to English, so a consultation in a language not
written yet still mails, in English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
FALLBACK = "en"
LANGUAGES = tuple(sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir()))
SUMMARIES: dict[str, dict[str, str]] = {
    "en": {"reply": "{who} replied to your post", "new_post": "{who} wrote in a conversation "
           "you follow", "someone": "Someone",
           "post_hidden": "A moderator hid your post. Reason: {reason}",
           "post_restored": "A moderator restored your post",
           "reaction_milestone": "Your post reached {count} reactions",
           "extract_harvested": "A passage of your post was harvested for the synthesis",
           "synthesis_published": "Version {version} of the synthesis \u201c{title}\u201d "
           "was published",
           "contest_answered": "The synthesis team answered your contest",
           "vote_opened": "The vote is open",
           "phase_started": "A new phase has started: {phase}",
           "deliverable_published": "The deliverable (version {deliverable}) was published",
           "vote_closing_soon": "The vote closes in less than 24 hours: you have not voted "
           "yet",
           "announcement": "Announcement: {title}",
           "moderation_waiting": "{count} new items are waiting in the moderation queue",
           "moderation_waiting_one": "A new item is waiting in the moderation queue",
           "contest_opened": "A paragraph of the synthesis \u201c{title}\u201d was contested",
           "phase_appropriation": "appropriation", "phase_ideation": "ideation",
           "phase_deepening": "deepening", "phase_prioritisation": "prioritisation (the vote)",
           "phase_deliverable": "the deliverable",
           "daily": "daily", "weekly": "weekly",
           "digest_subject": "Your {cadence} Agora digest: {count} new"},
    "fr": {"reply": "{who} a répondu à votre contribution",
           "new_post": "{who} a écrit dans une conversation que vous suivez",
           "someone": "Quelqu'un", "daily": "quotidien", "weekly": "hebdomadaire",
           "post_hidden": "Un modérateur a masqué votre contribution. Motif : {reason}",
           "post_restored": "Un modérateur a rétabli votre contribution",
           "reaction_milestone": "Votre contribution a reçu {count} réactions",
           "extract_harvested": "Un passage de votre contribution a été retenu pour la "
           "synthèse",
           "synthesis_published": "La version {version} de la synthèse « {title} » a été "
           "publiée",
           "contest_answered": "L'équipe de synthèse a répondu à votre contestation",
           "vote_opened": "Le vote est ouvert",
           "phase_started": "Une nouvelle phase commence : {phase}",
           "deliverable_published": "Le livrable (version {deliverable}) a été publié",
           "vote_closing_soon": "Le vote se termine dans moins de 24 heures : vous n'avez pas "
           "encore voté",
           "announcement": "Annonce : {title}",
           "moderation_waiting": "{count} nouveaux éléments attendent dans la file de "
           "modération",
           "moderation_waiting_one": "Un nouvel élément attend dans la file de modération",
           "contest_opened": "Un paragraphe de la synthèse « {title} » a été contesté",
           "phase_appropriation": "appropriation", "phase_ideation": "idéation",
           "phase_deepening": "approfondissement", "phase_prioritisation":
           "priorisation (le vote)", "phase_deliverable": "le livrable",
           "digest_subject": "Votre résumé Agora {cadence} : {count} nouveautés"},
}
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                   undefined=StrictUndefined, keep_trailing_newline=True)


def language(preferred: str, consultation_languages: list[str]) -> str:
    """The language to write in: the recipient's choice, else the consultation's first,
    whichever we have templates for (else English)."""
    for candidate in (preferred, *consultation_languages):
        if candidate in LANGUAGES:
            return candidate
    return FALLBACK


def phrase(lang: str, key: str, **values: Any) -> str:
    table = SUMMARIES.get(lang, SUMMARIES[FALLBACK])
    return table[key].format(**values)


def written(lang: str, texts: dict[str, dict[str, str]]) -> dict[str, str]:
    """Of a text written in several languages (an announcement), the reader's, else the
    first one written."""
    return texts.get(lang) or next(iter(texts.values()), {"title": "", "body": ""})


def summary(lang: str, kind: str, params: dict[str, Any] | None = None) -> str:
    values = dict(params or {})
    if "phase" in values:  # a phase's name is in the catalogue too
        values["phase"] = phrase(lang, f"phase_{values['phase']}")
    if "texts" in values:  # written by someone in several languages
        values["title"] = written(lang, values.pop("texts"))["title"]
    if values.get("queue") and values.get("count") == 1:
        kind = f"{kind}_one"
    return phrase(lang, kind, who=phrase(lang, "someone"), **values)


def excerpt(lang: str, item: dict[str, Any]) -> str:
    """What the notification quotes: the announcement's body in the reader's language,
    else the excerpt stored with it."""
    texts = (item.get("params") or {}).get("texts")
    if texts:
        return written(lang, texts)["body"]
    text: str = item["excerpt"]
    return text


def mail(lang: str, name: str, **context: Any) -> tuple[str, str]:
    """(plain text, HTML) of template `name` in lang."""
    lang = lang if lang in LANGUAGES else FALLBACK
    text = _ENV.get_template(f"{lang}/{name}.txt").render(**context)
    html = _ENV.get_template(f"{lang}/{name}.html").render(**context)
    return text, html
