"""Deliverable versions and their files, in the synthesis service's database.

A version (`<consultation>:<number>`) is immutable once written: the job writes its files
first, as chunks keyed by the job (`<job>:<format>:<i>`, rewritten whole if the job is
resumed), then the version document in the transaction that ends the job. A version
exists only with all its files; chunks a crashed job left behind belong to no version
until that job, resumed, writes them again.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

from pymongo import ASCENDING, DESCENDING

from agora_kit.errors import NotFound
from agora_kit.mongo import Database
from agora_kit.types import Document

VERSIONS, CHUNKS = "deliverables", "deliverable_chunks"
CHUNK_BYTES = 4 * 1024 * 1024  # well under MongoDB's 16 MiB document limit
FORMATS = {"markdown": "text/markdown; charset=utf-8", "pdf": "application/pdf",
           "json": "application/json", "csv": "application/zip"}


def version_id(consultation_id: str, number: int) -> str:
    return f"{consultation_id}:{number}"


class Store:
    def __init__(self, db: Database) -> None:
        self.versions = db[VERSIONS]
        self.chunks = db[CHUNKS]

    async def ensure_indexes(self) -> None:
        await self.versions.create_index([("consultation_id", ASCENDING),
                                          ("number", DESCENDING)])
        await self.versions.create_index("job_id", unique=True)

    async def write_file(self, job_id: str, file_format: str, data: bytes) -> Document:
        """Store one format's bytes for the job; its entry in the version's `files`."""
        pieces = [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
        for i, piece in enumerate(pieces):
            await self.chunks.update_one({"_id": f"{job_id}:{file_format}:{i}"},
                                         {"$set": {"job_id": job_id, "data": piece}},
                                         upsert=True)
        return {"format": file_format, "media_type": FORMATS[file_format], "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(), "chunks": len(pieces)}

    async def latest_number(self, consultation_id: str) -> int:
        found = await self.versions.find({"consultation_id": consultation_id}, {"number": 1}) \
            .sort("number", DESCENDING).limit(1).to_list()
        return int(found[0]["number"]) if found else 0

    async def get(self, consultation_id: str, number: int) -> Document:
        """Version `number` (0: the latest); NotFound when there is none."""
        if number == 0:
            number = await self.latest_number(consultation_id)
        found = await self.versions.find_one({"_id": version_id(consultation_id, number)})
        if found is None:
            raise NotFound("no deliverable version " + (str(number) if number else "yet"),
                           field="number")
        return found

    async def page(self, consultation_id: str, *, after: int | None,
                   limit: int) -> list[Document]:
        query: dict[str, Any] = {"consultation_id": consultation_id}
        if after is not None:
            query["number"] = {"$gt": after}
        found: list[Document] = await self.versions.find(query).sort("number", ASCENDING) \
            .limit(limit).to_list()
        return found

    async def read(self, version: Document, file_format: str) -> AsyncIterator[bytes]:
        entry = next((f for f in version["files"] if f["format"] == file_format), None)
        if entry is None:
            raise NotFound(f"no {file_format} file in this version", field="format")
        for i in range(entry["chunks"]):
            chunk = await self.chunks.find_one({"_id": f"{version['job_id']}:{file_format}:{i}"})
            if chunk is None:  # cannot happen: a version is written after its chunks
                raise NotFound("the file's data is missing", field="format")
            yield bytes(chunk["data"])
