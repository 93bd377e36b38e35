"""The API documentation pages work offline: every asset they load is served here."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.permissions import ROUTES


class Links(HTMLParser):
    """Every URL a page makes the browser load: src and href attributes, and the spec."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def loaded_by(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.urls


@pytest.mark.parametrize(("page", "asset"), [("/docs", "swagger-ui-bundle.js"),
                                              ("/redoc", "redoc.standalone.js")])
async def test_documentation_pages_load_nothing_from_elsewhere(
    api: httpx.AsyncClient, page: str, asset: str
) -> None:
    reply = await api.get(page)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/html")
    urls = loaded_by(reply.text)
    assert any(url.endswith(asset) for url in urls), urls
    assert "/openapi.json" in reply.text
    assert "//" not in " ".join(urls), urls  # no CDN, no scheme-relative URL either
    assert "fonts.googleapis" not in reply.text
    for url in urls:
        assert url.startswith("/"), url
        served = await api.get(url)
        assert served.status_code == 200, url
        assert len(served.content) > 1000, url
        kind = served.headers["content-type"]
        assert kind.startswith(("text/javascript", "text/css", "image/")), (url, kind)


async def test_the_spec_and_assets_are_served_and_nothing_else_is(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/openapi.json")).json()["info"]["title"] == "Agora API"
    for name in ("../app.py", "..%2Fapp.py", "swagger-ui.js", "index.html"):
        assert (await api.get(f"/docs/assets/{name}")).status_code == 404, name


def test_every_route_the_gateway_serves_is_in_the_permission_table() -> None:
    """The documentation routes too: none bypasses `authorize` (FastAPI's own /docs and
    /openapi.json were plain routes, outside the table)."""
    app = create_app(GatewaySettings())
    served: list[tuple[str, str]] = []
    for route in iter_route_contexts(app.routes):
        assert isinstance(route.original_route, APIRoute), f"{route.path} bypasses the table"
        assert route.path is not None
        served += [(method, route.path) for method in (route.methods or set()) - {"HEAD"}]
    assert ("GET", "/docs") in served
    missing = [route for route in served if route not in ROUTES]
    assert not missing, missing
