"""``summarize``: rates, n and 95% intervals per group, checked by hand on a small fixture."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from mmgr.errors import UsageError
from mmgr.verify.cli import main
from mmgr.verify.summarize import load_results, summarize, t_interval, wilson


def _row(rid: str, model: str, status: str, metrics: dict[str, Any], **strata: Any) -> dict[str, Any]:
    return {"id": rid, "model": model, "task": "sudoku", "status": status, "metrics": metrics, "strata": strata}


# Model A: overall 1,1,0,1 (3/4); completion 0.5, 1.0, 0.75 and one None; one unscorable row.
# Model B: overall 0,0; completion 0.25, 0.25; two unscorable rows.
ROWS = [
    _row("a1", "A", "pass", {"overall": 1, "completion_accuracy": 0.5}, difficulty="easy", size=9),
    _row("a2", "A", "pass", {"overall": 1, "completion_accuracy": 1.0}, difficulty="easy", size=16),
    _row("a3", "A", "fail", {"overall": 0, "completion_accuracy": 0.75}, difficulty="hard", size=4),
    _row("a4", "A", "pass", {"overall": 1, "completion_accuracy": None}, difficulty="hard", size=4),
    _row("a5", "A", "unscorable", {}, difficulty="hard", size=4),
    _row("b1", "B", "fail", {"overall": 0, "completion_accuracy": 0.25}, difficulty="easy", size=9),
    _row("b2", "B", "fail", {"overall": 0, "completion_accuracy": 0.25}, difficulty="hard", size=9),
    _row("b3", "B", "unscorable", {}, difficulty="easy", size=9),
    _row("b4", "B", "unscorable", {}, difficulty="easy", size=9),
]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    p = tmp_path / "results.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return p


def test_wilson_by_hand() -> None:
    # k=3, n=4, z=1.96: centre = (0.75 + z²/8) / (1 + z²/4) = 0.6275, half = z/(1+z²/4)·√(0.75·0.25/4 + z²/64) = 0.3269
    lo, hi = wilson(3, 4)
    assert lo == pytest.approx(0.3006, abs=1e-4) and hi == pytest.approx(0.9544, abs=1e-4)
    # k=0, n=2: centre = half = (z²/4) / (1 + z²/2) = 0.3288
    assert wilson(0, 2) == pytest.approx((0.0, 0.6576), abs=1e-4)
    with pytest.raises(ValueError, match="expected 0 <= k <= n"):
        wilson(3, 2)


def test_t_interval_matches_scipy() -> None:
    vals = [0.5, 1.0, 0.75]
    mean, lo, hi = t_interval(vals)
    ref = stats.t.interval(0.95, df=2, loc=0.75, scale=stats.sem(vals))
    assert mean == 0.75 and lo == pytest.approx(ref[0], rel=1e-12) and hi == 1.0  # upper end clipped to 1
    assert ref[1] > 1.0
    assert t_interval([0.4]) == (0.4, None, None)


def test_rates_per_model_by_hand(results: Path) -> None:
    docs, torn = load_results([results])
    s = summarize(docs, ("model",))
    assert torn == 0 and s.metrics == ("overall", "completion_accuracy")
    assert s.kinds == {"overall": "binary", "completion_accuracy": "mean"}
    a, b = s.groups
    assert (a.group, a.rows, a.scored, a.unscorable, a.passed) == (("A",), 5, 4, 1, 3)
    assert (b.group, b.rows, b.scored, b.unscorable, b.passed) == (("B",), 4, 2, 2, 0)
    ov = s.rate(("A",), "overall")
    assert ov is not None and (ov.n, ov.k, ov.rate) == (4, 3, 0.75)
    assert (ov.lo, ov.hi) == pytest.approx((0.3006, 0.9544), abs=1e-4)
    ca = s.rate(("A",), "completion_accuracy")
    assert ca is not None and ca.n == 3 and ca.rate == pytest.approx(0.75) and ca.interval == "t"  # None left out
    cb = s.rate(("B",), "completion_accuracy")
    assert cb is not None and (cb.n, cb.rate, cb.lo, cb.hi) == (2, 0.25, 0.25, 0.25)  # no spread
    ob = s.rate(("B",), "overall")
    assert ob is not None and (ob.n, ob.k, ob.rate) == (2, 0, 0.0) and ob.hi == pytest.approx(0.6576, abs=1e-4)
    ub = s.rate(("B",), "unscorable")
    assert ub is not None and (ub.n, ub.k, ub.rate) == (4, 2, 0.5)


def test_strata_keys_group_and_sort_naturally(results: Path) -> None:
    docs, _ = load_results([results])
    s = summarize(docs, ("model", "size"))
    assert [g.group for g in s.groups] == [("A", "4"), ("A", "9"), ("A", "16"), ("B", "9")]
    assert [g.rows for g in s.groups] == [3, 1, 1, 4]
    s2 = summarize(docs, ("difficulty", "nonexistent"))
    assert [g.group for g in s2.groups] == [("easy", "-"), ("hard", "-")]
    assert sum(g.unscorable for g in s2.groups) == 3  # unscorable rows are kept in their groups


def test_cli_writes_csv_markdown_png(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with results.open("a") as fh:
        fh.write('{"id": "torn", "status": "pa')  # an interrupted run's last line
    out = tmp_path / "summary"
    assert main(["summarize", str(results), "--by", "model,difficulty", "--out", str(out)]) == 0
    cap = capsys.readouterr()
    assert "torn" in cap.err and "A" in cap.out and "unscorable" in cap.out
    with (out / "summary.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    hard_a = {r["metric"]: r for r in rows if r["model"] == "A" and r["difficulty"] == "hard"}
    assert set(hard_a) == {"overall", "completion_accuracy", "unscorable"}
    assert (hard_a["overall"]["n"], hard_a["overall"]["k"], hard_a["overall"]["rate"]) == ("2", "1", "0.500000")
    assert hard_a["unscorable"]["k"] == "1" and hard_a["overall"]["unscorable"] == "1"
    lo, hi = wilson(1, 2)
    assert float(hard_a["overall"]["ci_low"]) == pytest.approx(lo, abs=1e-6) and not math.isnan(hi)
    md = (out / "summary.md").read_text()
    assert md.count("\n| ") == 4 and "Wilson" in md and "Student t" in md  # one line per group: A/B x easy/hard
    assert (out / "rates.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_not_a_results_file(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": 1}\n')
    with pytest.raises(UsageError, match="line 1 is not a result line"):
        load_results([p])


def test_agreement_with_truth_by_hand(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # truth: a1 pass (agree), a2 fail (verifier pass: a false pass), a3 pass (verifier fail: a false fail),
    # a4 pass (agree), a5 pass (abstained), b1 fail (agree), b2..b4 absent except b3 (abstained); "zz" has no result.
    expected = {"a1": "pass", "a2": "fail", "a3": "pass", "a4": "pass", "a5": "pass", "b1": "fail", "b3": "fail",
                "zz": "fail"}
    truth_metrics = {"a1": {"overall": 1, "completion_accuracy": 0.5}, "a2": {"overall": 0},
                     "a3": {"overall": 1, "completion_accuracy": 1.0}}
    tp = tmp_path / "truth.jsonl"
    tp.write_text("".join(json.dumps({"id": k, "expected_status": v, "metrics": truth_metrics.get(k, {})}) + "\n"
                          for k, v in expected.items()))
    docs, _ = load_results([results])
    truths, _ = load_results([tp], key="expected_status")
    from mmgr.verify.summarize import agreement
    rows, missing = agreement(docs, truths, ("model",))
    a, b = rows
    assert missing == 1
    assert (a.n, a.unscorable, a.agree, a.false_pass, a.false_fail) == (5, 1, 2, 1, 1)
    assert (b.n, b.unscorable, b.agree, b.false_pass, b.false_fail) == (2, 1, 1, 0, 0)
    assert a.metric_agree == {"completion_accuracy": (1, 2), "overall": (1, 3)}  # a1 agrees; a2, a3 do not
    assert main(["summarize", str(results), "--by", "model", "--truth", str(tp)]) == 0
    assert "false_pass" in capsys.readouterr().out


def test_each_task_gets_its_own_metrics() -> None:
    docs = [{**r, "task": "sudoku"} for r in ROWS[:3]] + [
        {"id": "m1", "model": "A", "task": "maze", "status": "fail", "metrics": {"overall": 0, "cross_wall": 1}},
        {"id": "m2", "model": "A", "task": "maze", "status": "unscorable", "metrics": {}},
    ]
    from mmgr.verify.summarize import markdown, plain_table

    s = summarize(docs, ("model", "task"))
    assert s.rate(("A", "maze"), "completion_accuracy") is None and s.rate(("A", "sudoku"), "cross_wall") is None
    cw = s.rate(("A", "maze"), "cross_wall")
    assert cw is not None and (cw.n, cw.k) == (1, 1)
    md = markdown(s)
    maze_part = md.split("### maze")[1].split("### sudoku")[0]
    assert "cross_wall" in maze_part and "completion_accuracy" not in maze_part
    assert "cross_wall" not in md.split("### sudoku")[1].split("Rates over")[0]
    assert plain_table(s).startswith("maze\n")
