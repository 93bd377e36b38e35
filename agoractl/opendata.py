"""The open-data export: everything the public API shows an anonymous reader.

Consultations, their threads and every thread's posts, page by page, as JSON files; read
anonymously through the gateway, so what is exported is exactly what is public (hidden
or held posts, private consultations and personal data never are).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agoractl.cluster import Reply

Get = Callable[[str, dict[str, str]], Reply]
MAX_PAGES = 100_000


class ExportError(RuntimeError):
    """The gateway refused a read the export needs."""


def pages(get: Get, path: str) -> Iterator[dict[str, Any]]:
    cursor = ""
    for _ in range(MAX_PAGES):
        reply = get(path, {"limit": "100", **({"cursor": cursor} if cursor else {})})
        if reply.status != 200:
            raise ExportError(f"GET {path}: HTTP {reply.status}: {reply.body[:200]!r}")
        page: dict[str, Any] = json.loads(reply.body)
        yield page
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return
    raise ExportError(f"GET {path}: more than {MAX_PAGES} pages")


def items(get: Get, path: str) -> list[dict[str, Any]]:
    return [item for page in pages(get, path) for item in page["items"]]


def export(get: Get, out: Path) -> dict[str, int]:
    """Write the export under out; returns how many of each thing it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {"consultations": 0, "threads": 0, "posts": 0}
    consultations = items(get, "/v1/consultations")
    write(out / "consultations.json", consultations)
    for consultation in consultations:
        cid = consultation["id"]
        threads = items(get, f"/v1/consultations/{cid}/threads")
        write(out / cid / "threads.json", threads)
        for thread in threads:
            posts: dict[str, dict[str, Any]] = {}  # pinned ones may also be in the pages
            for page in pages(get, f"/v1/threads/{thread['id']}/posts"):
                for post in [*page.get("pinned", []), *page["items"]]:
                    posts.setdefault(post["id"], post)
            write(out / cid / "posts" / f"{thread['id']}.json", list(posts.values()))
            counts["posts"] += len(posts)
        counts["threads"] += len(threads)
    counts["consultations"] = len(consultations)
    write(out / "counts.json", counts)
    return counts


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
