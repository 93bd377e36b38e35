"""The token vote and the moderation queue in real headless Chromium against the real
stack: a participant spreads green and red tokens with the keyboard, sees the budget left
counted as they type and the API's refusal of an over-budget ballot, submits, and reads
the results once the vote is closed; a moderator approves and hides (with a reason) held
posts, dismisses a report, and sees the queue follow another moderator's act without
reload. axe-core checks
both screens in English and French, the layout holds at 360 px, and the screenshots
docs/screenshots/vote.png and moderation-queue.png are taken here."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from devstack.stack import Stack
from tests.debate import MODERATOR, STRATEGIST, phased, thread_in
from tests.helpers import auth
from tests.voting.support import prioritising, sessions_url
from tests.web.conftest import screenshot
from tests.web.test_participant import no_violations, switch_language, tab_to

pytestmark = pytest.mark.timeout(180)


async def signed_in(browser: Browser, account: str, roles: str = "") -> BrowserContext:
    """A browser whose tab holds a development token for account (as a login would)."""
    token = f"dev-{account}{'~' + roles if roles else ''}"
    saved = {"accessToken": token, "refreshToken": "unused", "accountId": account,
             "email": f"{account}@example.org"}
    context = await browser.new_context(viewport={"width": 1100, "height": 900},
                                        locale="en-GB", color_scheme="light")
    await context.add_init_script(
        f"sessionStorage.setItem('agora.session', {json.dumps(json.dumps(saved))});")
    return context


async def open_vote(api: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    consultation_id = await prioritising(api)
    body = {
        "instructions": {"en": "Green for what matters most, red for what should wait.",
                         "fr": "Vert pour l'essentiel, rouge pour ce qui peut attendre."},
        "categories": [
            {"name": {"en": "Green", "fr": "Vert"}, "color": "#2e7d32", "total_number": 5,
             "max_per_proposal": 3},
            {"name": {"en": "Red", "fr": "Rouge"}, "color": "#c62828", "total_number": 2}],
        "proposals": [
            {"title": {"en": "Protected lanes on the quays",
                       "fr": "Pistes protégées sur les quais"},
             "description": {"en": "Kerbs, not paint.", "fr": "Des bordures, pas de peinture."}},
            {"title": {"en": "Secure bike parking at stations",
                       "fr": "Parkings vélo sécurisés en gare"}},
            {"title": {"en": "Free bikes for students",
                       "fr": "Vélos gratuits pour les étudiants"}}],
    }
    created = await api.post(sessions_url(consultation_id), json=body, headers=STRATEGIST)
    assert created.status_code == 201, created.text
    opened = await api.post(f"/v1/vote-sessions/{created.json()['id']}/open", headers=STRATEGIST)
    assert opened.status_code == 200, opened.text
    return consultation_id, opened.json()


async def set_tokens(page: Page, label: str, tokens: int) -> None:
    """Reach the field with Tab and type the number, keyboard only."""
    field = page.get_by_label(label)
    await tab_to(page, f"#{await field.get_attribute('id')}")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(str(tokens))


async def test_a_participant_votes_with_tokens(stack: Stack, api: httpx.AsyncClient,
                                               browser: Browser) -> None:
    consultation_id, vote = await open_vote(api)
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-voter")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    await page.goto(f"{base}/#/c/{consultation_id}")
    await page.get_by_role("link", name="Vote on the proposals").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Vote")
    await expect(heading).to_be_focused()
    budget = page.locator(".budget li")
    await expect(budget.first).to_contain_text("Green: 5 of 5 left")
    await expect(budget.nth(1)).to_contain_text("Red: 2 of 2 left")
    await no_violations(page, "vote en")

    # Over budget: counted as typed, and the API's refusal shown when sent anyway.
    await set_tokens(page, "Green tokens for “Protected lanes on the quays”", 3)
    await expect(budget.first).to_contain_text("Green: 2 of 5 left")
    await set_tokens(page, "Green tokens for “Secure bike parking at stations”", 3)
    await expect(budget.first).to_contain_text("Green: 1 too many")
    warning = page.locator(".ballot > [role=alert]")
    await expect(warning).to_contain_text("more tokens than you have")
    await page.get_by_role("button", name="Submit my ballot").click()
    refusal = page.locator("#ballot-error")
    await expect(refusal).to_contain_text("Your ballot was not saved.")
    await expect(refusal.get_by_role("alert")).to_contain_text("more than the 5 tokens")
    await expect(refusal).to_be_focused()

    # Within budget, sent with the keyboard: saved, and the API holds it.
    await set_tokens(page, "Green tokens for “Secure bike parking at stations”", 2)
    await set_tokens(page, "Red tokens for “Free bikes for students”", 1)
    await expect(budget.first).to_contain_text("Green: 0 of 5 left")
    await expect(budget.nth(1)).to_contain_text("Red: 1 of 2 left")
    await expect(warning).to_have_count(0)
    await tab_to(page, ".ballot button[type=submit]")
    await page.keyboard.press("Enter")
    await expect(page.locator(".ballot .actions [role=status]")).to_have_text(
        "Your ballot is saved (6 tokens).")
    await expect(refusal).to_have_text("")
    ballot = await api.get(f"/v1/vote-sessions/{vote['id']}/ballot", headers=auth("web-voter"))
    assert ballot.status_code == 200, ballot.text
    proposals = [p["id"] for p in vote["proposals"]]
    green, red = (c["id"] for c in vote["categories"])
    assert sorted((a["proposal_id"], a["category_id"], a["tokens"])
                  for a in ballot.json()["allocations"]) == sorted(
        [(proposals[0], green, 3), (proposals[1], green, 2), (proposals[2], red, 1)])
    await screenshot(page, "vote")

    # In French: the proposals in the reader's language, the same ballot.
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", name="Pistes protégées sur les quais")).to_be_visible()
    await expect(budget.first).to_contain_text("Vert : il en reste 0 sur 5")
    await expect(page.get_by_label("Jetons Vert pour « Pistes protégées sur les quais »")
                 ).to_have_value("3")
    await no_violations(page, "vote fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await screenshot(page, "vote-fr-360")
    await page.set_viewport_size({"width": 1100, "height": 900})
    await switch_language(page, "en")

    # The strategist closes the vote and moves on: the open screen shows the results.
    closed = await api.post(f"/v1/vote-sessions/{vote['id']}/close", headers=STRATEGIST)
    assert closed.status_code == 200, closed.text
    advanced = await api.post(f"/v1/consultations/{consultation_id}/phase-changes",
                              json={"change": "advance"}, headers=STRATEGIST)
    assert advanced.status_code == 200, advanced.text
    await expect(page.get_by_text("The vote is closed.")).to_be_visible(timeout=15_000)
    greens = page.locator("table", has=page.locator("caption", has_text="Green"))
    await expect(greens.locator("tbody tr").first).to_contain_text("Protected lanes on the quays")
    await expect(greens.locator("tbody tr").first.locator("td.count").first).to_have_text("3")
    await expect(page.get_by_text("1 ballot counted.")).to_be_visible()
    await no_violations(page, "vote results en")
    await screenshot(page, "vote-results")
    assert not page_errors, page_errors
    await context.close()


async def held_post(api: httpx.AsyncClient, thread_id: str, author: str, body: str) -> str:
    reply = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth(author),
                           json={"body": body, "format": "markdown", "language": "en"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["status"] == "pending", reply.text
    return str(reply.json()["id"])


async def test_a_moderator_works_through_the_queue(stack: Stack, api: httpx.AsyncClient,
                                                   browser: Browser) -> None:
    consultation = await phased(api, "ideation", pre_moderation=True)
    thread = await thread_in(api, consultation)
    await held_post(api, thread["id"], "web-author-1", "Lanes on **every** bridge, please.")
    await held_post(api, thread["id"], "web-author-2", "Buy my miracle bike oil at a discount.")
    third = await held_post(api, thread["id"], "web-author-3", "Night buses for cyclists too.")
    base = stack.config.gateway_url

    # A participant without the role is told the queue is for moderators.
    outsider = await signed_in(browser, "web-outsider")
    page = await outsider.new_page()
    await page.goto(f"{base}/#/c/{consultation['id']}/moderation")
    await expect(page.get_by_text("The moderation queue is for this consultation's moderators.")
                 ).to_be_visible()
    await outsider.close()

    context = await signed_in(browser, "web-moderator", "moderator")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(f"{base}/#/c/{consultation['id']}")
    await page.get_by_role("link", name="Moderation queue").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Moderation queue")
    await expect(heading).to_be_focused()
    items = page.locator(".queue-item")
    await expect(items).to_have_count(3)
    await expect(items.first).to_contain_text("Held for approval")
    await no_violations(page, "moderation queue en")
    await screenshot(page, "moderation-queue")
    await switch_language(page, "fr")
    await expect(items.first.get_by_role("button", name="Approuver")).to_be_visible()
    await no_violations(page, "moderation queue fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await page.set_viewport_size({"width": 1100, "height": 900})
    await switch_language(page, "en")

    # Approve the first with the keyboard: it leaves the queue and is published.
    first = items.filter(has_text="every bridge")
    await tab_to(page, ".queue-item:first-child button.primary")
    await page.keyboard.press("Enter")
    await expect(first).to_have_count(0)
    await expect(page.get_by_role("status")).to_have_text("Approved: the post is published.")
    posts = await api.get(f"/v1/threads/{thread['id']}/posts")
    assert [p["status"] for p in posts.json()["items"]] == ["visible"], posts.text

    # A reader reports the published post: it comes back as reported, with the reason.
    approved = posts.json()["items"][0]["id"]
    report = await api.post(f"/v1/posts/{approved}/reports", headers=auth("web-reader"),
                            json={"reason": "off_topic", "note": "Not about the quays"})
    assert report.status_code in (200, 201), report.text
    await page.get_by_role("button", name="Refresh").click()
    reported = items.filter(has_text="every bridge")
    await expect(reported).to_contain_text("Reported")
    await expect(reported.locator(".reports")).to_contain_text("off topic — Not about the quays")
    await no_violations(page, "moderation queue reported en")
    await reported.get_by_role("button", name="Dismiss the reports").click()
    await expect(reported).to_have_count(0)
    await expect(page.get_by_role("status")).to_have_text("Reports dismissed: the post stays.")

    # Hiding needs a reason: the API's refusal is shown, then the reason is given.
    spam = items.filter(has_text="miracle bike oil")
    await spam.get_by_role("button", name="Hide").click()
    await expect(spam.get_by_role("alert")).to_be_visible()
    await spam.get_by_label("Reason (shown to the author").fill("Advertising is not allowed.")
    await spam.get_by_role("button", name="Hide").click()
    await expect(spam).to_have_count(0)
    await expect(page.get_by_role("status")).to_have_text("Hidden: its author is told why.")

    # Another moderator hides the last one: the open queue follows without reload.
    hidden = await api.post(f"/v1/posts/{third}/moderation", headers=MODERATOR,
                            json={"action": "hide", "reason": "Duplicate"})
    assert hidden.status_code == 200, hidden.text
    await expect(items).to_have_count(0, timeout=15_000)
    await expect(page.get_by_text("Nothing is waiting for moderation.")).to_be_visible()
    await no_violations(page, "moderation queue empty en")
    assert not page_errors, page_errors
    await context.close()
