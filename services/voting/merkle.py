"""A Merkle tree over the final ballots, and the offline check of an inclusion proof.

Pure functions with no dependency beyond the standard library, so a voter (or anyone
auditing) can copy `verify_proof` and check a receipt without trusting our servers.

- leaf hash  = SHA-256(0x00 || leaf bytes)      (the leaf is canonical JSON, UTF-8)
- node hash  = SHA-256(0x01 || left || right)
- an odd node at the end of a level is promoted unchanged to the next level;
- the root of zero leaves is SHA-256 of the empty string.
The 0x00/0x01 prefixes (as in RFC 6962) stop a leaf being passed off as an inner node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Step:
    """One sibling on the way to the root; left=True when it sits on the left."""

    hash: str
    left: bool


def leaf_hash(leaf: str) -> bytes:
    return hashlib.sha256(b"\x00" + leaf.encode()).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _levels(leaves: Sequence[str]) -> list[list[bytes]]:
    level = [leaf_hash(leaf) for leaf in leaves]
    levels = [level]
    while len(level) > 1:
        level = [
            node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        levels.append(level)
    return levels


def root(leaves: Sequence[str]) -> str:
    """Hex root of the tree over leaves, in the order given."""
    if not leaves:
        return EMPTY_ROOT
    return _levels(leaves)[-1][0].hex()


def proof(leaves: Sequence[str], index: int) -> list[Step]:
    """The siblings from leaf `index` up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    steps = []
    for level in _levels(leaves)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            steps.append(Step(hash=level[sibling].hex(), left=sibling < index))
        index //= 2
    return steps


def proofs(leaves: Sequence[str]) -> list[list[Step]]:
    """Every leaf's proof, in leaf order, from one construction of the tree."""
    levels = _levels(leaves) if leaves else []
    result: list[list[Step]] = []
    for index in range(len(leaves)):
        steps, position = [], index
        for level in levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                steps.append(Step(hash=level[sibling].hex(), left=sibling < position))
            position //= 2
        result.append(steps)
    return result


def verify_proof(leaf: str, steps: Sequence[Step], expected_root: str) -> bool:
    """True when leaf, combined with steps, hashes to expected_root (offline check)."""
    running = leaf_hash(leaf)
    for step in steps:
        sibling = bytes.fromhex(step.hash)
        running = node_hash(sibling, running) if step.left else node_hash(running, sibling)
    return running.hex() == expected_root
