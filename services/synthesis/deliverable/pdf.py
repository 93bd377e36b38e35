"""The printable deliverable: HTML of the open-data document rendered to PDF by WeasyPrint.

Participants' words are escaped into the HTML; the synthesis (synthesisers' Markdown) is
rendered with raw HTML off. WeasyPrint would fetch any URL the HTML names, so its URL
fetcher allows nothing but the `data:` URIs of the vote charts: a link or image in a
paragraph can never make the service fetch a URL. Provenance links are printed as
their paths, since a sheet of paper has no origin to resolve them against.
"""

from __future__ import annotations

import base64
import html
import logging

from markdown_it import MarkdownIt

from agora_kit.types import Document
from services.synthesis.deliverable.charts import vote_chart
from services.synthesis.deliverable.markdown import CITATION, tally_line, translation_note

# WeasyPrint logs each rendering step at INFO: noise in a service's log.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
STYLE = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page); font-size: 8pt; } }
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; line-height: 1.35; }
h1 { font-size: 18pt; } h2 { font-size: 13pt; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin-bottom: 2pt; } h4 { font-size: 9.5pt; margin: 6pt 0 2pt; }
.meta, .link { color: #555; font-size: 7.5pt; } .link { font-family: 'DejaVu Sans Mono'; }
ul { margin: 2pt 0; padding-left: 12pt; } li { margin: 1pt 0; }
img.chart { width: 100%; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _link(path: str) -> str:
    return f'<span class="link">{_e(path)}</span>'


def html_of(doc: Document) -> str:
    c, p = doc["consultation"], doc["participation"]
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><style>{STYLE}</style>"
             f"</head><body><h1>Deliverable: {_e(c['title'])}</h1>",
             f"<p class='meta'>Version {doc['version']}, generated {doc['generated_at']} · "
             + (f"written in {_e(doc['language'])} · " if doc["language"] else "") +
             f"open data schema {_link(doc['$schema'])}</p>"]
    if c["question"]:
        parts.append(f"<p><b>Question:</b> {_e(c['question'])}</p>")
    parts += ["<h2>The step after</h2>", f"<p>{_e(doc['step_after'])}</p>",
              "<h2>Participation</h2><ul>",
              f"<li>Contributions: {p['contributions']} by {p['contributors']} "
              "contributors</li>",
              f"<li>People who reacted: {p['reactors']}</li>",
              f"<li>Extracts harvested: {p['extracts']}; ideas: {p['ideas']}, "
              f"{p['retained_ideas']} retained</li>",
              f"<li>Ballots cast: {p['ballots']}</li></ul>", "<h2>Recommendations</h2>"]
    if not doc["recommendations"]:
        parts.append("<p>No idea was retained.</p>")
    for n, r in enumerate(doc["recommendations"], 1):
        parts.append(_recommendation(n, r))
    parts.append("<h2>Vote results</h2>")
    if not doc["votes"]:
        parts.append("<p>No vote session has closed.</p>")
    for v in doc["votes"]:
        chart = base64.b64encode(vote_chart(v).encode()).decode()
        parts += [f"<p>Session {_link(v['url'])}, closed {v['closed_at']}, "
                  f"{v['ballot_count']} ballots.</p>",
                  f"<img class='chart' alt='vote chart' src='data:image/svg+xml;base64,{chart}'>"]
    parts.append("<h2>Synthesis</h2>")
    s = doc["synthesis"]
    if s is None:
        parts.append("<p>No synthesis was published.</p>")
    else:
        parts.append(f"<p class='meta'>{_e(s['title'])}, version {s['version']}, published "
                     f"{s['published_at']} · {_link(s['url'])}</p>")
        markdown = MarkdownIt("commonmark", {"html": False})
        for para in s["paragraphs"]:
            text = CITATION.sub(lambda m: f"[{m[1]} {m[2]}]", para["text"])
            parts.append(markdown.render(text))
    parts.append("</body></html>")
    return "".join(parts)


def _note(entry: Document) -> str:
    note = translation_note(entry)
    return f"<span class='meta'>({_e(note)})</span> " if note else ""


def _recommendation(n: int, r: Document) -> str:
    k = r["counts"]
    parts = [f"<h3>{n}. {_e(r['title'])}</h3>",
             f"<p class='meta'>Theme: {_e(r['theme'])} · {k['extracts']} extracts from "
             f"{k['posts']} posts by {k['authors']} authors, {k['reactions']} reactions · "
             f"{_link(r['url'])}</p>"]
    if r["description"]:
        parts.append(f"<p>{_e(r['description'])}</p>")
    if r["extracts"]:
        parts.append("<h4>Extracts</h4><ul>")
        for e in r["extracts"]:
            said = f"“{_e(e['quote'])}”" if e["quote"] is not None \
                else "<i>(the post is hidden)</i>"
            parts.append(f"<li>{said} <span class='meta'>{_e(e['nature'].replace('_', ' '))}, "
                         f"{e['state']}</span> {_link(e['url'])} {_link(e['post_url'])}</li>")
        parts.append("</ul>")
    if r["arguments"]:
        parts.append("<h4>Arguments</h4><ul>")
        for col in r["arguments"]:
            summary = f": {_e(col['summary'])}" if col["summary"] else ""
            items = "".join(
                f"<li>{_e(a['text']) if a['text'] is not None else '<i>(hidden)</i>'} "
                f"{_note(a)}{_link(a['url'])}</li>" for a in col["posts"])
            parts.append(f"<li><b>{_e(col['label'])}</b>{summary}<ul>{items}</ul></li>")
        parts.append("</ul>")
    if r["votes"]:
        parts.append("<h4>Votes</h4><ul>")
        for v in r["votes"]:
            lines = "; ".join(tally_line(t) for t in v["tallies"]) or "no tokens"
            parts.append(f"<li>{_e(v['title'])}: {_e(lines)} ({v['ballot_count']} ballots) "
                         f"{_link(v['url'])}</li>")
        parts.append("</ul>")
    return "".join(parts)


def render(doc: Document) -> bytes:
    """The PDF's bytes (CPU-bound: run it in a worker thread)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})  # the charts; no URL is ever fetched
    pdf: bytes = HTML(string=html_of(doc), url_fetcher=fetcher).write_pdf()
    return pdf
