"""Language detection among a consultation's languages, on real sentences."""

from __future__ import annotations

import pytest

from agora_kit.language_detection import UNDETERMINED, detect

LANGUAGES = ["fr", "en", "de"]
SENTENCES = {
    "en": ["Who would pay for it?", "We need better public transport in the suburbs.",
           "I disagree with this proposal", "Train the staff first", "Good idea"],
    "fr": ["Qui paierait pour ça ?", "Il faut former les salariés avant tout.",
           "Plus de pistes cyclables", "Pourquoi pas les deux ?", "Bonne idée"],
    "de": ["Wer würde dafür bezahlen?", "Wir brauchen besseren Nahverkehr in den Vororten.",
           "Mehr Radwege", "Ich bin dagegen", "Die Stadt grüner machen"],
}


@pytest.mark.parametrize(("expected", "text"),
                         [(lang, text) for lang, texts in SENTENCES.items() for text in texts])
def test_real_sentences_are_told_apart(expected: str, text: str) -> None:
    detection = detect(text, LANGUAGES)
    assert detection.language == expected
    assert 0.5 <= detection.confidence <= 1.0


def test_the_answer_is_the_consultations_own_code() -> None:
    assert detect("Quem pagaria por isso? Precisamos de mais ciclovias.",
                  ["en", "pt-BR"]).language == "pt-BR"


@pytest.mark.parametrize("text", ["ok", "42 !!", "🙂🙂🙂", "   ", "https://example.org/a/b"])
def test_too_little_to_tell_is_undetermined(text: str) -> None:
    assert detect(text, LANGUAGES) == detect(text, ["en", "fr"])
    assert detect(text, LANGUAGES).language == UNDETERMINED
    assert detect(text, LANGUAGES).confidence == 0.0


def test_only_the_consultations_languages_are_candidates() -> None:
    assert detect("Wer würde dafür bezahlen?", ["fr", "en", "de"]).language == "de"
    assert detect("Who would pay for it? Nobody, I suppose.", ["en"]).language == "en"
    assert detect("Who would pay for it?", ["xx", "qq"]).language == UNDETERMINED
