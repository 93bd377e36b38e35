"""Facilitator screens in real headless Chromium against the real stack: an idea catcher
harvests a passage of a post with the keyboard (the form's text and its offsets) into a
new idea, another with the mouse (a selection in the rendered post) into the same idea,
and reads the ideas table with its counts and the sources' links; a strategist reads the
participation levels as a chart and a table, which match the API. axe-core checks the
three screens in English and French, the layout holds at 360 px, and the screenshots
docs/screenshots/harvesting.png, ideas.png and participation.png are taken here."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devstack.stack import Stack
from tests.debate import STRATEGIST, phased, post, thread_in
from tests.helpers import auth
from tests.web.conftest import screenshot
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import signed_in

pytestmark = pytest.mark.timeout(240)

LIGHTING = "Bridges are dangerous at night. We need lighting on every bridge, and wider lanes."
PARKING = "Bike parking at stations is always full."
PASSAGE = "We need lighting on every bridge"


async def holds_at_360(page: Page, screen: str) -> None:
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360, screen
    await page.set_viewport_size({"width": 1100, "height": 900})


async def test_an_idea_catcher_harvests_into_an_idea(stack: Stack, api: httpx.AsyncClient,
                                                    browser: Browser) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    lighting = await post(api, thread, LIGHTING, "web-cyclist-1", language="en")
    parking = await post(api, thread, PARKING, "web-cyclist-2", language="en")
    reacted = await api.put(f"/v1/posts/{lighting['id']}/reaction", json={"kind": "like"},
                            headers=auth("web-reader"))
    assert reacted.status_code == 200, reacted.text
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-catcher", "idea_catcher")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    await page.goto(f"{base}/#/t/{thread['id']}")
    await page.get_by_role("link", name="Harvest this discussion").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Harvest: Ideas")
    await expect(heading).to_be_focused()
    await no_violations(page, "harvesting en")

    # Keyboard only: open the form, select the whole text with Shift+End, then narrow the
    # passage with the offsets; a new idea is created with the extract.
    first = page.locator(".harvest > li").filter(has_text="lighting on every bridge")
    await tab_to(page, ".harvest > li:first-child .actions button")
    await page.keyboard.press("Enter")
    text = first.get_by_label("The contribution's original text")
    await expect(text).to_be_focused()
    await page.keyboard.press("Control+Home")
    await page.keyboard.press("Control+Shift+End")
    passage = first.locator("q.passage")
    await expect(passage).to_have_text(LIGHTING)
    start = LIGHTING.index(PASSAGE)
    for end, value in (("from", start), ("to", start + len(PASSAGE))):
        await tab_to(page, f"#harvest-{lighting['id']}-{end}")
        await page.keyboard.press("Control+A")
        await page.keyboard.type(str(value))
    await page.keyboard.press("Tab")  # a number is taken when its field is left
    await expect(passage).to_have_text(PASSAGE)
    await first.get_by_label("Nature").select_option("actionable_solution")
    await expect(first.get_by_label("Idea", exact=True)).to_have_value("new")
    await tab_to(page, ".harvest > li:first-child input:not([type=number])")
    await page.keyboard.type("Light the bridges")
    await no_violations(page, "harvesting form en")
    await screenshot(page, "harvesting")
    await tab_to(page, ".harvest > li:first-child button[type=submit]")
    await page.keyboard.press("Enter")
    notice = page.locator(".notice")
    await expect(notice).to_contain_text("Extract filed under the idea “Light the bridges”.")
    filed = await api.get(f"/v1/consultations/{consultation['id']}/extracts",
                          params={"post_id": lighting["id"]})
    assert filed.status_code == 200, filed.text
    [extract] = filed.json()["items"]
    quote = next(s for s in extract["selectors"] if s["type"] == "TextQuoteSelector")
    assert (quote["exact"], extract["nature"]) == (PASSAGE, "actionable_solution")
    ideas = await api.get(f"/v1/consultations/{consultation['id']}/ideas")
    [idea] = ideas.json()["items"]
    assert (idea["title"], extract["idea_id"]) == ("Light the bridges", idea["id"])

    # The mouse: a selection in the rendered post opens the form on that passage; filed
    # under the idea just created (the form offers it).
    second = page.locator(".harvest > li").filter(has_text=PARKING)
    box = await second.locator(".post-body p").bounding_box()
    assert box is not None
    await page.mouse.move(box["x"] + 1, box["y"] + box["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] / 2, steps=5)
    await page.mouse.up()
    await expect(second.locator("q.passage")).to_have_text(PARKING)
    await expect(second.get_by_label("Idea", exact=True)).to_have_value(idea["id"])
    await second.get_by_role("button", name="File the extract").click()
    await expect(second.locator("form")).to_have_count(0)
    parked = await api.get(f"/v1/consultations/{consultation['id']}/extracts",
                           params={"post_id": parking["id"]})
    [second_extract] = parked.json()["items"]
    assert (second_extract["idea_id"], second_extract["nature"]) == (idea["id"], "issue")

    # In French, with a form open; and at 360 px.
    await second.get_by_role("button", name="Harvest from this contribution").click()
    await switch_language(page, "fr")
    await expect(second.get_by_role("button", name="Classer l'extrait")).to_be_visible()
    await no_violations(page, "harvesting fr")
    await holds_at_360(page, "harvesting")
    await switch_language(page, "en")

    # The ideas table: counts from the extracts, and the sources with links to their posts.
    await notice.get_by_role("link", name="See the ideas table").click()
    await expect(heading).to_have_text("Ideas")
    table = page.locator("table", has=page.locator("caption", has_text="Theme 0"))
    row = table.locator("tbody tr").filter(has_text="Light the bridges")
    await expect(row.locator("td:not(.idea-actions)")).to_have_text(
        ["proposed", "2", "2", "2", "1"])
    await tab_to(page, "table.ideas summary")
    await page.keyboard.press("Enter")
    sources = row.locator(".sources li")
    await expect(sources).to_have_count(2)
    await expect(sources.first).to_contain_text(f"Actionable solution {PASSAGE}")
    await expect(sources.nth(1)).to_contain_text(f"Issue {PARKING}")
    await expect(sources.first.get_by_role("link", name="in its discussion")).to_have_attribute(
        "href", f"#/t/{thread['id']}")
    await no_violations(page, "ideas en")
    await screenshot(page, "ideas")
    await switch_language(page, "fr")
    await expect(table.locator("caption")).to_have_text("Idées du thème « Theme 0 »")
    await expect(row.locator("td").first).to_have_text("proposée")
    await no_violations(page, "ideas fr")
    await holds_at_360(page, "ideas")

    # Participation levels are the strategists'.
    await page.goto(f"{base}/#/c/{consultation['id']}/participation")
    await expect(page.get_by_text("Les niveaux de participation sont réservés")).to_be_visible()
    assert not page_errors, page_errors
    await context.close()


async def test_a_strategist_reads_the_participation_levels(stack: Stack, api: httpx.AsyncClient,
                                                          browser: Browser) -> None:
    consultation = await phased(api, "ideation")
    thread = await thread_in(api, consultation)
    first = await post(api, thread, "Lanes on every bridge.", "web-poster-1", language="en")
    await post(api, thread, "Night buses too.", "web-poster-2", language="en")
    for reader in ("web-reactor-1", "web-reactor-2", "web-reactor-3"):
        reacted = await api.put(f"/v1/posts/{first['id']}/reaction", json={"kind": "like"},
                                headers=auth(reader))
        assert reacted.status_code == 200, reacted.text
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-strategist", "strategist")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    await page.goto(f"{base}/#/c/{consultation['id']}")
    await tab_to(page, "a[href$='/participation']")
    await page.keyboard.press("Enter")
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Participation levels")
    await expect(heading).to_be_focused()
    chart = page.get_by_role("img", name="Participation over the last 14 days")
    await expect(chart).to_be_visible()
    await expect(chart.locator("rect")).to_have_count(14 * 3)

    # The table says what the chart draws, as the API counts it.
    today = await api.get(f"/v1/consultations/{consultation['id']}/participation",
                          headers=STRATEGIST)
    assert today.status_code == 200, today.text
    levels = today.json()
    assert levels["contributors"] >= 2, levels
    assert levels["reactors"] >= 3, levels
    last = page.locator("table.participation tbody tr").last
    await expect(last.locator("td")).to_have_text(
        [str(levels["contributors"]), str(levels["reactors"]), str(levels["learners"])])
    await expect(page.locator(".participation-today")).to_have_text(
        f"Today: {levels['contributors']} contributors, {levels['reactors']} reactors, "
        f"{levels['learners']} learners.")
    await no_violations(page, "participation en")
    await screenshot(page, "participation")

    # One theme, chosen with the keyboard: another theme has had nobody.
    await tab_to(page, "#participation-theme")
    await page.get_by_label("Theme").select_option(label="Theme 1")
    await expect(last.locator("td")).to_have_text(["0", "0", "0"])
    await switch_language(page, "fr")
    french = page.get_by_role("img", name="Participation des 14 derniers jours")
    await expect(french).to_be_visible()
    await no_violations(page, "participation fr")
    await holds_at_360(page, "participation")
    assert not page_errors, page_errors
    await context.close()
