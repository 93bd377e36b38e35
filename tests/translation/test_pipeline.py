"""The pipeline against SecantusDB and the LibreTranslate-protocol server."""

from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from services.translation.cache import SegmentCache
from services.translation.pipeline import Pipeline
from services.translation.providers import errors
from services.translation.providers.base import NO_GLOSSARY, Glossary, Limits
from services.translation.providers.libretranslate import LibreTranslate
from tests.translation.fake_provider import FakeProvider

Mongo = AsyncMongoClient[dict[str, object]]


LIMITS = Limits(max_segments=4, max_chars=60)
SHALOM = "\u05e9\u05dc\u05d5\u05dd"  # Hebrew


def pipeline(fake: FakeProvider, db: object) -> Pipeline:
    provider = LibreTranslate(fake.url, api_key=None, limits=LIMITS, timeout=2.0)
    return Pipeline(provider, SegmentCache(db))  # type: ignore[arg-type]


def sent(fake: FakeProvider) -> list[str]:
    return [q for _, body, _ in fake.requests for q in body["q"]]


async def test_markdown_survives_and_only_prose_is_sent(fake: FakeProvider, db: object) -> None:
    text = "# Titre\n\nVoir [ceci](https://ex.org) avec @bob et `code`."
    [out] = await pipeline(fake, db).translate([text], source="fr", target="en",
                                               glossary=NO_GLOSSARY)
    assert out == "[en] # TITRE\n\n[en] VOIR [CECI](https://ex.org) AVEC @bob ET `code`."
    assert "https://ex.org" not in "".join(sent(fake))


async def test_identical_text_is_translated_once(fake: FakeProvider, db: object) -> None:
    texts = ["Bonjour à tous.", "Bonjour à tous.", "Autre chose."]
    first = await pipeline(fake, db).translate(texts, source="fr", target="en",
                                               glossary=NO_GLOSSARY)
    again = await pipeline(fake, db).translate(["Bonjour à tous."], source="fr", target="en",
                                               glossary=NO_GLOSSARY)
    assert first[0] == first[1] == again[0] == "[en] BONJOUR À TOUS."
    assert sent(fake) == ["Bonjour à tous.", "Autre chose."]
    # a glossary whose terms the text contains, or another target, is another cache entry;
    # a glossary version none of whose terms occur in it is not
    await pipeline(fake, db).translate(["Bonjour à tous."], source="fr", target="en",
                                       glossary=Glossary(version="2", keep=frozenset({"zut"})))
    assert len(sent(fake)) == 2
    await pipeline(fake, db).translate(["Bonjour à tous."], source="fr", target="en",
                                       glossary=Glossary(version="2", keep=frozenset({"tous"})))
    await pipeline(fake, db).translate(["Bonjour à tous."], source="fr", target="de",
                                       glossary=NO_GLOSSARY)
    assert len(sent(fake)) == 4


async def test_long_texts_are_split_batched_and_reassembled(
        fake: FakeProvider, db: object) -> None:
    paragraph = "Une phrase assez longue pour compter. " * 4
    text = f"{paragraph.strip()}\n\n{paragraph.strip()}\n\nCourt."
    [out] = await pipeline(fake, db).translate([text], source="fr", target="en",
                                               glossary=NO_GLOSSARY)
    assert out.count("UNE PHRASE ASSEZ LONGUE POUR COMPTER.") == 8
    assert out.count("\n\n") == 2
    assert all(len(q) <= 60 for q in sent(fake))
    assert all(len(body["q"]) <= 4 for _, body, _ in fake.requests)
    assert sent(fake).count("Une phrase assez longue pour compter.") == 1  # cached per segment


async def test_empty_emoji_and_code_only_texts_cost_nothing(
        fake: FakeProvider, db: object) -> None:
    texts = ["", "  \n ", "👍🏽🎉", "```\ncode\n```", "\u200b"]
    out = await pipeline(fake, db).translate(texts, source="fr", target="en",
                                             glossary=NO_GLOSSARY)
    assert out == texts
    assert fake.requests == []


async def test_rtl_source_is_translated(fake: FakeProvider, db: object) -> None:
    text = f"مرحبا بكم @ali\n\n{SHALOM} 👩\u200d💻"
    [out] = await pipeline(fake, db).translate([text], source="ar", target="en",
                                               glossary=NO_GLOSSARY)
    assert out == f"[en] مرحبا بكم @ali\n\n[en] {SHALOM} 👩\u200d💻"


async def test_a_provider_failure_returns_nothing_and_caches_nothing_wrong(
        fake: FakeProvider, db: object) -> None:
    fake.drop_last_segment = True
    with pytest.raises(errors.SegmentMismatch):
        await pipeline(fake, db).translate(["Un.", "Deux."], source="fr", target="en",
                                           glossary=NO_GLOSSARY)
    assert await db["machine_segments"].count_documents({}) == 0  # type: ignore[index]
    fake.drop_last_segment = False
    fake.fail(200, {"translatedText": ["[en] UN SANS BALISE"]})
    with pytest.raises(errors.MalformedResponse, match="protected span"):
        await pipeline(fake, db).translate(["Un @bob"], source="fr", target="en",
                                           glossary=NO_GLOSSARY)
    assert await db["machine_segments"].count_documents({}) == 0  # type: ignore[index]


async def test_same_language_is_not_sent(fake: FakeProvider, db: object) -> None:
    assert await pipeline(fake, db).translate(["Bonjour"], source="fr", target="fr",
                                              glossary=NO_GLOSSARY) == ["Bonjour"]
    assert fake.requests == []
