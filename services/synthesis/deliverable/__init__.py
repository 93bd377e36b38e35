"""The deliverable of a consultation: gathered once (gather.py) into one open-data
document, rendered from it in every format (Markdown, PDF, JSON, CSV bundle), stored as an
immutable version by a background job (jobs.py)."""
