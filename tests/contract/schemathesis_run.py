"""Run the Schemathesis CLI (`st run`) against a running gateway, every check enabled.

The configuration is written per run: path parameters from the run's world
(tests/contract/world.py) and the caller's token. What is set per operation, and why:

- `GET /v1/consultations/{id}/events` is a Server-Sent Events stream that stays open;
  Schemathesis reads it until `request-timeout`, so that operation's timeout is short.
- `POST /v1/vote-sessions/{id}/close` shuts the session's 2048 gates and counts before
  it answers; by contract it may take up to the gateway's close deadline (60 s) and then
  answers 202 `closing`. `--checks all` holds every operation to 10 s, which the close
  passed on a quiet machine and missed on a loaded one (over 10 s): its own limit is its
  documented deadline, and its request timeout beyond it.

One worker: with several, Hypothesis parses lambda sources from threads at once, which
CPython 3.11.7 can fail with "AST constructor recursion depth mismatch" (a CPython race,
fixed upstream); the runs of several callers go in parallel processes instead.

And for every operation:

- 413 counts as a refusal (negative data) and as a possible answer to schema-valid data
  (positive): the gateway refuses a body over MAX_BODY_BYTES before reading its fields,
  and JSON Schema has no keyword for a body's size in bytes (the document says it in
  the 413 of every operation with a body).
- 422 is accepted for schema-valid data by `positive_data_acceptance`, and judged
  instead by the stricter `semantic_refusals_are_documented` (hooks.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ST = Path(sys.executable).with_name("st")
SEED = 20260517
EVENTS = "/v1/consultations/{consultation_id}/events"
CLOSE = "/v1/vote-sessions/{session_id}/close"
CLOSE_DEADLINE = 60.0  # services/gateway: the close's RPC deadline
ROLE_PATH = "/v1/consultations/{consultation_id}/roles/{account_id}/{role}"
HOOKS = Path(__file__).with_name("hooks.py")
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "413", "422", "429", "5xx"]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428",
            "429", "5xx"]


@dataclass
class Outcome:
    returncode: int
    output: str
    seconds: float

    def summary(self) -> str:
        """The report's tail: failures by kind and the test-case counts."""
        lines = self.output.splitlines()
        start = next((i for i, line in enumerate(lines) if "SUMMARY" in line), len(lines) - 40)
        return "\n".join(lines[start:])


def _toml(value: object) -> str:
    return json.dumps(value)  # JSON strings, numbers and arrays are TOML too


def config(ids: dict[str, str], *, caller: str | None, workers: int) -> str:
    lines = [f"seed = {SEED}", f"workers = {workers}", "request-timeout = 20",
             f"hooks = {_toml(str(HOOKS))}",
             "[checks]", "enabled = true",
             "[checks.positive_data_acceptance]", f"expected-statuses = {_toml(POSITIVE)}",
             "[checks.negative_data_rejection]", f"expected-statuses = {_toml(NEGATIVE)}",
             "[parameters]"]
    lines += [f"{_toml('path.' + name)} = {_toml(value)}" for name, value in ids.items()]
    if caller is not None:
        lines += ["[headers]", f"Authorization = {_toml('Bearer ' + caller)}"]
    lines += ["[[operations]]", f"include-path = {_toml(EVENTS)}", "request-timeout = 1",
              "[[operations]]", f"include-path = {_toml(CLOSE)}",
              f"request-timeout = {CLOSE_DEADLINE + 5}",
              f"checks.max_response_time = {CLOSE_DEADLINE}",
              "[[operations]]", f"include-path = {_toml(ROLE_PATH)}",
              "[operations.parameters]", f"{_toml('path.account_id')} = {_toml('0' * 24)}"]
    return "\n".join(lines) + "\n"


def run(base_url: str, ids: dict[str, str], work: Path, *, caller: str | None,
        phases: str, max_examples: int, workers: int = 1,
        max_time: int | None = None) -> Outcome:
    """`st run` over every operation of the gateway's document; exit code and output."""
    work.mkdir(parents=True, exist_ok=True)
    config_file = work / "schemathesis.toml"
    config_file.write_text(config(ids, caller=caller, workers=workers))
    command = [str(ST), "--no-color", "--config-file", str(config_file), "run",
               f"{base_url}/openapi.json", "--checks", "all", "--phases", phases,
               "--max-examples", str(max_examples), "--generation-database", "none",
               "--report", "junit", "--report-dir", str(work / "report")]
    if max_time is not None:
        command += ["--max-time", str(max_time)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=work)
    return Outcome(done.returncode, done.stdout + done.stderr, time.monotonic() - started)
