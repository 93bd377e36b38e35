"""Who may change translations, checked by the service on every write with the roles the
gateway passes (the gateway's permission table lets every member through to here for
corrections, since authorship is known only here)."""

from __future__ import annotations

from collections.abc import Iterable

from agora_kit.errors import PermissionDenied

# Besides the author of the content, for their own content.
CORRECTORS = frozenset({"knowledge_manager"})
GLOSSARY_EDITORS = frozenset({"knowledge_manager", "strategist"})


def require_corrector(actor_id: str, roles: Iterable[str], author_id: str) -> None:
    if actor_id and actor_id == author_id:
        return
    if CORRECTORS.isdisjoint(roles):
        raise PermissionDenied("only the author or a knowledge manager may correct "
                               "this translation")


def require_author(actor_id: str, author_id: str) -> None:
    if not actor_id or actor_id != author_id:
        raise PermissionDenied("only the author may correct the language of their text")


def require_glossary_editor(roles: Iterable[str]) -> None:
    if GLOSSARY_EDITORS.isdisjoint(roles):
        raise PermissionDenied("only knowledge managers and strategists publish glossaries")
