"""The calibration report: Markdown and HTML from one list of blocks, with matplotlib plots.

``write_report(doc, out_dir)`` takes the document written to ``calibration.json`` and writes
``report.md``, ``report.html`` and the PNGs they show: judge vs verifier rate bars per metric,
confusion heatmaps, reliability diagrams and the ablation chart, one figure of each kind per
task. The audit list links the evidence images of each row when the verdict had
``evidence_files`` (links are relative to the report folder). Plots are optional
(``plots=False``) so that tests and quick runs skip matplotlib.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

__all__ = ["write_report"]

Cell = str | tuple[str, str] | list[tuple[str, str]]  # text, (text, href) or several links
Block = tuple[Any, ...]


def _f(v: Any, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _ci(e: dict[str, Any], k: str) -> str:
    ci = e.get(f"{k}_ci")
    s = _f(e.get(k))
    return s if ci is None else f"{s} [{ci[0]:.3f}, {ci[1]:.3f}]"


# ---------------------------------------------------------------- plots


def _plots(doc: dict[str, Any], out: Path, task: str) -> dict[str, str]:
    """Write this task's figures; return kind -> file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    files: dict[str, str] = {}
    meta = {"Software": None}
    entries = [e for e in doc["entries"] if e["task"] == task and e["stratum"] == "all" and e["n"] > 0]
    if entries:
        fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(entries) + 2), 3.6))
        x = np.arange(len(entries))
        for off, key, color, label in ((-0.2, "judge_rate", "#d95f02", "judge"),
                                       (0.2, "verifier_rate", "#1b9e77", "verifier")):
            vals = [e[key] or 0.0 for e in entries]
            err = np.array([[v - (e[f"{key}_ci"] or [v, v])[0], (e[f"{key}_ci"] or [v, v])[1] - v]
                            for v, e in zip(vals, entries, strict=True)]).T
            ax.bar(x + off, vals, 0.4, yerr=np.clip(err, 0, None), color=color, label=label, capsize=3)
        ax.set_xticks(x, [e["metric"] for e in entries], rotation=30, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("rate of 1 (see 'positive')")
        ax.set_title(f"{task}: judge vs verifier rate per metric (95% CI)")
        ax.legend()
        fig.tight_layout()
        files["rates"] = f"rates_{task}.png"
        fig.savefig(out / files["rates"], dpi=90, metadata=meta)
        plt.close(fig)

        cols = min(4, len(entries))
        rows = (len(entries) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.5 * rows), squeeze=False)
        for ax, e in zip(axes.flat, entries, strict=False):
            c = e["confusion"]
            m = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
            ax.imshow(m, cmap="Blues", vmin=0, vmax=max(1, int(m.max())))
            for (r, k), v in np.ndenumerate(m):
                ax.text(k, r, str(v), ha="center", va="center", color="black" if v < m.max() / 2 else "white")
            ax.set_xticks([0, 1], ["j=0", "j=1"])
            ax.set_yticks([0, 1], ["v=0", "v=1"])
            ax.set_title(f"{e['metric']}\nkappa {_f(e['kappa'], 2)}", fontsize=9)
        for ax in list(axes.flat)[len(entries):]:
            ax.axis("off")
        fig.tight_layout()
        files["confusion"] = f"confusion_{task}.png"
        fig.savefig(out / files["confusion"], dpi=90, metadata=meta)
        plt.close(fig)

    rel = [r for r in doc["reliability"] if r["task"] == task]
    if rel:
        fig, axes = plt.subplots(1, len(rel), figsize=(3.4 * len(rel), 3.4), squeeze=False)
        for ax, r in zip(axes.flat, rel, strict=True):
            ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="perfect")
            xs = [p["mean_score"] for p in r["curve"]]
            ys = [p["rate"] for p in r["curve"]]
            ax.scatter(xs, ys, s=[20 + 4 * p["n"] for p in r["curve"]], color="#d95f02", label="observed", zorder=3)
            grid = np.linspace(0, 1, 101)
            ax.plot(grid, np.interp(grid, r["map"]["x"], r["map"]["y"]), color="#1b9e77", label="isotonic map")
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1)
            ax.set_xlabel("judge score (0-1)")
            ax.set_ylabel("P(verifier = 1)")
            ax.set_title(f"{r['metric']} (ECE {_f(r['ece'], 3)})", fontsize=9)
            ax.legend(fontsize=7)
        fig.tight_layout()
        files["reliability"] = f"reliability_{task}.png"
        fig.savefig(out / files["reliability"], dpi=90, metadata=meta)
        plt.close(fig)

    abl = next((a for a in doc["ablation"] if a["task"] == task and a["model"] == "all" and a["n"] > 0), None)
    if abl is not None:
        labels = ["judge (strict)", "verifier (strict)"] + [f"swap {g}" for g in abl["gates"]] + \
            [f"drop {g}" for g in abl["gates"]]
        vals = [abl["judge_strict_rate"], abl["verifier_strict_rate"]] + [abl["swap"][g] for g in abl["gates"]] + \
            [abl["drop"][g] for g in abl["gates"]]
        colors = ["#d95f02", "#1b9e77"] + ["#7570b3"] * len(abl["gates"]) + ["#bbbbbb"] * len(abl["gates"])
        fig, ax = plt.subplots(figsize=(6.0, 0.4 * len(labels) + 1.2))
        y = np.arange(len(labels))[::-1]
        ax.barh(y, vals, color=colors)
        ax.set_yticks(y, labels)
        ax.axvline(abl["verifier_strict_rate"], color="#1b9e77", ls="--", lw=1)
        ax.set_xlim(0, 1)
        ax.set_xlabel("overall pass rate")
        ax.set_title(f"{task}: ablation of the judge's strict overall (n={abl['n']})", fontsize=9)
        fig.tight_layout()
        files["ablation"] = f"ablation_{task}.png"
        fig.savefig(out / files["ablation"], dpi=90, metadata=meta)
        plt.close(fig)
    return files


