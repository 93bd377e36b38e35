"""The synthesis editor and the deliverable in real headless Chromium against the real
stack: a synthesiser writes a synthesis with the keyboard, citing an idea and an extract
through the picker, sees a bad citation refused next to its paragraph, publishes, answers
a contest and marks it taken into account in the next version; a strategist sees the
API's refusal of a blank "step after", then generates the deliverable and follows its
progress; a participant reads it (the retained idea with its extract, the synthesis, the
participation figures) and downloads its Markdown. axe-core checks both screens in
English and French, the layout holds at 360 px, and the screenshots
docs/screenshots/synthesis-editor.png and deliverable.png are taken here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from pymongo import AsyncMongoClient

from devstack.stack import Stack
from tests.debate import STRATEGIST, phased, post, thread_in
from tests.helpers import auth, create_consultation, eventually
from tests.synthesis.support import CATCHER, SYNTHESIS_DB, SYNTHESISER
from tests.web.conftest import screenshot
from tests.web.test_facilitator import holds_at_360
from tests.web.test_participant import no_violations, switch_language, tab_to
from tests.web.test_vote_and_moderation import signed_in

pytestmark = pytest.mark.timeout(180)
Json = dict[str, Any]

BODY = "Bridges are dangerous at night. We need lighting on every bridge, and wider lanes."
PASSAGE = "We need lighting on every bridge"
IDEA = "Safe bridges after dark"
STEP_AFTER = "The council votes on the retained ideas in June."


async def idea_with_extract(api: httpx.AsyncClient, consultation: Json) -> tuple[Json, Json]:
    """A post, an idea and an extract of the post filed under it (by an idea catcher)."""
    thread = await thread_in(api, consultation)
    written = await post(api, thread, BODY, "web-cyclist", language="en")
    idea = await api.post(f"/v1/consultations/{consultation['id']}/ideas", headers=CATCHER,
                          json={"theme_id": consultation["themes"][0]["id"], "title": IDEA})
    assert idea.status_code == 201, idea.text
    start = BODY.index(PASSAGE)
    extract = await api.post(f"/v1/consultations/{consultation['id']}/extracts",
                             headers=CATCHER, json={
                                 "post_id": written["id"], "start": start,
                                 "end": start + len(PASSAGE), "nature": "actionable_solution",
                                 "idea_id": idea.json()["id"]})
    assert extract.status_code == 201, extract.text
    return idea.json(), extract.json()


async def closed_vote(api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
                      consultation_id: str, idea: Json) -> None:
    """A vote on the idea, three ballots (3 + 2 + 1 tokens), closed and in the synthesis
    service's read model (where the deliverable reads it)."""
    created = await api.post(f"/v1/consultations/{consultation_id}/vote-sessions",
                             headers=STRATEGIST, json={
                                 "categories": [{"name": {"en": "Priority"}, "color": "#2e7d32",
                                                 "total_number": 3}],
                                 "proposals": [{"title": {"en": idea["title"]},
                                                "idea_id": idea["id"]}]})
    assert created.status_code == 201, created.text
    session = created.json()
    opened = await api.post(f"/v1/vote-sessions/{session['id']}/open", headers=STRATEGIST)
    assert opened.status_code == 200, opened.text
    for voter, tokens in (("web-v1", 3), ("web-v2", 2), ("web-v3", 1)):
        ballot = await api.put(f"/v1/vote-sessions/{session['id']}/ballot",
                               headers=auth(voter), json={"allocations": [{
                                   "proposal_id": session["proposals"][0]["id"],
                                   "category_id": session["categories"][0]["id"],
                                   "tokens": tokens}]})
        assert ballot.status_code == 200, ballot.text
    closing = await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=STRATEGIST,
                             timeout=75)  # its documented deadline is 60 s (then 202)
    assert closing.status_code in (200, 202), closing.text

    async def read_model() -> object:
        return await mongo[SYNTHESIS_DB]["vote_results"].find_one({"_id": session["id"]})

    await eventually(read_model, lambda found: found is not None, within=60)


def paragraph_field(page: Page, n: int) -> Any:
    return page.get_by_label(f"Paragraph {n} (Markdown)", exact=False)


