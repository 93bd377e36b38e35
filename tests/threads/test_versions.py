"""A consultation's versions, without servers: validation, storage by theme id, and back
by position (services/threads/versions.py)."""

from __future__ import annotations

from typing import Any

import pytest

from agora.v1 import threads_pb2
from agora_kit.errors import InvalidArgument
from services.threads import versions

THEMES = [("Télétravail", 2), ("Carrières", 0)]
STORED_THEMES: list[dict[str, Any]] = [
    {"id": "a" * 24, "title": "Télétravail",
     "sub_themes": [{"id": "b" * 24, "title": "Outils"}, {"id": "c" * 24, "title": "Lieux"}]},
    {"id": "d" * 24, "title": "Carrières", "sub_themes": []},
]


def version(**fields: Any) -> threads_pb2.ConsultationVersion:
    return threads_pb2.ConsultationVersion(**{"language": "en", "title": "Work", **fields})


def check(*messages: threads_pb2.ConsultationVersion) -> tuple[versions.Version, ...]:
    return versions.validate(messages, languages=["fr", "en", "de"], original="fr",
                             themes=THEMES)


def test_a_version_is_trimmed_and_its_empty_texts_stay_empty() -> None:
    (checked,) = check(version(title="  Work  ", question="How?  "))
    assert (checked.title, checked.question, checked.description) == ("Work", "How?", "")


@pytest.mark.parametrize(("message", "field"), [
    (version(language="it"), "versions.0.language"),
    (version(language="fr"), "versions.0.language"),
    (version(title=" \u3000 "), "versions.0.title"),
    (version(description="\t\n"), "versions.0.description"),
    (version(step_after="a\x00b"), "versions.0.step_after"),
    (version(themes=[threads_pb2.ThemeVersion(title="x")]), "versions.0.themes"),
    (version(themes=[threads_pb2.ThemeVersion(title="x", sub_themes=["a"]),
                     threads_pb2.ThemeVersion()]), "versions.0.themes.0.sub_themes"),
    (version(themes=[threads_pb2.ThemeVersion(title="  "), threads_pb2.ThemeVersion()]),
     "versions.0.themes.0.title"),
])
def test_bad_versions_name_their_field(message: threads_pb2.ConsultationVersion,
                                       field: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        check(message)
    assert refused.value.field == field


def test_one_version_per_language() -> None:
    with pytest.raises(InvalidArgument) as refused:
        check(version(), version(title="Again"))
    assert refused.value.field == "versions.1.language"


def test_the_original_language_is_one_of_the_consultations() -> None:
    assert versions.original_language("", ["fr", "en"]) == "fr"
    assert versions.original_language("en", ["fr", "en"]) == "en"
    with pytest.raises(InvalidArgument) as refused:
        versions.original_language("de", ["fr", "en"])
    assert refused.value.field == "original_language"


def test_theme_texts_are_stored_by_id_and_read_back_by_position() -> None:
    checked = check(version(themes=[
        threads_pb2.ThemeVersion(title="Remote work", sub_themes=["Tools", ""]),
        threads_pb2.ThemeVersion()]))
    stored = versions.stored(checked, STORED_THEMES)
    assert stored[0]["themes"] == {"a" * 24: {"title": "Remote work",
                                              "sub_themes": {"b" * 24: "Tools"}}}
    # The themes reordered afterwards: each text follows its theme.
    doc = {"themes": STORED_THEMES[::-1], "versions": stored}
    (message,) = versions.messages(doc)
    assert [t.title for t in message.themes] == ["", "Remote work"]
    assert list(message.themes[1].sub_themes) == ["Tools", ""]


def test_a_version_without_theme_texts_reads_back_without_themes() -> None:
    doc = {"themes": STORED_THEMES, "versions": versions.stored(check(version()), STORED_THEMES)}
    (message,) = versions.messages(doc)
    assert (message.title, list(message.themes)) == ("Work", [])
    assert versions.messages({"themes": STORED_THEMES}) == []
