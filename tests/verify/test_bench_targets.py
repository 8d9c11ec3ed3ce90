"""The Sudoku benchmark's verdict on issue 2's targets (``benchmarks/bench_sudoku.py``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # (the script imports its sibling _timing)
    try:
        spec = importlib.util.spec_from_file_location("bench_sudoku_under_test", BENCH / "bench_sudoku.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.path.remove(str(BENCH))


def _result(**kw):
    r = {"agreement": {"clues_changed": 1.0, "overall": 1.0}, "abstain_rate": 0.0, "false_passes": 0,
         "digit_accuracy": 1.0, "ratio": 1.2}
    r.update(kw)
    return r


def test_a_mix_that_meets_every_target_misses_none(bench):
    assert bench.misses("clean", _result()) == []
    assert bench.misses("degraded", _result(agreement={"overall": 0.98}, digit_accuracy=0.99, ratio=1.5)) == []


@pytest.mark.parametrize(("name", "kw", "missed"), [
    ("clean", {"agreement": {"overall": 0.994}}, "clean: overall agreement 99.40%"),
    ("degraded", {"agreement": {"clues_changed": 0.979}}, "degraded: clues_changed agreement 97.90%"),
    ("clean", {"abstain_rate": 0.021}, "clean: abstentions 2.1%"),
    ("degraded", {"false_passes": 1}, "degraded: 1 false pass(es)"),
    ("clean", {"digit_accuracy": 0.9989}, "clean: digit reading 99.890%"),
    ("degraded", {"ratio": 1.501}, "degraded: time 1.501x decode-only"),
])
def test_each_missed_target_is_named(bench, name, kw, missed):
    assert bench.misses(name, _result(**kw)) == [missed]


def test_timing_order_alternates(bench):
    assert bench.steps(3) == ["floor", "verify", "verify", "floor", "floor", "verify"]
