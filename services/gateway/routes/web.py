"""/ and /assets/…: the reference web front-end (web/), built by `make install`.

The build is a single page (hash routing, so `/` is the only document) and its assets,
whose names carry a content hash (Vite's): an asset never changes under its name and is
cached for a year, while index.html, which names the current assets, is revalidated on
every load. Only files of the build's assets directory are served, by name, without
subdirectories or dot files. Like every route these pass through the permission table;
they stay out of the API's schema (they are not the API).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from services.gateway.deps import resources_of
from services.gateway.problems import Problem

router = APIRouter(include_in_schema=False)
INDEX_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"
# Vite's names: name-<hash>.<ext>, nothing that climbs out of the directory.
ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+-[A-Za-z0-9_-]{8,}\.(js|css|svg|woff2)$")
MEDIA_TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml",
               "woff2": "font/woff2"}
SECURITY_HEADERS = {
    # Everything the page loads comes from here; the API is on the same origin.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self'; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def build_dir(request: Request) -> Path:
    return Path(resources_of(request.app).settings.web_dist_dir)


@router.get("/")
async def index(request: Request) -> FileResponse:
    page = build_dir(request) / "index.html"
    if not page.is_file():
        raise Problem(404, f"the web front-end is not built ({page} is missing): run "
                           "`make install`", kind="not-found")
    return FileResponse(page, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": INDEX_CACHE, **SECURITY_HEADERS})


@router.get("/assets/{name}")
async def asset(name: str, request: Request) -> FileResponse:
    match = ASSET_NAME.match(name)
    path = build_dir(request) / "assets" / name
    if match is None or not path.is_file():
        raise Problem(404, f"no front-end asset {name!r}", kind="not-found")
    return FileResponse(path, media_type=MEDIA_TYPES[match.group(1)],
                        headers={"Cache-Control": ASSET_CACHE,
                                 "X-Content-Type-Options": "nosniff"})
