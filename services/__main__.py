"""`python -m services <name>`: run one component by name (the container's entry point).

A component is a folder of this package with its own `__main__.py`, so a new service
runs in the image, and under the chart's component map, without touching this file.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def components() -> list[str]:
    return sorted(p.parent.name for p in HERE.glob("*/__main__.py"))


def main(argv: list[str]) -> int:
    known = components()
    if len(argv) != 1 or argv[0] not in known:
        stream = sys.stdout if argv in (["--help"], ["-h"]) else sys.stderr
        stream.write(f"usage: python -m services <component>\ncomponents: {', '.join(known)}\n")
        return 0 if stream is sys.stdout else 2
    runpy.run_module(f"services.{argv[0]}", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
