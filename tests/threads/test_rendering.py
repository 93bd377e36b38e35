"""Post bodies render to HTML in which no stored script can run."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from agora.v1 import threads_pb2
from agora_kit.rendering import ALLOWED_TAGS, render_body

MARKDOWN = threads_pb2.POST_FORMAT_MARKDOWN
PLAIN = threads_pb2.POST_FORMAT_PLAIN

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '"><script>alert(document.cookie)</script>',
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    "![x](https://evil.example/track.png)",
    "<details open ontoggle=alert(1)>",
    "[a](https://ok.example \"title\" onmouseover=alert(1))",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(fragment)
    return parser.found


@pytest.mark.parametrize("post_format", [MARKDOWN, PLAIN])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_as_active_html(payload: str, post_format: int) -> None:
    rendered = render_body(payload, post_format)
    for tag, attrs in elements(rendered):
        assert tag in ALLOWED_TAGS, rendered
        for name, value in attrs:
            assert not name.startswith("on"), rendered
            assert name in {"href", "title", "rel"}, rendered
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:")), rendered


def test_markdown_keeps_its_formatting_and_safe_links() -> None:
    rendered = render_body("**bold** and [a link](https://example.org)", MARKDOWN)
    assert rendered == (
        '<p><strong>bold</strong> and <a href="https://example.org" '
        'rel="nofollow noopener ugc">a link</a></p>\n'
    )


def test_plain_text_is_escaped_and_keeps_paragraphs() -> None:
    assert render_body("a < b\nc\n\nd", PLAIN) == "<p>a &lt; b<br>c</p><p>d</p>"
