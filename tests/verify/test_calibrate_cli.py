"""``mmgr-verify calibrate`` in-process: files in, report out; the simulated-judge end-to-end test."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmgr.verify.calibration import IsotonicMap
from mmgr.verify.cli import main
from mmgr.verify.types import Status, Verdict, dumps

EXAMPLE = Path(__file__).resolve().parents[2] / "verify" / "examples" / "calibration"


def _strict_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"),
                      parse_constant=lambda s: pytest.fail(f"non-finite {s} in {path.name}"))


def _row(sid: str, task: str, metrics: dict[str, Any], *, model: str = "m", strata: dict[str, str] | None = None,
         status: str | None = None, evidence_files: list[str] | None = None) -> dict[str, Any]:
    if status is None:
        status = "pass" if metrics.get("overall") == 1 else "fail"
    v = Verdict(task, 1, f"media/{sid}.mp4", {"kind": "video"}, Status(status), status,
                metrics if status != "unscorable" else {}, (), {}, {}, {"mmgr-verify": "0.1.0"})
    d = v.to_dict()
    d.update(id=sid, model=model, strata=strata or {})
    if evidence_files is not None:
        d["evidence_files"] = evidence_files
    return d


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _calibrate(tmp: Path, verdicts: str, judge: str, *extra: str) -> tuple[int, Path]:
    out = tmp / "report"
    rc = main(["calibrate", "--verdicts", verdicts, "--judge", judge, "--out", str(out), *extra])
    return rc, out


def _entry(doc: dict[str, Any], task: str, metric: str, stratum: str = "all") -> dict[str, Any]:
    return next(e for e in doc["entries"] if (e["task"], e["metric"], e["stratum"]) == (task, metric, stratum))


# ---------------------------------------------------------------- the end-to-end test of the issue


# video kinds of the maze renderer: half cross a wall (clip, step between frames, teleport, duplicate)
_MAZE_KINDS = ("correct", "clip1", "backtrack", "between", "short", "teleport", "goal_moved", "duplicate",
               "correct", "clip1", "overshoot", "between")


def _maze_verdicts(tmp: Path, n: int) -> list[tuple[dict[str, Any], dict[str, int | None]]]:
    """(verdict row, truth) of ``n`` synthetic maze clips run through the real pipeline."""
    from mmgr.verify.api import verify_media
    from mmgr.verify.evidence import write_evidence
    from mmgr.verify.synth.maze_cases import build_case, write_case

    out = []
    for k in range(n):
        case = build_case(_MAZE_KINDS[k % len(_MAZE_KINDS)], ("block", "tile")[k % 2], seed=k, size=4)
        path = write_case(case, tmp / f"maze-{k:02d}.mkv", codec="lossless")
        verdict, state = verify_media(path, "maze", spec=case.spec, keep_state=True)
        row = verdict.to_dict()
        row.update(id=f"maze-{k:02d}", model=["veo", "sora"][(k // 2) % 2], strata={"difficulty": "easy"})
        if k < 6:
            row["evidence_files"] = [str(f) for f in write_evidence(verdict, state, tmp / "evidence")]
        out.append((row, case.truth))
    bad = tmp / "maze-unreadable.mp4"
    bad.write_text("not a video", encoding="utf-8")
    row = verify_media(bad, "maze", spec=case.spec).to_dict()
    row.update(id="maze-unreadable", model="veo", strata={"difficulty": "easy"})
    out.append((row, {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1}))
    return out


_SUDOKU_SCENARIOS = ("correct", "wrong_digit", "correct", "partial", "correct", "clue_overwritten", "correct",
                     "partial")


def _sudoku_verdicts(tmp: Path, n: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(verdict row, truth) of ``n`` synthetic Sudoku image outputs (4x4 and 9x9) run through the real pipeline."""
    from mmgr.solvers.sudoku import make_puzzle, puzzle_to_string
    from mmgr.verify.api import verify_media
    from mmgr.verify.synth.sudoku import render_case

    rng = np.random.default_rng(7)
    out = []
    for k in range(n):
        size = (4, 9)[k % 2]
        puzzle, solution = make_puzzle(size, "easy", rng)
        path, truth = render_case(tmp / f"sudoku-{k:02d}", puzzle, solution,
                                  _SUDOKU_SCENARIOS[k % len(_SUDOKU_SCENARIOS)], seed=k, media="png")
        spec = {"task": "sudoku", "size": size, "puzzle": puzzle_to_string(puzzle)}
        row = verify_media(path, "sudoku", spec=spec).to_dict()
        row.update(id=f"sudoku-{k:02d}", model=["veo", "sora"][(k // 2) % 2], strata={"size": f"{size}x{size}"})
        out.append((row, truth.metrics))
    return out


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """Verdicts of synthetic maze and Sudoku outputs and a judge with MMGR's two biases.

    All verdicts come from the real pipeline: 32 short lossless maze clips rendered by
    ``mmgr.verify.synth.maze_cases`` (half of them cross a wall), one unreadable file, and 26
    Sudoku image outputs rendered by ``mmgr.verify.synth.sudoku``. The judge sees the renderers'
    truth and misses each wall crossing with probability 0.75, and flags each valid Sudoku grid
    as violating with probability 0.4; everything else it reports correctly.
    """
    tmp = tmp_path_factory.mktemp("calib_e2e")
    rng = np.random.default_rng(2026)
    verdicts, judge = [], []
    for row, m in _maze_verdicts(tmp, 32):
        verdicts.append(row)
        j = {"id": row["id"], "Maze Changed": m["maze_changed"], "Target Achievement": m["target_achievement"],
             "Cross Wall": m["cross_wall"] if not m["cross_wall"] else int(rng.random() >= 0.75)}
        j["Overall"] = int(not j["Maze Changed"] and not j["Cross Wall"] and j["Target Achievement"])
        judge.append(j)
    for row, t in _sudoku_verdicts(tmp, 26):
        verdicts.append(row)
        flagged = t["constraints_violation"] == 0 and rng.random() < 0.4
        cv = t["constraints_violation"] if not flagged else 2 / 27
        judge.append({"id": row["id"], "Clues Changed": t["clues_changed"], "Constraints Violation": cv,
                      "Completion Accuracy": t["completion_accuracy"],
                      "Overall": int(not t["clues_changed"] and cv == 0 and t["completion_accuracy"] == 1)})
    rc, out = _calibrate(tmp, _write_jsonl(tmp / "verdicts.jsonl", verdicts), _write_jsonl(tmp / "judge.jsonl", judge),
                         "--by", "model", "--no-plots")
    assert rc == 0
    return _strict_json(out / "calibration.json"), out


def test_e2e_recovers_judge_sensitivity_for_wall_crossings(simulated: tuple[dict[str, Any], Path]) -> None:
    doc, _ = simulated
    e = _entry(doc, "maze", "cross_wall")
    lo, hi = e["sensitivity_ci"]
    assert lo <= 0.25 <= hi, e["sensitivity"]
    assert hi < 0.75  # and the interval rules out a judge that catches most crossings
    assert e["specificity"] == 1.0 and e["judge_rate"] < e["verifier_rate"]
    assert e["n_unscorable"] == 1 and e["n"] == 32  # the abstention is counted apart, never paired
    assert e["verifier_rate"] == 0.5  # the pipeline found exactly the 16 crossing clips


def test_e2e_recovers_false_positive_rate_for_sudoku_constraints(simulated: tuple[dict[str, Any], Path]) -> None:
    doc, _ = simulated
    e = _entry(doc, "sudoku", "constraints_violation")
    lo, hi = e["false_positive_rate_ci"]
    assert lo <= 0.4 <= hi, e["false_positive_rate"]
    assert lo > 0.15
    assert e["sensitivity"] == 1.0 and e["judge_rate"] > e["verifier_rate"]


def test_e2e_ablation_names_the_sub_metric_behind_the_gap(simulated: tuple[dict[str, Any], Path]) -> None:
    doc, _ = simulated
    by = {(a["task"], a["model"]): a for a in doc["ablation"]}
    maze, sudoku = by[("maze", "all")], by[("sudoku", "all")]
    assert maze["gap"] > 0 and maze["explains_most"] == "cross_wall"  # the judge overestimates maze success
    assert maze["swap"]["cross_wall"] == pytest.approx(maze["verifier_strict_rate"])
    assert sudoku["gap"] < 0 and sudoku["explains_most"] == "constraints_violation"
    assert {("maze", "veo"), ("maze", "sora"), ("sudoku", "veo"), ("sudoku", "sora")} <= set(by)
    assert _entry(doc, "maze", "cross_wall", "model=veo")["n"] == 16


def test_e2e_report_lists_abstentions_and_disagreements(simulated: tuple[dict[str, Any], Path]) -> None:
    doc, out = simulated
    audit = {a["id"]: a for a in doc["audit"]}
    assert audit["maze-unreadable"]["why"] == "verifier abstained"
    missed = [a for a in doc["audit"] if any(d["metric"] == "cross_wall" for d in a["disagree"])]
    assert len(missed) == _entry(doc, "maze", "cross_wall")["confusion"]["fn"]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "maze-unreadable" in md and "explains most" in md
    linked = [a for a in doc["audit"] if a["evidence_links"]]
    assert linked and all((out / f).is_file() for a in linked for f in a["evidence_links"])
    assert f"]({linked[0]['evidence_links'][0]})" in md
    assert "<table>" in (out / "report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the bundled example and CLI behaviours


def test_bundled_example_writes_the_full_report(tmp_path: Path) -> None:
    rc, out = _calibrate(tmp_path, str(EXAMPLE / "verdicts.jsonl"), str(EXAMPLE / "judge.jsonl"),
                         "--by", "model,difficulty", "--bootstrap", "200")
    assert rc == 0
    doc = _strict_json(out / "calibration.json")
    for key in ("task", "metric", "stratum", "n", "judge_rate", "verifier_rate", "kappa", "agreement",
                "sensitivity", "specificity", "corrected_rate", "kappa_ci", "rate_diff", "rate_diff_ci",
                "corrected_rate_ci", "confusion", "notes"):
        assert all(key in e for e in doc["entries"]), key
    assert doc["unmatched"] == {"verdicts_only": ["sudoku-blank"], "judge_only": ["maze-999"], "human_missing": None}
    assert doc["counts"]["verifier_unscorable"] == 2
    strata = {e["stratum"] for e in doc["entries"]}
    assert {"all", "model=model-a", "difficulty=medium", "model=model-b,difficulty=easy"} <= strata
    assert {r["metric"] for r in doc["reliability"]} == {"overall"}  # the only graded judge column
    for name in ("rates_maze.png", "confusion_sudoku.png", "reliability_maze.png", "ablation_maze.png",
                 "report.md", "report.html", "isotonic_map.json"):
        assert (out / name).stat().st_size > 0, name
    assert "![maze rates](rates_maze.png)" in (out / "report.md").read_text(encoding="utf-8")


def test_same_inputs_give_byte_identical_json(tmp_path: Path) -> None:
    v, j = str(EXAMPLE / "verdicts.jsonl"), str(EXAMPLE / "judge.jsonl")
    texts = []
    for k, seed in enumerate(("0", "0", "1")):
        out = tmp_path / f"r{k}"
        assert main(["calibrate", "--verdicts", v, "--judge", j, "--out", str(out), "--no-plots",
                     "--bootstrap", "300", "--seed", seed]) == 0
        texts.append((out / "calibration.json").read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]  # the seed reaches the bootstrap


def test_csv_judge_in_paper_spelling_with_key_map(tmp_path: Path) -> None:
    verdicts = [_row(f"s{k}", "maze", {"maze_changed": 0, "cross_wall": k % 2, "target_achievement": 1,
                                        "overall": 1 - k % 2}) for k in range(6)]
    with (tmp_path / "judge.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Sample", "Maze Changed", "Cross Wall", "Target Achievement", "Overall", "Justification"])
        for k in range(6):
            w.writerow([f"s{k}", "0", "no" if k < 4 else "yes", "1", "", f"looks fine {k}"])
    (tmp_path / "keys.json").write_text(json.dumps({"Sample": "id"}), encoding="utf-8")
    rc, out = _calibrate(tmp_path, _write_jsonl(tmp_path / "v.jsonl", verdicts), str(tmp_path / "judge.csv"),
                         "--map", str(tmp_path / "keys.json"), "--bootstrap", "50", "--no-plots")
    assert rc == 0
    doc = _strict_json(out / "calibration.json")
    e = _entry(doc, "maze", "cross_wall")
    assert e["confusion"] == {"tp": 1, "fp": 1, "fn": 2, "tn": 2}
    assert not any(x["metric"] == "overall" for x in doc["entries"])  # judge left Overall empty
    assert doc["metric_coverage"]["maze"]["verifier_only"] == ["overall"]
    assert {a["judge_text"] for a in doc["audit"]} == {"looks fine 1", "looks fine 3", "looks fine 4"}


def test_human_labels_give_three_pairwise_agreements(tmp_path: Path) -> None:
    truth = [k % 3 == 0 for k in range(12)]
    verdicts = [_row(f"s{k}", "maze", {"cross_wall": int(t)}) for k, t in enumerate(truth)]
    judge = [{"id": f"s{k}", "cross_wall": 0} for k in range(12)]
    human = [{"id": f"s{k}", "Cross Wall": int(t) if k != 0 else 0} for k, t in enumerate(truth)]
    rc, out = _calibrate(tmp_path, _write_jsonl(tmp_path / "v.jsonl", verdicts),
                         _write_jsonl(tmp_path / "j.jsonl", judge), "--human",
                         _write_jsonl(tmp_path / "h.jsonl", human[:-1]), "--bootstrap", "100", "--no-plots")
    assert rc == 0
    doc = _strict_json(out / "calibration.json")
    h = _entry(doc, "maze", "cross_wall")["human"]
    assert h["n"] == 11
    assert h["verifier_human"]["agreement"] == pytest.approx(10 / 11)
    assert h["judge_human"]["agreement"] == pytest.approx(8 / 11)
    assert h["judge_verifier"]["agreement"] == pytest.approx(7 / 11)
    assert h["judge_verifier"]["kappa"] == 0.0  # the judge is constant
    assert doc["unmatched"]["human_missing"] == ["s11"]


def test_graded_scores_map_saved_and_applied(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    grades = rng.integers(1, 6, 60)
    verdicts = [_row(f"s{k}", "arc", {"valid_solution": int(rng.random() < (g - 1) / 6), "overall": 0})
                for k, g in enumerate(grades)]
    judge = [{"id": f"s{k}", "Valid Solution": int(g)} for k, g in enumerate(grades)]
    rc, out = _calibrate(tmp_path, _write_jsonl(tmp_path / "v.jsonl", verdicts),
                         _write_jsonl(tmp_path / "j.jsonl", judge), "--bootstrap", "0", "--no-plots")
    assert rc == 0
    doc = _strict_json(out / "calibration.json")
    (rel,) = doc["reliability"]
    assert rel["metric"] == "valid_solution" and rel["scale"] == "1-5" and rel["ece"] > 0
    new = _write_jsonl(tmp_path / "new.jsonl", [{"id": f"n{g}", "Valid Solution": g} for g in (5, 1, 3, None)])
    assert main(["calibrate", "apply", "--map", str(out / "isotonic_map.json"), new,
                 "--out", str(tmp_path / "cal.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "cal.jsonl").read_text(encoding="utf-8").splitlines()]
    fit = IsotonicMap.from_dict(rel["map"])
    got = [r["calibrated"]["valid_solution"] for r in rows]
    assert got[:3] == [pytest.approx(float(fit.predict([u])[0]), abs=1e-6) for u in (1.0, 0.0, 0.5)]
    assert got[1] <= got[2] <= got[0] and got[3] is None
    assert [r["id"] for r in rows] == ["n5", "n1", "n3", "nNone"]


def test_evidence_images_are_linked_from_the_audit_list(tmp_path: Path) -> None:
    ev = tmp_path / "ev" / "s1_cross_wall_f00012.png"
    ev.parent.mkdir()
    ev.write_bytes(b"\x89PNG\r\n\x1a\n")
    verdicts = [_row("s1", "maze", {"cross_wall": 1}, evidence_files=[str(ev)]), _row("s2", "maze", {"cross_wall": 0})]
    judge = [{"id": "s1", "cross_wall": 0}, {"id": "s2", "cross_wall": 0}]
    rc, out = _calibrate(tmp_path, _write_jsonl(tmp_path / "v.jsonl", verdicts),
                         _write_jsonl(tmp_path / "j.jsonl", judge), "--no-plots", "--bootstrap", "20")
    assert rc == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "[s1_cross_wall_f00012.png](../ev/s1_cross_wall_f00012.png)" in md
    assert 'href="../ev/s1_cross_wall_f00012.png"' in (out / "report.html").read_text(encoding="utf-8")


def test_one_row_and_constant_strata_stay_defined(tmp_path: Path) -> None:
    verdicts = [_row("a", "sudoku", {"constraints_violation": 0.0}, model="solo"),
                _row("b", "sudoku", {"constraints_violation": 0.0}, model="pair"),
                _row("c", "sudoku", {"constraints_violation": 0.0}, model="pair")]
    judge = [{"id": i, "Constraints Violation": 0} for i in "abc"]
    rc, out = _calibrate(tmp_path, _write_jsonl(tmp_path / "v.jsonl", verdicts),
                         _write_jsonl(tmp_path / "j.jsonl", judge), "--by", "model", "--no-plots")
    assert rc == 0
    doc = _strict_json(out / "calibration.json")
    solo = _entry(doc, "sudoku", "constraints_violation", "model=solo")
    assert solo["n"] == 1 and solo["kappa"] is None and solo["kappa_ci"] is None and "n < 2" in solo["notes"]
    pair = _entry(doc, "sudoku", "constraints_violation", "model=pair")
    assert pair["sensitivity"] is None and "kappa undefined" in pair["notes"] and pair["agreement"] == 1.0


@pytest.mark.parametrize(("case", "needle"), [
    ("no_judge", "--verdicts and --judge"), ("dup", "duplicate ids"), ("bad_value", "expected a number"),
    ("out_of_scale", "expected judge values"), ("no_id", "no 'id'"), ("bad_map", "not an isotonic map"),
])
def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, needle: str) -> None:
    v = _write_jsonl(tmp_path / "v.jsonl", [_row("a", "maze", {"cross_wall": 1})])
    judges = {"dup": [{"id": "a", "cross_wall": 1}, {"id": "a", "cross_wall": 0}],
              "bad_value": [{"id": "a", "cross_wall": "maybe"}], "out_of_scale": [{"id": "a", "cross_wall": 9}],
              "no_id": [{"Cross Wall": 1}]}
    j = _write_jsonl(tmp_path / "j.jsonl", judges.get(case, [{"id": "a", "cross_wall": 1}]))
    if case == "no_judge":
        argv = ["calibrate", "--verdicts", v]
    elif case == "bad_map":
        argv = ["calibrate", "apply", "--map", v, j]
    else:
        argv = ["calibrate", "--verdicts", v, "--judge", j, "--out", str(tmp_path / "r"), "--no-plots"]
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_verdict_list_document_is_accepted(tmp_path: Path) -> None:
    rows = [_row("a", "maze", {"cross_wall": 1}), _row("b", "maze", {"cross_wall": 0})]
    (tmp_path / "v.json").write_text(dumps({"schema": "mmgr-verify/verdict-list@1", "verdicts": rows}),
                                     encoding="utf-8")
    j = _write_jsonl(tmp_path / "j.jsonl", [{"id": "a", "cross_wall": 1}, {"id": "b", "cross_wall": 1}])
    rc, out = _calibrate(tmp_path, str(tmp_path / "v.json"), j, "--no-plots", "--bootstrap", "10")
    assert rc == 0
    assert _entry(_strict_json(out / "calibration.json"), "maze", "cross_wall")["confusion"]["fp"] == 1
