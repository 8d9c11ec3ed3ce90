"""Synthetic maze outputs with truth: every case of issue 3, in every style, on real media.

``build_case(kind, style, seed)`` returns a ``MazeCase``: the RGB frames a generator could
have produced, the spec of the input maze and the truth metrics. ``write_case`` encodes it
(lossless/h264/hevc/vp9/gif/png/frames) after an optional ``Degradation``.

Truth conventions (the rules of ``mmgr.verify.tasks.maze``): a one-frame clip into a wall, a
step across a wall between two frames, a teleport (jump over more than one cell) and a
duplicated agent all set ``cross_wall``; a moved goal or an erased wall sets ``maze_changed``;
``target_achievement`` needs the agent to end on (or vanish at) the goal; ``action_reflection``
is 1 when the agent's cell sequence leaves the solution path or revisits a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.solvers.maze import neighbours, shortest_path
from mmgr.verify.synth.maze import generate, make_spec, pick_endpoints
from mmgr.verify.synth.maze_render import camera, draw_frame, render_base, solution_image
from mmgr.verify.synth.media import Degradation, degrade, keep_frame, write_gif, write_image, write_video

VIDEO_KINDS = ("correct", "backtrack", "clip1", "between", "teleport", "goal_moved", "wall_erased", "duplicate",
               "static", "short", "overshoot", "camera")
IMAGE_KINDS = ("image_correct", "image_through_wall", "image_short")
KINDS = VIDEO_KINDS + IMAGE_KINDS
Cell = tuple[int, int]
Pos = tuple[float, float]

__all__ = ["IMAGE_KINDS", "KINDS", "VIDEO_KINDS", "MazeCase", "build_case", "write_case"]


@dataclass(frozen=True)
class MazeCase:
    """One synthetic output with its truth.

    Attributes:
        kind, style, seed: what was built.
        spec: the input maze as a spec mapping.
        frames: list of (H, W, 3) uint8 frames (one for image outputs).
        truth: metric name -> 0/1 (None where not applicable).
        event_frames: frames where the defect is visible (for evidence checks).
        track: per frame, the true agent centre (x, y) in cell coordinates, None when hidden.
    """

    kind: str
    style: str
    seed: int
    spec: dict[str, Any]
    frames: list[NDArray[np.uint8]]
    truth: dict[str, int | None]
    event_frames: tuple[int, ...] = field(default=())
    track: tuple[Pos | None, ...] = field(default=())


def _centre(cell: Cell) -> Pos:
    return cell[1] + 0.5, cell[0] + 0.5


def _walk(cells: Sequence[Cell], fpc: int) -> list[Pos]:
    out: list[Pos] = []
    for a, b in zip(cells[:-1], cells[1:], strict=True):
        (xa, ya), (xb, yb) = _centre(a), _centre(b)
        out += [(xa + (xb - xa) * k / fpc, ya + (yb - ya) * k / fpc) for k in range(fpc)]
    out.append(_centre(cells[-1]))
    return out


def _reflection(traj: Sequence[Pos | None], solution: Sequence[Cell]) -> int:
    cells: list[Cell] = []
    for p in traj:
        if p is not None:
            c = (int(np.floor(p[1])), int(np.floor(p[0])))
            if not cells or cells[-1] != c:
                cells.append(c)
    return int(any(c not in solution for c in cells) or len(set(cells)) < len(cells))


def _closed_neighbours(conn: NDArray[np.bool_], cell: Cell) -> list[Cell]:
    rows, cols = conn.shape[1:]
    r, c = cell
    opened = set(neighbours(conn, cell))
    return [(r + dr, c + dc) for dr, dc in ((-1, 0), (0, -1), (0, 1), (1, 0))
            if 0 <= r + dr < rows and 0 <= c + dc < cols and (r + dr, c + dc) not in opened]


def _plan(kind: str, conn: NDArray[np.bool_], start: Cell, goal: Cell, path: list[Cell], fpc: int,
          rng: np.random.Generator) -> tuple[list[Pos], dict[str, Any]] | None:
    """Agent positions per frame (before the plot style's appear/vanish handling) and case extras."""
    hold0, hold1 = [_centre(start)] * 2, [_centre(goal)] * 3
    if kind in ("correct", "camera", "goal_moved", "wall_erased", "duplicate"):
        return hold0 + _walk(path, fpc) + hold1, {}
    if kind == "backtrack":
        for i in range(1, len(path) - 1):
            off = [n for n in neighbours(conn, path[i]) if n not in path]
            if off:
                traj = _walk(path[: i + 1], fpc) + _walk([path[i], off[0], path[i]], fpc)[1:] + _walk(path[i:], fpc)[1:]
                return hold0 + traj + hold1, {}
        return None
    if kind == "clip1":
        for i in range(1, len(path) - 1):
            closed = _closed_neighbours(conn, path[i])
            if closed:
                w = closed[0]
                x, y = _centre(path[i])
                clip = (x + 0.42 * (w[1] - path[i][1]), y + 0.42 * (w[0] - path[i][0]))
                before = hold0 + _walk(path[: i + 1], fpc)
                return before + [clip] + _walk(path[i:], fpc) + hold1, {"event": len(before)}
        return None
    if kind in ("between", "teleport"):
        for i in range(1, len(path) - 1):
            if kind == "between":
                targets = [n for n in _closed_neighbours(conn, path[i]) if n not in path]
            else:
                rows, cols = conn.shape[1:]
                targets = [(r, c) for r in range(rows) for c in range(cols)
                           if abs(r - path[i][0]) + abs(c - path[i][1]) >= 3 and (r, c) != goal]
            if targets:
                t = targets[int(rng.integers(len(targets)))]
                rest = shortest_path(conn, t, goal)
                assert rest is not None
                before = hold0 + _walk(path[: i + 1], fpc)
                return before + _walk(rest, fpc) + hold1, {"event": len(before)}
        return None
    if kind == "static":
        return [_centre(start)] * 12, {}
    if kind == "short":
        return hold0 + _walk(path[:-1], fpc) + [_centre(path[-2])] * 3, {}
    if kind == "overshoot":
        opts = [n for n in neighbours(conn, goal) if n != path[-2]] or [path[-2]]
        return hold0 + _walk(path, fpc) + _walk([goal, opts[0]], fpc)[1:] + [_centre(opts[0])] * 3, {}
    raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")


def build_case(kind: str, style: str, seed: int, *, size: int = 4, cell_px: int | None = None,
               fpc: int = 2, algo: str | None = None) -> MazeCase:
    """Render one synthetic case (see the module docstring for the truth conventions).

    Args:
        kind: one of ``KINDS``.
        style: ``"block"``, ``"tile"`` or ``"plot"``.
        seed: everything random (maze, endpoints, defect placement) derives from it.
        size: maze side N (N x N cells).
        cell_px: block or cell size in pixels (style default when None).
        fpc: frames per cell step (sub-cell motion when > 1).
        algo: "dfs" or "wilson" (alternating with the seed when None).
    """
    for attempt in range(50):
        rng = np.random.default_rng([seed, attempt])
        conn = generate(size, size, algo or ("dfs", "wilson")[seed % 2], rng)
        start, goal = pick_endpoints(conn, ("corner-corner", "random-random")[seed % 2], rng, min_dist=size)
        path = shortest_path(conn, start, goal)
        assert path is not None
        if kind in IMAGE_KINDS:
            return _image_case(kind, style, seed, conn, start, goal, path, cell_px)
        plan = _plan(kind, conn, start, goal, path, fpc, rng)
        if plan is not None:
            break
    else:
        raise RuntimeError(f"no maze fits case {kind!r} for seed {seed}")
    traj, extra = plan
    base = render_base(conn, style, cell_px)
    spec = make_spec(conn, start, goal, style=style)
    n = len(traj)
    positions: list[list[Pos]] = [[p] for p in traj]
    goal_look = ["normal"] * n
    goal_cells: list[Cell | None] = [goal] * n
    bases = [base] * n
    events: list[int] = [extra["event"]] if "event" in extra else []
    arrive = next((i for i, p in enumerate(traj) if p == _centre(goal)), None)
    if style == "plot":  # the star appears after frame 0 and vanishes at the goal; the flag becomes a trophy
        for i in range(min(2, n)):
            positions[i] = []
        if arrive is not None:
            for i in range(arrive, n):
                goal_look[i] = "trophy"
                if kind not in ("overshoot",) and i > arrive:
                    positions[i] = []
    if kind == "goal_moved":
        k = max(3, (arrive or n) // 2)
        free = [(r, c) for r in range(size) for c in range(size) if (r, c) not in path]
        g2 = free[int(rng.integers(len(free)))]
        for i in range(k, n):
            goal_cells[i] = g2
            goal_look[i] = "normal"
        events = [k]
    if kind == "wall_erased":
        k = max(3, n // 3)
        closed = np.argwhere(~conn[:, :-1, :-1])
        w = closed[int(rng.integers(len(closed)))]
        conn2 = conn.copy()
        conn2[tuple(w)] = True
        b2 = render_base(conn2, style, cell_px)
        for i in range(k, n):
            bases[i] = b2
        events = [k]
    if kind == "duplicate":
        k = max(3, n // 3)
        others = [(r, c) for r in range(size) for c in range(size) if abs(r - start[0]) + abs(c - start[1]) >= 2
                  and (r, c) != goal and (r, c) not in path]
        dup = others[int(rng.integers(len(others)))] if others else (size - 1, 0)
        for i in range(k, min(n, k + 4)):
            positions[i] = positions[i] + [_centre(dup)]
        events = [k]
    frames = [draw_frame(bases[i], start=start, goal=goal_cells[i], agent=positions[i], goal_look=goal_look[i])
              for i in range(n)]
    if kind == "camera":
        k = n // 3
        for i in range(k, n):
            a = min(1.0, (i - k + 1) / 6)
            frames[i] = camera(frames[i], 1 - 0.15 * a, 6 * a, -4 * a)
    seen = [p[0] if p else None for p in positions]
    cross = int(kind in ("clip1", "between", "teleport", "duplicate"))
    changed = int(kind in ("goal_moved", "wall_erased"))
    ever = int(arrive is not None)
    target = int(kind not in ("static", "short", "overshoot"))
    truth: dict[str, int | None] = {
        "maze_changed": changed, "cross_wall": cross, "target_achievement": target, "ever_reached": ever,
        "action_reflection": _reflection(seen, path) if kind != "clip1" else 0,
        "overall": int(changed == 0 and cross == 0 and target == 1),
    }
    return MazeCase(kind, style, seed, spec, frames, truth, tuple(events), tuple(seen))


def _image_case(kind: str, style: str, seed: int, conn: NDArray[np.bool_], start: Cell, goal: Cell,
                path: list[Cell], cell_px: int | None) -> MazeCase:
    base = render_base(conn, style, cell_px)
    drawn = list(path)
    if kind == "image_short":
        drawn = path[:-2]
    elif kind == "image_through_wall":  # an L route that ignores the walls
        (r0, c0), (r1, c1) = start, goal
        sr, sc = (1 if r1 >= r0 else -1), (1 if c1 >= c0 else -1)
        drawn = [(r0, c) for c in range(c0, c1 + sc, sc)] + [(r, c1) for r in range(r0 + sr, r1 + sr, sr)]
    img = solution_image(base, start, goal, drawn)
    through = any(b not in neighbours(conn, a) for a, b in zip(drawn[:-1], drawn[1:], strict=True))
    target = int(kind != "image_short")
    cross = int(through)
    truth: dict[str, int | None] = {"maze_changed": 0, "cross_wall": cross, "target_achievement": target,
                                    "ever_reached": target, "action_reflection": None,
                                    "overall": int(cross == 0 and target == 1)}
    return MazeCase(kind, style, seed, make_spec(conn, start, goal, style=style), [img], truth, (0,))


def write_case(case: MazeCase, path: str | Path, *, codec: str = "lossless", degradation: Degradation | None = None,
               seed: int = 0, fps: int = 8) -> Path:
    """Encode a case's frames (after ``degradation``): codec lossless/h264/hevc/vp9/gif/png/jpg/frames.

    Dropped frames (``Degradation.drop_every``) never include the case's event frames: the defect
    the truth describes stays in the video (a one-frame wall clip that fell on a dropped frame would
    leave a correct walk, judged against a truth that says it crossed a wall).
    """
    d = degradation or Degradation()
    rng = np.random.default_rng(seed)
    n = len(case.frames)
    keep = [i for i in range(n) if keep_frame(i, n, d) or i in case.event_frames]
    frames = [degrade(case.frames[i], d, rng) if not d.is_clean else case.frames[i] for i in keep]
    if codec == "png":
        return write_image(frames[0], Path(path).with_suffix(".png"))
    if codec == "jpg":
        return write_image(frames[0], Path(path).with_suffix(".jpg"), jpeg_quality=90)
    if codec == "gif":
        return write_gif(frames, path, fps=fps)
    if codec == "frames":
        from mmgr.verify.synth.media import write_frame_folder
        return write_frame_folder(frames, path)
    return write_video(frames, path, codec=codec, fps=fps, crf=d.crf)
