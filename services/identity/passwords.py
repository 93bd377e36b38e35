"""Password policy and hashing (argon2id), per OWASP ASVS L2 §2.1 and §2.4.

Hashing runs in a worker thread: argon2id is deliberately slow and memory-hard, and
the event loop must keep serving other calls meanwhile. A login for an unknown email
verifies against a dummy hash, so its timing does not reveal whether the email exists.
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agora_kit.errors import InvalidArgument

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
MAX_CHARS = 256

# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 64 MiB, t=3).
_hasher = PasswordHasher()


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def check_policy(password: str, *, min_chars: int, email: str = "") -> str:
    """The password if acceptable, else InvalidArgument saying why (never echoing it)."""
    if len(password) < min_chars:
        raise InvalidArgument(f"the password needs at least {min_chars} characters",
                              field="password")
    if len(password) > MAX_CHARS:
        raise InvalidArgument(f"the password may have at most {MAX_CHARS} characters",
                              field="password")
    lowered = password.lower()
    if lowered in common_passwords():
        raise InvalidArgument("this password is too common; choose another", field="password")
    local_part = email.partition("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        raise InvalidArgument("the password must not contain your email address",
                              field="password")
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when password matches; with no stored hash, spend the same time and say no."""
    target = stored_hash or _dummy_hash()
    try:
        await asyncio.to_thread(_hasher.verify, target, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password anyone has: dummy for timing")