# ---------------------------------------------------------------- blocks


def _task_blocks(doc: dict[str, Any], task: str, figs: dict[str, str]) -> list[Block]:
    blocks: list[Block] = [("h", 2, f"Task: {task}")]
    es = [e for e in doc["entries"] if e["task"] == task]
    head = ["metric", "1 means", "n", "judge rate", "verifier rate", "judge - verifier", "agreement", "kappa",
            "sensitivity", "specificity", "corrected rate", "notes"]

    def row(e: dict[str, Any], first: str) -> list[Cell]:
        return [first, e["positive"], str(e["n"]), _ci(e, "judge_rate"), _ci(e, "verifier_rate"),
                _ci(e, "rate_diff"), _ci(e, "agreement"), _ci(e, "kappa"), _ci(e, "sensitivity"),
                _ci(e, "specificity"), _ci(e, "corrected_rate"), e["notes"]]

    alls = [e for e in es if e["stratum"] == "all"]
    blocks.append(("p", "All samples of the task. Reference = verifier; sensitivity and specificity are the "
                   "judge's; the corrected rate is Rogan-Gladen with the task's sensitivity and specificity. "
                   "Intervals: 95% percentile bootstrap."))
    blocks.append(("table", head, [row(e, e["metric"]) for e in alls]))
    unsc = alls[0]["n_unscorable"] if alls else 0
    cov = doc.get("metric_coverage", {}).get(task, {})
    only = "".join(f" Only the {side} reports: {', '.join(cov[key])}." for key, side in
                   (("verifier_only", "verifier"), ("judge_only", "judge")) if cov.get(key))
    blocks.append(("p", f"Verifier abstained (unscorable, not counted above) on {unsc} matched samples.{only}"))
    if "rates" in figs:
        blocks.append(("img", figs["rates"], f"{task} rates"))
    if "confusion" in figs:
        blocks.append(("img", figs["confusion"], f"{task} confusion"))
    strat = [e for e in es if e["stratum"] != "all"]
    if strat:
        blocks.append(("h", 3, "By stratum"))
        blocks.append(("table", ["stratum"] + head, [[e["stratum"]] + row(e, e["metric"]) for e in strat]))
    hum = [e for e in alls if e.get("human")]
    if hum:
        blocks.append(("h", 3, "Human labels: pairwise agreement (kappa)"))
        hh = ["metric", "n", "judge-verifier", "judge-human", "verifier-human"]

        def pk(d: dict[str, Any]) -> str:
            return f"{_f(d['agreement'])} ({_ci(d, 'kappa')})"
        blocks.append(("table", hh, [[e["metric"], str(e["human"]["n"]), pk(e["human"]["judge_verifier"]),
                                      pk(e["human"]["judge_human"]), pk(e["human"]["verifier_human"])] for e in hum]))
    rel = [r for r in doc["reliability"] if r["task"] == task]
    if rel:
        blocks.append(("h", 3, "Graded judge scores: reliability"))
        blocks.append(("table", ["metric", "scale", "n", "ECE", "ECE after isotonic map (in-sample)"],
                       [[r["metric"], r["scale"], str(r["n"]), _f(r["ece"]), _f(r["ece_after_map_in_sample"])]
                        for r in rel]))
        if "reliability" in figs:
            blocks.append(("img", figs["reliability"], f"{task} reliability"))
    abl = [a for a in doc["ablation"] if a["task"] == task]
    if abl:
        blocks.append(("h", 3, "Ablation of the strict overall"))
        gates = abl[0]["gates"]
        ah = ["model", "n", "judge strict", "judge's own overall", "verifier strict"] + \
            [f"swap {g}" for g in gates] + [f"drop {g}" for g in gates] + ["explains most"]
        rows = []
        for a in abl:
            share = a["explained"].get(a["explains_most"]) if a["explains_most"] else None
            most = f"{a['explains_most']} ({_f(share, 2)} of the gap)" if a["explains_most"] else a["notes"] or "-"
            rows.append([a["model"], str(a["n"]), _f(a["judge_strict_rate"]), _f(a["judge_reported_overall_rate"]),
                         _f(a["verifier_strict_rate"])] + [_f(a["swap"].get(g)) for g in gates] +
                        [_f(a["drop"].get(g)) for g in gates] + [most])
        blocks.append(("table", ah, rows))
        if "ablation" in figs:
            blocks.append(("img", figs["ablation"], f"{task} ablation"))
    return blocks


