"""Who may do what in the synthesis service: the table every write checks (DESIGN §5).

The gateway passes the caller's roles in the consultation (`actor_roles`), as it does for
threads and voting; the service trusts no caller, so a gRPC client that passes no roles,
or the wrong ones, is refused here. The gateway's own table (services/gateway/
permissions.py) says the same for the public routes.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from agora_kit.errors import PermissionDenied


class Action(StrEnum):
    HARVEST = "harvest"  # file and re-anchor extracts
    SHAPE_IDEAS = "shape_ideas"  # create, retain, set aside, merge ideas
    WRITE_SYNTHESES = "write_syntheses"  # drafts, publications, answers to contests
    CONTEST = "contest"  # contest a published paragraph
    GENERATE_DELIVERABLE = "generate_deliverable"  # a new version of the deliverable


PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.HARVEST: frozenset({"idea_catcher", "synthesiser"}),
    Action.SHAPE_IDEAS: frozenset({"idea_catcher", "synthesiser"}),
    Action.WRITE_SYNTHESES: frozenset({"synthesiser"}),
    Action.CONTEST: frozenset({"participant"}),
    Action.GENERATE_DELIVERABLE: frozenset({"strategist"}),
}
# Who reads the quote of a hidden post: as for the post itself (services/threads/visibility.py).
READS_HIDDEN_TEXT = frozenset({"moderator"})


def allowed(action: Action, roles: Iterable[str]) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(action: Action, roles: Iterable[str]) -> None:
    """PermissionDenied unless one of roles may perform action."""
    if not allowed(action, roles):
        needed = " or ".join(sorted(PERMISSIONS[action]))
        raise PermissionDenied(f"{action.value.replace('_', ' ')} needs the role {needed}")
