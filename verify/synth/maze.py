"""Maze instances: DFS and Wilson generation, MMGR-like specs, and ``mmgr-verify make maze``.

Mazes are perfect (spanning trees), as maze-dataset builds them, in our spec layout:
``conn`` (2, R, C) bool with ``conn[0, r, c]`` = (r, c) open to (r + 1, c) and ``conn[1, r, c]``
= (r, c) open to (r, c + 1). Sizes follow MMGR: easy 3-5, medium 6-9, hard 10-13. Start/goal
schemes: corner or random start, corner or random goal, with a minimum path distance.

The renderer with truth (three styles, every defect of the issue) is ``maze_render`` and the
case table ``maze_cases``; this module only generates and writes instances.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.solvers.maze import bfs_distances, shortest_path

LEVELS: dict[str, tuple[int, int]] = {"easy": (3, 5), "medium": (6, 9), "hard": (10, 13)}
SCHEMES = ("corner-corner", "corner-random", "random-corner", "random-random")

__all__ = ["LEVELS", "SCHEMES", "add_make_arguments", "generate", "make", "make_spec", "pick_endpoints"]


def _open(conn: NDArray[np.bool_], a: tuple[int, int], b: tuple[int, int]) -> None:
    (r0, c0), (r1, c1) = sorted([a, b])
    conn[0 if r1 != r0 else 1, r0, c0] = True


def _nbrs(cell: tuple[int, int], rows: int, cols: int) -> list[tuple[int, int]]:
    r, c = cell
    steps = ((-1, 0), (0, -1), (0, 1), (1, 0))
    return [(r + dr, c + dc) for dr, dc in steps if 0 <= r + dr < rows and 0 <= c + dc < cols]


def generate(rows: int, cols: int, algo: str, rng: np.random.Generator) -> NDArray[np.bool_]:
    """A perfect maze by randomized DFS (long corridors) or Wilson's algorithm (uniform spanning tree).

    >>> c = generate(4, 5, "wilson", np.random.default_rng(0))
    >>> c.shape, int(c.sum())  # a spanning tree of 20 cells has 19 open connections
    ((2, 4, 5), 19)
    """
    if rows < 1 or cols < 1 or rows * cols < 2:
        raise ValueError(f"maze size: expected at least 2 cells, got {rows}x{cols}")
    conn = np.zeros((2, rows, cols), bool)
    if algo == "dfs":
        seen = np.zeros((rows, cols), bool)
        start = (int(rng.integers(rows)), int(rng.integers(cols)))
        stack = [start]
        seen[start] = True
        while stack:
            cur = stack[-1]
            options = [n for n in _nbrs(cur, rows, cols) if not seen[n]]
            if not options:
                stack.pop()
                continue
            nxt = options[int(rng.integers(len(options)))]
            _open(conn, cur, nxt)
            seen[nxt] = True
            stack.append(nxt)
    elif algo == "wilson":
        in_tree = np.zeros((rows, cols), bool)
        in_tree[int(rng.integers(rows)), int(rng.integers(cols))] = True
        for cell in [(r, c) for r in range(rows) for c in range(cols)]:
            if in_tree[cell]:
                continue
            walk = [cell]
            pos = {cell: 0}
            while not in_tree[walk[-1]]:  # loop-erased random walk until the tree is hit
                opts = _nbrs(walk[-1], rows, cols)
                nxt = opts[int(rng.integers(len(opts)))]
                if nxt in pos:
                    for w in walk[pos[nxt] + 1:]:
                        del pos[w]
                    walk = walk[: pos[nxt] + 1]
                else:
                    pos[nxt] = len(walk)
                    walk.append(nxt)
            for a, b in zip(walk[:-1], walk[1:], strict=True):
                _open(conn, a, b)
                in_tree[a] = True
    else:
        raise ValueError(f"algo: expected 'dfs' or 'wilson', got {algo!r}")
    return conn


def pick_endpoints(conn: NDArray[np.bool_], scheme: str, rng: np.random.Generator,
                   min_dist: int | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """Start and goal cells for a scheme ``"<corner|random>-<corner|random>"``.

    ``min_dist`` (default: half the rows + cols) is the least path distance between them; it is
    relaxed step by step when no pair reaches it.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme: expected one of {SCHEMES}, got {scheme!r}")
    rows, cols = conn.shape[1:]
    corners = [(0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)]
    every = [(r, c) for r in range(rows) for c in range(cols)]
    s_kind, g_kind = scheme.split("-")
    need = (rows + cols) // 2 if min_dist is None else min_dist
    while need >= 1:
        pairs = []
        for s in corners if s_kind == "corner" else every:
            dist = bfs_distances(conn, s)
            for g in corners if g_kind == "corner" else every:
                if g != s and dist[g] >= need:
                    pairs.append((s, g))
        if pairs:
            s, g = pairs[int(rng.integers(len(pairs)))]
            return (int(s[0]), int(s[1])), (int(g[0]), int(g[1]))
        need -= 1
    raise ValueError("no start/goal pair found")


