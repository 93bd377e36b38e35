"""The Merkle tree and the offline proof check (pure functions)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.voting.merkle import (
    EMPTY_ROOT,
    Step,
    leaf_hash,
    proof,
    proofs,
    root,
    verify_proof,
)

leaves_lists = st.lists(st.text(max_size=20), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(leaves=leaves_lists, data=st.data())
def test_every_leaf_has_a_proof_that_verifies(leaves: list[str], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    top = root(leaves)
    assert verify_proof(leaves[index], proof(leaves, index), top)


@settings(max_examples=100, deadline=None)
@given(leaves=leaves_lists, data=st.data(), intruder=st.text(max_size=20))
def test_a_changed_leaf_or_proof_does_not_verify(
    leaves: list[str], data: st.DataObject, intruder: str
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    steps = proof(leaves, index)
    top = root(leaves)
    if intruder != leaves[index]:
        assert not verify_proof(intruder, steps, top)
    if steps and steps[0].hash != leaf_hash(leaves[index]).hex():
        # The sibling on the wrong side gives another root (unless both sides are equal).
        flipped = [Step(steps[0].hash, not steps[0].left), *steps[1:]]
        assert not verify_proof(leaves[index], flipped, top)


@settings(max_examples=50, deadline=None)
@given(leaves=st.lists(st.text(max_size=20), max_size=70))
def test_all_proofs_at_once_equal_each_proof_alone(leaves: list[str]) -> None:
    assert proofs(leaves) == [proof(leaves, i) for i in range(len(leaves))]


def test_known_shapes() -> None:
    assert root([]) == EMPTY_ROOT
    assert proof(["only"], 0) == []
    assert verify_proof("only", [], root(["only"]))
    # An odd last leaf is promoted: its proof skips the level where it has no sibling.
    assert len(proof(["a", "b", "c"], 2)) == 1
    assert root(["a", "b"]) != root(["b", "a"])
