"""A database dump in mongodump's directory layout, made with PyMongo.

`<database>/<collection>.bson` holds the documents as raw BSON, back to back (exactly as
stored, types and all), `<collection>.metadata.json` the options and indexes in Extended
JSON, so `mongorestore --dir` can load it. Reading consistently while the services write
needs them stopped, or a snapshot: take the archive after the consultation has ended.
"""

from __future__ import annotations

from pathlib import Path

from bson import json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient

from agora_kit.types import Document

PREFIX = "agora_"  # every service's database is agora_<service>


def dump(mongo_uri: str, out: Path, databases: list[str] | None = None) -> dict[str, int]:
    """Dump the given databases (default: every agora_*); documents per database."""
    counts: dict[str, int] = {}
    raw = CodecOptions(document_class=RawBSONDocument)
    client: MongoClient[Document]
    with MongoClient(mongo_uri, serverSelectionTimeoutMS=10_000) as client:
        names = databases or sorted(n for n in client.list_database_names()
                                    if n.startswith(PREFIX))
        for name in names:
            database = client.get_database(name, codec_options=raw)  # type: ignore[var-annotated]
            folder = out / name
            folder.mkdir(parents=True, exist_ok=True)
            counts[name] = 0
            for collection_name in sorted(database.list_collection_names()):
                collection = database[collection_name]
                with (folder / f"{collection_name}.bson").open("wb") as stream:
                    for document in collection.find({}, sort=[("_id", 1)]):
                        stream.write(document.raw)
                        counts[name] += 1
                metadata = {
                    "collectionName": collection_name, "type": "collection",
                    "options": dict(collection.options()),
                    "indexes": [dict(index) for index in
                                client[name][collection_name].list_indexes()],
                }
                (folder / f"{collection_name}.metadata.json").write_text(
                    json_util.dumps(metadata, json_options=json_util.CANONICAL_JSON_OPTIONS))
    return counts
