"""``mmgr-verify summarize results.jsonl --by model,task,difficulty --out DIR``: MMGR-style tables.

For each group (one value per ``--by`` key: a top-level field such as ``model`` or ``task``, or
a ``strata`` key such as ``difficulty``) and each metric, the rate over the *scored* rows with
n and a 95% interval:

- binary metrics (every value in the file is the integer 0 or 1): the share of 1s, with a
  Wilson score interval (good coverage at small n and at rates near 0 or 1);
- fractional metrics (any other value): the mean, with a Student-t interval
  (mean ± t(0.975, n-1)·s/√n, clipped to [0, 1]; none for n = 1).

Unscorable rows are never dropped silently: every group reports its rows, scored and
unscorable counts, and an ``unscorable`` line (the share of rows that are unscorable, with a
Wilson interval); MMGR averages over scored samples, so the metric rates exclude them. A
metric that is None in a scored row (undecidable for that input) is left out of that
metric's n, which the tables show.

Writes ``summary.csv`` (long form: one line per group x metric), ``summary.md`` (one line per
group), and ``rates.png`` (per-model rates with their intervals, one panel per task).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmgr.errors import UsageError

__all__ = [
    "Agreement", "GroupCount", "MetricRate", "Summary", "agreement", "load_results", "summarize", "t_interval",
    "wilson",
]

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
UNSCORABLE = "unscorable"
TOP_LEVEL = ("model", "task", "status", "task_version", "media")


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n``.

    >>> lo, hi = wilson(3, 4)
    >>> round(lo, 4), round(hi, 4)
    (0.3006, 0.9544)
    """
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"wilson: expected 0 <= k <= n and n > 0, got k={k}, n={n}")
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(values: Sequence[float]) -> tuple[float, float | None, float | None]:
    """Mean and 95% Student-t interval (clipped to [0, 1]); no interval for a single value.

    >>> m, lo, hi = t_interval([0.5, 1.0, 0.75])
    >>> round(m, 4), round(lo, 4), round(hi, 4)
    (0.75, 0.129, 1.0)
    """
    from scipy.stats import t as student_t

    n = len(values)
    if n == 0:
        raise ValueError("t_interval: expected at least one value, got none")
    mean = math.fsum(values) / n
    if n == 1:
        return mean, None, None
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = float(student_t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, max(0.0, mean - half), min(1.0, mean + half)


@dataclass(frozen=True, slots=True)
class MetricRate:
    """One metric in one group.

    Attributes:
        group: the group's values, one per ``by`` key.
        metric: metric name (or ``"unscorable"``: the share of rows that are unscorable).
        kind: ``"binary"`` (rate of 1s, Wilson interval) or ``"mean"`` (mean, t interval).
        n: rows that have a value for this metric.
        k: rows with value 1 (binary only), else None.
        rate: the rate or mean (None when n = 0).
        lo, hi: the 95% interval (None when it cannot be computed).
    """

    group: tuple[str, ...]
    metric: str
    kind: str
    n: int
    k: int | None
    rate: float | None
    lo: float | None
    hi: float | None

    @property
    def interval(self) -> str:
        return "wilson" if self.kind == "binary" else "t"


@dataclass(frozen=True, slots=True)
class GroupCount:
    """Row counts of one group: all rows, scored (pass or fail) and unscorable, and its tasks."""

    group: tuple[str, ...]
    rows: int
    scored: int
    unscorable: int
    passed: int
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything the tables and the chart show."""

    by: tuple[str, ...]
    metrics: tuple[str, ...]
    kinds: Mapping[str, str]
    groups: tuple[GroupCount, ...]
    rates: tuple[MetricRate, ...]

    def rate(self, group: tuple[str, ...], metric: str) -> MetricRate | None:
        return next((r for r in self.rates if r.group == group and r.metric == metric), None)


def load_results(paths: Iterable[str | Path], key: str = "status") -> tuple[list[dict[str, Any]], int]:
    """Read result lines; return them and the number of torn (incomplete) last lines ignored.

    Raises:
        UsageError: a missing file, or a complete line that is not a result object.
    """
    docs: list[dict[str, Any]] = []
    torn = 0
    for path in paths:
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"results file '{path}' does not exist")
        text = p.read_text(encoding="utf-8")
        lines = text.split("\n")
        if lines and lines[-1].strip():
            torn += 1
        for i, ln in enumerate(lines[:-1], start=1):
            if not ln.strip():
                continue
            try:
                doc = json.loads(ln)
            except json.JSONDecodeError as exc:
                raise UsageError(f"'{path}' line {i} is not JSON ({exc.msg})") from None
            if not isinstance(doc, dict) or key not in doc:
                raise UsageError(f"'{path}' line {i} is not a result line (no {key!r})")
            docs.append(doc)
    return docs, torn


def _value(doc: Mapping[str, Any], key: str) -> str:
    v = doc.get(key) if key in TOP_LEVEL else (doc.get("strata") or {}).get(key)
    return "-" if v is None else str(v)


def _natural(group: tuple[str, ...]) -> tuple[tuple[int, float, str], ...]:
    def one(s: str) -> tuple[int, float, str]:
        try:
            return (0, float(s), s)
        except ValueError:
            return (1, 0.0, s)
    return tuple(one(s) for s in group)


def _metric_kinds(docs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for d in docs:
        for m, v in (d.get("metrics") or {}).items():
            if v is None:
                kinds.setdefault(m, "binary")
                continue
            binary = isinstance(v, int) and not isinstance(v, bool) and v in (0, 1)
            kinds[m] = "binary" if binary and kinds.get(m, "binary") == "binary" else "mean"
    return kinds


def summarize(docs: Sequence[Mapping[str, Any]], by: Sequence[str] = ("model", "task")) -> Summary:
    """Group result lines and compute each metric's rate, n and 95% interval.

    Args:
        docs: result lines (``load_results``).
        by: grouping keys: top-level fields (model, task, status...) or strata keys.

    Returns:
        The ``Summary``; groups sorted naturally (numbers by value), metrics with ``overall`` first.
    """
    by = tuple(by)
    kinds = _metric_kinds(d for d in docs if d.get("status") != UNSCORABLE)
    metrics = tuple(sorted(kinds, key=lambda m: (m != "overall", m)))
    # A metric belongs to the tasks that report it; other tasks' groups get no line for it.
    owners: dict[str, set[str]] = {}
    for d in docs:
        for m in d.get("metrics") or {}:
            owners.setdefault(m, set()).add(str(d.get("task")))
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for d in docs:
        groups.setdefault(tuple(_value(d, k) for k in by), []).append(d)
    counts: list[GroupCount] = []
    rates: list[MetricRate] = []
    for g in sorted(groups, key=_natural):
        rows = groups[g]
        scored = [d for d in rows if d.get("status") != UNSCORABLE]
        n_bad = len(rows) - len(scored)
        tasks = tuple(sorted({str(d.get("task")) for d in rows}))
        counts.append(GroupCount(g, len(rows), len(scored), n_bad, sum(d.get("status") == "pass" for d in rows),
                                 tasks))
        for m in metrics:
            if not owners[m] & set(tasks):
                continue
            vals = [(d.get("metrics") or {}).get(m) for d in scored]
            vals = [v for v in vals if v is not None]
            if kinds[m] == "binary":
                k = sum(int(v) for v in vals)
                lo, hi = wilson(k, len(vals)) if vals else (None, None)
                rates.append(MetricRate(g, m, "binary", len(vals), k, k / len(vals) if vals else None, lo, hi))
            elif vals:
                mean, lo_t, hi_t = t_interval([float(v) for v in vals])
                rates.append(MetricRate(g, m, "mean", len(vals), None, mean, lo_t, hi_t))
            else:
                rates.append(MetricRate(g, m, "mean", 0, None, None, None, None))
        lo, hi = wilson(n_bad, len(rows))
        rates.append(MetricRate(g, UNSCORABLE, "binary", len(rows), n_bad, n_bad / len(rows), lo, hi))
    return Summary(by, metrics, kinds, tuple(counts), tuple(rates))


# -- outputs ------------------------------------------------------------------------------------
def _r(x: float | None) -> str:
    return "" if x is None else f"{x:.6f}"


def write_csv(s: Summary, path: Path) -> None:
    """Long form: one line per group x metric (including the ``unscorable`` share)."""
    by_count = {c.group: c for c in s.groups}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow([*s.by, "metric", "metric_kind", "n", "k", "rate", "ci_low", "ci_high", "interval",
                    "rows", "scored", "unscorable"])
        for r in s.rates:
            c = by_count[r.group]
            w.writerow([*r.group, r.metric, r.kind, r.n, "" if r.k is None else r.k, _r(r.rate), _r(r.lo),
                        _r(r.hi), r.interval, c.rows, c.scored, c.unscorable])


def _cell(r: MetricRate | None) -> str:
    if r is None or r.rate is None:
        return "n/a (n=0)"
    ci = "" if r.lo is None or r.hi is None else f" [{100 * r.lo:.1f}, {100 * r.hi:.1f}]"
    return f"{100 * r.rate:.1f}%{ci} n={r.n}"


def sections(s: Summary) -> list[tuple[str, list[GroupCount]]]:
    """The groups split into one table per task when ``task`` is a ``by`` key (else one table, title "")."""
    if "task" not in s.by:
        return [("", list(s.groups))]
    i = s.by.index("task")
    names = sorted({c.group[i] for c in s.groups})
    return [(t, [c for c in s.groups if c.group[i] == t]) for t in names]


def table_rows(s: Summary, groups: list[GroupCount]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a wide table (one row per group; the metrics that any of these groups has)."""
    metrics = [m for m in s.metrics if any(s.rate(c.group, m) is not None for c in groups)]
    header = [*s.by, "rows", "unscorable", *metrics]
    rows = []
    for c in groups:
        rows.append([*c.group, str(c.rows), f"{c.unscorable} ({_cell(s.rate(c.group, UNSCORABLE)).split(' n=')[0]})",
                     *(_cell(s.rate(c.group, m)) if s.rate(c.group, m) is not None else "-" for m in metrics)])
    return header, rows


def markdown(s: Summary) -> str:
    """The wide tables as Markdown (one per task when grouping by task), with a note on the intervals."""
    out: list[str] = []
    for title, groups in sections(s):
        header, rows = table_rows(s, groups)
        if title:
            out += [f"### {title}", ""]
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        out.append("")
    kinds = ", ".join(f"{m}: {'rate of 1, Wilson' if s.kinds[m] == 'binary' else 'mean, Student t'}"
                      for m in s.metrics)
    out += [f"Rates over scored rows with 95% intervals ({kinds}). 'unscorable' counts rows that could not "
            "be scored; they are excluded from the metric rates, not counted as failures."]
    return "\n".join(out) + "\n"


def plain_table(s: Summary) -> str:
    """The wide tables as aligned text, one per task when grouping by task."""
    parts = []
    for title, groups in sections(s):
        text = _plain(*table_rows(s, groups))
        parts.append(f"{title}\n{text}" if title else text)
    return "\n\n".join(parts)


def plot_rates(docs: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Bar chart of per-model metric rates with 95% intervals, one panel per task."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = summarize(docs, ("task", "model"))
    tasks = sorted({g.group[0] for g in s.groups})
    models = sorted({g.group[1] for g in s.groups})
    fig, axes = plt.subplots(len(tasks), 1, figsize=(max(6.0, 1.2 * (len(s.metrics) + 1) * max(1, len(models)) / 2),
                                                      3.2 * len(tasks)), squeeze=False)
    width = 0.8 / max(1, len(models))
    colors = plt.get_cmap("tab10")
    for ax, task in zip(axes[:, 0], tasks, strict=True):
        names = [m for m in s.metrics if any(r.n and r.group[0] == task and r.metric == m for r in s.rates)]
        names.append(UNSCORABLE)
        for j, model in enumerate(models):
            xs, ys, err = [], [], [[], []]
            for i, m in enumerate(names):
                r = s.rate((task, model), m)
                if r is None or r.rate is None:
                    continue
                xs.append(i + (j - (len(models) - 1) / 2) * width)
                ys.append(r.rate)
                err[0].append(r.rate - (r.lo if r.lo is not None else r.rate))
                err[1].append((r.hi if r.hi is not None else r.rate) - r.rate)
            ax.bar(xs, ys, width, yerr=err, capsize=2, label=model, color=colors(j % 10))
        ax.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{task}: rate over scored rows (95% CI); last bar: unscorable share", fontsize=9)
        ax.legend(fontsize=7, ncols=min(4, max(1, len(models))))
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


# -- agreement with a known truth (synthetic benchmarks) ----------------------------------------
@dataclass(frozen=True, slots=True)
class Agreement:
    """Verdicts against known truth in one group.

    Attributes:
        group: the group's values. n: rows with both a result and a truth line.
        unscorable: rows the verifier abstained on. agree: scored rows whose status matches.
        false_pass: verifier pass, truth fail. false_fail: verifier fail, truth pass.
        metric_agree: metric -> (rows where verifier and truth give the same value, rows where both have one).
    """

    group: tuple[str, ...]
    n: int
    unscorable: int
    agree: int
    false_pass: int
    false_fail: int
    metric_agree: Mapping[str, tuple[int, int]]


def agreement(docs: Sequence[Mapping[str, Any]], truths: Sequence[Mapping[str, Any]],
              by: Sequence[str] = ("task",)) -> tuple[list[Agreement], int]:
    """Compare result lines with truth lines (``make bench``'s truth.jsonl) joined on id.

    Returns:
        Per-group ``Agreement`` (sorted naturally) and the number of truth ids without a result.
    """
    truth = {str(t["id"]): t for t in truths}
    groups: dict[tuple[str, ...], list[tuple[Mapping[str, Any], Mapping[str, Any]]]] = {}
    for d in docs:
        t = truth.get(str(d.get("id")))
        if t is not None:
            groups.setdefault(tuple(_value(d, k) for k in by), []).append((d, t))
    missing = len(set(truth) - {str(d.get("id")) for d in docs})
    out = []
    for g in sorted(groups, key=_natural):
        pairs = groups[g]
        scored = [(d, t) for d, t in pairs if d.get("status") != UNSCORABLE]
        m_agree: dict[str, tuple[int, int]] = {}
        for d, t in scored:
            for m, tv in (t.get("metrics") or {}).items():
                dv = (d.get("metrics") or {}).get(m)
                if tv is None or dv is None:
                    continue
                same, both = m_agree.get(m, (0, 0))
                m_agree[m] = (same + int(abs(float(dv) - float(tv)) <= 1e-6), both + 1)
        out.append(Agreement(
            g, len(pairs), len(pairs) - len(scored),
            sum(d["status"] == t["expected_status"] for d, t in scored),
            sum(d["status"] == "pass" and t["expected_status"] == "fail" for d, t in scored),
            sum(d["status"] == "fail" and t["expected_status"] == "pass" for d, t in scored),
            dict(sorted(m_agree.items()))))
    return out, missing


def agreement_table(rows: Sequence[Agreement], by: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """Header and rows: counts, then each metric's agreement as ``same/both``."""
    metrics = sorted({m for a in rows for m in a.metric_agree})
    header = [*by, "n", "unscorable", "status_agree", "false_pass", "false_fail", *metrics]
    body = [[*a.group, str(a.n), str(a.unscorable), f"{a.agree}/{a.n - a.unscorable}", str(a.false_pass),
             str(a.false_fail), *(("{}/{}".format(*a.metric_agree[m])) if m in a.metric_agree else "-"
                                  for m in metrics)] for a in rows]
    return header, body


def _plain(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r) for r in [header, *rows])


# -- CLI ----------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", help="JSONL results of 'mmgr-verify run'")
    parser.add_argument("--by", default="model,task", help="grouping keys: model, task, or strata keys "
                        "(default: model,task)")
    parser.add_argument("--out", "-o", help="folder for summary.csv, summary.md and rates.png")
    parser.add_argument("--truth", help="truth.jsonl of 'make bench': also print (and write) agreement.csv")


def run(args: Any) -> int:
    by = tuple(k.strip() for k in args.by.split(",") if k.strip())
    if not by:
        raise UsageError("--by: expected at least one key, e.g. model,task")
    docs, torn = load_results(args.results)
    if not docs:
        raise UsageError("no result lines to summarize")
    if torn:
        print(f"summarize: ignored {torn} torn last line(s) (an interrupted run?)", file=sys.stderr)
    s = summarize(docs, by)
    print(plain_table(s))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_csv(s, out / "summary.csv")
        (out / "summary.md").write_text(markdown(s), encoding="utf-8")
        plot_rates(docs, out / "rates.png")
        print(f"wrote {out / 'summary.csv'}, {out / 'summary.md'}, {out / 'rates.png'}", file=sys.stderr)
    if args.truth:
        truths, _ = load_results([args.truth], key="expected_status")
        agree, missing = agreement(docs, truths, by)
        header, body = agreement_table(agree, by)
        print(f"\nagreement with {args.truth} ({missing} truth ids without a result):")
        print(_plain(header, body))
        if args.out:
            with (Path(args.out) / "agreement.csv").open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows([header, *body])
    return 0
