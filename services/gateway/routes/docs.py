"""/docs, /redoc and /openapi.json: the API's documentation, whole without the internet.

FastAPI's own pages load Swagger UI and ReDoc (and fonts, and a favicon) from CDNs, so
they stayed blank offline and told third parties who was reading the docs. Here the
assets come from the pinned `fastapi-offline` package (Swagger UI 5, ReDoc 2, MIT) and
are served by the gateway itself. These routes, like every other, are `APIRoute`s and so
pass through `authorize` and the permission table (FastAPI's were plain routes outside
it); they stay out of the schema they describe.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from services.gateway.problems import Problem

router = APIRouter(include_in_schema=False)
SPEC_URL = "/openapi.json"
ASSETS_URL = "/docs/assets"
ASSETS = Path(str(files("fastapi_offline") / "static"))
MEDIA_TYPES = {  # the whole list: no other file of the package is served
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
ASSET_CACHE = "public, max-age=86400"  # versioned by the pinned package, not by URL


@router.get(SPEC_URL)
async def openapi(request: Request) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=SPEC_URL, title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        # No badge asking validator.swagger.io about our schema.
        swagger_ui_parameters={"validatorUrl": None})


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=SPEC_URL, title=f"{request.app.title} - ReDoc",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False)


@router.get(ASSETS_URL + "/{name}")
async def asset(name: str) -> FileResponse:
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        raise Problem(404, f"no documentation asset {name!r}", kind="not-found")
    return FileResponse(ASSETS / name, media_type=media_type,
                        headers={"Cache-Control": ASSET_CACHE})
