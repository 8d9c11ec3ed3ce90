"""Statistics for calibrating a judge (a VLM's scores) against deterministic verdicts.

Everything here is pure: plain values and numpy arrays in, plain values out; the command
(``mmgr.verify.calibrate_cmd``) reads files and the report (``mmgr.verify.calib_report``)
draws. The verifier is the *reference*: "positive" means the metric's value 1 (a failure
for failure-mode metrics such as ``cross_wall``, success for ``overall``).

Design notes:

- Binarisation follows how MMGR's judge uses each metric (``binarise``):
  ``constraints_violation > 0`` -> 1 ("violated"); ``completion_accuracy == 1`` -> 1
  ("complete"); ``cell_accuracy == 1`` -> 1; ``context_drift > 0`` -> 1; every other metric
  is binary already and is read as ``value >= 0.5``. Judge columns may also be graded: a
  column with a value above 1 is a 1-5 scale, mapped to ``(v - 1) / 4``; non-integer values in
  [0, 1] for a binary metric are probabilities. Graded and probability values are binarised
  at ``threshold`` (0.5); fractions of fractional metrics use the metric's rule.
- Confusion counts are ``(tp, fp, fn, tn)`` with the judge as the rater and the verifier as
  the reference (sklearn's ``confusion_matrix(verifier, judge)`` is ``[[tn, fp], [fn, tp]]``).
- Intervals are percentile bootstrap intervals (95%). Resampling ``n`` binary pairs with
  replacement is exactly a multinomial draw over the four confusion cells, so the bootstrap
  draws ``(B, 4)`` counts from ``np.random.default_rng([seed, crc32(key)])``: deterministic,
  independent of the order in which entries are computed, and cheap for any ``n``. A
  percentile interval collapses at 0 and 1 (a judge that caught all 5 positives gets
  sensitivity 1.0 [1.0, 1.0]); read such intervals together with ``n`` and the confusion counts.
- Rogan-Gladen: ``true = (apparent + sp - 1) / (se + sp - 1)``, clipped to [0, 1]. The
  apparent rate is the judge's rate in the stratum; sensitivity and specificity are those of
  the whole task (all strata pooled), as a judge-only study would estimate them once on a
  calibration set. On the pooled stratum the corrected rate therefore equals the verifier's
  rate; on a stratum it shows how well the judge's errors transfer. The bootstrap draws the
  stratum and the pool independently (their overlap is ignored, which widens the interval
  slightly).

Edge cases (never NaN; the value is None and the entry's ``notes`` says why):

- empty stratum (n = 0): every rate and statistic is None, note "no scored pairs".
- one-row stratum: point values are defined where their denominators are; intervals are
  None (note "n < 2: no interval"), since a bootstrap of one row only repeats it.
- a metric constant on the verifier's side: sensitivity (no verifier positives) or
  specificity (no verifier negatives) is None, note says which.
- kappa undefined: chance agreement is 1 (both sides constant at the same value), so kappa is
  0/0: None, note "kappa undefined". Both constant at *different* values gives kappa = 0.
- Rogan-Gladen undefined when ``se + sp <= 1`` (a judge no better than chance) or when
  se or sp is undefined: None with a note.
- a bootstrap statistic undefined in some resamples: the interval uses the resamples where
  it is defined, and the notes say how many when fewer than 95% of them are.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FRACTION_METRICS", "GATES", "POSITIVE_LABELS", "Confusion", "IsotonicMap", "ablation", "binarise",
    "binarise_judge", "bootstrap_counts", "cohen_kappa", "expected_calibration_error", "isotonic_fit", "judge_scale",
    "metric_entry", "pairwise_agreement", "reliability_curve", "rng_for", "rogan_gladen", "to_unit",
]

# metric -> what value 1 means once binarised (shown in reports)
POSITIVE_LABELS: dict[str, str] = {
    "clues_changed": "a clue changed", "constraints_violation": "violated", "completion_accuracy": "complete",
    "action_reflection": "reflects", "overall": "solved", "maze_changed": "maze changed",
    "cross_wall": "crossed a wall", "target_achievement": "reached target", "ever_reached": "ever reached",
    "grid_integrity": "grid intact", "color_accuracy": "colours right", "valid_solution": "valid",
    "cell_accuracy": "all cells right", "context_drift": "context drifted", "pattern_recognition": "rule understood",
    "success_2d": "success", "oracle_success_2d": "ever in goal", "object_semantic": "no wall passing",
    "agent_consistency": "one continuous agent", "spatial_alignment": "heading respected",
    "destination_integrity": "goal intact", "scene_consistency": "scene unchanged",
}

# metrics whose value is a fraction, with the rule that binarises it
FRACTION_METRICS: dict[str, str] = {
    "constraints_violation": "gt0", "context_drift": "gt0", "completion_accuracy": "eq1", "cell_accuracy": "eq1",
}

# task -> the sub-metrics of the strict overall and the value each must have for a pass
GATES: dict[str, tuple[tuple[str, int], ...]] = {
    "sudoku": (("clues_changed", 0), ("constraints_violation", 0), ("completion_accuracy", 1)),
    "maze": (("maze_changed", 0), ("cross_wall", 0), ("target_achievement", 1)),
    "arc": (("grid_integrity", 1), ("color_accuracy", 1), ("valid_solution", 1)),
}

_EPS = 1e-9


def binarise(metric: str, value: float | int | None) -> int | None:
    """Binarise a verifier value (or a judge fraction) the way MMGR's judge uses the metric.

    >>> binarise("constraints_violation", 0.25), binarise("completion_accuracy", 0.9), binarise("cross_wall", 1)
    (1, 0, 1)
    """
    if value is None:
        return None
    v = float(value)
    if math.isnan(v):
        return None
    rule = FRACTION_METRICS.get(metric)
    if rule == "gt0":
        return int(v > _EPS)
    if rule == "eq1":
        return int(v >= 1.0 - _EPS)
    return int(v >= 0.5)


def judge_scale(values: Sequence[float | None]) -> str:
    """Detect a judge column's scale: ``"binary"`` (0/1), ``"unit"`` (in [0, 1]) or ``"1-5"``.

    Raises:
        ValueError: a value below 0 or above 5.

    >>> judge_scale([0, 1, 1]), judge_scale([0.2, 0.9]), judge_scale([1, 3, 5])
    ('binary', 'unit', '1-5')
    """
    vals = [float(v) for v in values if v is not None]
    bad = [v for v in vals if not (0.0 <= v <= 5.0)]
    if bad:
        raise ValueError(f"expected judge values in [0, 1] or on a 1-5 scale, got {bad[0]!r}")
    if any(v > 1.0 for v in vals):
        return "1-5"
    if all(v in (0.0, 1.0) for v in vals):
        return "binary"
    return "unit"


def to_unit(value: float | None, scale: str) -> float | None:
    """Map a judge value to [0, 1] (``1-5`` -> ``(v - 1) / 4``; clipped)."""
    if value is None:
        return None
    v = float(value)
    if scale == "1-5":
        v = (v - 1.0) / 4.0
    return min(1.0, max(0.0, v))


def binarise_judge(metric: str, value: float | None, scale: str, threshold: float = 0.5) -> int | None:
    """Binarise a judge value given its column's scale (see the module notes).

    >>> binarise_judge("cross_wall", 4, "1-5"), binarise_judge("completion_accuracy", 0.8, "unit")
    (1, 0)
    """
    u = to_unit(value, scale)
    if u is None:
        return None
    if scale == "unit" and metric in FRACTION_METRICS:
        return binarise(metric, u)
    if scale == "binary":
        return int(u >= 0.5)
    return int(u >= threshold)


@dataclass(frozen=True, slots=True)
class Confusion:
    """Confusion counts of the judge (rater) against the verifier (reference); positive = 1."""

    tp: int
    fp: int
    fn: int
    tn: int

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn", "tn"):
            v = getattr(self, name)
            if not isinstance(v, int | np.integer) or v < 0:
                raise ValueError(f"{name}: expected a non-negative int, got {v!r}")

    @classmethod
    def from_pairs(cls, judge: Sequence[int], reference: Sequence[int]) -> Confusion:
        """Count 0/1 pairs (same length).

        >>> Confusion.from_pairs([1, 0, 1, 0], [1, 1, 0, 0])
        Confusion(tp=1, fp=1, fn=1, tn=1)
        """
        j = np.asarray(judge, dtype=np.int64)
        r = np.asarray(reference, dtype=np.int64)
        if j.shape != r.shape or j.ndim != 1:
            raise ValueError(f"expected two 1-D sequences of the same length, got {j.shape} and {r.shape}")
        return cls(int(np.sum((j == 1) & (r == 1))), int(np.sum((j == 1) & (r == 0))),
                   int(np.sum((j == 0) & (r == 1))), int(np.sum((j == 0) & (r == 0))))

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def array(self) -> NDArray[np.float64]:
        return np.array([self.tp, self.fp, self.fn, self.tn], dtype=np.float64)

    def to_dict(self) -> dict[str, int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn}


def _div(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full(np.broadcast(a, b).shape, np.nan)
    np.divide(a, b, out=out, where=b > 0)
    return out


def _stats(c: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Every per-entry statistic from counts ``(..., 4)`` = (tp, fp, fn, tn); NaN where undefined."""
    tp, fp, fn, tn = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    n = tp + fp + fn + tn
    judge_rate = _div(tp + fp, n)
    ref_rate = _div(tp + fn, n)
    po = _div(tp + tn, n)
    pe = judge_rate * ref_rate + (1 - judge_rate) * (1 - ref_rate)
    kappa = np.full(pe.shape, np.nan)
    ok = np.isfinite(pe) & (pe < 1 - 1e-12)
    np.divide(po - pe, 1 - pe, out=kappa, where=ok)
    return {"judge_rate": judge_rate, "verifier_rate": ref_rate, "rate_diff": judge_rate - ref_rate,
            "agreement": po, "kappa": kappa, "sensitivity": _div(tp, tp + fn), "specificity": _div(tn, tn + fp)}


