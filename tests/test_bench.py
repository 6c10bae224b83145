"""The benchmark harness's own small pieces (the benchmark itself is `make bench`, not a test)."""

from __future__ import annotations

from benchmarks.bench import DBT_STAGES, parse_size


def test_sizes():
    assert parse_size("1m") == 1_000_000
    assert parse_size("10M") == 10_000_000
    assert parse_size("50k") == 50_000
    assert parse_size("2500000") == 2_500_000


def test_stages_are_the_issue_layers():
    assert list(DBT_STAGES) == ["staging + core", "rule views", "clues + reports"]
    assert all(args[0] == "--select" and len(args) > 1 for args in DBT_STAGES.values())