async def cite(page: Page, n: int, words: str) -> None:
    """Open paragraph n's picker with the keyboard, filter, and insert the first match."""
    await tab_to(page, f"button:text('Insert a citation in paragraph {n}')")
    await page.keyboard.press("Enter")
    search = page.get_by_label("Find an idea or an extract")
    await expect(search).to_be_focused()
    await page.keyboard.type(words)
    await expect(page.locator(".picker .hint")).to_have_text("1 matching")
    await page.keyboard.press("Tab")  # the list: its first match is chosen
    await page.keyboard.press("Enter")
    await expect(page.locator(".picker")).to_have_count(0)


async def test_a_synthesiser_writes_cites_publishes_and_answers(
    stack: Stack, api: httpx.AsyncClient, browser: Browser,
) -> None:
    consultation = await phased(api, "ideation")
    cid = consultation["id"]
    idea, extract = await idea_with_extract(api, consultation)
    base = stack.config.gateway_url
    context = await signed_in(browser, "web-synth", "synthesiser")
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    # From the list of syntheses (the team's link) to a new synthesis of a theme.
    await page.goto(f"{base}/#/c/{cid}/syntheses")
    await page.get_by_role("link", name="Write a new synthesis").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Write a new synthesis")
    await page.get_by_label("Title").fill("What we heard about bridges")
    await page.get_by_label("What it synthesises").select_option(label="Theme 0")
    await page.get_by_role("button", name="Start the synthesis").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("Editing: What we heard about bridges")
    await expect(heading).to_be_focused()
    [created] = (await api.get(f"/v1/consultations/{cid}/syntheses")).json()["items"]
    assert created["theme_id"] == consultation["themes"][0]["id"]

    # Keyboard alone: type, cite the idea through the picker; a second paragraph cites
    # the extract (found by its words); a third cites an idea that does not exist.
    await tab_to(page, "#" + str(await paragraph_field(page, 1).get_attribute("id")))
    await page.keyboard.type("People ask for light on the bridges")
    await cite(page, 1, "after dark")
    first = paragraph_field(page, 1)
    await expect(first).to_be_focused()
    await page.keyboard.type(".")
    await expect(first).to_have_value(f"People ask for light on the bridges [idea:{idea['id']}].")
    await expect(page.locator(".paragraph").first.locator(".cites")).to_have_text(
        f"Cites: the idea “{IDEA}”")
    await page.get_by_role("button", name="Add a paragraph").click()
    await expect(paragraph_field(page, 2)).to_be_focused()
    await page.keyboard.type("One of them put it plainly:")
    await cite(page, 2, "lighting every")
    await expect(paragraph_field(page, 2)).to_have_value(
        f"One of them put it plainly: [extract:{extract['id']}]")
    await page.get_by_role("button", name="Add a paragraph").click()
    await expect(paragraph_field(page, 3)).to_be_focused()
    await page.keyboard.type(f"Trams too [idea:{'f' * 24}].")
    await page.get_by_role("button", name="Save the draft").click()
    refused = page.locator(".paragraph").nth(2).locator(".field-error")
    await expect(refused).to_contain_text("Paragraph 3 was refused")
    await expect(refused).to_contain_text("cites no idea of this consultation")
    await expect(page.get_by_role("alert")).to_contain_text("fix the 1 refused paragraph(s)")
    third = paragraph_field(page, 3)
    await expect(third).to_be_focused()
    await expect(third).to_have_attribute("aria-invalid", "true")
    draft = (await api.get(f"/v1/consultations/{cid}/syntheses/{created['id']}",
                           headers=SYNTHESISER)).json()["draft"]
    assert draft == []  # the refused draft wrote nothing
    await no_violations(page, "synthesis editor en")
    await screenshot(page, "synthesis-editor")

    # Remove the bad paragraph, publish version 1.
    await page.get_by_role("button", name="Remove paragraph 3").click()
    await page.get_by_role("button", name="Publish a new version").click()
    await expect(page.locator("form.editor .notice")).to_contain_text("Version 1 is published.")
    url = f"/v1/consultations/{cid}/syntheses/{created['id']}"
    version = (await api.get(f"{url}/versions/1")).json()
    assert [p["text"] for p in version["paragraphs"]] == [
        f"People ask for light on the bridges [idea:{idea['id']}].",
        f"One of them put it plainly: [extract:{extract['id']}]"]
    anchor = version["paragraphs"][0]["anchor"]

    # A participant contests paragraph 1: it arrives without reload; the synthesiser
    # answers it, then changes the paragraph, publishes and marks it taken into account.
    contest = await api.post(f"{url}/versions/1/paragraphs/{anchor}/contests",
                             headers=auth("web-pat"), json={"body": "Cyclists, not people."})
    assert contest.status_code == 201, contest.text
    item = page.locator(".to-answer .contest")
    await expect(item).to_contain_text("Cyclists, not people.", timeout=15_000)
    await expect(item.locator(".state")).to_have_text("Open: awaiting an answer")
    await item.get_by_label("Your answer").fill("Fair: version 2 says cyclists.")
    await item.get_by_role("button", name="Send the answer").click()
    await expect(item.locator(".state")).to_have_text("Answered")
    await expect(item.locator(".answers")).to_contain_text("Fair: version 2 says cyclists.")
    await expect(item).to_contain_text("Publish a version that changes this paragraph")
    await no_violations(page, "synthesis editor contests en")
    await paragraph_field(page, 1).fill(
        f"Cyclists ask for light on the bridges [idea:{idea['id']}].")
    await page.get_by_role("button", name="Publish a new version").click()
    await expect(page.locator("form.editor .notice")).to_contain_text("Version 2 is published.")
    await expect(item.get_by_label("Taken into account in")).to_have_value("2")
    await item.get_by_role("button", name="Mark taken into account").click()
    await expect(item.locator(".state")).to_have_text("Taken into account in version 2")
    stored = (await api.get(f"{url}/contests")).json()["items"]
    assert [(c["status"], c["resolved_in_version"], len(c["replies"])) for c in stored] == [
        ("taken_into_account", 2, 1)]
    second = (await api.get(f"{url}/versions/2")).json()
    assert second["paragraphs"][0]["anchor"] == anchor  # the paragraph kept its anchor

    # The published synthesis links back to the editor for the team.
    await page.get_by_role("link", name="See the published synthesis").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("What we heard about bridges")
    await page.get_by_role("link", name="Edit this synthesis (synthesis team)").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Editing: What we heard about bridges")

    # In French, and at 360 px.
    await switch_language(page, "fr")
    await expect(page.get_by_role("button", name="Publier une nouvelle version")).to_be_visible()
    await page.get_by_role("button", name="Insérer une citation dans le paragraphe 1").click()
    await expect(page.get_by_label("Chercher une idée ou un extrait")).to_be_focused()
    await no_violations(page, "synthesis editor fr")
    await page.keyboard.press("Escape")
    await expect(page.locator(".picker")).to_have_count(0)
    await holds_at_360(page, "synthesis editor")
    assert not page_errors, page_errors
    await context.close()


