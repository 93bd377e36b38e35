"""The landing page shows a consultation's own texts in the reader's UI language (a
strategist's version), the original one button away: real headless Chromium against the
real stack (services/gateway/consultation_reading.py, web/src/views/ConsultationView.tsx)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Browser, expect

from devstack.stack import Stack
from tests.helpers import auth
from tests.web.conftest import screenshot
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import signed_in

pytestmark = pytest.mark.timeout(120)


async def test_the_landing_page_follows_the_readers_language(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    now = datetime.now(UTC)
    reply = await api.post("/v1/consultations", headers=auth("web-operator", "operator"), json={
        "title": "Cycling in Lyon", "languages": ["en", "fr"], "original_language": "en",
        "question": "How do we make cycling safe for everyone?",
        "description": "Road space is finite.",
        "themes": [{"title": "Bike lanes"}, {"title": "Parking and storage"}],
        "phases": [{"kind": "ideation", "starts_at": (now - timedelta(days=1)).isoformat(),
                    "ends_at": (now + timedelta(days=9)).isoformat()}],
        "versions": [{"language": "fr", "title": "Le vélo à Lyon",
                      "question": "Comment rendre le vélo sûr pour tous ?",
                      "themes": [{"title": "Pistes cyclables"}, {"title": ""}]}]})
    assert reply.status_code == 201, reply.text
    consultation = reply.json()
    context = await browser.new_context(viewport={"width": 1100, "height": 900},
                                        locale="fr-FR", color_scheme="light")
    page = await context.new_page()
    await page.goto(f"{stack.config.gateway_url}/#/c/{consultation['id']}")
    await switch_language(page, "fr")
    title = page.get_by_role("heading", level=1)
    await expect(title).to_have_text("Le vélo à Lyon")
    await expect(title).to_have_attribute("lang", "fr")
    await expect(page.get_by_text("Comment rendre le vélo sûr")).to_be_visible()
    await expect(page.get_by_role("heading", name="Pistes cyclables")).to_be_visible()
    # A theme the version leaves out reads as written, and says its language.
    await expect(page.get_by_role("heading", name="Parking and storage")).to_have_attribute(
        "lang", "en")
    await expect(page.get_by_text("Road space is finite.")).to_be_visible()
    await expect(page.locator(".translation")).to_contain_text("traduction depuis")
    await no_violations(page, "landing translated fr")
    await screenshot(page, "landing-translated-fr")

    # "Show original", with the keyboard: the texts as written, then back.
    original = page.get_by_role("button", name="Voir l'original")
    await original.focus()
    await page.keyboard.press("Enter")
    await expect(title).to_have_text("Cycling in Lyon")
    await expect(original).to_have_attribute("aria-pressed", "true")
    await expect(page.locator(".translation")).to_contain_text("tels qu'écrits")
    await page.keyboard.press("Enter")
    await expect(title).to_have_text("Le vélo à Lyon")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.set_viewport_size({"width": 1100, "height": 900})

    # The English reader reads the original, with nothing to switch to.
    await switch_language(page, "en")
    await expect(title).to_have_text("Cycling in Lyon")
    await expect(page.get_by_role("heading", name="Bike lanes")).to_be_visible()
    await expect(page.locator(".translation")).to_have_count(0)
    await no_violations(page, "landing original en")
    await context.close()


async def test_a_strategist_writes_the_texts_in_another_language(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    reply = await api.post("/v1/consultations", headers=auth("web-operator", "operator"), json={
        "title": "Cycling in Lyon", "languages": ["en", "fr"],
        "question": "How do we make cycling safe?",
        "themes": [{"title": "Bike lanes", "sub_themes": ["Quays", "Bridges"]}],
        # Sub-theme titles come through the API only: the screen keeps them.
        "versions": [{"language": "fr", "title": "Vélo",
                      "themes": [{"title": "", "sub_themes": ["Quais", "Ponts"]}]}]})
    assert reply.status_code == 201, reply.text
    consultation_id = reply.json()["id"]
    context = await signed_in(browser, "web-strat", "strategist")
    page = await context.new_page()
    await page.goto(f"{stack.config.gateway_url}/#/c/{consultation_id}")
    await page.get_by_role("link", name="Texts in each language").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "The consultation's texts in each language")
    await no_violations(page, "texts en")
    # A blank question is refused by the API and said; then the French texts, typed with
    # the keyboard.
    await page.get_by_label("Title").fill("Le vélo")
    await page.get_by_label("The question").fill("   ")
    await page.get_by_role("button", name="Save the texts").click()
    await expect(page.locator("#texts-outcome [role=alert]")).to_be_visible()
    await tab_to(page, "#texts-fr-title")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("Le vélo à Lyon")
    await page.get_by_label("The question").fill("Comment rendre le vélo sûr ?")
    await page.get_by_label("Theme “Bike lanes”").fill("Pistes cyclables")
    await tab_to(page, "form.texts-form button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status").filter(has_text="saved")).to_be_visible()
    french = (await api.get(f"/v1/consultations/{consultation_id}?lang=fr")).json()
    assert (french["title"], french["themes"][0]["title"]) == ("Le vélo à Lyon",
                                                               "Pistes cyclables")
    assert [sub["title"] for sub in french["themes"][0]["sub_themes"]] == ["Quais", "Ponts"]
    await switch_language(page, "fr")
    await no_violations(page, "texts fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await screenshot(page, "consultation-texts")
    await page.get_by_role("link", name="Retour à la consultation").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Le vélo à Lyon")
    await context.close()
