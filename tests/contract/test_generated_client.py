"""The README's front-end recipe, run: generate a typed Python client from the document
(openapi-python-client) and call the running gateway with it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from devstack.stack import Stack

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CONFIG = "package_name_override: agora_client\npost_hooks: []\n"


@pytest.fixture
def agora_client(stack: Stack, tmp_path: Path) -> Iterator[ModuleType]:
    document = tmp_path / "openapi.json"
    document.write_bytes(httpx.get(f"{stack.config.gateway_url}/openapi.json").content)
    (tmp_path / "client.yaml").write_text(CONFIG)
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--meta", "none",
         "--output-path", str(tmp_path / "agora_client"), "--config",
         str(tmp_path / "client.yaml")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("agora_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.split(".")[0] == "agora_client"]:
            del sys.modules[name]


def test_a_generated_client_creates_and_reads_a_consultation(
    stack: Stack, agora_client: ModuleType,
) -> None:
    base_url = stack.config.gateway_url
    models: Any = importlib.import_module("agora_client.models")
    create: Any = importlib.import_module("agora_client.api.consultations.consultations_create")
    read: Any = importlib.import_module("agora_client.api.consultations.consultations_get")
    operator = agora_client.AuthenticatedClient(base_url=base_url,
                                                token="dev-client-op~operator")
    created = create.sync(client=operator, body=models.ConsultationCreate(
        title="Generated client", languages=["en"],
        themes=[models.ThemeCreate(title="Everything")]))
    assert isinstance(created, models.ConsultationPublic), created
    anonymous = agora_client.Client(base_url=base_url)
    found = read.sync(client=anonymous, consultation_id=created.id)
    assert isinstance(found, models.ConsultationPublic)
    assert (found.title, [t.title for t in found.themes]) == ("Generated client", ["Everything"])
    missing = read.sync(client=anonymous, consultation_id="0" * 24)
    assert isinstance(missing, models.Problem)
    assert (missing.status, missing.type_) == (404, "urn:agora:problem:not-found")
