"""The shapes of text every service checks, written once.

Each service re-checks what its callers send (it trusts none of them); these are the
rules they share: a language code, an opaque account or reference id, and text without
control characters. The gateway states the same patterns in its OpenAPI schemas.
"""

from __future__ import annotations

import re

LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"  # "fr", "pt-BR"
OPAQUE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"  # an account id, an idea's reference
ALLOWED_CONTROLS = "\n\t\r"
# The refused control characters as a regular-expression class (the gateway's schemas).
CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f"

_LANGUAGE = re.compile(LANGUAGE_PATTERN)
_OPAQUE_ID = re.compile(OPAQUE_ID_PATTERN)


def is_language_code(value: str) -> bool:
    return _LANGUAGE.match(value) is not None


def is_opaque_id(value: str) -> bool:
    return _OPAQUE_ID.match(value) is not None


def has_control_characters(text: str) -> bool:
    """Whether the text holds a control character other than newline, tab or return."""
    return any(ord(c) < 32 and c not in ALLOWED_CONTROLS for c in text)
