"""Who may do what: the one declarative table every write of the threads service checks.

The gateway passes the caller's roles with each write; until the identity service grants
roles per consultation they come from the access token. The table stays the same when
roles become per-consultation grants: only where the roles come from changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from agora_kit.errors import PermissionDenied


class Action(StrEnum):
    CREATE_CONSULTATION = "create_consultation"
    ADAPT_CONSULTATION = "adapt_consultation"
    CHANGE_PHASE = "change_phase"
    CREATE_THREAD = "create_thread"
    ASK_SURVEY_QUESTION = "ask_survey_question"
    OPEN_DEEPENING = "open_deepening"
    SUMMARISE_COLUMN = "summarise_column"
    PUBLISH_RESOURCE = "publish_resource"
    FACT_CHECK = "fact_check"
    IMPORT_WORKSHOP = "import_workshop"
    POST = "post"
    PIN = "pin"
    REACT = "react"
    REPORT = "report"
    MODERATE = "moderate"
    READ_MODERATION = "read_moderation"


EVERYONE = frozenset({"participant"})
MODERATORS = frozenset({"moderator"})

PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.CREATE_CONSULTATION: frozenset({"operator"}),
    Action.ADAPT_CONSULTATION: frozenset({"strategist", "operator"}),
    Action.CHANGE_PHASE: frozenset({"strategist"}),
    Action.CREATE_THREAD: EVERYONE,
    Action.ASK_SURVEY_QUESTION: frozenset({"strategist"}),
    Action.OPEN_DEEPENING: frozenset({"strategist", "synthesiser"}),
    Action.SUMMARISE_COLUMN: frozenset({"synthesiser"}),
    Action.PUBLISH_RESOURCE: frozenset({"knowledge_manager"}),
    Action.FACT_CHECK: frozenset({"expert"}),
    # Facilitators of in-person workshops are the community managers (moderators).
    Action.IMPORT_WORKSHOP: frozenset({"moderator", "strategist"}),
    Action.POST: EVERYONE,
    Action.PIN: MODERATORS,
    Action.REACT: EVERYONE,
    Action.REPORT: EVERYONE,
    Action.MODERATE: MODERATORS,
    Action.READ_MODERATION: MODERATORS,
}


def allowed(action: Action, roles: Iterable[str]) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(action: Action, roles: Iterable[str]) -> None:
    """PermissionDenied unless one of roles may perform action."""
    held = set(roles)
    if not allowed(action, held):
        needed = " or ".join(sorted(PERMISSIONS[action]))
        raise PermissionDenied(f"{action.value.replace('_', ' ')} needs the role {needed}")
