"""Identifiers and pagination cursors."""

from __future__ import annotations

from collections.abc import Callable

from bson import ObjectId

from agora_kit.errors import InvalidArgument

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


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


ID_PATTERN = r"^[0-9a-f]{24}$"  # what `new_id` makes, as schemas state it
CURSOR_PATTERN = r"^([0-9a-f]{24})?$"


def encode_cursor(last_id: str) -> str:
    """The cursor of the page after last_id: the id itself. Clients treat it as opaque; it
    is a plain id so that the API's schema can say exactly which cursors exist (any id
    names a position, so every cursor the schema allows reads a page)."""
    return last_id


def is_canonical_id(value: str) -> bool:
    """An id as new_id writes it (24 lowercase hex digits): what CURSOR_PATTERN allows."""
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


def decode_cursor(cursor: str, *, field: str = "cursor",
                  valid: Callable[[str], bool] = is_canonical_id) -> str | None:
    """The id (or other key that `valid` accepts) a cursor points after; None for the
    first page."""
    if not cursor:
        return None
    if not valid(cursor):
        raise InvalidArgument("cursor is malformed", field=field)
    return cursor


def page_size(requested: int, *, field: str = "page_size") -> int:
    """Bounded page sizes (the README's lists: 1 to 100, 0 meaning the default 20), so no
    request reads more than MAX_PAGE_SIZE documents."""
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page size must be between 1 and {MAX_PAGE_SIZE}", field=field)
    return requested or DEFAULT_PAGE_SIZE
