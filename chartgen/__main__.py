"""`python -m chartgen` writes the chart's generated files; `--check` only compares."""

from __future__ import annotations

import argparse
import sys

from chartgen.files import generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chartgen", description=__doc__)
    parser.add_argument("--check", action="store_true",
                        help="fail if a committed file differs from what is generated")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