def cohen_kappa(c: Confusion) -> float | None:
    """Cohen's kappa of the judge against the verifier; None when undefined (chance agreement 1).

    >>> round(cohen_kappa(Confusion(tp=20, fp=5, fn=10, tn=15)), 6)
    0.4
    """
    k = float(_stats(c.array())["kappa"])
    return None if math.isnan(k) else k


def rogan_gladen(apparent: Any, se: Any, sp: Any) -> Any:
    """Rogan-Gladen corrected prevalence ``(apparent + sp - 1) / (se + sp - 1)``, clipped to [0, 1].

    Works on floats (returns None when undefined) or arrays (NaN where undefined).

    >>> round(rogan_gladen(0.3, 0.8, 0.9), 6)
    0.285714
    >>> rogan_gladen(0.3, 0.5, 0.5) is None
    True
    """
    a, s, p = (np.asarray(x, dtype=np.float64) for x in (apparent, se, sp))
    den = s + p - 1
    out = np.full(np.broadcast(a, den).shape, np.nan)
    np.divide(a + p - 1, den, out=out, where=np.isfinite(den) & (den > 1e-12))
    out = np.clip(out, 0.0, 1.0)
    if out.ndim == 0:
        return None if math.isnan(float(out)) else float(out)
    return out


def rng_for(seed: int, key: str) -> np.random.Generator:
    """The generator of one entry's bootstrap: a function of the seed and the entry's key only."""
    return np.random.default_rng([int(seed), zlib.crc32(key.encode("utf-8"))])


