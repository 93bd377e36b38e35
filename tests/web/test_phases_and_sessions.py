"""The strategists' screens in real headless Chromium against the real stack: phase control
(the calendar, an advance confirmed with the keyboard and seen live on a participant's open
landing page, a refused and an accepted change of dates) and vote-session management
(a session written in English and French with token categories and gauges, its refusal
shown field by field, opened, voted on by a participant who answers the gauges, closed
after a confirmation, its results read and downloaded as CSV). axe-core checks both
screens in English and French, the layout holds at 360 px, and the screenshots
docs/screenshots/phase-control.png and vote-session-admin.png are taken here."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devstack.stack import Stack
from tests.debate import phased
from tests.helpers import auth
from tests.voting.support import prioritising, sessions_url
from tests.web.conftest import screenshot
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import set_tokens, signed_in

pytestmark = pytest.mark.timeout(180)
STRATEGIST = auth("web-strat", "strategist")


async def holds_at_360(page: Page) -> None:
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.set_viewport_size({"width": 1100, "height": 900})


async def test_a_strategist_advances_the_phase_and_participants_see_it_live(
        stack: Stack, api: httpx.AsyncClient, browser: Browser) -> None:
    consultation = await phased(api, "ideation")
    base = stack.config.gateway_url
    landing = f"{base}/#/c/{consultation['id']}"
    participant = await browser.new_context(viewport={"width": 1100, "height": 900},
                                            locale="en-GB", color_scheme="light")
    reader = await participant.new_page()
    await reader.goto(landing)
    current = reader.locator('.timeline [aria-current="step"]')
    await expect(current).to_contain_text("Ideation")

    # Without the role: the screen is there, the API refuses, and says why.
    outsider = await signed_in(browser, "web-no-role")
    page = await outsider.new_page()
    # The landing page offers the link only to those the gateway lets through (its /me).
    async with page.expect_response(lambda reply: reply.url.endswith("/me")) as asked:
        await page.goto(landing)
    assert "consultation.change_phase" not in (await (await asked.value).json())["actions"]
    await expect(page.get_by_role("link", name="Ideas table")).to_be_visible()
    await expect(page.get_by_role("link", name="Phase control")).to_have_count(0)
    await page.goto(f"{base}/#/c/{consultation['id']}/phases")
    await page.get_by_role("button", name="Advance to Deepening…").click()
    await page.get_by_role("button", name="Yes, advance now").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "Phase changes are for this consultation's strategists.")
    await outsider.close()

    context = await signed_in(browser, "web-strat", "strategist")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(landing)
    await page.get_by_role("link", name="Phase control").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Phase control")
    await expect(heading).to_be_focused()
    rows = page.locator("table.calendar tbody tr")
    await expect(rows).to_have_count(5)
    await expect(page.locator('table.calendar [aria-current="step"]')).to_contain_text(
        "Ideation")
    await expect(rows.nth(0)).to_contain_text("over")
    await expect(rows.nth(2)).to_contain_text("to come")
    await no_violations(page, "phase control en")

    # A date the API refuses (the end of a running phase in the past): its words shown.
    await page.get_by_label("Phase", exact=True).select_option("ideation")
    await page.get_by_label("New end (your local time)").fill("2020-01-01T10:00")
    await page.get_by_role("button", name="Set the end").click()
    refusal = page.locator("#dates-result [role=alert]")
    await expect(refusal).to_contain_text("the new end must be in the future")
    await expect(refusal.locator("li")).to_contain_text("ends_at")

    # Advance, keyboard only: Escape backs out of the confirmation, Enter confirms.
    await tab_to(page, "#advance-button")
    await page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Yes, advance now")
    await expect(confirm).to_be_focused()
    await expect(page.locator(".confirm")).to_contain_text(
        "End Ideation now and start Deepening now?")
    await no_violations(page, "phase control confirmation en")
    await page.keyboard.press("Escape")
    await expect(confirm).to_have_count(0)
    await expect(page.locator("#advance-button")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(confirm).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#advance-result [role=status]")).to_have_text(
        "Done: Deepening runs now.")
    await expect(page.locator('table.calendar [aria-current="step"]')).to_contain_text(
        "Deepening")
    stored = (await api.get(f"/v1/consultations/{consultation['id']}")).json()
    assert stored["current_phase"] == "deepening", stored

    # The participant's open landing page follows without reload.
    await expect(current).to_contain_text("Deepening", timeout=15_000)
    await expect(reader.get_by_role("status")).to_have_text(
        "The consultation moved to the Deepening phase.")

    # A new end for the running phase: saved, the later phases move with it.
    end = (datetime.now(UTC) + timedelta(days=10)).replace(second=0, microsecond=0)
    before = {p["kind"]: p for p in stored["phases"]}
    await page.get_by_label("Phase", exact=True).select_option("deepening")
    # The field is in the browser's time zone (getTimezoneOffset: minutes from local to UTC).
    offset = await page.evaluate("new Date().getTimezoneOffset()")
    local = end - timedelta(minutes=offset)
    await page.get_by_label("New end (your local time)").fill(local.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Set the end").click()
    await expect(page.locator("#dates-result [role=status]")).to_contain_text("Saved")
    await expect(page.locator("#advance-result [role=status]")).to_have_count(0)  # one outcome
    after = {p["kind"]: p for p in
             (await api.get(f"/v1/consultations/{consultation['id']}")).json()["phases"]}
    assert datetime.fromisoformat(after["deepening"]["ends_at"]) == end, after
    moved = end - datetime.fromisoformat(before["deepening"]["ends_at"])
    assert (datetime.fromisoformat(after["prioritisation"]["starts_at"])
            - datetime.fromisoformat(before["prioritisation"]["starts_at"])) == moved
    await screenshot(page, "phase-control")

    await switch_language(page, "fr")
    await expect(heading).to_have_text("Pilotage des phases")
    await expect(page.get_by_role("button", name="Passer à la phase Priorisation…")
                 ).to_be_visible()
    await no_violations(page, "phase control fr")
    await holds_at_360(page)
    assert not page_errors, page_errors
    await context.close()
    await participant.close()


async def fill_session(page: Page) -> None:
    """Two token categories and two proposals with a gauge each, in English and French."""
    form = page.locator("form.session-form")
    await form.get_by_label("Instructions for voters (English)").fill(
        "Green for what matters most, red for what should wait.")
    await form.get_by_label("Instructions for voters (French)").fill(
        "Vert pour l'essentiel, rouge pour ce qui peut attendre.")
    green = form.get_by_role("group", name="Category 1")
    await green.get_by_label("Name (English)").fill("Green")
    await green.get_by_label("Name (French)").fill("Vert")
    await green.get_by_label("Tokens per voter").fill("5")
    await green.get_by_label("Most on one proposal").fill("3")
    await form.get_by_role("button", name="Add a category").click()
    red = form.get_by_role("group", name="Category 2")
    await red.get_by_label("Name (English)").fill("Red")
    await red.get_by_label("Name (French)").fill("Rouge")
    await red.get_by_label("Tokens per voter").fill("2")

    first = form.get_by_role("group", name="Proposal 1", exact=True)
    await first.get_by_label("Title (English)").fill("Protected lanes on the quays")
    await first.get_by_label("Title (French)").fill("Pistes protégées sur les quais")
    await first.get_by_label("Description (English)").fill("Kerbs, not paint.")
    await first.get_by_role("button", name="Add a gauge to proposal 1").click()
    gauge = form.get_by_role("group", name="Gauge of proposal 1")
    await gauge.get_by_label("Question (English)").fill("How feasible?")
    await gauge.get_by_label("Question (French)").fill("Faisable ?")
    await gauge.get_by_label("Answers").select_option("choices")
    await gauge.get_by_label("Choices, one per line (English)").fill("Hardly\nMaybe\nSurely")
    await gauge.get_by_label("Choices, one per line (French)").fill("Peu\nPeut-être\nSûrement")

    second = form.get_by_role("group", name="Proposal 2", exact=True)
    await second.get_by_role("button", name="Add a gauge to proposal 2").click()
    budget = form.get_by_role("group", name="Gauge of proposal 2")
    await budget.get_by_label("Question (English)").fill("Budget?")
    await budget.get_by_label("Lowest").fill("0")
    await budget.get_by_label("Highest").fill("100")
    await budget.get_by_label("Unit").fill("k€")


async def test_a_strategist_runs_a_vote_session_with_gauges(
        stack: Stack, api: httpx.AsyncClient, browser: Browser, tmp_path: Path) -> None:
    consultation_id = await prioritising(api)
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-strat", "strategist")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(f"{base}/#/c/{consultation_id}")
    await page.get_by_role("link", name="Vote sessions").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Vote sessions")
    await expect(heading).to_be_focused()
    await expect(page.get_by_text("No vote session yet.")).to_be_visible()
    await no_violations(page, "vote sessions empty en")

    # A proposal without a title: the API's refusal names the field, nothing is created.
    await fill_session(page)
    await tab_to(page, "form.session-form button[type=submit]")
    await page.keyboard.press("Enter")
    refusal = page.locator("#session-form-error [role=alert]")
    await expect(refusal).to_contain_text("proposals.1.title")
    await expect(page.locator("#session-form-error")).to_be_focused()
    listed = await api.get(sessions_url(consultation_id), headers=STRATEGIST)
    assert listed.json()["items"] == [], listed.text

    second = page.get_by_role("group", name="Proposal 2", exact=True)
    await second.get_by_label("Title (English)").fill("Secure bike parking at stations")
    await second.get_by_label("Title (French)").fill("Parkings vélo sécurisés en gare")
    await page.get_by_role("button", name="Create the draft session").click()
    card = page.locator(".vote-session").first
    await expect(card.get_by_role("heading")).to_have_text("Session 1 draft")
    await expect(card).to_contain_text("2 proposals · 2 token categories")
    await expect(page.locator("#instructions-en")).to_have_value("")  # the form is reset
    created = (await api.get(sessions_url(consultation_id), headers=STRATEGIST)).json()["items"]
    assert [s["status"] for s in created] == ["draft"], created
    vote = created[0]
    assert [c["name"] for c in vote["categories"]] == [{"en": "Green", "fr": "Vert"},
                                                       {"en": "Red", "fr": "Rouge"}]
    assert vote["categories"][0]["max_per_proposal"] == 3
    feasible, budget = (p["gauges"][0] for p in vote["proposals"])
    assert feasible["choices"][2] == {"en": "Surely", "fr": "Sûrement"}
    assert (budget["min"], budget["max"], budget["unit"]) == (0, 100, "k€")

    # Open it with the keyboard.
    await tab_to(page, ".vote-session button.primary")
    await page.keyboard.press("Enter")
    await expect(card.get_by_role("heading")).to_have_text("Session 1 open")
    await expect(page.locator("main > [role=status]")).to_have_text(
        "Session 1 is open: participants can vote.")

    # A participant spreads tokens and answers both gauges, keyboard only.
    voter_context = await signed_in(browser, "web-gauge-voter")
    voter = await voter_context.new_page()
    await voter.goto(f"{base}/#/c/{consultation_id}/vote")
    await expect(voter.get_by_role("heading", name="Protected lanes on the quays")).to_be_visible()
    await set_tokens(voter, "Green tokens for “Protected lanes on the quays”", 3)
    await set_tokens(voter, "Red tokens for “Secure bike parking at stations”", 1)
    choices = voter.get_by_role("group", name="How feasible?")
    await tab_to(voter, f"[name='gauge-{vote['proposals'][0]['id']}-{feasible['id']}']:checked")
    for _ in range(3):
        await voter.keyboard.press("ArrowDown")
    await expect(choices.get_by_label("Surely")).to_be_checked()
    await set_tokens(voter, "Budget? (0 to 100 k€)", 30)
    await no_violations(voter, "ballot with gauges en")
    await tab_to(voter, ".ballot button[type=submit]")
    await voter.keyboard.press("Enter")
    await expect(voter.locator(".ballot .actions [role=status]")).to_have_text(
        "Your ballot is saved (4 tokens).")
    ballot = (await api.get(f"/v1/vote-sessions/{vote['id']}/ballot",
                            headers=auth("web-gauge-voter"))).json()
    assert sorted((a["gauge_id"], a["value"]) for a in ballot["gauge_answers"]) == sorted(
        [(feasible["id"], 2), (budget["id"], 30)]), ballot
    await switch_language(voter, "fr")
    await expect(voter.get_by_role("group", name="Faisable ?").get_by_label("Sûrement")
                 ).to_be_checked()
    await no_violations(voter, "ballot with gauges fr")
    await holds_at_360(voter)
    await voter_context.close()

    # Close it after the confirmation: the results, the gauges, and the CSV.
    await page.get_by_role("button", name="Close the vote…").click()
    await expect(card.locator(".confirm")).to_contain_text("every ballot cast is counted")
    await page.get_by_role("button", name="Yes, close and count").click()
    await expect(card.get_by_role("heading", level=3)).to_have_text("Session 1 closed",
                                                                    timeout=30_000)
    await expect(card).to_contain_text("2 proposals · 2 token categories · 1 ballot counted")
    greens = card.locator("table", has=page.locator("caption", has_text="Green"))
    await expect(greens.locator("tbody tr").first).to_contain_text("Protected lanes on the quays")
    await expect(greens.locator("tbody tr").first.locator("td.count").first).to_have_text("3")
    gauges = card.locator("table", has=page.locator("caption", has_text="Gauges"))
    await expect(gauges.locator("tbody tr").first).to_contain_text("How feasible?")
    await expect(gauges.locator("tbody tr").first).to_contain_text("Surely: 1")
    await expect(gauges.locator("tbody tr").nth(1)).to_contain_text("30")
    async with page.expect_download() as download_info:
        await card.get_by_role("button", name="Download the results (CSV)").click()
    download = await download_info.value
    saved = tmp_path / "results.csv"
    await download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert {(r["category_name"], r["proposal_title"], r["tokens"]) for r in rows} >= {
        ("Green", "Protected lanes on the quays", "3"),
        ("Red", "Secure bike parking at stations", "1")}, rows
    await no_violations(page, "vote sessions closed en")
    await screenshot(page, "vote-session-admin")

    await switch_language(page, "fr")
    await expect(card.get_by_role("heading", level=3)).to_have_text("Session 1 close")
    await expect(card.locator("caption", has_text="Vert")).to_be_visible()
    await no_violations(page, "vote sessions closed fr")
    await holds_at_360(page)
    assert not page_errors, page_errors
    await context.close()
