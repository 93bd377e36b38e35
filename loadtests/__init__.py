"""Benchmarks and load scenarios (run by hand, not by `make test`)."""
