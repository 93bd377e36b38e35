"""`python -m services.gateway.document OUT`: write the OpenAPI document to a file.

The web front-end's build generates its typed client from it (web/package.json's
`types`), so the browser code is type-checked against the routes as they are, without
a running stack. The app is built but not started: no server is reached.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m services.gateway.document OUT.json")
    document = create_app(GatewaySettings()).openapi()
    Path(argv[0]).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
