"""Identifiers and pagination cursors."""

from __future__ import annotations

from bson import ObjectId

from agora_kit.errors import InvalidArgument


def new_id() -> str:
    """A new id that sorts by creation time (a MongoDB ObjectId as 24 hex digits)."""
    return str(ObjectId())


def is_valid_id(value: str) -> bool:
    return ObjectId.is_valid(value) and len(value) == 24


def require_id(value: str, *, field: str) -> str:
    """The id if well formed; InvalidArgument naming the field otherwise."""
    if not is_valid_id(value):
        raise InvalidArgument(f"{field} is not a valid id", field=field)
    return value


CURSOR_PATTERN = r"^([0-9a-f]{24})?$"


def encode_cursor(last_id: str) -> str:
    """The cursor of the page after last_id: the id itself. Clients treat it as opaque; it
    is a plain id so that the API's schema can say exactly which cursors exist (any id
    names a position, so every cursor the schema allows reads a page)."""
    return last_id


def decode_cursor(cursor: str, *, field: str = "cursor") -> str | None:
    """The id a cursor points after; None for the first page."""
    if not cursor:
        return None
    if not (len(cursor) == 24 and all(c in "0123456789abcdef" for c in cursor)):
        raise InvalidArgument("cursor is malformed", field=field)
    return cursor
