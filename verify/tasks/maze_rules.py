"""The maze rules, applied to a parsed ``MazeState`` (pure: no pixels, no I/O).

Each ``rule_*`` returns ``(metric value, violations, details)``. Conventions (MMGR): failure
metrics are 1 when the failure happened. Design decisions:

- A wall crossing is judged on the *motion*, not only on positions: the agent's centre inside
  a closed wall's band in any frame (a one-frame clip), the straight segment between two
  consecutive sightings crossing a closed wall, a step longer than ``max_step`` cells (a
  teleport), and two agents at once (a duplicate; MMGR's navigation task calls it agent
  consistency, the same family as a teleport) all set ``cross_wall``.
- ``maze_changed`` compares every frame with the input maze, walls under markers masked out;
  a difference must last ``change_min_frames`` consecutive read frames (one frame for images)
  so that a compression artefact is not a change. Changes at the goal after the agent arrived
  are success decorations: recorded, not counted.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mmgr.kernels.path import (
    DOWN_WALL,
    OK,
    segment_cells,
    step_codes,
    wall_contacts,
)
from mmgr.parsers.maze import MazeState
from mmgr.solvers.maze import bfs_distances
from mmgr.verify.types import Violation

Cell = tuple[int, int]
MAX_EVIDENCE = 12

__all__ = ["rule_cross_wall", "rule_image_path", "rule_maze_changed", "rule_target", "track_cells"]


def _cell(p: tuple[float, float]) -> Cell:
    return int(math.floor(p[1])), int(math.floor(p[0]))


def _box(state: MazeState, frame: int, x: float, y: float, half: float = 0.5) -> tuple[int, int, int, int] | None:
    g = state.frames[frame].grid or state.grid0
    x0, y0 = g.to_px(x - half, y - half)
    x1, y1 = g.to_px(x + half, y + half)
    return round(x0), round(y0), round(x1), round(y1)


def _wall_name(kind: int, r: int, c: int) -> str:
    if kind == DOWN_WALL:
        return f"the wall between ({r},{c}) and ({r + 1},{c})"
    if kind == 2:
        return f"the wall between ({r},{c}) and ({r},{c + 1})"
    return f"the outer wall next to ({r},{c})"


def track_cells(state: MazeState) -> list[tuple[int, Cell]]:
    """(frame, cell) of the agent in every frame it was seen, consecutive repeats kept."""
    return [(i, _cell(p)) for i, p in enumerate(state.track) if p is not None]


def rule_cross_wall(state: MazeState, clip_half: float, max_step: float,
                    min_frames: int) -> tuple[int, list[Violation], dict[str, Any]]:
    """"cross_wall: agent touches/crosses a wall in any frame" -- positions, motion, teleports, duplicates."""
    conn = state.ref.conn
    rows, cols = conn.shape[1:]
    vs: list[Violation] = []
    seen = [(i, p) for i, p in enumerate(state.track) if p is not None]
    if seen:
        xs = np.array([p[0] for _, p in seen], np.float64)
        ys = np.array([p[1] for _, p in seen], np.float64)
        contacts = wall_contacts(xs, ys, conn, clip_half)
        for (i, p), (kind, r, c) in zip(seen, contacts, strict=True):
            if kind:
                vs.append(Violation("cross_wall", i, (int(r), int(c)),
                                    f"agent centre at ({p[1]:.2f},{p[0]:.2f}) is inside {_wall_name(kind, r, c)} "
                                    f"in frame {i}", _box(state, i, p[0], p[1]), "in wall", "open corridor"))
    prev: tuple[int, tuple[float, float]] | None = None
    if state.ref.start is not None and seen and seen[0][0] > 0:
        s = state.ref.start
        prev = (0, (s[1] + 0.5, s[0] + 0.5))
    for i, p in seen:
        if prev is None:
            prev = (i, p)
            continue
        j, q = prev
        gap = i - j
        d = math.hypot(p[0] - q[0], p[1] - q[1])
        a, b = _cell(q), _cell(p)
        where = (b[0], b[1])
        if gap == 1 and d > max_step:
            vs.append(Violation("cross_wall", i, where, f"agent jumped {d:.1f} cells from {a} to {b} between frames "
                                f"{j} and {i} (teleport)", _box(state, i, p[0], p[1]), f"jump {d:.1f}",
                                f"<= {max_step}"))
        elif gap == 1:
            cells = segment_cells(q[0], q[1], p[0], p[1], rows, cols, max(2, int(math.ceil(d * 16))))
            codes = step_codes(cells, conn)
            bad = np.flatnonzero(codes != OK)  # WALL, DIAGONAL_WALL, JUMP or OUTSIDE
            if bad.size:
                k = int(bad[0])
                c0, c1 = tuple(int(v) for v in cells[k]), tuple(int(v) for v in cells[k + 1])
                vs.append(Violation("cross_wall", i, where, f"agent moved {c0}->{c1} through a wall between frames "
                                    f"{j} and {i}", _box(state, i, p[0], p[1]), f"{c0}->{c1}", "open moves only"))
        elif 0 <= a[0] < rows and 0 <= a[1] < cols and 0 <= b[0] < rows and 0 <= b[1] < cols:
            dist = int(bfs_distances(conn, a)[b])
            allowed = int(math.ceil(max_step * gap))
            if dist < 0 or dist > allowed:
                vs.append(Violation("cross_wall", i, where, f"agent reappeared at {b} in frame {i}, {dist} open moves "
                                    f"from {a} (frame {j}); at most {allowed} fit in {gap} frames (teleport)",
                                    _box(state, i, p[0], p[1]), f"{dist} moves", f"<= {allowed}"))
        prev = (i, p)
    runs = _runs([k for k, n in enumerate(state.duplicates) if n >= 2])
    for f0, f1 in runs:
        if f1 - f0 + 1 >= min_frames:
            vs.append(Violation("cross_wall", f0, (), f"{state.duplicates[f0]} agents visible in frames {f0}-{f1} "
                                "(duplicated agent)", None, f"{state.duplicates[f0]} agents", "1 agent"))
    details = {"crossings": len(vs)}
    return int(bool(vs)), vs[:MAX_EVIDENCE], details


def _runs(frames: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for f in frames:
        if out and f == out[-1][1] + 1:
            out[-1] = (out[-1][0], f)
        else:
            out.append((f, f))
    return out


def rule_maze_changed(state: MazeState, arrival: int | None, min_frames: int, erased_below: float = 0.3,
                      added_above: float = 0.7) -> tuple[int, list[Violation], dict[str, Any]]:
    """"maze_changed: walls or goal differ from the input in any frame" (agent masked out)."""
    conn = state.ref.conn
    closed = ~conn
    vs: list[Violation] = []
    read = [(o.index, o.walls) for o in state.frames if o.walls is not None]
    if not read:
        return int(any(o.replaced for o in state.frames)), [], {}
    w = np.stack([wl for _, wl in read])  # (T, 2, R, C)
    valid = w >= 0
    valid[:, 0, -1, :] = False
    valid[:, 1, :, -1] = False
    erased = valid & closed[None] & (w < erased_below)
    added = valid & ~closed[None] & (w > added_above)
    diff = erased | added
    need = 1 if state.is_image else min_frames
    first_change: dict[tuple[int, int, int], int] = {}
    for k, r, c in zip(*np.nonzero(diff.any(axis=0)), strict=True):
        run = 0
        for t in range(len(read)):
            if diff[t, k, r, c]:
                run += 1
                if run >= need:
                    first_change[(int(k), int(r), int(c))] = t - run + 1
                    break
            elif valid[t, k, r, c]:
                run = 0
    for (k, r, c), t in sorted(first_change.items(), key=lambda kv: (kv[1], kv[0])):
        fi = read[t][0]
        what = "erased" if closed[k, r, c] else "added"
        x, y = (c + 0.5, r + 1.0) if k == 0 else (c + 1.0, r + 0.5)
        name = _wall_name(DOWN_WALL if k == 0 else 2, r, c)
        vs.append(Violation("maze_changed", fi, (r, c), f"{name} is {what} from frame {fi} (wall-ness "
                            f"{w[t, k, r, c]:.2f})", _box(state, fi, x, y, 0.35), what,
                            "closed" if closed[k, r, c] else "open"))
    goal_vs, decorations = _goal_changes(state, arrival, need)
    vs += goal_vs
    replaced = [o for o in state.frames if o.replaced]
    if replaced:
        o = replaced[0]
        vs.append(Violation("maze_changed", o.index, (), f"frame {o.index}: {o.skipped}", None, "another maze",
                            "the input maze"))
    details = {"walls_changed": len(first_change), "decorations": decorations}
    return int(bool(vs)), vs[:MAX_EVIDENCE], details


def _goal_changes(state: MazeState, arrival: int | None, need: int) -> tuple[list[Violation], list[str]]:
    goal, agent = state.ref.goal, state.agent_hue
    assert goal is not None
    f0 = state.frames[0]
    ghue = state.ref.goal_hue
    base_cells = {m.cell for m in f0.markers if m.hue == ghue}
    missing: list[int] = []
    extra: dict[Cell, list[int]] = {}
    decorations: list[str] = []
    for o in state.frames:
        if o.grid is None:
            continue
        at_goal = [m for m in o.markers if m.cell == goal and m.hue != agent]
        if arrival is not None and o.index >= arrival:
            looks = sorted({m.hue for m in at_goal})
            if looks != ([ghue] if ghue else []) and f"frame {o.index}: goal looks {looks}" not in decorations:
                if not decorations or not decorations[-1].endswith(str(looks)):
                    decorations.append(f"frame {o.index}: goal looks {looks}")
            continue
        p = state.track[o.index]
        near = p is not None and abs(p[0] - (goal[1] + 0.5)) + abs(p[1] - (goal[0] + 0.5)) < 1.2
        if ghue is not None and not any(m.hue == ghue for m in at_goal) and not near:
            missing.append(o.index)
        for m in o.markers:
            if ghue is not None and m.hue == ghue and m.hue != agent and m.cell not in base_cells and m.area > 0.05:
                extra.setdefault(m.cell, []).append(o.index)
    vs: list[Violation] = []
    for f0_, f1_ in _runs(missing):
        if f1_ - f0_ + 1 >= need:
            vs.append(Violation("maze_changed", f0_, goal, f"goal marker missing from {goal} in frames {f0_}-{f1_}",
                                _box(state, f0_, goal[1] + 0.5, goal[0] + 0.5), "no goal", ghue))
            break
    for cell, frames in sorted(extra.items()):
        runs = [r for r in _runs(frames) if r[1] - r[0] + 1 >= need]
        if runs:
            f = runs[0][0]
            vs.append(Violation("maze_changed", f, cell, f"a {ghue} goal-like marker appears at {cell} in frame {f}",
                                _box(state, f, cell[1] + 0.5, cell[0] + 0.5), ghue, "no marker"))
    return vs, decorations[:8]


def rule_target(state: MazeState, lost_tail: float) -> tuple[int | None, int, str | None, dict[str, Any]]:
    """"target_achievement: agent reaches and stops on the goal"; also "ever reached".

    Returns:
        (target or None when undecidable, ever_reached, reason when undecidable, details).
    """
    goal = state.ref.goal
    cells = track_cells(state)
    ever = int(any(c == goal for _, c in cells))
    if not cells:
        return None, 0, "the agent was not seen in any frame", {}
    last_i, last_c = cells[-1]
    n = state.n_frames
    details: dict[str, Any] = {"last_seen_frame": last_i, "last_cell": list(last_c)}
    if last_i < n - 1:
        details["vanished_after_frame"] = last_i
        if last_c != goal and (n - 1 - last_i) > lost_tail * n:
            why = f"agent lost after frame {last_i} at {last_c}, {n - 1 - last_i} frames before the end"
            return None, ever, why, details
    return int(last_c == goal), ever, None, details


def rule_image_path(state: MazeState, cover_min: float,
                    on_wall_min: float) -> tuple[int, int, list[Violation], dict[str, Any]]:
    """Images: "the drawn path connects start and goal; a path touching a wall counts as crossing".

    Returns:
        (cross_wall, target_achievement, violations, details).
    """
    o = state.frames[0]
    assert o.path_cover is not None and o.path_on_walls is not None
    start, goal = state.ref.start, state.ref.goal
    assert start is not None and goal is not None
    conn = state.ref.conn
    on = o.path_cover >= cover_min
    cells = {(int(r), int(c)) for r, c in zip(*np.nonzero(on), strict=True)}
    vs: list[Violation] = []
    hits = (o.path_on_walls >= on_wall_min) & ~conn
    hits[0, -1, :] = False
    hits[1, :, -1] = False
    for k, r, c in zip(*np.nonzero(hits), strict=True):
        x, y = (c + 0.5, r + 1.0) if k == 0 else (c + 1.0, r + 0.5)
        name = _wall_name(1 if k == 0 else 2, r, c)
        vs.append(Violation("cross_wall", 0, (int(r), int(c)), f"drawn path covers {name}",
                            _box(state, 0, x, y, 0.35), "path on wall", "open corridor"))
    if state.ref.source == "frame0":  # no spec: walls under the path cannot be seen, but a perfect maze
        rows, cols = conn.shape[1:]      # has exactly R*C - 1 openings; more means the path covers walls
        extra = int(conn.sum()) - (rows * cols - 1)
        if extra > 0:
            vs.append(Violation("cross_wall", 0, (), f"the maze read with the path's cells open has {extra} opening(s) "
                                "too many for a perfect maze: the drawn path covers walls", state.grid0.box_px(),
                                f"{int(conn.sum())} openings", f"{rows * cols - 1}"))
    nodes = cells | {start, goal}
    drawn_over = o.path_on_walls >= on_wall_min
    seen, todo = {start}, [start]
    while todo:  # a step joins two path cells through an open wall, or through a wall the path covers
        r, c = todo.pop()
        for nb in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if nb not in nodes or nb in seen:
                continue
            (ra, ca), (rb, cb) = sorted([(r, c), nb])
            k = 0 if rb != ra else 1
            if conn[k, ra, ca] or drawn_over[k, ra, ca]:
                seen.add(nb)
                todo.append(nb)
    # something must be drawn: a path cell, or a stroke over a wall (start and goal side by side with
    # the path drawn straight across the wall between them)
    target = int(goal in seen and (len(cells) > 0 or bool(drawn_over.any())))
    if not target:
        vs.append(Violation("target_achievement", 0, goal, f"drawn path does not connect {start} to {goal} "
                            f"({len(cells)} path cells)", _box(state, 0, goal[1] + 0.5, goal[0] + 0.5), "unconnected",
                            "connected"))
    details = {"path_cells": sorted([list(c) for c in cells])}
    cross = int(any(v.rule == "cross_wall" for v in vs))
    return cross, target, vs[:MAX_EVIDENCE], details

