"""Fixtures of the translation tests: the provider's local server, and a database of
their own (dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from agora_kit.mongo import Database
from tests.translation.fake_provider import FakeProvider


@pytest.fixture
async def fake() -> AsyncIterator[FakeProvider]:
    """One local server speaking LibreTranslate's, DeepL's and the chat API's protocols."""
    server = FakeProvider()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def db(mongo: AsyncMongoClient[dict[str, object]]) -> AsyncIterator[Database]:
    name = f"translation_{uuid.uuid4().hex[:8]}"
    yield mongo[name]
    await mongo.drop_database(name)
