"""The web front-end's build served at / with its cache headers, and nothing else of disk."""

from __future__ import annotations

import re

import httpx

ASSET_CACHE = "public, max-age=31536000, immutable"  # a year: the name changes with the content


async def test_index_is_revalidated_and_names_immutable_assets(api: httpx.AsyncClient) -> None:
    page = await api.get("/")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets), assets
    assert any(a.endswith(".css") for a in assets), assets
    for url in assets:
        asset = await api.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["cache-control"] == ASSET_CACHE, url
        expected = "text/javascript" if url.endswith(".js") else "text/css"
        assert asset.headers["content-type"].startswith(expected), url


async def test_only_the_builds_assets_are_served(api: httpx.AsyncClient) -> None:
    for name in ("..%2Findex.html", "%2E%2E%2F%2E%2E%2Fpyproject.toml", "index.html",
                 "missing-0123abcd.js", ".vite-manifest.json"):
        reply = await api.get(f"/assets/{name}")
        assert reply.status_code == 404, name
        assert reply.headers["content-type"] == "application/problem+json", name


async def test_the_front_end_is_not_in_the_api_document(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    assert "/" not in paths
    assert "/assets/{name}" not in paths
