"""Long texts are cut on paragraph, then sentence, then word boundaries, and glued back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.translation.batching import batches
from services.translation.providers.base import Limits
from services.translation.segments import split


def test_paragraphs_are_segments_and_separators_are_kept() -> None:
    text = "Un.\n\nDeux.\n  \n\nTrois."
    cut = split(text, 100)
    assert cut.segments == ["Un.", "Deux.", "Trois."]
    assert cut.join([s.upper() for s in cut.segments]) == "UN.\n\nDEUX.\n  \n\nTROIS."


def test_a_long_paragraph_is_cut_at_sentence_ends() -> None:
    text = "Première phrase ici. Deuxième phrase là ! Troisième ? مرحبا؟ Fin."
    cut = split(text, 25)
    assert cut.segments == ["Première phrase ici.", "Deuxième phrase là !", "Troisième ?",
                            "مرحبا؟", "Fin."]
    assert cut.join(cut.segments) == text


def test_a_long_sentence_is_cut_between_words_never_inside_a_placeholder() -> None:
    text = 'mot ' * 10 + '<x i="12"/> ' + 'fin ' * 5
    cut = split(text, 16)
    assert all(len(segment) <= 16 for segment in cut.segments)
    assert '<x i="12"/> fin' in cut.segments
    assert cut.join(cut.segments) == text


@given(st.text(alphabet=st.sampled_from("ab .!?\n\t"), max_size=300),
       st.integers(min_value=5, max_value=60))
def test_split_then_join_is_the_identity(text: str, limit: int) -> None:
    cut = split(text, limit)
    assert cut.join(cut.segments) == text
    assert all(len(s.strip()) <= limit or " " not in s.strip() for s in cut.segments)


def test_batches_respect_count_and_characters() -> None:
    segments = ["a" * 40, "b" * 40, "c" * 40, "d", "e", "f", "g"]
    out = list(batches(segments, Limits(max_segments=3, max_chars=90)))
    assert out == [["a" * 40, "b" * 40], ["c" * 40, "d", "e"], ["f", "g"]]
    assert list(batches([], Limits(3, 90))) == []
