"""The baseline of bench_thread_read: a bare FastAPI endpoint returning fixed JSON.

It serves the bytes of a real page of posts read from the gateway (given in the
BARE_PAGE_FILE file), so the comparison isolates what the gateway → threads → MongoDB
path costs on top of FastAPI and uvicorn themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

PAGE = Path(os.environ["BARE_PAGE_FILE"]).read_bytes()
app = FastAPI()


@app.get("/page")
async def page() -> Response:
    return Response(PAGE, media_type="application/json")
