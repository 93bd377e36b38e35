"""Generate Python code from `proto/agora/v1/*.proto` (the `make proto` target).

The generated tree (`agora/v1/`) is committed so the services import it without a
build step; `tests/test_contracts.py` regenerates it into a temporary folder and fails
when the committed code and the protos drift.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
PACKAGE_DIRS = ("agora", "agora/v1")
INIT_TEXT = '"""Generated from proto/ by `make proto`; do not edit."""\n'


def proto_files() -> list[Path]:
    return sorted((PROTO_ROOT / "agora" / "v1").glob("*.proto"))


def generate(out_dir: Path) -> None:
    """Write the Python modules, gRPC stubs and type stubs for every proto into out_dir."""
    well_known = str(resources.files("grpc_tools") / "_proto")
    # protoc finds the mypy plugins on PATH; they live beside this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    for package in PACKAGE_DIRS:
        (out_dir / package).mkdir(parents=True, exist_ok=True)
        (out_dir / package / "__init__.py").write_text(INIT_TEXT)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_out={out_dir}",
        f"--mypy_grpc_out={out_dir}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


def generated_files(base: Path) -> dict[str, bytes]:
    """Relative path → content of every generated file under base/agora."""
    return {
        str(p.relative_to(base)): p.read_bytes()
        for p in sorted((base / "agora").rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT, help="output root (default: repo)")
    generate(parser.parse_args().out)
    print(f"generated {len(proto_files())} protos", file=sys.stderr)


if __name__ == "__main__":
    main()