def _blocks(doc: dict[str, Any], figs: dict[str, dict[str, str]], audit_limit: int) -> list[Block]:
    c, um = doc["counts"], doc["unmatched"]
    blocks: list[Block] = [
        ("h", 1, "Judge calibration report"),
        ("p", f"Verdicts: {doc['inputs']['verdicts']} ({c['verdict_rows']} rows); judge: {doc['inputs']['judge']} "
              f"({c['judge_rows']} rows); matched: {c['matched']}; verifier unscorable: {c['verifier_unscorable']}. "
              f"Bootstrap: B={doc['params']['bootstrap']}, seed {doc['params']['seed']}."),
    ]
    for task in sorted({e["task"] for e in doc["entries"]}):
        blocks.extend(_task_blocks(doc, task, figs.get(task, {})))
    blocks.append(("h", 2, "Ids on one side only"))
    for key, label in (("verdicts_only", "verdicts without a judge row"),
                       ("judge_only", "judge rows without a verdict")):
        ids = um[key]
        more = f" (+{len(ids) - 50} more in calibration.json)" if len(ids) > 50 else ""
        blocks.append(("p", f"{len(ids)} {label}{': ' + ', '.join(ids[:50]) if ids else ''}{more}"))
    audit = doc["audit"]
    blocks.append(("h", 2, f"Samples to audit by hand ({len(audit)})"))
    blocks.append(("p", "Verifier abstained, or judge and verifier disagree on at least one metric "
                        "(j = judge, v = verifier)." + (f" First {audit_limit} shown." if len(audit) > audit_limit
                                                         else "")))
    rows: list[list[Cell]] = []
    for a in audit[:audit_limit]:
        dis = ", ".join(f"{d['metric']} j={d['judge']} v={d['verifier']}" for d in a["disagree"])
        links = [(Path(f).name, f) for f in a.get("evidence_links", [])]
        rows.append([a["id"], a["task"], str(a.get("model") or ""), a["why"], dis or a["reason"],
                     (a.get("judge_text") or "")[:200], links or ""])
    blocks.append(("table", ["id", "task", "model", "why", "detail", "judge says", "evidence"], rows))
    return blocks


# ---------------------------------------------------------------- rendering


def _md_cell(c: Cell) -> str:
    if isinstance(c, tuple):
        return f"[{c[0]}]({c[1]})"
    if isinstance(c, list):
        return " ".join(f"[{t}]({h})" for t, h in c)
    return str(c).replace("|", "\\|").replace("\n", " ")


def _html_cell(c: Cell) -> str:
    if isinstance(c, tuple):
        c = [c]
    if isinstance(c, list):
        return " ".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for t, h in c)
    return html.escape(str(c))


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b[0] == "h":
            out.append(f"{'#' * b[1]} {b[2]}")
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "img":
            out.append(f"![{b[2]}]({b[1]})")
        elif b[0] == "table":
            if not b[2]:
                out.append("(none)")
                continue
            out.append("| " + " | ".join(b[1]) + " |")
            out.append("|" + "---|" * len(b[1]))
            out.extend("| " + " | ".join(_md_cell(c) for c in r) + " |" for r in b[2])
        out.append("")
    return "\n".join(out)


def to_html(blocks: list[Block]) -> str:
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>Judge calibration report</title>',
           "<style>body{font-family:sans-serif;max-width:1200px;margin:auto}table{border-collapse:collapse;"
           "font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}th{background:#eee}img{max-width:100%}"
           "</style></head><body>"]
    for b in blocks:
        if b[0] == "h":
            out.append(f"<h{b[1]}>{html.escape(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            out.append(f"<p>{html.escape(b[1])}</p>")
        elif b[0] == "img":
            out.append(f'<p><img src="{html.escape(b[1])}" alt="{html.escape(b[2])}"></p>')
        elif b[0] == "table":
            if not b[2]:
                out.append("<p>(none)</p>")
                continue
            out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in b[1]) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in r) + "</tr>" for r in b[2])
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(doc: dict[str, Any], out: Path, *, plots: bool = True, audit_limit: int = 200) -> list[Path]:
    """Write ``report.md``, ``report.html`` and (with ``plots``) the PNGs; return the files written.

    Args:
        doc: the calibration document (as in ``calibration.json``).
        out: the report folder (created).
        plots: draw the PNG figures with matplotlib.
        audit_limit: rows of the audit list shown (``calibration.json`` keeps all of them).
    """
    out.mkdir(parents=True, exist_ok=True)
    tasks = sorted({e["task"] for e in doc["entries"]})
    figs = {t: _plots(doc, out, t) for t in tasks} if plots else {}
    blocks = _blocks(doc, figs, audit_limit)
    written = [out / "report.md", out / "report.html"]
    written[0].write_text(to_markdown(blocks), encoding="utf-8")
    written[1].write_text(to_html(blocks), encoding="utf-8")
    return written + sorted(out / f for t in figs.values() for f in t.values())
