"""A post's language: the one its author declared, else detected among the consultation's.

Detected posts also keep the detector's confidence (`language_confidence`); its absence
says the author declared the language. `und` is stored when detection could not tell
(agora_kit/language_detection.py), never the consultation's first language as a guess.
"""

from __future__ import annotations

from typing import Any

from agora_kit.errors import InvalidArgument
from agora_kit.language_detection import detect
from agora_kit.types import Document


def post_language(body: str, declared: str, consultation: Document) -> dict[str, Any]:
    """The post document's language fields."""
    if declared:
        if declared not in consultation["languages"]:
            raise InvalidArgument(f"language {declared!r} is not one of the consultation's",
                                  field="language")
        return {"language": declared}
    found = detect(body, consultation["languages"])
    return {"language": found.language, "language_confidence": found.confidence}


def redetected(post: Document, body: str, consultation: Document) -> dict[str, Any]:
    """After an edit: a detected language is detected again; a declared one stays."""
    if "language_confidence" not in post:
        return {}
    return post_language(body, "", consultation)

