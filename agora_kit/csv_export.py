"""CSV the API emits, safe to open in a spreadsheet (OWASP "CSV injection").

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula
(`=HYPERLINK(...)` sends neighbouring cells away, DDE runs commands), also after a
leading tab or carriage return, and some after leading spaces or with a full-width `=` (U+FF1D).
A participant writes proposal titles, so every *text* cell whose first visible character
is one of these gets a leading `'`: spreadsheets then show it as text. Numbers (int,
float) are written as they are, so a negative count stays a number; a text cell that
merely looks like a negative number ("-3") is quoted like any other text.

Every CSV the platform emits (the gateway's routes, the deliverable's bundle) is built with
`csv_document`: one writer, one rule.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

TRIGGERS = frozenset("=+-@")
LEADING_CONTROLS = frozenset("\t\r\n")
Cell = str | int | float | None


def neutralise(cell: str) -> str:
    """The text cell as a spreadsheet must read it: as text, never as a formula."""
    if not cell:
        return cell
    visible = unicodedata.normalize("NFKC", cell.lstrip()[:1])
    if cell[0] in LEADING_CONTROLS or visible[:1] in TRIGGERS:
        return "'" + cell
    return cell


def csv_document(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """A CSV text (one header line, `\\n` line ends) with every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in row])
    return out.getvalue()
