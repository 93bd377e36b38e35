"""Helpers the translation service's consumer tests share."""

from __future__ import annotations

from services.translation.consultations import ConsultationLanguages


def known_languages(consultation_id: str, *languages: str) -> ConsultationLanguages:
    """The consultation's languages as threads would answer them, already in the cache:
    the consumer tests run the handlers without a threads service."""
    known = ConsultationLanguages("unused:0")
    known._known[consultation_id] = (float("inf"), tuple(languages))
    return known
