"""``mmgr-verify calibrate``: measure a judge (a VLM's scores) against the verifier's verdicts.

Usage::

    mmgr-verify calibrate --verdicts results.jsonl --judge judge.jsonl [--human human.jsonl]
                          [--by model,difficulty] [--map keys.json] [--seed 0] [--bootstrap 1000]
                          --out report/
    mmgr-verify calibrate apply --map report/isotonic_map.json judge_new.jsonl [--out calibrated.jsonl]

Inputs:

- verdicts: JSONL rows as written by ``mmgr-verify run`` (``Verdict.to_dict()`` plus ``id``,
  ``model``, ``strata``); a row without ``id`` is keyed by its ``media``. A verdict-list
  document from ``mmgr-verify --json`` is accepted too.
- judge (and human): JSONL or CSV (by suffix ``.csv``), one row per sample id. Keys are
  normalised (``"Cross Wall"`` -> ``cross_wall``); ``--map`` renames other keys first
  (JSON ``{their_key: our_key}``). Values: 0/1, fractions, probabilities, 1-5 grades,
  yes/no/true/false, percentages; empty / null / n/a = missing. ``justification`` (or
  ``reason``, ``explanation``, ``rationale``, ``comment``) is kept for the audit list.

Outputs in ``--out``: ``calibration.json`` (everything; see ``mmgr.verify.calibration`` for
the entry fields and edge cases), ``isotonic_map.json`` (for ``calibrate apply``),
``report.md``, ``report.html`` and PNG plots. Ids on one side only are counted and listed;
verifier abstentions (``unscorable``) are counted apart and listed for audit, never paired.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from mmgr.errors import UsageError
from mmgr.verify import calibration as cal
from mmgr.verify.types import dumps

SCHEMA = "mmgr-verify/calibration@1"
MAP_SCHEMA = "mmgr-verify/isotonic-map@1"
_TEXT_KEYS = ("justification", "reason", "explanation", "rationale", "comment")
_ID_KEYS = ("id", "sample_id")
_MISSING = {"", "null", "none", "na", "n/a", "nan", "-"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``calibrate`` and its ``apply`` subcommand."""
    parser.add_argument("--verdicts", metavar="FILE", help="verdict rows (JSONL from 'mmgr-verify run')")
    parser.add_argument("--judge", metavar="FILE", help="judge scores (JSONL or CSV), one row per sample id")
    parser.add_argument("--human", metavar="FILE",
                        help="human labels in the judge's format (adds the three pairwise agreements)")
    parser.add_argument("--by", default="", metavar="KEYS",
                        help="strata, comma-separated: model and/or keys of 'strata' "
                        "(task is always a stratum)")
    parser.add_argument("--map", dest="keymap", metavar="FILE",
                        help="JSON {their_key: our_key} renaming judge/human keys")
    parser.add_argument("--out", default="report", metavar="DIR", help="output folder (default: report)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000; 0 = none)")
    parser.add_argument("--threshold", type=float, default=0.5, help="cut for graded/probability judge scores")
    parser.add_argument("--bins", type=int, default=10, help="bins of the reliability curve and ECE (default 10)")
    parser.add_argument("--no-plots", action="store_true", help="write the report without PNG plots")
    parser.add_argument("--audit-limit", type=int, default=200, help="audit rows shown in the report (JSON has all)")
    sub = parser.add_subparsers(dest="calib_action", metavar="ACTION", parser_class=type(parser))
    ap = sub.add_parser("apply", help="apply a saved isotonic map to new judge scores")
    ap.add_argument("judge_new", help="judge scores to calibrate (JSONL or CSV)")
    ap.add_argument("--map", dest="isomap", required=True, metavar="FILE",
                    help="isotonic_map.json written by 'calibrate'")
    ap.add_argument("--task", help="task of rows without a 'task' key (when the map has several)")
    ap.add_argument("--rename", metavar="FILE", help="JSON {their_key: our_key} renaming judge keys")
    ap.add_argument("--out", dest="apply_out", metavar="FILE", help="write JSONL here instead of stdout")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")


