"""What makes the published results checkable: pseudonyms, leaves and the digest.

- a voter's pseudonym is HMAC-SHA256(session secret, account id): stable within a session,
  unlinkable across sessions, and not reversible without the secret (never published);
- a leaf is the canonical JSON of {"voter": pseudonym, "allocations": [[proposal,
  category, tokens], ...], "gauges": [[proposal, gauge, value], ...]}, sorted, zero
  allocations dropped;
- leaves are ordered by pseudonym and hashed into a Merkle tree (`merkle.py`);
- the results digest is SHA-256 of the Merkle root, a newline, and the canonical JSON of
  {"gauges": gauge rows, "tokens": tally rows}, so it commits to every counted ballot and
  to the announced numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any

from agora_kit.types import Document


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def new_secret() -> str:
    return secrets.token_hex(32)


def pseudonym(secret: str, account_id: str) -> str:
    return hmac.new(bytes.fromhex(secret), account_id.encode(), hashlib.sha256).hexdigest()


def is_pseudonym(value: str) -> bool:
    """64 lowercase hex digits, as `pseudonym` writes them."""
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def leaf(voter_pseudonym: str, allocations: Sequence[Document],
         gauge_answers: Sequence[Document] = ()) -> str:
    rows = sorted(
        [a["proposal_id"], a["category_id"], a["tokens"]] for a in allocations if a["tokens"] > 0
    )
    answers = sorted([a["proposal_id"], a["gauge_id"], a["value"]] for a in gauge_answers)
    return canonical_json({"allocations": rows, "gauges": answers, "voter": voter_pseudonym})


def counted(tally_rows: Sequence[Sequence[Any]], gauge_rows: Sequence[Sequence[Any]]) -> str:
    """The canonical JSON of everything announced: token tallies and gauge results."""
    return canonical_json({"gauges": gauge_rows, "tokens": tally_rows})


def results_digest(merkle_root: str, announced: str) -> str:
    return hashlib.sha256(f"{merkle_root}\n{announced}".encode()).hexdigest()
