"""Vote charts as SVG (matplotlib, no pyplot: no global state, safe in a worker thread).

One horizontal bar chart per closed session: each proposal's tokens, one bar per token
category in the category's own colour. Text stays text (`svg.fonttype: none`), and the
output carries no date, so the same results draw the same bytes.
"""

from __future__ import annotations

import io

from agora_kit.types import Document

MAX_LABEL = 40


def vote_chart(vote: Document) -> str:
    """An SVG document (a string) of the session's tallies."""
    import matplotlib
    from matplotlib.figure import Figure

    proposals = vote["proposals"]
    categories = vote["categories"] or [{"id": "", "name": "", "color": "#555555"}]
    height = 0.9 + 0.32 * max(1, len(proposals)) * max(1, len(categories))
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "agora",
                                "font.family": "DejaVu Sans", "font.size": 8}):
        figure = Figure(figsize=(6.5, min(height, 40.0)))
        axes = figure.add_subplot()
        bar = 0.8 / len(categories)
        for i, category in enumerate(categories):
            tokens = []
            for p in proposals:
                found = [t["tokens"] for t in p["tallies"] if t["category_id"] == category["id"]]
                tokens.append(found[0] if found else 0)
            positions = [n + i * bar for n in range(len(proposals))]
            axes.barh(positions, tokens, height=bar, label=category["name"] or None,
                      color=category.get("color") or None)
        axes.set_yticks([n + bar * (len(categories) - 1) / 2 for n in range(len(proposals))],
                        [_label(p["title"]) for p in proposals])
        axes.invert_yaxis()
        axes.set_xlabel("tokens")
        if any(c["name"] for c in categories):
            axes.legend(loc="lower right")
        figure.tight_layout()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _label(title: str) -> str:
    return title if len(title) <= MAX_LABEL else title[:MAX_LABEL - 1] + "…"
