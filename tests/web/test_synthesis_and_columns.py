"""Published syntheses and two-column deepening in real headless Chromium against the real
stack: a participant reads a synthesis (its Markdown rendered by the API), compares two
versions (changes told in words, not colour alone), contests a paragraph with the
keyboard, and sees the synthesiser's answer and then "taken into account" arrive without
reload; a participant adds to one column of a pros/cons thread, shown side by side on a
wide screen and stacked at 360 px. axe-core checks both screens in English and French; the
screenshots docs/screenshots/synthesis-contest.png and two-column.png are taken here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devstack.stack import Stack
from tests.debate import STRATEGIST, phased
from tests.helpers import auth
from tests.synthesis.support import SYNTHESISER
from tests.web.conftest import screenshot
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import signed_in

pytestmark = pytest.mark.timeout(180)
Json = dict[str, Any]


async def published(api: httpx.AsyncClient, url: str, *paragraphs: Json) -> Json:
    """Save the draft and publish it: the new version."""
    saved = await api.put(f"{url}/draft", headers=SYNTHESISER,
                          json={"paragraphs": list(paragraphs)})
    assert saved.status_code == 200, saved.text
    version = await api.post(f"{url}/versions", headers=SYNTHESISER)
    assert version.status_code == 201, version.text
    body: Json = version.json()
    return body


async def synthesis_with_two_versions(api: httpx.AsyncClient,
                                      consultation: Json) -> tuple[str, Json]:
    created = await api.post(f"/v1/consultations/{consultation['id']}/syntheses",
                             headers=SYNTHESISER, json={"title": "What we heard about work"})
    assert created.status_code == 201, created.text
    url = str(created.headers["Location"])
    first = await published(api, url, {"text": "Most people want **fewer meetings**."},
                            {"text": "Remote work came up rarely."})
    meetings, remote = (p["anchor"] for p in first["paragraphs"])
    second = await published(
        api, url, {"anchor": meetings, "text": "Most people want **fewer meetings**."},
        {"anchor": remote, "text": "Remote work came up often, mostly for parents."},
        {"text": "Longer careers worry the youngest."})
    return url, second


def paragraph(page: Page, n: int) -> Any:
    return page.locator(".paragraph").nth(n - 1)


async def test_a_participant_reads_compares_and_contests_a_synthesis(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    consultation = await phased(api, "deepening")
    url, latest = await synthesis_with_two_versions(api, consultation)
    remote = latest["paragraphs"][1]["anchor"]
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-contester")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # From the landing page to the list of syntheses, then the synthesis: version 2, with
    # the API's rendered Markdown.
    await page.goto(f"{base}/#/c/{consultation['id']}")
    await page.get_by_role("link", name="Syntheses").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Syntheses")
    await page.get_by_role("link", name="What we heard about work").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("What we heard about work")
    await expect(heading).to_be_focused()
    await expect(page.get_by_label("Version shown")).to_have_value("2")
    await expect(paragraph(page, 1).locator(".post-body strong")).to_have_text("fewer meetings")
    await expect(page.locator(".paragraph")).to_have_count(3)
    await no_violations(page, "synthesis en")

    # The diff from version 1 to 2, paragraph by paragraph, in words.
    await page.get_by_role("button", name="Show the changes").click()
    result = page.locator("#diff-result")
    await expect(result).to_be_focused()
    changes = result.locator(".change")
    await expect(changes).to_have_count(3)
    changed = changes.filter(has_text="Changed paragraph")
    await expect(changed.locator("del")).to_contain_text("rarely")
    await expect(changed.locator("ins")).to_contain_text("often")
    # What a screen reader is told: the hidden labels around the marked words.
    label = await changed.locator("del").first.evaluate(
        "el => getComputedStyle(el, '::before').content")
    assert "removed:" in label, label
    await expect(changes.filter(has_text="Added paragraph")).to_contain_text("Longer careers")
    await expect(changes.filter(has_text="Unchanged paragraph")).to_have_count(1)
    await no_violations(page, "synthesis diff en")

    # Contest paragraph 2 with the keyboard alone.
    await tab_to(page, ".paragraph:nth-child(2) article > button")
    await page.keyboard.press("Enter")
    field = page.get_by_label("What do you contest in paragraph 2, and why?")
    await expect(field).to_be_focused()
    await page.keyboard.type("Parents were not the only ones: commuters said so too.")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    contest = paragraph(page, 2).locator(".contest")
    await expect(contest).to_contain_text("commuters said so too")
    await expect(contest.locator(".state")).to_have_text("Open: awaiting an answer")
    listed = await api.get(f"{url}/contests", params={"anchor": remote})
    assert listed.status_code == 200, listed.text
    [stored] = listed.json()["items"]
    assert (stored["body"], stored["version"], stored["status"]) == (
        "Parents were not the only ones: commuters said so too.", 2, "open")

    # The synthesiser answers through the API: the answer and its state arrive live.
    answered = await api.post(f"/v1/consultations/{consultation['id']}/contests/{stored['id']}"
                              "/answers", headers=SYNTHESISER,
                              json={"body": "Fair point: version 3 names commuters."})
    assert answered.status_code == 200, answered.text
    await expect(contest.locator(".state")).to_have_text("Answered", timeout=15_000)
    await expect(contest.locator(".answers")).to_contain_text(
        "Fair point: version 3 names commuters.")
    await expect(contest.locator(".answers")).to_contain_text("Answer from the synthesis team")
    await no_violations(page, "synthesis contest en")
    await screenshot(page, "synthesis-contest")

    # Version 3 changes the paragraph and the contest is taken into account in it.
    third = await published(api, url, *[{"anchor": p["anchor"], "text": p["text"]} for p in [
        latest["paragraphs"][0],
        {"anchor": remote, "text": "Remote work came up often, for parents and commuters."},
        latest["paragraphs"][2]]])
    assert third["number"] == 3
    resolved = await api.put(f"/v1/consultations/{consultation['id']}/contests/{stored['id']}"
                             "/resolution", headers=SYNTHESISER, json={"version": 3})
    assert resolved.status_code == 200, resolved.text
    await expect(page.get_by_label("Version shown")).to_have_value("3", timeout=15_000)
    contest = paragraph(page, 2).locator(".contest")
    await expect(contest.locator(".state")).to_have_text("Taken into account in version 3",
                                                         timeout=15_000)
    await expect(contest).to_contain_text("(on version 2)")

    # In French, and at 360 px.
    await switch_language(page, "fr")
    await expect(contest.locator(".state")).to_have_text("Prise en compte dans la version 3")
    await page.get_by_role("button", name="Afficher les changements").click()
    await expect(page.locator("#diff-result .change").first).to_be_visible()
    await no_violations(page, "synthesis fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page_errors, page_errors
    await context.close()


async def deepening_thread(api: httpx.AsyncClient, consultation: Json) -> Json:
    opened = await api.post(f"/v1/consultations/{consultation['id']}/threads", headers=STRATEGIST,
                            json={"theme_id": consultation["themes"][0]["id"], "kind": "two_column",
                                  "title": "A four-day week", "idea_id": "idea-four-days"})
    assert opened.status_code == 201, opened.text
    thread: Json = opened.json()
    pro = await api.post(f"/v1/threads/{thread['id']}/posts", headers=auth("web-seed"), json={
        "body": "More time for family and training.", "format": "markdown", "language": "en",
        "column_id": thread["columns"][0]["id"]})
    assert pro.status_code == 201, pro.text
    return thread


async def test_a_participant_contributes_to_a_column(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    consultation = await phased(api, "deepening")
    thread = await deepening_thread(api, consultation)
    advantages, drawbacks = thread["columns"]
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-weigher")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    await page.goto(f"{base}/#/t/{thread['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("A four-day week")
    pros = page.locator(f".column[data-column='{advantages['id']}']")
    cons = page.locator(f".column[data-column='{drawbacks['id']}']")
    await expect(pros.get_by_role("heading", level=3)).to_contain_text("Advantages")
    await expect(cons.get_by_role("heading", level=3)).to_contain_text("Drawbacks")
    await expect(pros).to_contain_text("More time for family and training.")
    await expect(cons).to_contain_text("Nothing in this column yet.")
    # Side by side on a wide screen.
    left, right = await pros.bounding_box(), await cons.bounding_box()
    assert left
    assert right
    assert right["x"] > left["x"] + left["width"] - 1, (left, right)
    assert abs(right["y"] - left["y"]) < 2, (left, right)
    await no_violations(page, "two-column en")

    # A drawback, typed and published with the keyboard alone, lands in its column.
    field = cons.get_by_label("Add to “Drawbacks”")
    await tab_to(page, f"#{await field.get_attribute('id')}")
    await page.keyboard.type("Shops and hospitals cannot close a day a week.")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(cons.locator(".post")).to_contain_text("Shops and hospitals cannot close")
    await expect(cons.get_by_role("heading", level=3)).to_contain_text("1 contribution")
    await expect(field).to_have_value("")
    posts = await api.get(f"/v1/threads/{thread['id']}/posts")
    assert posts.status_code == 200, posts.text
    by_column = {p["body"]: p["column_id"] for p in posts.json()["items"]}
    assert by_column == {"More time for family and training.": advantages["id"],
                         "Shops and hospitals cannot close a day a week.": drawbacks["id"]}

    # Another participant's contribution arrives in its column without reload.
    late = await api.post(f"/v1/threads/{thread['id']}/posts", headers=auth("web-late"), json={
        "body": "Fewer commutes, less traffic.", "format": "markdown", "language": "en",
        "column_id": advantages["id"]})
    assert late.status_code == 201, late.text
    await expect(pros.locator(".post")).to_have_count(2, timeout=15_000)
    await screenshot(page, "two-column")

    # In French; stacked at 360 px.
    await switch_language(page, "fr")
    await expect(cons.get_by_label("Ajouter à « Drawbacks »")).to_be_visible()
    await no_violations(page, "two-column fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    left, right = await pros.bounding_box(), await cons.bounding_box()
    assert left
    assert right
    assert right["y"] >= left["y"] + left["height"], (left, right)
    await screenshot(page, "two-column-360")
    assert not page_errors, page_errors
    await context.close()
