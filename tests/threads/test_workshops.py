"""Workshop CSV parsing, without servers: separators, byte-order marks, theme names."""

from __future__ import annotations

import pytest

from services.threads import workshops

THEMES = [{"id": "a" * 24, "title": "Skills"}, {"id": "b" * 24, "title": "Family life"}]


def parse(content: str, themes: list[dict[str, str]] = THEMES) -> tuple[list[workshops.Line],
                                                                      list[tuple[int, str]]]:
    return workshops.parse(content, list(themes), max_chars=1000)


@pytest.mark.parametrize("content", [
    "theme,text,author\nSkills,\"Night classes, for adults\",T1\n",
    "\ufefftheme,text,author\r\nSkills,\"Night classes, for adults\",T1\r\n",
    "\ufefftheme;text;author\r\nSkills;Night classes, for adults;T1\r\n",
    "theme\ttext\tauthor\nSkills\tNight classes, for adults\tT1\n",
    "Theme;Text;Author\n skills ;\"Night classes, for adults\";T1\n",
])
def test_separators_and_a_byte_order_mark_are_recognised(content: str) -> None:
    assert parse(content) == ([workshops.Line("a" * 24, "Night classes, for adults", "T1")], [])


def test_a_file_the_sniffer_cannot_read_gets_the_header_error_not_a_crash() -> None:
    assert parse("x") == ([], [(1, "the first line must be the header theme,text[,author] "
                                   "(separated by commas, semicolons or tabs)")])
    assert workshops.separator("no separator at all") == ","


def test_a_title_several_themes_share_is_ambiguous_but_their_ids_are_not() -> None:
    """Stored before titles had to differ: the CSV must name such a theme by its id."""
    twins = [*THEMES, {"id": "c" * 24, "title": " skills"}]
    lines, errors = parse(f"theme,text\nSkills,x\n{'c' * 24},y\nFamily life,z\n", twins)
    assert lines == []
    assert errors == [(2, "several themes are titled 'Skills'; name it by its id")]
    lines, errors = parse(f"theme,text\n{'c' * 24},y\nFamily life,z\n", twins)
    assert ([line.theme_id for line in lines], errors) == (["c" * 24, "b" * 24], [])
