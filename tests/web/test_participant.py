"""A participant's walk through the web front-end, in real headless Chromium against the
real stack: the landing page, sign-up and login through identity, a thread, a reply
typed with the keyboard alone, a reaction, and both arriving live in a second browser;
a phase change shown without reload. axe-core checks every screen in English and French,
the layout holds at 360 px, and the screenshots in docs/screenshots/ are taken here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from devstack.stack import Stack
from tests.helpers import auth
from tests.identity.support import verification_code
from tests.web.conftest import screenshot, violations

pytestmark = pytest.mark.timeout(180)
DAY = timedelta(days=1)


async def consultation_with_a_thread(api: httpx.AsyncClient) -> tuple[dict[str, Any], str, str]:
    now = datetime.now(UTC)
    phases = [("appropriation", now - 7 * DAY, now - DAY), ("ideation", now - DAY, now + 13 * DAY),
              ("deepening", now + 13 * DAY, now + 27 * DAY),
              ("prioritisation", now + 27 * DAY, now + 34 * DAY),
              ("deliverable", now + 34 * DAY, now + 41 * DAY)]
    reply = await api.post("/v1/consultations", headers=auth("web-operator", "operator"), json={
        "title": "Cycling in Lyon", "languages": ["en", "fr"],
        "question": "How do we make cycling safe for everyone, every day?",
        "description": "Road space is finite. Bike lanes, parking and public transport "
                       "compete for it, and the city decides next year's budget in June.",
        "step_after": "The council votes on the three most supported proposals in June.",
        "themes": [{"title": "Bike lanes"}, {"title": "Parking and storage"}],
        "phases": [{"kind": kind, "starts_at": start.isoformat(), "ends_at": end.isoformat()}
                   for kind, start, end in phases]})
    assert reply.status_code == 201, reply.text
    consultation: dict[str, Any] = reply.json()
    thread = await api.post(f"/v1/consultations/{consultation['id']}/threads",
                            headers=auth("web-seed"), json={
                                "theme_id": consultation["themes"][0]["id"],
                                "title": "Protected lanes on the quays"})
    assert thread.status_code == 201, thread.text
    thread_id: str = thread.json()["id"]
    post = await api.post(f"/v1/threads/{thread_id}/posts", headers=auth("web-seed"), json={
        "body": "Separate the lanes from traffic with **kerbs**, not paint.",
        "format": "markdown", "language": "en"})
    assert post.status_code == 201, post.text
    return consultation, thread_id, post.json()["id"]


async def no_violations(page: Page, screen: str) -> None:
    found = await violations(page)
    assert not found, f"{screen}: {found}"


async def switch_language(page: Page, code: str) -> None:
    await page.locator("header.site .lang select").select_option(code)
    await expect(page.locator("html")).to_have_attribute("lang", code)


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element is focused: it is reachable with the keyboard."""
    target = page.locator(selector)
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


