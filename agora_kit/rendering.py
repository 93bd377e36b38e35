"""Post bodies to HTML that is safe to insert in a reader's page.

Markdown is rendered with raw HTML disabled, then everything goes through nh3 (the Rust
ammonia sanitiser) with a small allow-list, so no stored script, event handler or
`javascript:` URL can reach a browser, whatever the writer typed.
"""

from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

from agora.v1 import threads_pb2

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
    )


@lru_cache(maxsize=4096)
def render_body(body: str, post_format: int) -> str:
    """HTML for a post body; cached because pages of a thread are read far more than written."""
    if post_format == threads_pb2.POST_FORMAT_MARKDOWN:
        rendered = _markdown.render(body)
    else:
        paragraphs = (p for p in body.split("\n\n") if p.strip())
        rendered = "".join(
            "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
    return sanitise(rendered)
