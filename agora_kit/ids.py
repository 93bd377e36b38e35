"""Identifiers and opaque pagination cursors."""

from __future__ import annotations

import base64
import binascii
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


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "cursor",
                  valid: Callable[[str], bool] = is_valid_id) -> str | None:
    """The id (or other key that `valid` accepts) a cursor points after; None for the
    first page."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidArgument("cursor is malformed", field=field) from None
    version, _, last_id = raw.partition(":")
    if version != "v1" or not valid(last_id):
        raise InvalidArgument("cursor is malformed", field=field)
    return last_id


def page_size(requested: int, *, field: str = "page_size") -> int:
    """Bounded page sizes (the README's lists: 1 to 100, 0 meaning the default 20), so no
    request reads more than MAX_PAGE_SIZE documents."""
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page size must be between 1 and {MAX_PAGE_SIZE}", field=field)
    return requested or DEFAULT_PAGE_SIZE
