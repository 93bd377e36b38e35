"""The deliverable's renderers on one hostile document: participants' words stay inert
in every format (no Markdown or HTML they did not write as text, no spreadsheet formula,
no URL fetched while printing), and the JSON follows the published schema."""

from __future__ import annotations

import csv
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from agora_kit.schemas import DELIVERABLE, schema
from services.synthesis.deliverable import markdown, opendata, pdf

HOSTILE = "=HYPERLINK(\"http://evil\") <script>alert(1)</script> [click](http://evil) # no"


@pytest.fixture
def fetched() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server recording every path asked of it."""
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()


def document(origin: str) -> dict[str, Any]:
    link = "/v1/posts/" + "a" * 24
    return {
        "$schema": "/v1/schemas/deliverable.json", "format": "agora-deliverable/2",
        "version": 1, "generated_at": "2026-12-03T10:00:00Z", "language": "en",
        "consultation": {"id": "c" * 24, "url": "/v1/consultations/" + "c" * 24,
                         "title": "Streets", "question": HOSTILE, "description": ""},
        "step_after": "- " + HOSTILE,
        "participation": {"contributions": 3, "contributors": 2, "reactors": 1, "extracts": 1,
                          "ideas": 1, "retained_ideas": 1, "ballots": 2},
        "synthesis": {"synthesis_id": "s" * 24, "title": "What we heard", "version": 1,
                      "published_at": "2026-12-03T09:00:00Z",
                      "url": "/v1/consultations/" + "c" * 24 + "/syntheses/s/versions/1",
                      "paragraphs": [{"anchor": "p" * 24,
                                      "text": f"See ![x]({origin}/image.png) <img src="
                                              f"'{origin}/raw.png'> [idea:{'i' * 24}]"}]},
        "recommendations": [{
            "idea_id": "i" * 24, "url": "/v1/consultations/c/ideas/" + "i" * 24,
            "title": HOSTILE, "description": HOSTILE, "theme_id": "t" * 24, "theme": "Mobility",
            "merged_from": [], "counts": {"extracts": 1, "posts": 1, "authors": 1,
                                          "reactions": 0},
            "extracts": [{"extract_id": "e" * 24, "url": "/v1/consultations/c/extracts/e",
                          "nature": "issue", "state": "anchored", "quote": HOSTILE,
                          "post_id": "a" * 24, "post_url": link, "post_status": "visible",
                          "language": "en"}],
            "arguments": [{"column_id": "k" * 24, "label": "For", "summary": "",
                           "thread_url": "/v1/threads/" + "h" * 24,
                           "posts": [{"post_id": "a" * 24, "url": link, "text": HOSTILE,
                                      "language": "en", "original_text": HOSTILE,
                                      "original_language": "fr", "translated": True,
                                      "machine": True, "human_verified": False}]}],
            "votes": []}],
        "votes": [{"session_id": "v" * 24, "url": "/v1/vote-sessions/v/results",
                   "ballot_count": 2, "closed_at": "2026-12-03T08:00:00Z",
                   "categories": [{"id": "g", "name": "Priority", "color": "#2e7d32"}],
                   "proposals": [{"proposal_id": "q" * 24, "title": HOSTILE,
                                  "idea_id": "i" * 24,
                                  "tallies": [{"category_id": "g", "category": "Priority",
                                               "tokens": 5, "voters": 2, "rank": 1}]}]}]}


def test_participants_words_stay_inert_in_every_format(
    fetched: tuple[str, list[str]],
) -> None:
    origin, asked = fetched
    doc = document(origin)
    jsonschema.Draft202012Validator(schema(DELIVERABLE)).validate(doc)
    text = markdown.render(doc)
    assert "<script>" not in text
    assert "](http://evil)" not in text
    assert "\\- =HYPERLINK" in text  # the step after opens no list
    assert "*(machine translation from fr)*" in text  # the argument says what it is
    html = pdf.html_of(doc)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img src='" + origin not in html  # the synthesiser's raw HTML is text
    assert "(machine translation from fr)" in html
    rendered = pdf.render(doc)
    assert rendered.startswith(b"%PDF")
    assert asked == []  # neither the Markdown image nor the raw one was fetched
    with zipfile.ZipFile(io.BytesIO(opendata.csv_bundle(doc))) as bundle:
        rows = list(csv.reader(io.StringIO(bundle.read("extracts.csv").decode())))
    assert rows[1][4].startswith("'=HYPERLINK")
    assert opendata.to_json(doc).startswith(b"{")


def test_a_document_off_its_schema_is_refused() -> None:
    doc = document("http://127.0.0.1:1")
    doc["recommendations"][0]["extracts"][0]["url"] = "https://elsewhere.example/x"
    with pytest.raises(jsonschema.ValidationError):
        opendata.to_json(doc)
