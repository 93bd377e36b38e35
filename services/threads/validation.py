"""Checks on what clients send, naming the offending field. The gateway checks the same
shapes; these run again here because the service must not trust its callers."""

from __future__ import annotations

from collections.abc import Sequence

from agora_kit.errors import InvalidArgument
from agora_kit.requests import actor as actor
from agora_kit.requests import idempotency_key as idempotency_key
from agora_kit.validators import has_control_characters, is_language_code

TITLE_MAX = 200
MAX_THEMES = 10
MAX_LANGUAGES = 20


def text(value: str, *, field: str, max_chars: int, min_chars: int = 1) -> str:
    """Stripped text within bounds; control characters other than newline/tab refused."""
    stripped = value.strip()
    if len(stripped) < min_chars:
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if len(stripped) > max_chars:
        raise InvalidArgument(f"{field} must be at most {max_chars} characters", field=field)
    if has_control_characters(stripped):
        raise InvalidArgument(f"{field} contains control characters", field=field)
    return stripped


def title(value: str, *, field: str = "title") -> str:
    return text(value, field=field, max_chars=TITLE_MAX)


def languages(values: Sequence[str]) -> list[str]:
    if not values:
        raise InvalidArgument("at least one language is required", field="languages")
    if len(values) > MAX_LANGUAGES:
        raise InvalidArgument(f"at most {MAX_LANGUAGES} languages", field="languages")
    for value in values:
        if not is_language_code(value):
            raise InvalidArgument(
                f"{value!r} is not a language code like 'fr' or 'pt-BR'", field="languages"
            )
    if len(set(values)) != len(values):
        raise InvalidArgument("languages must not repeat", field="languages")
    return list(values)

