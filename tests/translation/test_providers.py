"""The three machine providers' clients against a local server speaking their protocols."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from services.translation.cache import SegmentCache
from services.translation.config import TranslationSettings
from services.translation.glossaries import Term, Version
from services.translation.pipeline import Pipeline
from services.translation.providers import errors
from services.translation.providers.base import NO_GLOSSARY, Glossary, Limits, Provider
from services.translation.providers.deepl import FREE_URL, PRO_URL, DeepL, endpoint
from services.translation.providers.factory import build_provider
from services.translation.providers.libretranslate import LibreTranslate
from services.translation.providers.none import NoProvider
from services.translation.providers.openai_chat import OpenAIChat
from services.translation.providers.resilience import Guarded
from tests.translation.fake_provider import FakeProvider

LIMITS = Limits(max_segments=10, max_chars=1000)
Build = Callable[[FakeProvider, float], Provider]


def _libre(fake: FakeProvider, timeout: float) -> Provider:
    return LibreTranslate(fake.url, api_key="k", limits=LIMITS, timeout=timeout)


def _deepl(fake: FakeProvider, timeout: float) -> Provider:
    return DeepL("key:fx", url=fake.url, formality="prefer_less", timeout=timeout)


def _openai(fake: FakeProvider, timeout: float) -> Provider:
    return OpenAIChat(fake.url + "/v1", api_key="sk", model="m", limits=LIMITS,
                      timeout=timeout)


PROVIDERS = {"libretranslate": (_libre, "/translate"), "deepl": (_deepl, "/v2/translate"),
             "openai": (_openai, "/v1/chat/completions")}
QUOTA = {"libretranslate": None,
         "deepl": (456, {"message": "Quota exceeded"}),
         "openai": (429, {"error": {"message": "You exceeded your current quota",
                                    "type": "insufficient_quota",
                                    "code": "insufficient_quota"}})}


@pytest.fixture(params=sorted(PROVIDERS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def guarded(inner: Provider, *, attempts: int = 3, threshold: int = 100,
            reset: float = 30.0, max_wait: float = 2.0) -> Guarded:
    return Guarded(inner, attempts=attempts, max_wait=max_wait, threshold=threshold,
                   reset_seconds=reset, initial_wait=0.01)


@pytest.fixture
async def client(fake: FakeProvider, kind: str) -> AsyncIterator[Guarded]:
    provider = guarded(PROVIDERS[kind][0](fake, 2.0))
    yield provider
    await provider.aclose()


async def test_translates_a_batch_in_order_keeping_markup(
        client: Guarded, fake: FakeProvider) -> None:
    texts = ["Bonjour <x i=\"0\"/> le monde", "a &amp; b", "Merci"]
    out = await client.translate(texts, "fr", "en", NO_GLOSSARY)
    assert [t.split("] ", 1)[1] for t in out] == [
        "BONJOUR <x i=\"0\"/> LE MONDE", "A &amp; B", "MERCI"]


async def test_429_retry_after_is_honoured_then_succeeds(
        client: Guarded, fake: FakeProvider, kind: str) -> None:
    fake.fail(429, {"error": "Too many requests", "message": "Too many requests"},
              headers={"Retry-After": "1"})
    started = time.monotonic()
    assert len(await client.translate(["un"], "fr", "en", NO_GLOSSARY)) == 1
    assert time.monotonic() - started >= 0.95
    assert fake.calls(PROVIDERS[kind][1]) == 2


async def test_a_long_retry_after_is_handed_up_not_waited(
        client: Guarded, fake: FakeProvider, kind: str) -> None:
    fake.fail(429, {"message": "slow down"}, headers={"Retry-After": "120"})
    with pytest.raises(errors.RateLimited) as caught:
        await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert caught.value.retry_after == pytest.approx(120)
    assert fake.calls(PROVIDERS[kind][1]) == 1


async def test_5xx_is_retried_with_backoff_then_unavailable(
        client: Guarded, fake: FakeProvider, kind: str) -> None:
    fake.fail(503, {"message": "down"}, times=2)
    assert await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    fake.fail_always(500, {"message": "broken"})
    with pytest.raises(errors.Unavailable):
        await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert fake.calls(PROVIDERS[kind][1]) == 3 + 3


async def test_quota_exhausted_is_not_retried(
        client: Guarded, fake: FakeProvider, kind: str) -> None:
    quota = QUOTA[kind]
    if quota is None:  # LibreTranslate has no quota: its 403 is a refused key
        fake.fail(403, {"error": "Invalid API key"})
        expected: type[errors.ProviderError] = errors.Unauthorized
    else:
        fake.fail(quota[0], quota[1])
        expected = errors.QuotaExceeded
    with pytest.raises(expected):
        await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert fake.calls(PROVIDERS[kind][1]) == 1


async def test_a_slow_answer_is_unavailable(fake: FakeProvider, kind: str) -> None:
    fake.delay = 0.5
    provider = guarded(PROVIDERS[kind][0](fake, 0.1), attempts=1)
    with pytest.raises(errors.Unavailable, match="no answer in time"):
        await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    await provider.aclose()


async def test_malformed_json_is_a_malformed_response(
        client: Guarded, fake: FakeProvider, kind: str) -> None:
    fake.fail(200, raw="<html>proxy error</html>")
    with pytest.raises(errors.MalformedResponse):
        await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    fake.fail(200, {"unexpected": True})
    with pytest.raises(errors.MalformedResponse):
        await client.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert fake.calls(PROVIDERS[kind][1]) == 2


async def test_a_different_number_of_segments_is_a_mismatch(
        client: Guarded, fake: FakeProvider) -> None:
    fake.drop_last_segment = True
    with pytest.raises(errors.SegmentMismatch) as caught:
        await client.translate(["un", "deux", "trois"], "fr", "en", NO_GLOSSARY)
    assert (caught.value.sent, caught.value.received) == (3, 2)


async def test_the_breaker_opens_then_recovers_by_itself(
        fake: FakeProvider, kind: str) -> None:
    states: list[str] = []
    provider = Guarded(PROVIDERS[kind][0](fake, 2.0), attempts=1, max_wait=1.0,
                       threshold=3, reset_seconds=0.3, on_state=lambda _, s: states.append(s))
    fake.fail_always(502, {"message": "bad gateway"})
    for _ in range(3):
        with pytest.raises(errors.Unavailable):
            await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    with pytest.raises(errors.CircuitOpen):
        await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert fake.calls(PROVIDERS[kind][1]) == 3  # the open breaker did not call it
    assert await provider.state() == "opened"
    fake.heal()
    await asyncio.sleep(0.35)
    assert await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert await provider.state() == "closed"
    assert states == ["opened", "half-opened", "closed"]
    await provider.aclose()


async def test_a_refused_request_does_not_open_the_breaker(
        fake: FakeProvider, kind: str) -> None:
    provider = guarded(PROVIDERS[kind][0](fake, 2.0), threshold=2)
    fake.fail(400, {"error": "fr is not supported", "message": "fr is not supported"},
              times=3)
    for _ in range(3):
        with pytest.raises(errors.UnsupportedLanguage):
            await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    assert await provider.state() == "closed"
    assert fake.calls(PROVIDERS[kind][1]) == 3  # never retried either
    await provider.aclose()


GLOSSARY = Glossary(version="3", keep=frozenset({"Agora"}),
                    fixed={"budget participatif": "participatory budget"})


async def test_libretranslate_shields_glossary_terms(fake: FakeProvider) -> None:
    provider = _libre(fake, 2.0)
    [out] = await provider.translate(["Agora et le Budget participatif"], "fr", "en",
                                     GLOSSARY)
    assert out == "[en] Agora ET LE participatory budget"
    _, body, _ = fake.requests[-1]
    assert body["q"] == ['<x g="0"/> et le <x g="1"/>']
    assert body["format"] == "html"
    assert body["api_key"] == "k"


async def test_libretranslate_losing_a_glossary_placeholder_is_malformed(
        fake: FakeProvider) -> None:
    provider = _libre(fake, 2.0)
    fake.fail(200, {"translatedText": ["lost it"]})
    with pytest.raises(errors.MalformedResponse, match="placeholder"):
        await provider.translate(["Agora"], "fr", "en", GLOSSARY)


async def test_deepl_request_shape_and_glossary(fake: FakeProvider) -> None:
    provider = _deepl(fake, 2.0)
    out = await provider.translate(["Agora et le budget participatif"], "fr", "en", GLOSSARY)
    assert out == ["[EN-GB] agora ET LE participatory budget"]
    await provider.translate(["encore le budget participatif"], "fr", "en", GLOSSARY)
    assert fake.calls("/v2/glossaries") == 1  # one DeepL glossary per version and pair
    _path, glossary, _ = fake.requests[0]
    assert glossary["entries"] == "Agora\tAgora\nbudget participatif\tparticipatory budget"
    assert (glossary["source_lang"], glossary["entries_format"]) == ("fr", "tsv")
    _, body, headers = fake.requests[-1]
    assert headers["Authorization"] == "DeepL-Auth-Key key:fx"
    assert body["glossary_id"] == "g1"
    assert body["source_lang"] == "FR"
    assert body["target_lang"] == "EN-GB"
    assert body["formality"] == "prefer_less"
    assert body["tag_handling"] == "xml"
    assert body["text"] == ["encore le budget participatif"]
    await provider.aclose()


def test_deepl_free_and_pro_endpoints() -> None:
    assert endpoint("abc:fx", None) == FREE_URL
    assert endpoint("abc", None) == PRO_URL
    assert endpoint("abc", "http://local/") == "http://local"


async def test_openai_prompt_carries_the_glossary(fake: FakeProvider) -> None:
    provider = _openai(fake, 2.0)
    # the fake model obeys the prompt's glossary (its kept terms come back lower-cased)
    assert await provider.translate(["Agora"], "fr", "en", GLOSSARY) == ["[en] agora"]
    _, body, headers = fake.requests[-1]
    system = body["messages"][0]["content"]
    assert "Never translate these terms: Agora." in system
    assert "budget participatif -> participatory budget" in system
    assert body["temperature"] == 0
    assert headers["Authorization"] == "Bearer sk"
    await provider.aclose()


async def test_openai_fenced_json_is_accepted(fake: FakeProvider) -> None:
    provider = _openai(fake, 2.0)
    fake.fail(200, {"choices": [{"message": {"content":
                                             '```json\n{"translations": ["ok"]}\n```'}}]})
    assert await provider.translate(["un"], "fr", "en", NO_GLOSSARY) == ["ok"]
    fake.fail(200, {"choices": [{"message": {"content": "Sure! Here it is: ok"}}]})
    with pytest.raises(errors.MalformedResponse, match="JSON"):
        await provider.translate(["un"], "fr", "en", NO_GLOSSARY)
    await provider.aclose()


async def test_none_never_translates() -> None:
    with pytest.raises(errors.TranslationDisabled):
        await NoProvider().translate(["un"], "fr", "en", NO_GLOSSARY)


def test_settings_choose_the_provider_and_refuse_a_missing_url() -> None:
    assert isinstance(build_provider(TranslationSettings()), NoProvider)
    built = build_provider(TranslationSettings(translation_provider="libretranslate",
                                               libretranslate_url="http://lt:5000"))
    assert isinstance(built, Guarded)
    assert built.name == "libretranslate"
    with pytest.raises(ValueError, match="DEEPL_API_KEY"):
        TranslationSettings(translation_provider="deepl")


async def test_a_published_glossary_is_respected_by_every_provider(
        fake: FakeProvider, kind: str, db: object) -> None:
    """A consultation's glossary version, as the worker applies it, through the pipeline
    and each provider's own mechanism (shielding, a DeepL glossary, the prompt)."""
    version = Version("c1", 1, keep=("Agora",), fixed=(
        Term("budget participatif", "fr", "en", "participatory budget"),
        Term("budget participatif", "fr", "de", "Bürgerhaushalt")))
    glossary = version.for_pair("fr", "en")
    assert dict(glossary.fixed) == {"budget participatif": "participatory budget"}
    build, _ = PROVIDERS[kind]
    pipeline = Pipeline(build(fake, 2.0), SegmentCache(db))  # type: ignore[arg-type]
    [out] = await pipeline.translate(["Agora et le budget participatif."], source="fr",
                                     target="en", glossary=glossary)
    assert "participatory budget" in out
    assert "agora" in out.lower()
    assert "ET LE" in out
    assert "BUDGET PARTICIPATIF" not in out.upper().replace("PARTICIPATORY BUDGET", "")
