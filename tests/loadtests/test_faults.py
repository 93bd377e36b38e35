"""The fault report's error rate counts the attempts inside a fault's window only."""

from __future__ import annotations

from loadtests.faults import Ledger, error_rate


def test_error_rate_counts_only_the_window() -> None:
    ledger = Ledger(attempts=[(1.0, True), (2.0, False), (2.5, True), (3.0, False),
                              (9.0, False)])
    assert error_rate(ledger, 2.0, 3.0) == (3, 2)
    assert error_rate(ledger, 4.0, 5.0) == (0, 0)
