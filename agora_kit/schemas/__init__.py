"""Published JSON Schemas: files in this package, read by the service that validates a
document against one and by the gateway that serves it (`/v1/schemas/<name>.json`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DELIVERABLE = "deliverable"


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema `name` (`deliverable`: the deliverable's open-data export)."""
    loaded: dict[str, Any] = json.loads((HERE / f"{name}.schema.json").read_text("utf-8"))
    return loaded
