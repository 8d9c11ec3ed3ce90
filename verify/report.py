"""Human-readable renderings of verdicts (the JSON form is ``Verdict.to_dict``)."""

from __future__ import annotations

import os
import sys
from typing import Any

_COLORS = {"pass": "\033[32m", "fail": "\033[31m", "unscorable": "\033[33m"}


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.3f}"
    return str(int(v)) if isinstance(v, float) else str(v)


def human_summary(doc: dict[str, Any]) -> str:
    """A short readable summary of one verdict document (a few lines).

    >>> print(human_summary({"media": "a.mp4", "task": "sudoku", "status": "pass",
    ...       "metrics": {"overall": 1}, "reason": "solved", "evidence": []}))
    a.mp4  sudoku  PASS  solved
      overall=1
    """
    status = str(doc["status"])
    label = status.upper()
    if _use_color():
        label = f"{_COLORS.get(status, '')}{label}\033[0m"
    lines = [f"{doc['media']}  {doc['task']}  {label}  {doc.get('reason', '')}"]
    metrics = doc.get("metrics") or {}
    if metrics:
        lines.append("  " + " ".join(f"{k}={_fmt(v)}" for k, v in metrics.items()))
    ev = [e for e in doc.get("evidence", []) if e.get("rule") != "note"]
    if ev:
        e = ev[0]
        where = f", at {tuple(e['where'])}" if e.get("where") else ""
        frame = f"frame {e['frame']}" if e.get("frame") is not None else "whole input"
        more = f" (+{len(ev) - 1} more)" if len(ev) > 1 else ""
        lines.append(f"  first violation: {e['rule']}: {frame}{where}: {e['detail']}{more}")
    for f in doc.get("evidence_files", [])[:3]:
        lines.append(f"  evidence: {f}")
    return "\n".join(lines)