def make_spec(conn: NDArray[np.bool_], start: tuple[int, int], goal: tuple[int, int], **extra: Any) -> dict[str, Any]:
    """The JSON spec of one maze (see ``mmgr.verify.tasks.maze``)."""
    doc: dict[str, Any] = {"task": "maze", "rows": int(conn.shape[1]), "cols": int(conn.shape[2]),
                           "connections": conn.astype(bool).tolist(), "start": list(start), "goal": list(goal)}
    doc.update(extra)
    return doc


def add_make_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``mmgr-verify make maze``."""
    parser.add_argument("--level", choices=sorted(LEVELS), default="easy",
                        help="size range (easy 3-5, medium 6-9, hard 10-13)")
    parser.add_argument("--size", type=int, help="exact size N (N x N), overrides --level")
    parser.add_argument("--algo", choices=("dfs", "wilson"), default="dfs")
    parser.add_argument("--scheme", choices=SCHEMES, default="corner-corner", help="start-goal placement")
    parser.add_argument("--min-dist", type=int, help="least start-goal path distance (default (R+C)/2)")
    parser.add_argument("--style", choices=("block", "tile", "plot"), default="block", help="input image style")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output folder")


def make(args: Any) -> int:
    """Write ``maze_XXXX.json`` (spec), ``_input.png`` and ``_solution.png`` per instance."""
    from mmgr.errors import UsageError
    from mmgr.verify.synth.maze_render import draw_frame, render_base, solution_image
    from mmgr.verify.synth.media import write_image

    if args.count < 1:
        raise UsageError(f"--count: expected >= 1, got {args.count}")
    if args.size is not None and not 2 <= args.size <= 40:
        raise UsageError(f"--size: expected 2..40, got {args.size}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    lo, hi = LEVELS[args.level]
    for i in range(args.count):
        n = args.size or int(rng.integers(lo, hi + 1))
        conn = generate(n, n, args.algo, rng)
        start, goal = pick_endpoints(conn, args.scheme, rng, args.min_dist)
        path = shortest_path(conn, start, goal)
        assert path is not None
        spec = make_spec(conn, start, goal, style=args.style, generator=args.algo, scheme=args.scheme,
                         level=args.level if args.size is None else None, solution=[list(p) for p in path])
        stem = out / f"maze_{i:04d}"
        stem.with_suffix(".json").write_text(json.dumps(spec, sort_keys=True) + "\n", encoding="utf-8")
        base = render_base(conn, args.style)
        write_image(draw_frame(base, start=start, goal=goal, agent=[(start[1] + 0.5, start[0] + 0.5)]),
                    f"{stem}_input.png")
        write_image(solution_image(base, start, goal, path), f"{stem}_solution.png")
    print(f"wrote {args.count} maze instance(s) to {out}")
    return 0
