"""Statistics of ``mmgr.verify.calibration`` against scikit-learn / scipy and hand computations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, recall_score

from mmgr.verify import calibration as cal
from mmgr.verify.types import dumps


def _pairs(seed: int, n: int, p_ref: float, flip: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ref = (rng.random(n) < p_ref).astype(int)
    judge = np.where(rng.random(n) < flip, 1 - ref, ref)
    return judge, ref


FIXED = [(0, 50, 0.3, 0.2), (1, 200, 0.7, 0.4), (2, 17, 0.5, 0.1), (3, 1000, 0.05, 0.3)]


@pytest.mark.parametrize(("seed", "n", "p_ref", "flip"), FIXED)
def test_confusion_and_rates_match_sklearn(seed: int, n: int, p_ref: float, flip: float) -> None:
    judge, ref = _pairs(seed, n, p_ref, flip)
    c = cal.Confusion.from_pairs(judge, ref)
    assert [[c.tn, c.fp], [c.fn, c.tp]] == confusion_matrix(ref, judge, labels=[0, 1]).tolist()
    e = cal.metric_entry("maze", "cross_wall", "all", c, c, b=0)
    assert e["agreement"] == pytest.approx(accuracy_score(ref, judge))
    assert e["kappa"] == pytest.approx(cohen_kappa_score(ref, judge))
    assert cal.cohen_kappa(c) == pytest.approx(cohen_kappa_score(judge, ref))
    assert e["sensitivity"] == pytest.approx(recall_score(ref, judge))
    assert e["specificity"] == pytest.approx(recall_score(ref, judge, pos_label=0))
    assert e["false_positive_rate"] == pytest.approx(1 - recall_score(ref, judge, pos_label=0))
    assert e["judge_rate"] == pytest.approx(judge.mean())
    assert e["verifier_rate"] == pytest.approx(ref.mean())
    assert e["rate_diff"] == pytest.approx(judge.mean() - ref.mean())
    # on the pooled stratum the Rogan-Gladen estimate is exactly the reference rate
    assert e["corrected_rate"] == pytest.approx(ref.mean())


def test_rogan_gladen_by_hand() -> None:
    # apparent 0.30, se 0.80, sp 0.90: (0.30 + 0.90 - 1) / (0.80 + 0.90 - 1) = 0.20 / 0.70
    assert cal.rogan_gladen(0.30, 0.80, 0.90) == pytest.approx(0.2 / 0.7)
    assert cal.rogan_gladen(0.05, 0.80, 0.90) == 0.0  # negative estimate clipped
    assert cal.rogan_gladen(0.99, 0.80, 0.90) == 1.0  # above one clipped
    assert cal.rogan_gladen(0.30, 0.40, 0.60) is None  # se + sp = 1: undefined
    arr = cal.rogan_gladen(np.array([0.3, 0.3]), np.array([0.8, 0.3]), np.array([0.9, 0.6]))
    assert arr[0] == pytest.approx(0.2 / 0.7) and math.isnan(arr[1])


def test_corrected_rate_of_a_stratum_uses_the_task_sensitivity_and_specificity() -> None:
    pooled = cal.Confusion(tp=40, fp=10, fn=10, tn=40)  # se 0.8, sp 0.8
    stratum = cal.Confusion(tp=5, fp=5, fn=0, tn=10)  # judge rate 0.5
    e = cal.metric_entry("sudoku", "constraints_violation", "size=4x4", stratum, pooled, b=200)
    assert e["corrected_rate"] == pytest.approx((0.5 + 0.8 - 1) / (0.8 + 0.8 - 1))
    lo, hi = e["corrected_rate_ci"]
    assert lo <= e["corrected_rate"] <= hi


def test_hand_computed_ece() -> None:
    scores = [0.05, 0.15, 0.18, 0.55, 0.62, 0.95, 0.97, 0.99]
    outcomes = [0, 0, 1, 1, 0, 1, 1, 0]
    # bins of width 0.25: [0.05, 0.15, 0.18] -> mean 0.12667, rate 1/3; [0.55, 0.62] -> 0.585, 0.5;
    # [0.95, 0.97, 0.99] -> 0.97, 2/3.  ECE = 3/8*|0.12667-0.33333| + 2/8*|0.585-0.5| + 3/8*|0.97-0.66667|
    want = 3 / 8 * abs(0.38 / 3 - 1 / 3) + 2 / 8 * abs(0.585 - 0.5) + 3 / 8 * abs(0.97 - 2 / 3)
    assert cal.expected_calibration_error(scores, outcomes, n_bins=4) == pytest.approx(want)
    assert cal.expected_calibration_error([], [], n_bins=4) is None


def test_reliability_curve_matches_sklearn() -> None:
    rng = np.random.default_rng(5)
    s = rng.random(300)
    y = (rng.random(300) < s**2).astype(int)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
    curve = cal.reliability_curve(s, y, n_bins=10)
    np.testing.assert_allclose([p["rate"] for p in curve], prob_true)
    np.testing.assert_allclose([p["mean_score"] for p in curve], prob_pred)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isotonic_fit_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = np.round(rng.random(120), 1)  # many ties
    y = (rng.random(120) < x).astype(float)
    w = rng.uniform(0.5, 2.0, 120)
    ours = cal.isotonic_fit(x, y, w)
    ref = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
    np.testing.assert_allclose(ours.predict(x), ref.predict(x), atol=1e-12)
    new = np.linspace(-0.2, 1.2, 57)
    np.testing.assert_allclose(ours.predict(new), ref.predict(new), atol=1e-12)
    assert cal.IsotonicMap.from_dict(json.loads(json.dumps(ours.to_dict()))) == ours


def test_isotonic_map_validates() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        cal.IsotonicMap((0.0, 0.0), (0.1, 0.2))
    with pytest.raises(ValueError, match="non-decreasing"):
        cal.IsotonicMap((0.0, 1.0), (0.5, 0.2))


def test_bootstrap_is_seeded_and_deterministic() -> None:
    c = cal.Confusion(tp=12, fp=7, fn=5, tn=30)
    a = cal.metric_entry("maze", "overall", "all", c, c, b=300, seed=0)
    b = cal.metric_entry("maze", "overall", "all", c, c, b=300, seed=0)
    other = cal.metric_entry("maze", "overall", "all", c, c, b=300, seed=1)
    assert dumps(a) == dumps(b)
    assert a["kappa_ci"] != other["kappa_ci"]
    lo, hi = a["kappa_ci"]
    assert lo < a["kappa"] < hi


def test_multinomial_bootstrap_agrees_with_index_resampling() -> None:
    judge, ref = _pairs(7, 400, 0.4, 0.25)
    c = cal.Confusion.from_pairs(judge, ref)
    e = cal.metric_entry("maze", "cross_wall", "all", c, c, b=2000, seed=3)
    rng = np.random.default_rng(11)
    idx = rng.integers(0, 400, (2000, 400))
    kappas = [cohen_kappa_score(ref[i], judge[i]) for i in idx[:400]]
    lo, hi = np.percentile(kappas, [2.5, 97.5])
    assert e["kappa_ci"][0] == pytest.approx(lo, abs=0.03)
    assert e["kappa_ci"][1] == pytest.approx(hi, abs=0.03)


def _no_nan(entry: dict) -> dict:
    text = dumps(entry)  # refuses NaN / inf
    return json.loads(text, parse_constant=lambda s: pytest.fail(f"non-finite {s} in JSON"))


def test_edge_empty_stratum() -> None:
    e = _no_nan(cal.metric_entry("maze", "cross_wall", "model=x", cal.Confusion(0, 0, 0, 0),
                                 cal.Confusion(3, 1, 1, 5), b=100))
    assert e["n"] == 0 and e["judge_rate"] is None and e["kappa"] is None and e["kappa_ci"] is None
    assert e["corrected_rate"] is None and "no scored pairs" in e["notes"]


def test_edge_one_row_stratum() -> None:
    e = _no_nan(cal.metric_entry("maze", "cross_wall", "model=x", cal.Confusion(1, 0, 0, 0),
                                 cal.Confusion(3, 1, 1, 5), b=100))
    assert e["n"] == 1 and e["judge_rate"] == 1.0 and e["sensitivity"] == 1.0 and e["specificity"] is None
    assert e["judge_rate_ci"] is None and "n < 2" in e["notes"]


def test_edge_kappa_undefined_when_both_sides_constant_alike() -> None:
    c = cal.Confusion(tp=0, fp=0, fn=0, tn=9)
    e = _no_nan(cal.metric_entry("sudoku", "clues_changed", "all", c, c, b=100))
    assert e["kappa"] is None and "kappa undefined" in e["notes"]
    assert e["agreement"] == 1.0 and e["sensitivity"] is None and "sensitivity undefined" in e["notes"]
    assert e["specificity"] == 1.0
    with pytest.warns(UserWarning):
        assert math.isnan(cohen_kappa_score([0] * 9, [0] * 9))  # sklearn's NaN becomes our None


def test_edge_both_constant_but_different_gives_kappa_zero() -> None:
    c = cal.Confusion.from_pairs([1] * 6, [0] * 6)
    e = _no_nan(cal.metric_entry("maze", "maze_changed", "all", c, c, b=100))
    assert e["kappa"] == pytest.approx(cohen_kappa_score([1] * 6, [0] * 6)) == 0.0
    assert e["corrected_rate"] is None and "Rogan-Gladen undefined" in e["notes"]


def test_edge_metric_constant_on_the_verifier_side() -> None:
    judge = [1, 0, 0, 1, 0, 0, 0, 0]
    c = cal.Confusion.from_pairs(judge, [0] * 8)
    e = _no_nan(cal.metric_entry("sudoku", "constraints_violation", "all", c, c, b=200))
    assert e["sensitivity"] is None and e["specificity"] == 0.75 and e["false_positive_rate"] == 0.25
    assert e["verifier_rate"] == 0.0 and e["rate_ratio"] is None
    assert e["kappa"] == pytest.approx(cohen_kappa_score([0] * 8, judge))


@pytest.mark.parametrize(("metric", "value", "want"), [
    ("constraints_violation", 0.0, 0), ("constraints_violation", 1 / 27, 1), ("completion_accuracy", 1.0, 1),
    ("completion_accuracy", 0.96, 0), ("cross_wall", 1, 1), ("cross_wall", 0, 0), ("overall", None, None),
    ("context_drift", 0.1, 1), ("cell_accuracy", 0.99, 0),
])
def test_binarise(metric: str, value: float | None, want: int | None) -> None:
    assert cal.binarise(metric, value) == want


def test_judge_scales() -> None:
    assert cal.judge_scale([0, 1, None]) == "binary"
    assert cal.judge_scale([0.3, 1]) == "unit"
    assert cal.judge_scale([1, 2, 5]) == "1-5"
    with pytest.raises(ValueError, match="expected judge values"):
        cal.judge_scale([7])
    assert [cal.binarise_judge("cross_wall", v, "1-5") for v in (1, 2, 3, 5)] == [0, 0, 1, 1]
    assert cal.binarise_judge("cross_wall", 0.4, "unit") == 0
    assert cal.binarise_judge("cross_wall", 0.4, "unit", threshold=0.3) == 1
    assert cal.binarise_judge("constraints_violation", 0.04, "unit") == 1  # a fraction, not a probability


def test_ablation_by_hand() -> None:
    # 4 rows; the judge misses two of three wall crossings and one maze change.
    v = [{"maze_changed": 0, "cross_wall": 1, "target_achievement": 1},
         {"maze_changed": 0, "cross_wall": 1, "target_achievement": 1},
         {"maze_changed": 1, "cross_wall": 1, "target_achievement": 1},
         {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1}]
    j = [{"maze_changed": 0, "cross_wall": 0, "target_achievement": 1},
         {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1},
         {"maze_changed": 0, "cross_wall": 1, "target_achievement": 1},
         {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1}]
    a = cal.ablation("maze", j, v, judge_overall=[1, 1, 0, 1])
    assert a["judge_strict_rate"] == 0.75 and a["verifier_strict_rate"] == 0.25 and a["gap"] == 0.5
    assert a["swap"] == {"maze_changed": 0.75, "cross_wall": 0.25, "target_achievement": 0.75}
    assert a["drop"] == {"maze_changed": 0.75, "cross_wall": 1.0, "target_achievement": 0.75}
    assert a["explained"]["cross_wall"] == 1.0 and a["explained"]["maze_changed"] == 0.0
    assert a["explains_most"] == "cross_wall" and a["judge_reported_overall_rate"] == 0.75
    same = cal.ablation("maze", v, v)
    assert same["explains_most"] is None and "no gap" in same["notes"]
    assert cal.ablation("maze", [], [])["judge_strict_rate"] is None


def test_pairwise_agreement_matches_sklearn() -> None:
    a, b = _pairs(9, 60, 0.5, 0.3)
    d = cal.pairwise_agreement(a, b, b=200, key="x")
    assert d["kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert d["agreement"] == pytest.approx(accuracy_score(a, b))
    assert d["kappa_ci"][0] <= d["kappa"] <= d["kappa_ci"][1]