async def test_a_participant_walks_through_the_front_end(stack: Stack, api: httpx.AsyncClient,
                                                         browser: Browser) -> None:
    consultation, thread_id, seed_id = await consultation_with_a_thread(api)
    base = stack.config.gateway_url
    landing = f"{base}/#/c/{consultation['id']}"
    participant = await browser.new_context(viewport={"width": 1100, "height": 900},
                                            locale="en-GB", color_scheme="light")
    page = await participant.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # The list of consultations, then the landing page: question, stakes, themes with the
    # thread, timeline, the step after.
    await page.goto(f"{base}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Consultations")
    await expect(page.locator(".card h2 a").first).to_be_visible()  # the suite's, oldest first
    await no_violations(page, "consultations en")
    await switch_language(page, "fr")
    await expect(page.locator(".card h2 a").first).to_be_visible()
    await no_violations(page, "consultations fr")
    await switch_language(page, "en")
    await page.goto(landing)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cycling in Lyon")
    await expect(page.get_by_text("How do we make cycling safe")).to_be_visible()
    await expect(page.get_by_role("heading", name="Bike lanes")).to_be_visible()
    await expect(page.get_by_role("link", name="Protected lanes on the quays")).to_be_visible()
    await expect(page.locator('.timeline [aria-current="step"]')).to_contain_text("Ideation")
    await expect(page.get_by_text("The council votes")).to_be_visible()
    await no_violations(page, "landing en")
    await screenshot(page, "landing")
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", name="La question")).to_be_visible()
    await expect(page.locator('.timeline [aria-current="step"]')).to_contain_text("Idéation")
    await no_violations(page, "landing fr")
    await screenshot(page, "landing-fr")
    await page.set_viewport_size({"width": 360, "height": 800})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await screenshot(page, "landing-360")
    await page.set_viewport_size({"width": 1100, "height": 900})
    await switch_language(page, "en")

    # Sign up (identity's real routes), confirm the mailed code, log out, log in again.
    email = f"web-{uuid.uuid4().hex[:8]}@example.org"
    password = "a long passphrase for cycling 42"
    await page.get_by_role("link", name="Sign up").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    await no_violations(page, "sign-up en")
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    await no_violations(page, "sign-up fr")
    await switch_language(page, "en")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_label("Name shown beside").fill("Camille")
    await page.get_by_role("button", name="Create my account").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email")
    await no_violations(page, "confirm email en")
    await page.get_by_label("Code from the email").fill(
        await verification_code(Path(stack.config.extra_env["MAIL_DIR"]), email))
    await page.get_by_role("button", name="Confirm").click()
    await expect(page.get_by_role("status")).to_contain_text("Your email is confirmed")
    await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("link", name="Log in")).to_be_visible()
    await page.get_by_role("link", name="Log in").click()
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    await no_violations(page, "login fr")
    await switch_language(page, "en")
    await no_violations(page, "login en")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill("not the password at all")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    # An access token that no longer passes (expired: it lives 5 minutes) is refreshed
    # with the refresh token and the request sent again.
    await page.evaluate("""() => {
        const saved = JSON.parse(sessionStorage.getItem('agora.session'));
        sessionStorage.setItem('agora.session',
            JSON.stringify({...saved, accessToken: saved.accessToken.slice(0, -4) + 'AAAA'}));
    }""")
    refreshes: list[int] = []
    page.on("response", lambda r: refreshes.append(r.status)
            if r.url.endswith("/v1/sessions/refresh") else None)
    await page.reload()
    await expect(page.get_by_role("heading", name="The question")).to_be_visible()
    await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    assert refreshes == [200], refreshes  # once, for every request that met the bad token

    # A pseudonym in this consultation: refused with the API's reason, then taken.
    await page.get_by_label("Pseudonym in this consultation").fill("camille@example.org")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".pseudonym [role=alert]")).to_contain_text("pseudonym")
    await page.get_by_label("Pseudonym in this consultation").fill("Camille à vélo")
    await page.get_by_role("button", name="Save").click()
    await expect(page.locator(".pseudonym strong")).to_have_text("Camille à vélo")
    await no_violations(page, "landing signed in en")

    # A second reader, anonymous in another browser context, has the thread open.
    reader_context = await browser.new_context(viewport={"width": 360, "height": 800})
    reader = await reader_context.new_page()
    await reader.goto(f"{base}/#/t/{thread_id}")
    await expect(reader.get_by_text("Separate the lanes from traffic")).to_be_visible()
    await expect(reader.locator(".post")).to_have_count(1)

    # The participant opens the thread and replies with the keyboard alone.
    await page.goto(landing)
    await page.get_by_role("link", name="Protected lanes on the quays").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Protected lanes on the quays")
    await expect(heading).to_be_focused()  # a new screen starts at its heading
    await no_violations(page, "thread en")
    await tab_to(page, '.post button:has-text("Reply")')
    await page.keyboard.press("Enter")
    reply_box = page.get_by_label("Reply to Participant")
    await expect(reply_box).to_be_focused()
    await page.keyboard.type("Kerbs on the quays, and *lighting* at night.")
    await page.keyboard.press("Tab")
    await expect(page.locator(".post .post-form").get_by_role("button", name="Publish")
                 ).to_be_focused()
    await page.keyboard.press("Enter")
    mine = page.locator(".post", has_text="lighting at night")
    await expect(mine.locator(".post-meta")).to_contain_text("Camille à vélo (you)")
    await expect(mine.locator("em")).to_have_text("lighting")

    # ... and the other reader sees it arrive without reloading.
    arrived = reader.locator(".post", has_text="lighting at night")
    await expect(arrived).to_be_visible(timeout=15_000)
    await expect(arrived).to_have_class("post depth-1")
    await expect(reader.get_by_role("status")).to_have_text("New contribution by Camille à vélo")

    # A reaction: pressed for its author, counted live for the other reader.
    seed = page.locator(".post", has_text="Separate the lanes")
    agree = seed.get_by_role("button", name="I agree")
    await agree.click()
    await expect(agree).to_have_attribute("aria-pressed", "true")
    await expect(agree.locator(".count")).to_have_text("1")
    await expect(reader.locator(".post", has_text="Separate the lanes").locator(".count").first
                 ).to_have_text("1", timeout=15_000)
    await screenshot(page, "thread")
    await screenshot(reader, "thread-360")
    assert await reader.evaluate("document.documentElement.scrollWidth") <= 360
    await switch_language(page, "fr")
    await expect(seed.get_by_role("button", name="Je suis d'accord")).to_be_visible()
    # Read in French: the English post comes translated (the stack's LibreTranslate-protocol
    # provider writes "[fr] " and capitals), says so, and shows its original on demand.
    body = seed.locator(".post-body")
    await expect(body).to_contain_text("[fr] SEPARATE THE LANES", timeout=15_000)
    await expect(body).to_have_attribute("lang", "fr")
    await expect(seed.locator(".translation")).to_contain_text("Traduction automatique")
    await seed.get_by_role("button", name="Voir l'original").click()
    await expect(body).to_have_text("Separate the lanes from traffic with kerbs, not paint.")
    await expect(body).to_have_attribute("lang", "en")
    await expect(seed.get_by_role("button", name="Voir l'original")
                 ).to_have_attribute("aria-pressed", "true")
    await no_violations(page, "thread fr")
    await no_violations(reader, "thread anonymous 360")

    # A moderator pins the first post as an announcement: it heads the other reader's thread.
    pinned = await api.put(f"/v1/posts/{seed_id}/pin", headers=auth("web-moderator", "moderator"),
                           json={"pinned": True})
    assert pinned.status_code == 200, pinned.text
    await expect(reader.locator(".pinned .post")).to_contain_text("Separate the lanes")
    await expect(reader.locator(".pinned .badge")).to_have_text("Announcement")
    await expect(reader.locator(".posts .post")).to_have_count(1)  # not repeated in the flow

    # A moderator hides the first post: both readers see the placeholder without reload.
    hidden = await api.post(f"/v1/posts/{seed_id}/moderation",
                            headers=auth("web-moderator", "moderator"),
                            json={"action": "hide", "reason": "Off topic for this test"})
    assert hidden.status_code == 200, hidden.text
    for viewer, placeholder in ((reader, "This contribution was hidden by moderation."),
                                (page, "Cette contribution a été masquée par la modération.")):
        await expect(viewer.get_by_text(placeholder)).to_be_visible(timeout=15_000)
    await expect(reader.get_by_text("Separate the lanes from traffic")).to_have_count(0)

    # A phase change reaches the open landing page without reload.
    await reader.goto(landing)
    await expect(reader.locator('.timeline [aria-current="step"]')).to_contain_text("Ideation")
    changed = await api.post(f"/v1/consultations/{consultation['id']}/phase-changes",
                             headers=auth("web-strategist", "strategist"),
                             json={"change": "advance"})
    assert changed.status_code in (200, 201), changed.text
    await expect(reader.locator('.timeline [aria-current="step"]')).to_contain_text(
        "Deepening", timeout=15_000)
    await expect(reader.get_by_role("status")).to_have_text(
        "The consultation moved to the Deepening phase.")

    # A consultation for accounts only: an anonymous reader is told how to get in.
    closed = await api.post("/v1/consultations", headers=auth("web-operator", "operator"),
                            json={"title": "Staff only", "languages": ["en"],
                                  "themes": [{"title": "Offices"}]})
    assert closed.status_code == 201, closed.text
    access = await api.put(f"/v1/consultations/{closed.json()['id']}/access",
                           headers=auth("web-operator", "operator"), json={"mode": "registered"})
    assert access.status_code == 200, access.text
    await reader.goto(f"{base}/#/c/{closed.json()['id']}")
    await expect(reader.get_by_role("alert")).to_contain_text("open to signed-in participants")
    await expect(reader.get_by_role("alert").get_by_role("link", name="Log in")).to_be_visible()
    await no_violations(reader, "accounts only, anonymous")
    assert not page_errors, page_errors
    await reader_context.close()
    await participant.close()

