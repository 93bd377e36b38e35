"""Per-consultation author keys: who wrote what, without saying who it is.

An account id beside a pseudonym would link one person's posts across consultations
(and to anything else that shows the id), which defeats the pseudonym. Every public
output names an author by `author_key` instead: HMAC-SHA256 over (consultation, account)
under `AUTHOR_KEY_SECRET`, the first 120 bits in lower-case base32 (24 characters).
It is stable within a consultation, so a front-end can group one person's posts there;
keys of one person in two consultations share nothing; without the secret a key cannot
be traced back to an account, nor an account's key be computed. A caller learns their
own key from `GET /v1/consultations/{id}/pseudonym`. Changing the secret changes every
key (nothing stores them).

Keys are the same for every reader, so answers that carry them stay shareable in the
page cache. An erased account's posts (`former-participant`) have no key: they are no
one's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

ERASED = "former-participant"  # what threads' erasure writes as the author
KEY_BYTES = 15  # 120 bits: 24 base32 characters, no padding


class AuthorKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("an author key secret has at least 16 bytes")
        self._secret = secret

    def of(self, consultation_id: str, account_id: str) -> str | None:
        """The author key of account_id in consultation_id; None for no one."""
        if not account_id or account_id == ERASED:
            return None
        message = f"{consultation_id}\x00{account_id}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()[:KEY_BYTES]
        return base64.b32encode(digest).decode().lower()