# ---------------------------------------------------------------- reading


def norm_key(key: str) -> str:
    """``"Cross Wall"`` -> ``"cross_wall"``; ``"constraintsViolation"`` -> ``"constraints_violation"``."""
    k = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(key).strip())
    return re.sub(r"[^0-9a-z]+", "_", k.lower()).strip("_")


def _load_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {what} '{path}': {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} '{path}' is not valid JSON (line {exc.lineno}: {exc.msg})") from None


def read_rows(path: str, what: str) -> list[dict[str, Any]]:
    """Rows of a JSONL file (or a JSON list / verdict-list) or of a CSV file (by suffix)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {what} '{path}': {exc.strerror or exc}") from None
    if p.suffix.lower() in (".csv", ".tsv"):
        return [dict(r) for r in csv.DictReader(text.splitlines(), delimiter="\t" if p.suffix == ".tsv" else ",")]
    stripped = text.lstrip()
    if stripped.startswith("["):
        doc = json.loads(stripped)
        return [dict(r) for r in doc]
    rows: list[dict[str, Any]] = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as exc:
            if i == 1 and stripped.startswith("{"):  # one (pretty-printed) JSON document
                return _single_doc(text, path, what)
            raise UsageError(f"{what} '{path}' line {i}: not JSON ({exc.msg})") from None
        if isinstance(r, dict) and r.get("schema") == "mmgr-verify/verdict-list@1":
            rows.extend(r["verdicts"])
        elif isinstance(r, dict):
            rows.append(r)
        else:
            raise UsageError(f"{what} '{path}' line {i}: expected a JSON object, got {type(r).__name__}")
    return rows


def _single_doc(text: str, path: str, what: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} '{path}' is neither JSONL nor JSON ({exc.msg})") from None
    if isinstance(doc, dict) and "verdicts" in doc:
        return list(doc["verdicts"])
    return [doc] if isinstance(doc, dict) else list(doc)


def parse_value(v: Any, where: str) -> float | None:
    """A judge cell as a float, or None when missing; ``UsageError`` naming the cell otherwise."""
    if v is None:
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return None if v != v else float(v)
    s = str(v).strip().lower()
    if s in _MISSING:
        return None
    if s in ("yes", "true", "y"):
        return 1.0
    if s in ("no", "false", "n"):
        return 0.0
    try:
        return float(s[:-1]) / 100.0 if s.endswith("%") else float(s)
    except ValueError:
        raise UsageError(f"{where}: expected a number, 0/1, yes/no or a percentage, got {v!r}") from None


def read_judge(path: str, metrics: set[str], keymap: dict[str, str], what: str) -> dict[str, dict[str, Any]]:
    """Judge (or human) rows: id -> {"values": {metric: float|None}, "text": str, "task": str|None}."""
    out: dict[str, dict[str, Any]] = {}
    dups: list[str] = []
    for i, raw in enumerate(read_rows(path, what), 1):
        row = {norm_key(keymap.get(k, k)): v for k, v in raw.items()}
        rid = next((row[k] for k in _ID_KEYS if row.get(k) not in (None, "")), None)
        if rid is None:
            raise UsageError(f"{what} '{path}' row {i}: no 'id' (use --map to name the id column)")
        rid = str(rid)
        if rid in out:
            dups.append(rid)
        text = next((str(row[k]) for k in _TEXT_KEYS if row.get(k) not in (None, "")), "")
        values = {k: parse_value(v, f"{what} '{path}' id {rid} key {k!r}") for k, v in row.items() if k in metrics}
        out[rid] = {"values": values, "text": text, "task": row.get("task")}
    if dups:
        raise UsageError(f"{what} '{path}': duplicate ids {', '.join(sorted(set(dups))[:10])}")
    return out


def read_verdicts(path: str) -> dict[str, dict[str, Any]]:
    """Verdict rows keyed by ``id`` (or ``media``); duplicate ids are a usage error."""
    out: dict[str, dict[str, Any]] = {}
    dups: list[str] = []
    for i, r in enumerate(read_rows(path, "verdicts"), 1):
        rid = r.get("id", r.get("media"))
        if rid is None or "task" not in r or "status" not in r:
            raise UsageError(f"verdicts '{path}' row {i}: expected 'id' (or 'media'), 'task' and 'status'")
        if str(rid) in out:
            dups.append(str(rid))
        out[str(rid)] = r
    if dups:
        raise UsageError(f"verdicts '{path}': duplicate ids {', '.join(sorted(set(dups))[:10])}")
    return out


def _stratum_value(row: dict[str, Any], key: str) -> str:
    if key == "model":
        v = row.get("model")
    else:
        v = (row.get("strata") or {}).get(key, row.get(key))
    return "unknown" if v in (None, "") else str(v)


def strata_of(row: dict[str, Any], by: list[str]) -> list[str]:
    """The stratum labels a row belongs to: ``all``, each ``key=value``, and their cross when several."""
    labels = ["all"] + [f"{k}={_stratum_value(row, k)}" for k in by]
    if len(by) > 1:
        labels.append(",".join(f"{k}={_stratum_value(row, k)}" for k in by))
    return labels


# ---------------------------------------------------------------- analysis


def _metric_order(task: str, names: set[str]) -> list[str]:
    gates = [g for g, _ in cal.GATES.get(task, ())]
    return [m for m in gates if m in names] + sorted(m for m in names if m not in gates)


def analyse(verdicts: dict[str, dict[str, Any]], judge: dict[str, dict[str, Any]],
            human: dict[str, dict[str, Any]] | None, by: list[str], *, b: int, seed: int,
            threshold: float, n_bins: int) -> dict[str, Any]:
    """Build the whole calibration document (see the module docstring of ``calibration``)."""
    matched = sorted(set(verdicts) & set(judge))
    tasks = sorted({str(verdicts[i]["task"]) for i in matched})
    entries: list[dict[str, Any]] = []
    reliability: list[dict[str, Any]] = []
    ablations: list[dict[str, Any]] = []
    bins: dict[str, dict[str, dict[str, int]]] = {}  # id -> {"j"|"v"|"h": {metric: 0/1}}
    coverage: dict[str, dict[str, list[str]]] = {}
    for task in tasks:
        ids = [i for i in matched if verdicts[i]["task"] == task]
        scored = [i for i in ids if verdicts[i]["status"] != "unscorable"]
        ver_names = {m for i in scored for m in (verdicts[i].get("metrics") or {})}
        jud_names = {m for i in ids for m, v in judge[i]["values"].items() if v is not None}
        names = ver_names & jud_names
        coverage[task] = {"verifier_only": sorted(ver_names - jud_names), "judge_only": sorted(jud_names - ver_names)}
        scales = {}
        for m in names:
            try:
                scales[m] = cal.judge_scale([judge[i]["values"].get(m) for i in ids])
            except ValueError as exc:
                raise UsageError(f"judge metric {m!r} of task {task!r}: {exc}") from None
        hscales = {}
        if human is not None:
            for m in names:
                try:
                    hscales[m] = cal.judge_scale([human[i]["values"].get(m) for i in ids if i in human])
                except ValueError as exc:
                    raise UsageError(f"human metric {m!r} of task {task!r}: {exc}") from None
        for i in ids:
            vm = verdicts[i].get("metrics") or {}
            d = bins.setdefault(i, {"j": {}, "v": {}, "h": {}})
            for m in names:
                d["v"][m] = cal.binarise(m, vm.get(m)) if verdicts[i]["status"] != "unscorable" else None
                d["j"][m] = cal.binarise_judge(m, judge[i]["values"].get(m), scales[m], threshold)
                if human is not None and i in human:
                    d["h"][m] = cal.binarise_judge(m, human[i]["values"].get(m), hscales[m], threshold)
        groups: dict[str, list[str]] = {}
        for i in ids:
            for s in strata_of(verdicts[i], by):
                groups.setdefault(s, []).append(i)
        labels = ["all"] + sorted(s for s in groups if s != "all")
        for m in _metric_order(task, names):
            pool = [i for i in scored if bins[i]["v"][m] is not None and bins[i]["j"][m] is not None]
            pool_set = set(pool)
            pooled = cal.Confusion.from_pairs([bins[i]["j"][m] for i in pool], [bins[i]["v"][m] for i in pool])
            for s in labels:
                members = groups[s]
                pairs = [i for i in members if i in pool_set]
                conf = cal.Confusion.from_pairs([bins[i]["j"][m] for i in pairs], [bins[i]["v"][m] for i in pairs])
                e = cal.metric_entry(task, m, s, conf, pooled, b=b, seed=seed)
                e["n_unscorable"] = sum(verdicts[i]["status"] == "unscorable" for i in members)
                e["n_verifier_missing"] = sum(verdicts[i]["status"] != "unscorable" and bins[i]["v"][m] is None
                                              for i in members)
                e["n_judge_missing"] = sum(bins[i]["v"][m] is not None and bins[i]["j"][m] is None
                                           for i in members)
                e["judge_scale"] = scales[m]
                e["human"] = _human(task, m, s, pairs, bins, b, seed) if human is not None else None
                entries.append(e)
            if (scales[m] == "1-5" or (scales[m] == "unit" and m not in cal.FRACTION_METRICS)) and pool:
                reliability.append(_reliability(task, m, scales[m], pool, judge, bins, n_bins))
        ablations.extend(_ablations(task, scored, verdicts, bins))
    return {"entries": entries, "reliability": reliability, "ablation": ablations, "metric_coverage": coverage,
            "audit": _audit(verdicts, judge, bins)}


def _human(task: str, m: str, s: str, pairs: list[str], bins: dict[str, Any], b: int, seed: int) -> dict[str, Any]:
    rows = [i for i in pairs if bins[i]["h"].get(m) is not None]
    j = [bins[i]["j"][m] for i in rows]
    v = [bins[i]["v"][m] for i in rows]
    h = [bins[i]["h"][m] for i in rows]
    key = f"{task}|{m}|{s}|human"
    return {"n": len(rows),
            "judge_verifier": cal.pairwise_agreement(j, v, b=b, seed=seed, key=key + "|jv"),
            "judge_human": cal.pairwise_agreement(j, h, b=b, seed=seed, key=key + "|jh"),
            "verifier_human": cal.pairwise_agreement(v, h, b=b, seed=seed, key=key + "|vh")}


def _reliability(task: str, m: str, scale: str, pool: list[str], judge: dict[str, Any], bins: dict[str, Any],
                 n_bins: int) -> dict[str, Any]:
    scores = [cal.to_unit(judge[i]["values"][m], scale) for i in pool]
    outcomes = [bins[i]["v"][m] for i in pool]
    fit = cal.isotonic_fit(scores, outcomes)
    return {"task": task, "metric": m, "scale": scale, "n": len(pool),
            "curve": cal.reliability_curve(scores, outcomes, n_bins),
            "ece": cal.expected_calibration_error(scores, outcomes, n_bins),
            "ece_after_map_in_sample": cal.expected_calibration_error(list(fit.predict(scores)), outcomes, n_bins),
            "map": fit.to_dict()}


def _ablations(task: str, scored: list[str], verdicts: dict[str, Any], bins: dict[str, Any]) -> list[dict[str, Any]]:
    if task not in cal.GATES:
        return []
    gates = [g for g, _ in cal.GATES[task]]
    usable = [i for i in scored if all(bins[i]["v"].get(g) is not None and bins[i]["j"].get(g) is not None
                                       for g in gates)]
    models = sorted({str(verdicts[i].get("model") or "unknown") for i in usable})
    out = []
    for model in ["all"] + (models if len(models) > 1 else []):
        rows = [i for i in usable if model == "all" or str(verdicts[i].get("model") or "unknown") == model]
        jo = [bins[i]["j"].get("overall") for i in rows]
        a = cal.ablation(task, [{g: bins[i]["j"][g] for g in gates} for i in rows],
                         [{g: bins[i]["v"][g] for g in gates} for i in rows], jo)
        a["model"] = model
        out.append(a)
    return out


def _audit(verdicts: dict[str, Any], judge: dict[str, Any], bins: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for i in sorted(verdicts):
        r = verdicts[i]
        if r["status"] == "unscorable":
            why, dis = "verifier abstained", []
        else:
            d = bins.get(i)
            if d is None:
                continue
            dis = [{"metric": m, "judge": d["j"][m], "verifier": v} for m, v in sorted(d["v"].items())
                   if v is not None and d["j"].get(m) is not None and d["j"][m] != v]
            if not dis:
                continue
            why = "judge and verifier disagree"
        out.append({"id": i, "task": r["task"], "model": r.get("model"), "media": r.get("media"),
                    "status": r["status"], "why": why, "reason": r.get("reason", ""), "disagree": dis,
                    "judge_text": judge[i]["text"] if i in judge else None,
                    "evidence_files": list(r.get("evidence_files") or [])})
    return out


# ---------------------------------------------------------------- commands


def _keymap(path: str | None) -> dict[str, str]:
    if path is None:
        return {}
    doc = _load_json(path, "--map")
    if not isinstance(doc, dict) or not all(isinstance(v, str) for v in doc.values()):
        raise UsageError(f"--map '{path}': expected a JSON object {{their_key: our_key}}")
    return {str(k): v for k, v in doc.items()}


def _known_metrics(verdicts: dict[str, Any]) -> set[str]:
    names = set(cal.POSITIVE_LABELS)
    for r in verdicts.values():
        names.update(r.get("metrics") or {})
    return names


def _resolve_evidence(audit: list[dict[str, Any]], verdicts_path: str, out: Path) -> None:
    base = Path(verdicts_path).parent
    for a in audit:
        links = []
        for f in a["evidence_files"]:
            p = Path(f)
            cand = p if p.is_absolute() or p.exists() else base / p
            links.append(os.path.relpath(cand, out).replace(os.sep, "/"))
        a["evidence_links"] = links


def run(args: Any) -> int:
    """Entry point of ``calibrate`` (and of ``calibrate apply``)."""
    if getattr(args, "calib_action", None) == "apply":
        return run_apply(args)
    if not args.verdicts or not args.judge:
        raise UsageError("calibrate needs --verdicts and --judge (or: calibrate apply --map MAP JUDGE)")
    if args.bootstrap < 0 or args.bins < 1 or not 0.0 < args.threshold < 1.0:
        raise UsageError("expected --bootstrap >= 0, --bins >= 1 and 0 < --threshold < 1")
    by = [k.strip() for k in args.by.split(",") if k.strip() and k.strip() != "task"]
    keymap = _keymap(args.keymap)
    verdicts = read_verdicts(args.verdicts)
    metrics = _known_metrics(verdicts)
    judge = read_judge(args.judge, metrics, keymap, "judge")
    human = read_judge(args.human, metrics, keymap, "human") if args.human else None
    doc = analyse(verdicts, judge, human, by, b=args.bootstrap, seed=args.seed, threshold=args.threshold,
                  n_bins=args.bins)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _resolve_evidence(doc["audit"], args.verdicts, out)
    n_unscorable = sum(r["status"] == "unscorable" for r in verdicts.values())
    doc.update({
        "schema": SCHEMA,
        "params": {"seed": args.seed, "bootstrap": args.bootstrap, "threshold": args.threshold, "bins": args.bins,
                   "by": by, "interval": "percentile bootstrap, 95%"},
        "inputs": {"verdicts": args.verdicts, "judge": args.judge, "human": args.human, "map": args.keymap},
        "counts": {"verdict_rows": len(verdicts), "judge_rows": len(judge), "matched": len(set(verdicts) & set(judge)),
                   "verifier_unscorable": n_unscorable, "human_rows": None if human is None else len(human)},
        "unmatched": {"verdicts_only": sorted(set(verdicts) - set(judge)),
                      "judge_only": sorted(set(judge) - set(verdicts)),
                      "human_missing": None if human is None else sorted(set(verdicts) & set(judge) - set(human))},
    })
    text = dumps(doc)
    (out / "calibration.json").write_text(text + "\n", encoding="utf-8")
    maps = [{"task": r["task"], "metric": r["metric"], "scale": r["scale"], **r["map"]} for r in doc["reliability"]]
    (out / "isotonic_map.json").write_text(dumps({"schema": MAP_SCHEMA, "maps": maps}) + "\n", encoding="utf-8")
    from mmgr.verify.calib_report import write_report
    write_report(json.loads(text), out, plots=not args.no_plots, audit_limit=args.audit_limit)
    _print_summary(doc, out)
    return 0


def _print_summary(doc: dict[str, Any], out: Path) -> None:
    def f(v: Any) -> str:
        return "  n/a" if v is None else f"{v:5.2f}"
    print(f"{'task':<8} {'metric':<22} {'n':>5} {'judge':>5} {'verif':>5} {'kappa':>5} {'sens':>5} {'spec':>5}")
    for e in doc["entries"]:
        if e["stratum"] == "all":
            print(f"{e['task']:<8} {e['metric']:<22} {e['n']:>5} {f(e['judge_rate'])} {f(e['verifier_rate'])} "
                  f"{f(e['kappa'])} {f(e['sensitivity'])} {f(e['specificity'])}")
    for a in doc["ablation"]:
        if a["model"] == "all" and a["explains_most"]:
            print(f"{a['task']}: judge strict overall {f(a['judge_strict_rate']).strip()} vs verifier "
                  f"{f(a['verifier_strict_rate']).strip()}; explained most by {a['explains_most']}")
    um = doc["unmatched"]
    print(f"unmatched: {len(um['verdicts_only'])} verdict ids without judge row, {len(um['judge_only'])} judge ids "
          f"without verdict; verifier unscorable: {doc['counts']['verifier_unscorable']}")
    print(f"report: {out / 'report.md'}", file=sys.stderr)


def run_apply(args: Any) -> int:
    """``calibrate apply``: add ``calibrated`` probabilities to each row of a new judge file."""
    doc = _load_json(args.isomap, "isotonic map")
    if not isinstance(doc, dict) or doc.get("schema") != MAP_SCHEMA:
        raise UsageError(f"'{args.isomap}' is not an isotonic map (expected schema {MAP_SCHEMA!r})")
    maps = {(m["task"], m["metric"]): (m["scale"], cal.IsotonicMap.from_dict(m)) for m in doc["maps"]}
    map_tasks = sorted({t for t, _ in maps})
    keymap = _keymap(args.rename)
    lines = []
    for i, raw in enumerate(read_rows(args.judge_new, "judge"), 1):
        row = {norm_key(keymap.get(k, k)): v for k, v in raw.items()}
        task = row.get("task") or args.task or (map_tasks[0] if len(map_tasks) == 1 else None)
        if task is None:
            raise UsageError(f"judge row {i}: no 'task' key and the map has several tasks (use --task)")
        calibrated: dict[str, float | None] = {}
        for (t, m), (scale, fit) in sorted(maps.items()):
            if t != task or m not in row:
                continue
            v = parse_value(row[m], f"judge row {i} key {m!r}")
            u = cal.to_unit(v, scale)
            calibrated[m] = None if u is None else float(fit.predict([u])[0])
        lines.append(dumps({**raw, "calibrated": calibrated}, indent=None))
    text = "\n".join(lines) + ("\n" if lines else "")
    if args.apply_out:
        Path(args.apply_out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0

