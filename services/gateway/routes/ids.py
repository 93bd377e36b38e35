"""Ids in paths: a malformed id names nothing, so it is a 404 like an unknown one."""

from __future__ import annotations

from agora_kit.ids import is_valid_id
from services.gateway.problems import Problem


def existing_id(value: str, kind: str) -> str:
    if not is_valid_id(value):
        raise Problem(404, f"{kind} {value} does not exist", kind="not-found")
    return value