def bootstrap_counts(counts: NDArray[np.float64], b: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """``b`` bootstrap resamples of the rows behind ``counts`` (cell counts), as ``(b, k)`` counts."""
    counts = np.asarray(counts, dtype=np.float64)
    n = int(counts.sum())
    if n == 0:
        return np.zeros((b, counts.size))
    return rng.multinomial(n, counts / n, size=b).astype(np.float64)


def _interval(samples: NDArray[np.float64], alpha: float = 0.05) -> tuple[list[float] | None, float]:
    ok = samples[np.isfinite(samples)]
    if ok.size == 0:
        return None, 0.0
    lo, hi = np.percentile(ok, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return [float(lo), float(hi)], ok.size / samples.size


def _num(x: Any) -> float | None:
    f = float(x)
    return None if math.isnan(f) else f


def metric_entry(task: str, metric: str, stratum: str, conf: Confusion, pooled: Confusion, *,
                 b: int = 1000, seed: int = 0) -> dict[str, Any]:
    """One row of ``calibration.json``: rates, agreement, kappa, se/sp, Rogan-Gladen, intervals.

    Args:
        task, metric, stratum: the entry's key (``stratum`` is ``"all"`` for the whole task).
        conf: confusion counts of the stratum.
        pooled: confusion counts of the whole task (for the Rogan-Gladen correction).
        b: bootstrap resamples.
        seed: bootstrap seed.

    Returns:
        A JSON-ready dict; undefined values are None and ``notes`` explains them.
    """
    notes: list[str] = []
    point = {k: _num(v) for k, v in _stats(conf.array()).items()}
    pool = _stats(pooled.array())
    point["corrected_rate"] = rogan_gladen(point["judge_rate"] if point["judge_rate"] is not None else np.nan,
                                           pool["sensitivity"], pool["specificity"])
    point["false_positive_rate"] = None if point["specificity"] is None else 1 - point["specificity"]
    point["false_negative_rate"] = None if point["sensitivity"] is None else 1 - point["sensitivity"]
    if conf.n == 0:
        notes.append("no scored pairs")
    else:
        if conf.tp + conf.fn == 0:
            notes.append("verifier never positive: sensitivity undefined")
        if conf.fp + conf.tn == 0:
            notes.append("verifier never negative: specificity undefined")
        if point["kappa"] is None:
            notes.append("kappa undefined: both sides constant at the same value")
        if point["corrected_rate"] is None:
            notes.append("Rogan-Gladen undefined: task sensitivity + specificity <= 1 or undefined")
    entry: dict[str, Any] = {"task": task, "metric": metric, "stratum": stratum, "n": conf.n,
                             "positive": POSITIVE_LABELS.get(metric, "1"), "confusion": conf.to_dict(),
                             "rate_ratio": None}
    entry.update(point)
    if point["judge_rate"] is not None and point["verifier_rate"]:
        entry["rate_ratio"] = point["judge_rate"] / point["verifier_rate"]
    names = ["judge_rate", "verifier_rate", "rate_diff", "agreement", "kappa", "sensitivity", "specificity",
             "corrected_rate", "false_positive_rate", "false_negative_rate"]
    cis: dict[str, list[float] | None] = {f"{k}_ci": None for k in names}
    if conf.n >= 2 and b > 0:
        rng = rng_for(seed, f"{task}|{metric}|{stratum}")
        bs = bootstrap_counts(conf.array(), b, rng)
        st = _stats(bs)
        if stratum == "all" and pooled == conf:
            pst = st
        else:
            pst = _stats(bootstrap_counts(pooled.array(), b, rng))
        st["corrected_rate"] = rogan_gladen(st["judge_rate"], pst["sensitivity"], pst["specificity"])
        st["false_positive_rate"] = 1 - st["specificity"]
        st["false_negative_rate"] = 1 - st["sensitivity"]
        thin: list[str] = []
        for k in names:
            if point[k] is None:
                continue
            ci, share = _interval(st[k])
            cis[f"{k}_ci"] = ci
            if share < 0.95:
                thin.append(f"{k} ({round(share * b)}/{b})")
        if thin:
            notes.append("intervals from the resamples where defined: " + ", ".join(thin))
    elif conf.n == 1:
        notes.append("n < 2: no interval")
    entry.update(cis)
    entry["notes"] = "; ".join(notes)
    return entry


def pairwise_agreement(a: Sequence[int], b_: Sequence[int], *, b: int = 1000, seed: int = 0,
                       key: str = "") -> dict[str, Any]:
    """Agreement and kappa between two 0/1 raters on the same rows, with bootstrap intervals."""
    c = Confusion.from_pairs(a, b_)
    st = {k: _num(v) for k, v in _stats(c.array()).items()}
    out: dict[str, Any] = {"n": c.n, "agreement": st["agreement"], "kappa": st["kappa"],
                           "agreement_ci": None, "kappa_ci": None}
    if c.n >= 2 and b > 0:
        bs = _stats(bootstrap_counts(c.array(), b, rng_for(seed, key)))
        for k in ("agreement", "kappa"):
            if st[k] is not None:
                out[f"{k}_ci"] = _interval(bs[k])[0]
    return out


def reliability_curve(scores: Sequence[float], outcomes: Sequence[int], n_bins: int = 10) -> list[dict[str, Any]]:
    """P(verifier positive | judge score) in equal-width bins of the score in [0, 1].

    Bins are ``[k/n_bins, (k+1)/n_bins)``, the last one closed; empty bins are left out.

    >>> reliability_curve([0.1, 0.15, 0.9], [0, 1, 1], n_bins=2)
    [{'lo': 0.0, 'hi': 0.5, 'n': 2, 'mean_score': 0.125, 'rate': 0.5}, {'lo': 0.5, 'hi': 1.0, 'n': 1, \
'mean_score': 0.9, 'rate': 1.0}]
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    idx = np.minimum((s * n_bins).astype(np.int64), n_bins - 1)
    out = []
    for k in range(n_bins):
        m = idx == k
        if m.any():
            out.append({"lo": k / n_bins, "hi": (k + 1) / n_bins, "n": int(m.sum()),
                        "mean_score": float(s[m].mean()), "rate": float(y[m].mean())})
    return out


def expected_calibration_error(scores: Sequence[float], outcomes: Sequence[int], n_bins: int = 10) -> float | None:
    """ECE = sum over bins of (n_bin / n) * |mean score - observed rate|; None without data.

    >>> round(expected_calibration_error([0.1, 0.15, 0.9], [0, 1, 1], n_bins=2), 6)
    0.283333
    """
    curve = reliability_curve(scores, outcomes, n_bins)
    n = sum(p["n"] for p in curve)
    if n == 0:
        return None
    return float(sum(p["n"] / n * abs(p["mean_score"] - p["rate"]) for p in curve))


@dataclass(frozen=True, slots=True)
class IsotonicMap:
    """A non-decreasing map from judge score to P(verifier positive): knots, linear in between.

    Attributes:
        x: increasing knot positions (judge scores in [0, 1]).
        y: non-decreasing fitted probabilities at the knots (same length as ``x``).
    """

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y) or not self.x:
            raise ValueError(f"expected non-empty x and y of equal length, got {len(self.x)} and {len(self.y)}")
        if any(b <= a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("expected strictly increasing x")
        if any(b < a - 1e-12 for a, b in zip(self.y, self.y[1:], strict=False)):
            raise ValueError("expected non-decreasing y")

    def predict(self, scores: Sequence[float]) -> NDArray[np.float64]:
        """Calibrated probabilities (clipped to the end knots outside their range)."""
        return np.interp(np.asarray(scores, dtype=np.float64), self.x, self.y)

    def to_dict(self) -> dict[str, Any]:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IsotonicMap:
        return cls(tuple(float(v) for v in d["x"]), tuple(float(v) for v in d["y"]))


def isotonic_fit(x: Sequence[float], y: Sequence[float], weights: Sequence[float] | None = None) -> IsotonicMap:
    """Fit a non-decreasing map by pool-adjacent-violators (ties in ``x`` are pooled first).

    >>> isotonic_fit([0.0, 0.5, 0.5, 1.0], [1, 0, 0, 1]).y
    (0.3333333333333333, 0.3333333333333333, 1.0)
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    wa = np.ones_like(xa) if weights is None else np.asarray(weights, dtype=np.float64)
    if xa.size == 0 or xa.shape != ya.shape or xa.shape != wa.shape:
        raise ValueError(f"expected non-empty x, y, weights of one length, got {xa.shape}, {ya.shape}, {wa.shape}")
    ux, inv = np.unique(xa, return_inverse=True)
    sw = np.bincount(inv, weights=wa)
    sy = np.bincount(inv, weights=wa * ya)
    # blocks: [value, weight, count of knots]; merge while a block is below its left neighbour
    vals: list[float] = []
    wts: list[float] = []
    cnt: list[int] = []
    for v, w in zip(sy / sw, sw, strict=True):
        vals.append(float(v))
        wts.append(float(w))
        cnt.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            w2 = wts[-2] + wts[-1]
            v2 = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / w2
            c2 = cnt[-2] + cnt[-1]
            del vals[-1], wts[-1], cnt[-1]
            vals[-1], wts[-1], cnt[-1] = v2, w2, c2
    fitted = np.repeat(vals, cnt)
    return IsotonicMap(tuple(float(v) for v in ux), tuple(float(v) for v in fitted))


def ablation(task: str, judge: Sequence[Mapping[str, int]], verifier: Sequence[Mapping[str, int]],
             judge_overall: Sequence[int | None] | None = None) -> dict[str, Any]:
    """Which sub-metric explains the gap between the judge's strict overall and the verifier's.

    The strict overall is the conjunction of the task's gates (``GATES``). It is recomputed
    with each gate taken from the verifier while the others stay the judge's (``swap``) and
    with each gate left out (``drop``). ``explained[m] = (judge - swap[m]) / (judge - verifier)``
    is the share of the gap that swapping ``m`` closes (above 1: it overshoots, because gates
    interact; below 0: it widens the gap); ``explains_most`` is the gate with the largest
    positive share (ties: first in gate order), None when there is no gap.

    Args:
        task: task name (a key of ``GATES``).
        judge, verifier: per row, the binarised gate metrics (same rows, same order; rows
            missing a gate on either side must be left out by the caller).
        judge_overall: the judge's own binarised overall per row, if it gave one.

    >>> j = [{"maze_changed": 0, "cross_wall": 0, "target_achievement": 1}] * 2
    >>> v = [{"maze_changed": 0, "cross_wall": 1, "target_achievement": 1},
    ...      {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1}]
    >>> ablation("maze", j, v)["explains_most"]
    'cross_wall'
    """
    gates = GATES[task]
    if len(judge) != len(verifier):
        raise ValueError(f"expected judge and verifier rows of one length, got {len(judge)} and {len(verifier)}")
    n = len(judge)
    names = [g for g, _ in gates]
    ok_j = np.array([[r[g] == good for g, good in gates] for r in judge], dtype=bool).reshape(n, len(gates))
    ok_v = np.array([[r[g] == good for g, good in gates] for r in verifier], dtype=bool).reshape(n, len(gates))
    out: dict[str, Any] = {"task": task, "n": n, "gates": names, "judge_strict_rate": None,
                           "verifier_strict_rate": None, "judge_reported_overall_rate": None, "gap": None,
                           "ratio": None, "swap": {}, "drop": {}, "explained": {}, "explains_most": None, "notes": ""}
    if n == 0:
        out["notes"] = "no rows with every gate on both sides"
        return out
    jr = float(ok_j.all(axis=1).mean())
    vr = float(ok_v.all(axis=1).mean())
    gap = jr - vr
    out.update(judge_strict_rate=jr, verifier_strict_rate=vr, gap=gap, ratio=jr / vr if vr > 0 else None)
    if judge_overall is not None and len(judge_overall) == n and all(v is not None for v in judge_overall):
        out["judge_reported_overall_rate"] = float(np.mean(np.asarray(judge_overall, dtype=np.float64)))
    best, best_share = None, 0.0
    for k, g in enumerate(names):
        sw = ok_j.copy()
        sw[:, k] = ok_v[:, k]
        rate = float(sw.all(axis=1).mean())
        out["swap"][g] = rate
        keep = [i for i in range(len(names)) if i != k]
        out["drop"][g] = float(ok_j[:, keep].all(axis=1).mean()) if keep else 1.0
        share = (jr - rate) / gap if abs(gap) > _EPS else None
        out["explained"][g] = share
        if share is not None and share > best_share + _EPS:
            best, best_share = g, share
    out["explains_most"] = best
    if abs(gap) <= _EPS:
        out["notes"] = "no gap between the judge's strict overall and the verifier's"
    return out
