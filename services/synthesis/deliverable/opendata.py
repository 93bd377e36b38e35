"""The open-data formats: the document as JSON, checked against its published schema
(agora_kit/schemas/deliverable.schema.json, served at /v1/schemas/deliverable.json), and
a CSV bundle (a zip of one table per kind of row, written by the platform's one CSV
writer, which keeps a participant's text from running as a spreadsheet formula)."""

from __future__ import annotations

import io
import json
import zipfile

from jsonschema import Draft202012Validator

from agora_kit.csv_export import csv_document
from agora_kit.schemas import DELIVERABLE, schema
from agora_kit.types import Document

# A fixed date for every member, so the same document zips to the same bytes.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def validate(doc: Document) -> None:
    """Raise jsonschema.ValidationError unless doc follows the published schema."""
    Draft202012Validator(schema(DELIVERABLE)).validate(doc)


def to_json(doc: Document) -> bytes:
    validate(doc)
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def csv_bundle(doc: Document) -> bytes:
    recs = doc["recommendations"]
    tables = {
        "recommendations.csv": csv_document(
            ["idea_id", "title", "theme", "extracts", "posts", "authors", "reactions", "url"],
            ([r["idea_id"], r["title"], r["theme"], r["counts"]["extracts"],
              r["counts"]["posts"], r["counts"]["authors"], r["counts"]["reactions"], r["url"]]
             for r in recs)),
        "extracts.csv": csv_document(
            ["idea_id", "extract_id", "nature", "state", "quote", "post_id", "post_status",
             "language", "url", "post_url"],
            ([r["idea_id"], e["extract_id"], e["nature"], e["state"], e["quote"], e["post_id"],
              e["post_status"], e["language"], e["url"], e["post_url"]]
             for r in recs for e in r["extracts"])),
        "arguments.csv": csv_document(
            ["idea_id", "column_id", "column", "post_id", "text", "language", "original_text",
             "original_language", "translated", "machine", "human_verified", "url"],
            ([r["idea_id"], col["column_id"], col["label"], a["post_id"], a["text"],
              a["language"], a["original_text"], a["original_language"], a["translated"],
              a["machine"], a["human_verified"], a["url"]]
             for r in recs for col in r["arguments"] for a in col["posts"])),
        "votes.csv": csv_document(
            ["session_id", "proposal_id", "proposal", "idea_id", "category_id", "category",
             "tokens", "voters", "rank", "url"],
            ([v["session_id"], p["proposal_id"], p["title"], p["idea_id"], t["category_id"],
              t["category"], t["tokens"], t["voters"], t["rank"], v["url"]]
             for v in doc["votes"] for p in v["proposals"] for t in p["tallies"])),
        "participation.csv": csv_document(
            ["figure", "value"], list(doc["participation"].items())),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in tables.items():
            bundle.writestr(zipfile.ZipInfo(name, ZIP_DATE), text.encode(),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