async def test_a_strategist_generates_and_a_participant_reads_the_deliverable(
    stack: Stack, api: httpx.AsyncClient, mongo: AsyncMongoClient[dict[str, object]],
    browser: Browser, tmp_path: Path,
) -> None:
    consultation: Json = await create_consultation(api)  # states no step after
    cid = consultation["id"]
    idea, _ = await idea_with_extract(api, consultation)
    retained = await api.put(f"/v1/consultations/{cid}/ideas/{idea['id']}/status",
                             headers=SYNTHESISER, json={"status": "retained"})
    assert retained.status_code == 200, retained.text
    synthesis = await api.post(f"/v1/consultations/{cid}/syntheses", headers=SYNTHESISER,
                               json={"title": "What we heard"})
    assert synthesis.status_code == 201, synthesis.text
    s_url = synthesis.headers["Location"]
    saved = await api.put(f"{s_url}/draft", headers=SYNTHESISER, json={"paragraphs": [
        {"text": f"Light on every bridge [idea:{idea['id']}]."}]})
    assert saved.status_code == 200, saved.text
    assert (await api.post(f"{s_url}/versions", headers=SYNTHESISER)).status_code == 201
    await closed_vote(api, mongo, cid, idea)
    base = stack.config.gateway_url

    # The strategist: a blank step after is refused by the API, shown as its problem; then
    # the generation runs, its progress told politely, and version 1 appears.
    chief = await signed_in(browser, "web-chief", "strategist")
    page = await chief.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(f"{base}/#/c/{cid}/deliverable")
    await expect(page.get_by_role("heading", level=1)).to_have_text("The deliverable")
    await expect(page.get_by_text("No deliverable is published yet.")).to_be_visible()
    await expect(page.get_by_label("Language of the deliverable")).to_have_value("en")
    step = page.get_by_label("The step after (required)")
    await step.fill("   ")
    await page.get_by_role("button", name="Generate", exact=True).click()
    refusal = page.locator(".generate [role=alert]")
    await expect(refusal).to_contain_text("Something went wrong")
    await expect(refusal).to_contain_text("step_after")
    assert (await api.get(f"/v1/consultations/{cid}/deliverables")).json()["items"] == []
    await no_violations(page, "deliverable generate en")
    await step.fill(STEP_AFTER)
    await tab_to(page, "button:text-is('Generate')")
    await page.keyboard.press("Enter")
    status = page.locator(".generate [role=status]")
    await expect(status).to_have_attribute("aria-live", "polite")
    await expect(status).to_have_text("Done: version 1 is published.", timeout=60_000)
    await expect(page.locator("#deliverable-progress")).to_have_attribute("value", "100")
    await expect(page.get_by_role("heading", name="Reading version 1", level=2)).to_be_visible()
    await expect(refusal).to_have_count(0)
    [listed] = (await api.get(f"/v1/consultations/{cid}/deliverables")).json()["items"]
    assert (listed["number"], listed["step_after"], listed["language"]) == (1, STEP_AFTER, "en")
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", name="Générer le livrable")).to_be_visible()
    await no_violations(page, "deliverable generate fr")
    await chief.close()

    # A participant reads it from the landing page, in their language.
    reader = await signed_in(browser, "web-reader")
    page = await reader.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    await page.goto(f"{base}/#/c/{cid}")
    await page.get_by_role("link", name="The deliverable").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_have_text("The deliverable")
    await expect(heading).to_be_focused()
    await expect(page.get_by_role("heading", name="Generate the deliverable")).to_have_count(0)
    shown = page.locator("article.deliverable")
    await expect(shown.locator("#d-after + p")).to_have_text(STEP_AFTER)
    recommendation = shown.locator(".recommendation")
    await expect(recommendation.get_by_role("heading", level=4)).to_have_text(IDEA)
    await expect(recommendation.locator("q")).to_have_text(PASSAGE)
    # The synthesis, its citation told by the idea's title.
    await expect(shown.locator("section[aria-labelledby=d-synthesis] p.prose")).to_have_text(
        f"Light on every bridge [{IDEA}].")
    votes = shown.locator("section[aria-labelledby=d-votes] table")
    await expect(votes.locator("caption")).to_contain_text("Vote 1: 3 ballots")
    await expect(votes.get_by_role("columnheader", name="Priority")).to_be_visible()
    await expect(votes.locator("tbody tr th")).to_have_text(IDEA)
    await expect(votes.locator("tbody tr td")).to_have_text("6 tokens, 3 voters, rank 1")
    figures = shown.locator(".figures div")
    await expect(figures.filter(has_text="Retained ideas").locator("dd")).to_have_text("1")
    await expect(figures.filter(has_text="Extracts").locator("dd")).to_have_text("1")
    await expect(figures.filter(has_text="Ballots").locator("dd")).to_have_text("3")
    await no_violations(page, "deliverable en")
    await screenshot(page, "deliverable")

    # The Markdown download: what the link gives is the API's file.
    async with page.expect_download() as started:
        await page.get_by_role("link", name="Download version 1 as Markdown (.md)").click()
    download = await started.value
    assert download.suggested_filename == "deliverable-1.md"
    target = tmp_path / "deliverable-1.md"
    await download.save_as(target)
    markdown = target.read_text()
    from_api = await api.get(f"/v1/consultations/{cid}/deliverables/1/markdown")
    assert from_api.status_code == 200, from_api.text
    assert markdown == from_api.text
    assert "## The step after" in markdown
    assert STEP_AFTER in markdown
    assert IDEA in markdown

    # In French (the version is English: said so), and at 360 px.
    await switch_language(page, "fr")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Le livrable")
    await expect(shown.locator(".notice")).to_contain_text("Cette version est rédigée en anglais")
    await expect(page.get_by_role("link", name="Télécharger la version 1 en Markdown (.md)")
                 ).to_be_visible()
    await no_violations(page, "deliverable fr")
    await holds_at_360(page, "deliverable")
    assert not page_errors, page_errors
    await reader.close()
