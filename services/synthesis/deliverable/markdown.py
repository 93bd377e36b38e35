"""The deliverable in Markdown: the open-data document as a reader's report.

Every recommendation lists its provenance as links (the document's paths), so the text
itself is traceable: the idea, each extract and its post, each argument, each vote.
Participants' words are quoted, never interpreted as Markdown: `_quote` escapes them.
An argument shown in translation says so discreetly after it: a machine's, or one a
person verified, and from which language (`translation_note`, shared with the PDF).
"""

from __future__ import annotations

import re

from agora_kit.types import Document

CITATION = re.compile(r"\[(idea|extract):([^\]\s]*)\]")
_INLINE = re.compile(r"([\\`*_{}\[\]()!|<>~&])")
# What would open a heading, list or quote (a digit takes no escape: "1\." is one).
_BLOCK = re.compile(r"^([#>+=-]|\d+(?=[.)]))")


def _quote(text: str) -> str:
    """Participant text, inert: one line, inline Markdown specials escaped, and a leading
    block marker too (the step after stands on a line of its own)."""
    inert = _INLINE.sub(r"\\\1", " ".join(text.split()))
    return _BLOCK.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], inert)


def _cite(text: str, base: str) -> str:
    """A synthesis paragraph, its `[idea:…]`/`[extract:…]` citations made links."""
    return CITATION.sub(lambda m: f"[{m[1]} {m[2]}]({base}/{m[1]}s/{m[2]})", text)


def translation_note(entry: Document) -> str:
    """What a translated text is, in a few words ("" for an original)."""
    if not entry["translated"]:
        return ""
    source = entry["original_language"]
    if entry["human_verified"]:
        return f"translation from {source}, verified by a person"
    return f"machine translation from {source}" if entry["machine"] \
        else f"translation from {source}"


def tally_line(tally: Document) -> str:
    return (f"{tally['category'] or tally['category_id']}: {tally['tokens']} tokens from "
            f"{tally['voters']} voters (rank {tally['rank']})")


def render(doc: Document) -> str:
    c = doc["consultation"]
    p = doc["participation"]
    out = [f"# Deliverable: {_quote(c['title'])}", "",
           f"Version {doc['version']}, generated {doc['generated_at']}"
           + (f", written in {doc['language']}. " if doc["language"] else ". ") +
           f"Open data: [JSON]({doc['$schema']}) schema.", ""]
    if c["question"]:
        out += [f"**Question:** {_quote(c['question'])}", ""]
    out += ["## The step after", "", _quote(doc["step_after"]), "",
            "## Participation", "",
            f"- Contributions: {p['contributions']} by {p['contributors']} contributors",
            f"- People who reacted: {p['reactors']}",
            f"- Extracts harvested: {p['extracts']}; ideas: {p['ideas']}, "
            f"{p['retained_ideas']} retained",
            f"- Ballots cast: {p['ballots']}", "",
            "## Recommendations", ""]
    if not doc["recommendations"]:
        out += ["No idea was retained.", ""]
    for n, r in enumerate(doc["recommendations"], 1):
        k = r["counts"]
        out += [f"### {n}. {_quote(r['title'])}", "",
                f"Theme: {_quote(r['theme'])}. Supported by {k['extracts']} extracts from "
                f"{k['posts']} posts by {k['authors']} authors ({k['reactions']} reactions). "
                f"[Idea]({r['url']})", ""]
        if r["description"]:
            out += [_quote(r["description"]), ""]
        if r["extracts"]:
            out += ["#### Extracts", ""]
            for e in r["extracts"]:
                said = f"“{_quote(e['quote'])}”" if e["quote"] is not None \
                    else "*(the post is hidden)*"
                out.append(f"- {said} ({e['nature'].replace('_', ' ')}, {e['state']}) "
                           f"[extract]({e['url']}) · [post]({e['post_url']})")
            out.append("")
        if r["arguments"]:
            out += ["#### Arguments", ""]
            for col in r["arguments"]:
                out.append(f"- **{_quote(col['label'])}**"
                           + (f": {_quote(col['summary'])}" if col["summary"] else ""))
                for a in col["posts"]:
                    said = _quote(a["text"]) if a["text"] is not None else "*(hidden)*"
                    note = translation_note(a)
                    out.append(f"  - {said}" + (f" *({note})*" if note else "")
                               + f" [post]({a['url']})")
            out.append("")
        if r["votes"]:
            out += ["#### Votes", ""]
            for v in r["votes"]:
                lines = "; ".join(tally_line(t) for t in v["tallies"]) or "no tokens"
                out.append(f"- {_quote(v['title'])}: {lines} "
                           f"([results]({v['url']}), {v['ballot_count']} ballots)")
            out.append("")
    out += ["## Vote results", ""]
    if not doc["votes"]:
        out += ["No vote session has closed.", ""]
    for v in doc["votes"]:
        out += [f"Session [{v['session_id']}]({v['url']}), closed {v['closed_at']}, "
                f"{v['ballot_count']} ballots:", ""]
        out += [f"- {_quote(pr['title'])}: "
                + ("; ".join(tally_line(t) for t in pr["tallies"]) or "no tokens")
                for pr in v["proposals"]]
        out.append("")
    out += ["## Synthesis", ""]
    s = doc["synthesis"]
    if s is None:
        out += ["No synthesis was published.", ""]
    else:
        out += [f"[{_quote(s['title'])}, version {s['version']}]({s['url']}), published "
                f"{s['published_at']}.", ""]
        out += [f"{_cite(para['text'], c['url'])}\n" for para in s["paragraphs"]]
    return "\n".join(out).rstrip() + "\n"
