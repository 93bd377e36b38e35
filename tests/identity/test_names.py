"""What a pseudonym or display name shows, what it may not be, and when two names are one
(services/identity/names.py)."""

from __future__ import annotations

from services.identity.names import (
    DISPLAY_NAME,
    PSEUDONYM,
    lookalike_keys,
    problem,
    shown,
    skeleton,
)


def test_a_name_is_shown_without_invisible_characters_and_in_compatibility_form() -> None:
    assert shown("Night\u200b \u200d Owl\ufeff") == "Night Owl"
    assert shown("\u202eAda\u202c\u2066") == "Ada"
    assert shown("\uff21\uff44\uff41\u3000 Lovelace") == "Ada Lovelace"
    assert shown("\u3164\u115f\ufe0f") == ""  # Hangul fillers, a variation selector
    assert shown("Zoë Nguyễn") == "Zoë Nguyễn"


def test_what_cannot_be_a_pseudonym() -> None:
    assert problem("", PSEUDONYM) is not None
    assert problem("Ada\x07", PSEUDONYM) is not None
    assert problem("Ada\ue000", PSEUDONYM) is not None  # private use: any glyph a font likes
    assert problem("\u0410lice", PSEUDONYM) is not None  # a Cyrillic A among Latin letters
    # A Cyrillic e among Latin letters: looks Latin.
    assert problem("Jean \u041f\u044c\u0435\u0440", PSEUDONYM) is not None
    assert problem("me@corp.example", PSEUDONYM) is not None
    assert problem("x" * 41, PSEUDONYM) is not None
    for fine in ("Ada", "Anna 李", "Владимир", "Ελένη", "محمد", "Zoë", "R2-D2"):
        assert problem(fine, PSEUDONYM) is None, fine


def test_a_display_name_follows_the_same_rules_with_its_own_length_and_field() -> None:
    assert problem("x" * 80, DISPLAY_NAME) is None
    assert problem("x" * 81, DISPLAY_NAME) == "a display name has at most 80 characters"
    assert problem(shown("john.smith\uff20corp.example"), DISPLAY_NAME) is not None
    assert problem("\u0410lice", DISPLAY_NAME) is not None
    assert problem("", DISPLAY_NAME) == "a display name needs at least one visible character"


def test_the_confusables_data_gives_the_prototypes_of_unicode_ts39() -> None:
    # Pinned from Unicode's confusables.txt: a data change breaking these must be seen.
    assert skeleton("\u0410") == "A"  # CYRILLIC CAPITAL LETTER A
    assert skeleton("\u0430") == "a"
    assert skeleton("I") == skeleton("1") == skeleton("|") == "l"
    assert skeleton("0") == "O"
    assert skeleton("m") == "rn"
    assert skeleton("\u0455\u0430\u0441\u04bb\u0430") == "sacha"  # all Cyrillic


def look_alike(one: str, other: str) -> bool:
    return any(a == b for a, b in zip(lookalike_keys(one), lookalike_keys(other), strict=True))


def test_lookalike_names_share_a_key_and_different_names_do_not() -> None:
    for same in ("alice", "ALICE", "AIice", "\u0410\u04c0\u0456\u0441\u0435",
                 shown("\uff21\uff4c\uff49\uff43\uff45")):
        assert look_alike("Alice", same), same
    assert look_alike("B0b", "Bob")
    for other in ("Alicia", "Alice 2", "Bob"):
        assert not look_alike("Alice", other), other
