"""Anchors survive edits that keep the passage and never move onto other words."""

from __future__ import annotations

import pytest

from agora_kit.errors import InvalidArgument
from services.synthesis.anchoring import relocate, select

TEXT = ("Cities should build protected bike lanes on every arterial road. "
        "Buses need their own lanes too, and bike lanes must be wide.")


def test_a_selection_carries_its_quote_and_position() -> None:
    start = TEXT.index("protected bike lanes")
    anchor = select(TEXT, start, start + len("protected bike lanes"))
    assert anchor.exact == "protected bike lanes"
    assert anchor.prefix == TEXT[:start][-32:]
    assert TEXT.startswith(anchor.suffix, anchor.end)


@pytest.mark.parametrize(("start", "end", "field"), [
    (-1, 3, "start"), (0, len(TEXT) + 1, "end"), (5, 5, "end"), (9, 3, "end"),
    (len(TEXT) + 2, len(TEXT) + 4, "start")])
def test_offsets_outside_the_text_are_refused(start: int, end: int, field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        select(TEXT, start, end)
    assert refused.value.field == field


def test_a_whitespace_selection_is_refused() -> None:
    text = "One.    Two."
    with pytest.raises(InvalidArgument, match="whitespace"):
        select(text, 4, 8)


def test_text_inserted_before_the_passage_moves_the_position() -> None:
    start = TEXT.index("Buses need")
    anchor = select(TEXT, start, start + len("Buses need their own lanes"))
    edited = "Honestly: " + TEXT
    moved = relocate(anchor, edited)
    assert moved is not None
    assert edited[moved.start:moved.end] == "Buses need their own lanes"
    assert moved.start == start + len("Honestly: ")


def test_a_repeated_phrase_keeps_the_occurrence_its_context_names() -> None:
    second = TEXT.index("bike lanes", TEXT.index("bike lanes") + 1)
    anchor = select(TEXT, second, second + len("bike lanes"))
    edited = "Bike lanes first. " + TEXT
    moved = relocate(anchor, edited)
    assert moved is not None
    assert edited[moved.start - 4:moved.end] == "and bike lanes"


def test_a_corrected_typo_reanchors_on_the_corrected_words() -> None:
    text = "We should plant more tres along the river banks this year."
    start = text.index("plant more tres")
    anchor = select(text, start, start + len("plant more tres along the river"))
    edited = text.replace("tres", "trees")
    moved = relocate(anchor, edited)
    assert moved is not None
    assert edited[moved.start:moved.end] == "plant more trees along the river"


def test_a_removed_passage_is_not_found_rather_than_moved() -> None:
    start = TEXT.index("Buses need")
    anchor = select(TEXT, start, start + len("Buses need their own lanes too"))
    edited = TEXT.replace("Buses need their own lanes too, and bike",
                          "Trams deserve priority at junctions, and bike")
    assert relocate(anchor, edited) is None
    assert relocate(anchor, "Something else entirely, about parks and trees.") is None
