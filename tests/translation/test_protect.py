"""Markdown structure, links, mentions and code survive a translation untouched."""

from __future__ import annotations

import pytest

from services.translation.protect import protect, translatable
from services.translation.providers.errors import MalformedResponse
from tests.translation.fake_provider import fake_translate

MARKDOWN = """# Le budget

> Une citation de @marie.curie, voir [la note](https://ex.org/a_b "titre") et <https://ex.org>.

- premier point avec `x < y && z`
1. second point: https://ex.org/page?q=1.

```python
if a < b:  # pas traduit

    print("@nobody")
```
Fin & merci ![image](img.png) [ref][1]"""


def test_spans_are_protected_and_restored_exactly() -> None:
    protected = protect(MARKDOWN)
    assert protected.spans == (
        "# ", "> ", "@marie.curie", '](https://ex.org/a_b "titre")', "<https://ex.org>",
        "- ", "`x < y && z`", "1. ", "https://ex.org/page?q=1",
        '```python\nif a < b:  # pas traduit\n\n    print("@nobody")\n```', "](img.png)",
        "][1]")
    assert "&amp;" in protected.text  # the prose is XML-escaped for the provider
    assert protected.restore(protected.text, provider="p") == MARKDOWN


def test_a_translation_keeps_the_structure_and_translates_the_prose() -> None:
    protected = protect(MARKDOWN)
    out = protected.restore(fake_translate(protected.text, "en"), provider="p")
    assert out.startswith("[en] # LE BUDGET\n\n> UNE CITATION DE @marie.curie, VOIR [LA NOTE]"
                          '(https://ex.org/a_b "titre") ET <https://ex.org>.')
    assert "- PREMIER POINT AVEC `x < y && z`" in out
    assert 'print("@nobody")\n```\nFIN & MERCI ![IMAGE](img.png) [REF][1]' in out


@pytest.mark.parametrize("translated", [
    "sans balise", '<x i="0"/> <x i="0"/> <x i="1"/>', '<x i="0"/><x i="1"/><x i="9"/>'])
def test_a_lost_duplicated_or_invented_placeholder_is_refused(translated: str) -> None:
    protected = protect("@a et @b")
    with pytest.raises(MalformedResponse, match="protected span"):
        protected.restore(translated, provider="p")


@pytest.mark.parametrize("text", ["", "   \n\t ", "👍🏽", "👩\u200d💻 ✨", "\u200b\u200d", "42 !",
                                  "`code`", "@someone"])
def test_nothing_to_translate(text: str) -> None:
    assert not translatable(protect(text).text)


@pytest.mark.parametrize("text", [
    "مرحبا بكم في النقاش @ali",             # Arabic, right to left
    "שלום לכולם, ראו https://ex.org",      # Hebrew
    "Bonjour 👩\u200d💻 le\u200bmonde",      # emoji with a ZWJ, a zero-width space
    "mixed: hello et bonjour ‏rtl‎ marks",  # mixed languages and direction marks
])
def test_rtl_emoji_and_invisible_characters_round_trip(text: str) -> None:
    protected = protect(text)
    assert translatable(protected.text)
    assert protected.restore(protected.text, provider="p") == text
    out = protected.restore(fake_translate(protected.text, "fr"), provider="p")
    assert "\u200d" in out or "\u200d" not in text
    assert out.removeprefix("[fr] ").casefold() == text.casefold()


def test_a_synthesis_citations_survive_translation() -> None:
    idea, extract = "6566f0c2a1b2c3d4e5f60718", "6566f0c2a1b2c3d4e5f60719"
    text = f"Les gens veulent des **pistes** [idea:{idea}] et des bus [extract:{extract}]."
    protected = protect(text)
    assert protected.spans == (f"[idea:{idea}]", f"[extract:{extract}]")
    assert "idea:" not in protected.text
    assert "extract:" not in protected.text
    out = protected.restore(fake_translate(protected.text, "en"), provider="test")
    assert out.endswith(f"[idea:{idea}] ET DES BUS [extract:{extract}].")
    with pytest.raises(MalformedResponse):  # a citation lost is refused, never shown
        protected.restore(fake_translate(protected.text.replace('<x i="1"/>', ""), "en"),
                          provider="test")
