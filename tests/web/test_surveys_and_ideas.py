"""Surveys, single sign-on and shaping ideas, in real headless Chromium against the real
stack: a participant answers a survey question of the appropriation phase on the landing
page with the keyboard alone (the answer read back from the API, another's answer there,
and one arriving live), and the survey is gone once ideation starts; the login screen
offers "Log in with …" only where identity has single sign-on configured, and the button
signs in through a real OpenID Connect provider and returns to the screen left; an idea
catcher retains, sets aside, merges and un-merges ideas from the ideas table, each read
back from the API, a merge the API refuses said in words under its idea, and another
idea catcher's merge shown without reload.
axe-core checks the screens in English and French, each holds at 360 px, and the run
writes docs/screenshots/survey.png and ideas-actions.png."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from devstack.stack import Stack
from tests.debate import STRATEGIST, author_key, phased, post, thread_in
from tests.helpers import auth
from tests.identity.oidc_provider import Provider, running_provider
from tests.identity.sso_stack import sso_gateway_for
from tests.identity.support import unique_email
from tests.web.conftest import screenshot
from tests.web.test_facilitator import holds_at_360
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import signed_in

pytestmark = pytest.mark.timeout(180)

CATCHER = auth("web-shaper", "idea_catcher")
WORRY = "What worries you about work in 2035?"
HOPE = "What do you hope work will bring you?"


async def ask(api: httpx.AsyncClient, consultation: dict[str, Any], title: str) -> dict[str, Any]:
    reply = await api.post(f"/v1/consultations/{consultation['id']}/threads", headers=STRATEGIST,
                           json={"theme_id": consultation["themes"][1]["id"],
                                 "kind": "survey_question", "title": title})
    assert reply.status_code == 201, reply.text
    question: dict[str, Any] = reply.json()
    return question


async def test_a_participant_answers_the_survey(stack: Stack, api: httpx.AsyncClient,
                                                browser: Browser) -> None:
    consultation = await phased(api, "appropriation")
    worry, hope = await ask(api, consultation, WORRY), await ask(api, consultation, HOPE)
    await post(api, worry, "Losing my job to automation", account="web-ben", language="en")
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-surveyed")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    await page.goto(f"{base}/#/c/{consultation['id']}")
    survey = page.locator("section.survey")
    await expect(survey.get_by_role("heading", level=2)).to_have_text("Survey")
    questions = survey.locator("section.survey-question")
    await expect(questions.get_by_role("heading", level=3)).to_have_text([WORRY, HOPE])
    first = questions.filter(has_text=WORRY)
    await expect(first.locator("summary")).to_have_text("Answers (1)")

    # The keyboard alone: Tab to the first question's field, type, Tab to Publish, Enter.
    await tab_to(page, "section.survey-question:first-of-type textarea")
    await expect(first.get_by_label(f"Your answer to “{WORRY}”")).to_be_focused()
    await page.keyboard.type("Working *alone* all day")
    await page.keyboard.press("Tab")
    await expect(first.get_by_role("button", name="Publish")).to_be_focused()
    await page.keyboard.press("Enter")
    mine = first.locator(".my-answer")
    await expect(mine.get_by_role("heading", level=4)).to_have_text("Your answer")
    await expect(mine.locator("em")).to_have_text("alone")
    await expect(first.locator("textarea")).to_have_count(0)
    answers = (await api.get(f"/v1/threads/{worry['id']}/posts")).json()["items"]
    key = await author_key(api, consultation["id"], auth("web-surveyed"))
    assert sorted((a["body"], a["author_key"] == key) for a in answers) == [
        ("Losing my job to automation", False), ("Working *alone* all day", True)]

    # Others' answers behind a disclosure; one written elsewhere arrives without reload.
    await first.locator("summary").focus()
    await page.keyboard.press("Enter")
    await expect(first.locator(".answers .post-body")).to_have_text(["Losing my job to automation"])
    second = questions.filter(has_text=HOPE)
    await post(api, hope, "Time for my family", account="web-cleo", language="en")
    await expect(second.locator("summary")).to_have_text("Answers (1)")
    await no_violations(page, "survey en")
    await screenshot(page, "survey")
    await switch_language(page, "fr")
    await expect(survey.get_by_role("heading", level=2)).to_have_text("Questionnaire")
    await expect(second.get_by_label(f"Votre réponse à « {HOPE} »")).to_be_visible()
    await no_violations(page, "survey fr")
    await holds_at_360(page, "survey")

    # Ideation closes the survey: the landing page no longer offers it.
    closed = await phased(api, "ideation")
    await ask(api, closed, WORRY)
    await page.goto(f"{base}/#/c/{closed['id']}")
    await expect(page.get_by_role("heading", name="Thèmes")).to_be_visible()
    await expect(page.locator("section.survey")).to_have_count(0)
    assert not page_errors, page_errors
    await context.close()


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[Provider]:
    async with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_site(provider: Provider, stack: Stack, work_dir: Path) -> Iterator[str]:
    """A gateway whose identity signs in with the provider, sending browsers back to it."""
    with sso_gateway_for(provider, stack, work_dir / "web-sso-logs", front_end=True) as url:
        yield url


async def test_the_sso_button_appears_only_where_configured(
    stack: Stack, api: httpx.AsyncClient, browser: Browser, provider: Provider, sso_site: str,
) -> None:
    consultation = await phased(api, "ideation")
    context = await browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # The test stack has no OIDC_ISSUER: the login screen asks, and offers no button.
    async with page.expect_response(lambda r: r.url.endswith("/v1/sessions/oidc")) as asked:
        await page.goto(f"{stack.config.gateway_url}/#/login")
    assert await (await asked.value).json() == {"enabled": False, "provider": None}
    await expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    await expect(page.get_by_role("button", name="Log in with", exact=False)).to_have_count(0)

    # Where it is configured: the button, reached with Tab, goes through the provider and
    # back, and the reader is signed in where they started.
    email = unique_email("idp.example")
    provider.user = {"sub": f"sub-{email}", "email": email, "email_verified": True,
                     "name": "Web Ada"}
    back = f"#/c/{consultation['id']}"
    await page.goto(f"{sso_site}/#/login?back={back.replace('#', '%23').replace('/', '%2F')}")
    button = page.get_by_role("button", name="Log in with 127.0.0.1")
    await expect(button).to_be_visible()
    await no_violations(page, "login with sso en")
    await switch_language(page, "fr")
    await expect(page.get_by_role("button", name="Se connecter avec 127.0.0.1")).to_be_visible()
    await no_violations(page, "login with sso fr")
    await holds_at_360(page, "login with sso")
    await switch_language(page, "en")
    await tab_to(page, ".sso button")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text(consultation["title"])
    assert page.url == f"{sso_site}/{back}", page.url  # the code left the address bar
    token = await page.evaluate("JSON.parse(sessionStorage.getItem('agora.session')).accessToken")
    async with httpx.AsyncClient(base_url=sso_site, timeout=15) as sso:
        me = await sso.get("/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, me.json()["email"]) == (200, email), me.text

    # A return the provider did not make (a forged state) is refused, and said so (a
    # page load: focus starts at the top, the reason is an alert).
    await page.goto(f"{sso_site}/?code=forged&state=forged")
    failed = page.get_by_role("heading", level=1)
    await expect(failed).to_have_text("The single sign-on did not succeed.")
    await expect(page.get_by_role("alert")).to_contain_text("start again")
    assert "forged" not in page.url, page.url
    assert not page_errors, page_errors
    await context.close()


async def idea(api: httpx.AsyncClient, consultation: dict[str, Any], title: str,
               **extra: str) -> dict[str, Any]:
    reply = await api.post(f"/v1/consultations/{consultation['id']}/ideas", headers=CATCHER,
                           json={"theme_id": consultation["themes"][0]["id"], "title": title,
                                 **extra})
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


async def read_idea(api: httpx.AsyncClient, consultation: dict[str, Any],
                    idea_id: str) -> dict[str, Any]:
    """The idea itself, merged or not (the item route would answer where it went)."""
    listed = await api.get(f"/v1/consultations/{consultation['id']}/ideas",
                           params={"include_merged": "true", "limit": 100})
    return next(i for i in listed.json()["items"] if i["id"] == idea_id)


async def test_an_idea_catcher_retains_sets_aside_merges_and_unmerges(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    consultation = await phased(api, "ideation")
    lanes = await idea(api, consultation, "Protected lanes")
    lights = await idea(api, consultation, "Light the bridges")
    lamps = await idea(api, consultation, "Street lamps")
    solar = await idea(api, consultation, "Solar lamps", parent_id=lights["id"])
    thread = await thread_in(api, consultation)
    written = await post(api, thread, "Lamps on every bridge, please.", "web-walker", language="en")
    filed = await api.post(f"/v1/consultations/{consultation['id']}/extracts", headers=CATCHER,
                           json={"post_id": written["id"], "start": 0, "end": 5,
                                 "nature": "actionable_solution", "idea_id": lamps["id"]})
    assert filed.status_code == 201, filed.text
    context = await signed_in(browser, "web-shaper", "idea_catcher")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(f"{stack.config.gateway_url}/#/c/{consultation['id']}/ideas")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ideas")
    rows = page.locator("table.ideas tbody tr")
    titles = page.locator(".idea-title")
    row = {i["title"]: rows.filter(has=titles.get_by_text(i["title"], exact=True))
           for i in (lanes, lights, lamps, solar)}
    notice = page.locator(".idea-notice")

    # Retain with the keyboard: the notice says so and takes the focus.
    await tab_to(page, "table.ideas tbody tr:first-child .idea-actions button:first-child")
    await expect(page.locator(":focus")).to_have_text("Retain for deepening")
    await page.keyboard.press("Enter")
    await expect(notice).to_have_text("“Protected lanes” is retained for deepening.")
    await expect(notice).to_be_focused()
    await expect(row["Protected lanes"].locator("td").first).to_have_text("retained")
    assert (await read_idea(api, consultation, lanes["id"]))["status"] == "retained"

    await row["Light the bridges"].get_by_role("button", name="Set aside").click()
    await expect(row["Light the bridges"].locator("td").first).to_have_text("set aside")
    assert (await read_idea(api, consultation, lights["id"]))["status"] == "set_aside"

    # Merge "Street lamps" (its extract) into "Light the bridges", then undo it.
    await row["Street lamps"].get_by_label("Merge “Street lamps” into").select_option(
        label="Light the bridges")
    await row["Street lamps"].get_by_role("button", name="Merge", exact=True).click()
    await expect(notice).to_have_text("“Street lamps” is merged into “Light the bridges”.")
    await expect(row["Street lamps"].locator("td").first).to_have_text(
        "merged into “Light the bridges”")
    await expect(row["Light the bridges"].locator("td.count").first).to_have_text("1")
    merged = await read_idea(api, consultation, lamps["id"])
    assert (merged["status"], merged["merged_into"]) == ("merged", lights["id"])
    await no_violations(page, "ideas actions en")
    await screenshot(page, "ideas-actions")
    await row["Street lamps"].get_by_role("button", name="Undo the merge").click()
    await expect(notice).to_have_text("The merge of “Street lamps” is undone.")
    await expect(row["Street lamps"].locator("td").first).to_have_text("proposed")
    await expect(row["Street lamps"].locator("td.count").first).to_have_text("1")
    restored = await read_idea(api, consultation, lamps["id"])
    assert (restored["status"], restored["counts"]["extracts"]) == ("proposed", 1)

    # A merge the API refuses (into the idea's own sub-idea) is said under the idea.
    await row["Light the bridges"].get_by_label("Merge “Light the bridges” into").select_option(
        label="Solar lamps")
    await row["Light the bridges"].get_by_role("button", name="Merge", exact=True).click()
    refusal = row["Light the bridges"].get_by_role("alert")
    await expect(refusal).to_contain_text("“Light the bridges” was not changed.")
    await expect(refusal).to_contain_text("cannot be merged into its own descendant")
    assert (await read_idea(api, consultation, lights["id"]))["status"] == "set_aside"

    # Another idea catcher's merge appears without reload (idea.* on the live stream).
    elsewhere = await api.post(
        f"/v1/consultations/{consultation['id']}/ideas/{lanes['id']}/merge", headers=CATCHER,
        json={"into_id": lamps["id"]})
    assert elsewhere.status_code == 200, elsewhere.text
    await expect(row["Protected lanes"].locator("td").first).to_have_text(
        "merged into “Street lamps”")

    await switch_language(page, "fr")
    await expect(row["Street lamps"].get_by_role("button", name="Mettre de côté")).to_be_visible()
    await no_violations(page, "ideas actions fr")
    await holds_at_360(page, "ideas actions")
    assert not page_errors, page_errors
    await context.close()
