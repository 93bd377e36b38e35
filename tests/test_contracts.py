"""The committed generated code is exactly what `make proto` produces from proto/."""

from __future__ import annotations

from pathlib import Path

from devstack import protogen


def test_generated_code_matches_protos(tmp_path: Path) -> None:
    protogen.generate(tmp_path)
    fresh = protogen.generated_files(tmp_path)
    committed = protogen.generated_files(protogen.ROOT)
    assert set(fresh) == set(committed), "files differ: run `make proto` and commit"
    drifted = [name for name in fresh if fresh[name] != committed[name]]
    assert not drifted, f"generated code drifted from protos: {drifted}; run `make proto`"
