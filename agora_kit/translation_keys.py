"""The content ids the translation service translates, one per text, shared by the
service that records them and the gateway that reads them.

A post is its id. Other kinds are namespaced so that sources, jobs, stored translations
and `translation.ready` carry them unchanged through the one pipeline:
`idea:<idea id>:title` / `idea:<idea id>:description`, and a published synthesis
version's paragraph `synthesis:<synthesis id>:<version>:<anchor>` (a version is immutable:
its paragraphs are revision 1, and a paragraph carried over unchanged into the next
version hits the segment cache by its hash) and its title `synthesis:<id>:<version>:title`.
"""

from __future__ import annotations

import re

from agora_kit.ids import is_valid_id

POST, IDEA, SYNTHESIS = "post", "idea", "synthesis"
IDEA_FIELDS = ("title", "description")
_ID = r"[0-9a-f]{24}"
_KEY = re.compile(
    rf"^(?:{_ID}|idea:{_ID}:(?:title|description)|synthesis:{_ID}:[1-9][0-9]{{0,6}}:"
    rf"(?:{_ID}|title))$")


def idea_key(idea_id: str, field: str) -> str:
    return f"idea:{idea_id}:{field}"


def paragraph_key(synthesis_id: str, version: int, anchor: str) -> str:
    return f"synthesis:{synthesis_id}:{version}:{anchor}"


def version_title_key(synthesis_id: str, version: int) -> str:
    return paragraph_key(synthesis_id, version, "title")


def is_content_key(value: str) -> bool:
    return bool(_KEY.match(value))


def kind_of(content_id: str) -> str:
    """`post`, `idea` or `synthesis`."""
    if is_valid_id(content_id):
        return POST
    return content_id.split(":", 1)[0]
