"""CSV the API emits opens safely in a spreadsheet: no text cell runs as a formula."""

from __future__ import annotations

import csv
import io

import httpx

from agora_kit.csv_export import csv_document, neutralise
from tests.helpers import auth
from tests.voting.support import (
    allocation,
    ids,
    prioritising,
    put_ballot,
    session_body,
    sessions_url,
)

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1",
            "\r=1+1", "  =1+1", "\uff1d1+1"]  # the last: a fullwidth equals sign


def test_text_cells_that_a_spreadsheet_would_run_are_quoted_and_numbers_are_not() -> None:
    for formula in FORMULAS:
        assert neutralise(formula) == "'" + formula
    for text in ("Proposal 1", "", "a=b", "e-mail", "'quoted"):
        assert neutralise(text) == text
    document = csv_document(["name", "=header"], [["-3", -3], ["ok", 2.5], [None, 0]])
    assert document == "name,'=header\n'-3,-3\nok,2.5\n,0\n"


async def test_results_csv_neutralises_proposal_titles(api: httpx.AsyncClient) -> None:
    consultation_id = await prioritising(api)
    body = session_body(proposals=len(FORMULAS))
    body["proposals"] = [{"title": {"en": title}} for title in FORMULAS]
    owner = auth("chair", "strategist")
    created = await api.post(sessions_url(consultation_id), json=body, headers=owner)
    assert created.status_code == 201, created.text
    session = created.json()
    assert (await api.post(f"/v1/vote-sessions/{session['id']}/open",
                           headers=owner)).status_code == 200
    proposals, (green, _) = ids(session)
    voted = await put_ballot(api, session, "voter-csv", [allocation(proposals[0], green, 2)])
    assert voted.status_code == 200, voted.text
    closed = await api.post(f"/v1/vote-sessions/{session['id']}/close", headers=owner)
    assert closed.status_code == 200, closed.text

    exported = await api.get(f"/v1/vote-sessions/{session['id']}/results.csv")
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text, newline="")))
    # The titles as stored (the service may trim whitespace), each read back as text.
    stored = {p["title"]["en"] for p in session["proposals"]}
    assert {r["proposal_title"] for r in rows} == {"'" + title for title in stored}
    assert '\'=HYPERLINK("http://evil","x")' in {r["proposal_title"] for r in rows}
    # Numeric columns stay numbers.
    assert {int(r["tokens"]) for r in rows} == {0, 2}
    assert all(r["rank"].isdigit() and r["voters"].isdigit() for r in rows)
