"""Which language a reader asks for (services/gateway/languages.py)."""

from __future__ import annotations

import pytest

from services.gateway.languages import preferred, requested

OFFERED = ["fr", "en", "pt-BR"]


@pytest.mark.parametrize(("lang", "header", "expected"), [
    (None, None, None),
    ("en", "fr", "en"),  # ?lang= wins over the header
    ("es", "en", "en"),  # an unoffered ?lang= falls back to the header
    (None, "de, en;q=0.8, fr;q=0.9", "fr"),  # by weight, not by position
    (None, "en;q=0.5,fr;q=0.5", "en"),  # equal weights: the header's order
    (None, "EN-gb", "en"),  # case-insensitive, primary subtag
    (None, "pt", "pt-BR"),
    (None, "en;q=0, fr", "fr"),  # q=0: not this one
    (None, "en ; q = 0.7", "en"),  # whitespace around the weight
    (None, "en;q=1.5", None), (None, "en;q=0.1234", None), (None, "en;q=x", None),
    (None, "en;level=1", None),  # unreadable weights drop their range
    (None, "*", None), (None, "", None), (None, ",,;", None),
])
def test_requested(lang: str | None, header: str | None, expected: str | None) -> None:
    assert requested(OFFERED, lang=lang, accept_language=header) == expected


def test_preferred_falls_back_to_the_first_offered() -> None:
    assert preferred(OFFERED, lang="es", accept_language="de") == "fr"
    assert preferred([], lang="es", accept_language=None) == ""
