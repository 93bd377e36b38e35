"""Who may do what: the one table every write of the voting service checks (DESIGN §5).

The gateway passes the caller's roles in the consultation with each write
(`actor_roles`), as it does for threads (`services/threads/permissions.py`); the service
trusts no caller, so a gRPC client that bypasses the gateway and passes no roles, or the
wrong ones, is refused here. Checking is a set intersection: no round trip, so the
ballot's hot path stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from agora_kit.errors import PermissionDenied


class Action(StrEnum):
    MANAGE_SESSION = "manage_session"  # create, open, close
    VOTE = "vote"


PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.MANAGE_SESSION: frozenset({"strategist", "operator"}),
    Action.VOTE: frozenset({"participant"}),
}


def allowed(action: Action, roles: Iterable[str]) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(action: Action, roles: Iterable[str]) -> None:
    """PermissionDenied unless one of roles may perform action."""
    if not allowed(action, roles):
        needed = " or ".join(sorted(PERMISSIONS[action]))
        raise PermissionDenied(f"{action.value.replace('_', ' ')} needs the role {needed}")
