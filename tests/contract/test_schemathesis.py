"""Schemathesis over every operation of the document, every check, as several callers.

`make test` runs a bounded session (fixed seed, a few cases per operation): the coverage
phase (boundary and invalid values of every parameter and field) as a caller holding
every role, so that requests get past authorisation into validation and the services,
and the fuzzing phase as an anonymous caller, an operator, a strategist and a
participant. `make fuzz` (marker `fuzz`) runs a longer session that adds the stateful
phase (sequences of operations linked through the ids they return). Each run has its own
world (world.py) and fails on any failure or error of any check; what is configured and
why is in schemathesis_run.py and hooks.py.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devstack.stack import Stack
from tests.contract import schemathesis_run, world

EVERY_ROLE = "operator,strategist,moderator,idea_catcher,synthesiser,knowledge_manager,expert"
CALLERS: dict[str, str | None] = {
    "anonymous": None,
    "operator": "dev-0000000000000000000000a1~operator",
    "strategist": "dev-0000000000000000000000a2~strategist",
    "participant": "dev-0000000000000000000000a3",
}
STAFF = f"dev-0000000000000000000000a4~{EVERY_ROLE}"


def _run(stack: Stack, work: Path, name: str, caller: str | None, *, phases: str,
         max_examples: int, max_time: int | None = None) -> schemathesis_run.Outcome:
    ids = world.build(stack.config.gateway_url)
    if caller is not None:
        ids["voter_id"] = caller.removeprefix("dev-").partition("~")[0]
    return schemathesis_run.run(stack.config.gateway_url, ids, work / name, caller=caller,
                                phases=phases, max_examples=max_examples,
                                max_time=max_time)


def _assert_clean(outcomes: dict[str, schemathesis_run.Outcome]) -> None:
    report = "\n\n".join(f"== {name} ({o.seconds:.0f} s, exit {o.returncode})\n{o.summary()}"
                         for name, o in outcomes.items())
    print(report)  # the numbers, also when green (pytest -s)
    failed = {name: o for name, o in outcomes.items() if o.returncode != 0}
    assert not failed, "\n\n".join(
        f"== {name}\n{o.output[-20000:]}" for name, o in failed.items())


@pytest.mark.timeout(600)
def test_schemathesis_finds_nothing(stack: Stack, tmp_path: Path) -> None:
    """Two lanes in parallel (the machine has two cores): coverage as staff; fuzzing as
    each caller in turn."""

    def fuzz_every_caller() -> dict[str, schemathesis_run.Outcome]:
        return {name: _run(stack, tmp_path, name, caller, phases="examples,fuzzing",
                           max_examples=2) for name, caller in CALLERS.items()}

    with ThreadPoolExecutor(max_workers=2) as lanes:
        coverage = lanes.submit(_run, stack, tmp_path, "staff", STAFF, phases="coverage",
                                max_examples=1)
        fuzzing = lanes.submit(fuzz_every_caller)
        outcomes = {"staff (coverage)": coverage.result(), **fuzzing.result()}
    _assert_clean(outcomes)


@pytest.mark.fuzz
@pytest.mark.timeout(3600)
def test_long_stateful_session_finds_nothing(stack: Stack, tmp_path: Path) -> None:
    """`make fuzz`: every phase, stateful included, for every caller (FUZZ_SECONDS each)."""
    seconds = int(os.environ.get("FUZZ_SECONDS", "120"))
    callers = {**CALLERS, "staff": STAFF}
    with ThreadPoolExecutor(max_workers=2) as lanes:
        futures = {name: lanes.submit(_run, stack, tmp_path, name, caller,
                                      phases="examples,coverage,fuzzing,stateful",
                                      max_examples=50, max_time=seconds)
                   for name, caller in callers.items()}
        outcomes = {name: future.result() for name, future in futures.items()}
    _assert_clean(outcomes)
