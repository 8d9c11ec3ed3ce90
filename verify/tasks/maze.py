"""The ``maze`` task: an agent walks a maze (video), or a path is drawn through it (image).

Spec (JSON)::

    {"task": "maze", "rows": R, "cols": C, "connections": <2 x R x C booleans>,
     "start": [r, c], "goal": [r, c],
     "agent_color": "green", "goal_color": "red", "path_color": "blue"}   # optional hints

``connections[0][r][c]``: (r, c) and (r + 1, c) are connected; ``connections[1][r][c]``: (r, c)
and (r, c + 1) are. Row 0 is the top row of the image, column 0 the leftmost. Colours are hue
classes (red, yellow, green, blue, magenta) or [r, g, b] triples; without them the agent is
the marker that moves.

maze-dataset conversion: a ``LatticeMaze``'s ``connection_list`` has exactly this 2 x R x C
layout ([0] = down, [1] = right), and its coordinates are (row, col) with row 0 at the top of
its pixel rendering. So ``{"task": "maze", "rows": m.grid_shape[0], "cols": m.grid_shape[1],
"connections": m.connection_list.tolist(), "start": list(m.start_pos), "goal": list(m.end_pos)}``
is the spec of a ``TargetedLatticeMaze``/``SolvedMaze`` ``m``; ``spec_from_maze_dataset(m)`` does
it by duck typing, so maze-dataset stays optional. (Its plot style labels rows from the bottom:
the labels are ignored, positions are read in image coordinates.)

Metrics: ``maze_changed`` (1 = walls or goal changed in some frame), ``cross_wall`` (1 = the
agent touched or crossed a wall, teleported, or was duplicated; for images: the path covers a
wall), ``target_achievement`` (agent ends on the goal / the path connects start and goal),
``action_reflection`` (backtracking or exploration visible; reported, not gated; None for
images), ``ever_reached``, ``overall = maze_changed=0 and cross_wall=0 and target_achievement=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import ParseError, UsageError
from mmgr.parsers import draw
from mmgr.parsers.maze import HUES, MazeRef, MazeState, ParseOptions, hue_class, parse_maze
from mmgr.parsers.types import Frame
from mmgr.solvers.maze import count_paths, shortest_path
from mmgr.verify.registry import register
from mmgr.verify.tasks.maze_rules import rule_cross_wall, rule_image_path, rule_maze_changed, rule_target, track_cells
from mmgr.verify.types import CheckReport, Status, Violation

METRICS = ("maze_changed", "cross_wall", "target_achievement", "action_reflection", "overall", "ever_reached")

__all__ = ["MazePlugin", "Params", "reference_from_spec", "spec_from_maze_dataset"]


@dataclass(frozen=True, slots=True)
class Params:
    """Task parameters (``--param K=V``).

    Attributes:
        max_side: frames are downscaled to this longer side before parsing.
        clip_half: half-width (cells) of a wall's band; an agent centre inside it touches the wall.
        max_step: longest legal move between consecutive frames, in cells (longer = teleport).
        change_min_frames: consecutive frames a wall/goal difference must last to count (videos).
        lost_tail: share of the video the agent may be missing at the end before it is "lost".
        max_skipped: share of unreadable frames above which the verdict abstains.
        path_cover: least share of a cell's centre covered by the path colour (images).
        min_grid_score: least registration quality for a frame to be read.
        agent_color, goal_color, path_color: hue class overrides (else spec, else found).
    """

    max_side: int = 640
    clip_half: float = 0.15
    max_step: float = 1.5
    change_min_frames: int = 2
    lost_tail: float = 0.25
    max_skipped: float = 0.5
    path_cover: float = 0.3
    min_grid_score: float = 0.6
    agent_color: str | None = None
    goal_color: str | None = None
    path_color: str | None = None

    def __post_init__(self) -> None:
        if self.max_side < 64:
            raise ValueError(f"max_side: expected >= 64, got {self.max_side}")
        if not 0 < self.clip_half < 0.5:
            raise ValueError(f"clip_half: expected 0 < x < 0.5, got {self.clip_half}")
        if self.max_step < 1:
            raise ValueError(f"max_step: expected >= 1, got {self.max_step}")
        if self.change_min_frames < 1:
            raise ValueError(f"change_min_frames: expected >= 1, got {self.change_min_frames}")
        for name in ("agent_color", "goal_color", "path_color"):
            v = getattr(self, name)
            if v is not None and v not in HUES:
                raise ValueError(f"{name}: expected one of {HUES}, got {v!r}")


def _hue(v: Any, name: str) -> str | None:
    if v is None:
        return None
    if isinstance(v, str) and v in HUES:
        return v
    if isinstance(v, list | tuple) and len(v) == 3 and all(isinstance(x, int | float) for x in v):
        return hue_class([float(x) for x in v])
    raise UsageError(f"spec {name}: expected one of {HUES} or [r, g, b], got {v!r}")


def _cell(v: Any, name: str, rows: int, cols: int) -> tuple[int, int]:
    ints = isinstance(v, list | tuple) and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    if not (ints and len(v) == 2):
        raise UsageError(f"spec {name}: expected [row, col] integers, got {v!r}")
    if not (0 <= v[0] < rows and 0 <= v[1] < cols):
        raise UsageError(f"spec {name}: expected a cell inside {rows}x{cols}, got {list(v)}")
    return int(v[0]), int(v[1])


def reference_from_spec(spec: Mapping[str, Any], params: Params | None = None) -> MazeRef:
    """Validate a maze spec and build the reference; raise ``UsageError`` naming the bad field."""
    p = params or Params()
    for key in ("rows", "cols", "start", "goal"):
        if key not in spec:
            raise UsageError(f"spec: missing {key!r}")
    conn_doc = spec.get("connections", spec.get("connection_list"))
    if conn_doc is None:
        raise UsageError("spec: missing 'connections'")
    rows, cols = spec["rows"], spec["cols"]
    sizes_ok = all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 60 for v in (rows, cols))
    if not sizes_ok or rows * cols < 2:
        raise UsageError(f"spec rows/cols: expected integers in 1..60 (2+ cells), got {rows!r}x{cols!r}")
    try:
        conn = np.asarray(conn_doc)
    except (ValueError, TypeError):
        raise UsageError("spec connections: expected a 2 x R x C array of booleans") from None
    binary = conn.dtype.kind == "b" or (conn.dtype.kind == "i" and bool(np.isin(conn, (0, 1)).all()))
    if conn.shape != (2, rows, cols) or not binary:
        raise UsageError(f"spec connections: expected 2 x {rows} x {cols} booleans, got shape {list(conn.shape)} "
                         f"of {conn.dtype}")
    conn = conn.astype(bool)
    if conn[0, -1, :].any() or conn[1, :, -1].any():
        raise UsageError("spec connections: the last row's down links and the last column's right links must be false")
    start = _cell(spec["start"], "start", rows, cols)
    goal = _cell(spec["goal"], "goal", rows, cols)
    if start == goal:
        raise UsageError(f"spec: start and goal are the same cell {list(start)}")
    return MazeRef(conn, start, goal, p.agent_color or _hue(spec.get("agent_color"), "agent_color"),
                   p.goal_color or _hue(spec.get("goal_color"), "goal_color"),
                   p.path_color or _hue(spec.get("path_color"), "path_color"), "spec")


def spec_from_maze_dataset(maze: Any) -> dict[str, Any]:
    """Spec of a maze-dataset ``TargetedLatticeMaze``/``SolvedMaze`` (duck-typed; no import needed)."""
    cl = np.asarray(maze.connection_list, bool)
    return {"task": "maze", "rows": int(cl.shape[1]), "cols": int(cl.shape[2]), "connections": cl.tolist(),
            "start": [int(v) for v in maze.start_pos], "goal": [int(v) for v in maze.end_pos]}


def _opts(p: Params) -> ParseOptions:
    return ParseOptions(min_grid_score=p.min_grid_score)


def _camera(state: MazeState) -> dict[str, Any]:
    g0 = state.grid0
    moved, max_zoom, max_shift = [], 0.0, 0.0
    for o in state.frames:
        if o.grid is None:
            continue
        zoom = o.grid.sx / g0.sx - 1
        shift = float(np.hypot(o.grid.ox - g0.ox, o.grid.oy - g0.oy))
        max_zoom = max(max_zoom, abs(zoom))
        max_shift = max(max_shift, shift)
        if abs(zoom) > 0.02 or shift > 2.0:
            moved.append(o.index)
    return {"frames_moved": len(moved), "first_moved": moved[0] if moved else None,
            "max_zoom_change": round(max_zoom, 4), "max_shift_px": round(max_shift, 2)}


def _reflection(cells: list[tuple[int, tuple[int, int]]], solution: list[tuple[int, int]]) -> int:
    seq: list[tuple[int, int]] = []
    for _, c in cells:
        if not seq or seq[-1] != c:
            seq.append(c)
    sol = set(solution)
    return int(any(c not in sol for c in seq) or len(set(seq)) < len(seq))


@register
class MazePlugin:
    """Maze videos (an agent moves) and images (a drawn path), judged against the input maze."""

    name: ClassVar[str] = "maze"
    version: ClassVar[int] = 1
    Params: ClassVar[type] = Params

    def load_reference(self, spec: Mapping[str, Any] | None, input_image: NDArray[np.uint8] | None,
                       params: Params) -> MazeRef | None:
        if spec is not None:
            return reference_from_spec(spec, params)
        if input_image is None:
            return None
        from fractions import Fraction
        try:
            st = parse_maze([Frame(0, Fraction(0), input_image)], None, _opts(params))
        except ParseError as exc:
            raise UsageError(f"--input-image: {exc}") from None
        r = st.ref
        if st.agent_hue is None and r.start is None:
            raise UsageError("--input-image: no start marker found")
        return MazeRef(r.conn, r.start, r.goal, params.agent_color, params.goal_color or r.goal_hue,
                       params.path_color, "input_image")

    def parse(self, frames: Iterable[Frame], reference: MazeRef | None, params: Params) -> MazeState:
        return parse_maze(frames, reference, _opts(params))

    def check(self, state: MazeState, reference: MazeRef | None, params: Params) -> CheckReport:
        ref = state.ref
        assert ref.start is not None and ref.goal is not None
        none = dict.fromkeys(METRICS)
        sol = shortest_path(ref.conn, ref.start, ref.goal)
        if sol is None:
            why = f"goal {ref.goal} is unreachable from {ref.start} in the input maze"
            return CheckReport(none, Status.UNSCORABLE, why)
        skipped = [{"frame": o.index, "why": o.skipped} for o in state.frames if o.skipped]
        details: dict[str, Any] = {
            "maze": {"rows": ref.rows, "cols": ref.cols, "start": list(ref.start), "goal": list(ref.goal),
                     "source": ref.source, "geometry": state.palette.geometry},
            "shortest_path_length": len(sol) - 1, "solution_unique": count_paths(ref.conn, ref.start, ref.goal) == 1,
            "frames": state.n_frames, "frames_skipped": len(skipped), "skipped": skipped[:20],
            "agent": {"hue": state.agent_hue, "identified_by": state.agent_how},
            "camera": _camera(state),
        }
        if len(skipped) > params.max_skipped * state.n_frames:
            why = f"{len(skipped)} of {state.n_frames} frames could not be registered to the input maze"
            changed, vs_c, cdet = rule_maze_changed(state, None, params.change_min_frames)
            if changed:  # a replaced or redrawn maze decides the verdict even when the rest cannot be read
                details.update(cdet)
                metrics = dict(none, maze_changed=1, overall=0)
                return CheckReport(metrics, Status.FAIL, f"the maze changed ({vs_c[0].detail if vs_c else why}); {why}",
                                   tuple(vs_c), details)
            return CheckReport(none, Status.UNSCORABLE, why, (), details)
        if state.is_image:
            return self._check_image(state, sol, params, details)
        cells = track_cells(state)
        if state.agent_hue is None or not cells:
            return CheckReport(none, Status.UNSCORABLE, "no agent could be identified or tracked in any frame", (),
                               details)
        seq: list[list[int]] = []
        for i, c in cells:
            if not seq or (seq[-1][0], seq[-1][1]) != c:
                seq.append([c[0], c[1], i])
        details["agent_path"] = seq
        details["path_length"] = max(0, len(seq) - 1)
        details["frames_agent_seen"] = len(cells)
        target, ever, why, tdet = rule_target(state, params.lost_tail)
        details["target"] = tdet
        arrival = next((i for i, c in cells if c == ref.goal), None)
        changed, vs_c, cdet = rule_maze_changed(state, arrival, params.change_min_frames)
        cross, vs_x, xdet = rule_cross_wall(state, params.clip_half, params.max_step, params.change_min_frames)
        details.update(cdet)
        details.update(xdet)
        metrics: dict[str, int | None] = {"maze_changed": changed, "cross_wall": cross, "target_achievement": target,
                                          "action_reflection": _reflection(cells, sol), "ever_reached": ever}
        vs = vs_c + vs_x
        if target is None:
            metrics["overall"] = 0 if (changed or cross) else None
            if metrics["overall"] is None:
                return CheckReport(metrics, Status.UNSCORABLE, str(why), tuple(vs), details)
        else:
            metrics["overall"] = int(changed == 0 and cross == 0 and target == 1)
            if not target:
                last_i, last_c = cells[-1]
                g = state.frames[last_i].grid or state.grid0
                p = state.track[last_i]
                assert p is not None
                x0, y0 = g.to_px(p[0] - 0.5, p[1] - 0.5)
                x1, y1 = g.to_px(p[0] + 0.5, p[1] + 0.5)
                before = "; it had reached the goal before" if ever else ""
                vs.append(Violation("target_achievement", last_i, last_c, f"agent ends at {last_c} (frame {last_i}), "
                                    f"not on the goal {ref.goal}{before}",
                                    (round(x0), round(y0), round(x1), round(y1)), str(list(last_c)),
                                    str(list(ref.goal))))
        status = Status.PASS if metrics["overall"] == 1 else Status.FAIL
        reason = self._reason(metrics, vs)
        return CheckReport(metrics, status, reason, tuple(vs), details)

    def _check_image(self, state: MazeState, sol: list[tuple[int, int]], params: Params,
                     details: dict[str, Any]) -> CheckReport:
        cross, target, vs, pdet = rule_image_path(state, params.path_cover, 0.3)
        changed, vs_c, cdet = rule_maze_changed(state, None, 1)
        details.update(pdet)
        details.update(cdet)
        path_cells = {tuple(c) for c in pdet["path_cells"]} | {state.ref.start, state.ref.goal}
        details["equals_solution"] = path_cells == set(sol)
        details["path_length"] = max(0, len(path_cells) - 1)
        metrics: dict[str, int | None] = {"maze_changed": changed, "cross_wall": cross, "target_achievement": target,
                                          "action_reflection": None, "ever_reached": target,
                                          "overall": int(changed == 0 and cross == 0 and target == 1)}
        allv = vs_c + vs
        status = Status.PASS if metrics["overall"] == 1 else Status.FAIL
        reason = self._reason(metrics, allv)
        if metrics["overall"] == 1:
            reason = "the drawn path joins start and goal through open cells only; the maze did not change"
        return CheckReport(metrics, status, reason, tuple(allv), details)

    @staticmethod
    def _reason(metrics: Mapping[str, int | None], vs: list[Violation]) -> str:
        if metrics["overall"] == 1:
            return "the agent reached the goal through open corridors; the maze did not change"
        parts = []
        for rule in ("cross_wall", "maze_changed", "target_achievement"):
            first = next((v for v in sorted(vs, key=Violation.sort_key) if v.rule == rule), None)
            if first is not None:
                parts.append(first.detail)
        return "; ".join(parts) or "overall failed"

    def annotate(self, frame: Frame, state: MazeState, violations: list[Violation]) -> NDArray[np.uint8]:
        rgb = frame.rgb
        o = state.frames[frame.index] if frame.index < len(state.frames) else None
        g = (o.grid if o is not None and o.grid is not None else state.grid0)
        conn = state.ref.conn
        rows, cols = conn.shape[1:]
        for r in range(rows + 1):  # registered grid and the input maze's walls
            for c in range(cols):
                closed = r in (0, rows) or not conn[0, r - 1, c]
                if closed:
                    rgb = draw.polygon(rgb, [g.to_px(c, r), g.to_px(c + 1, r)], draw.MAGENTA, 1)
        for r in range(rows):
            for c in range(cols + 1):
                closed = c in (0, cols) or not conn[1, r, c - 1]
                if closed:
                    rgb = draw.polygon(rgb, [g.to_px(c, r), g.to_px(c, r + 1)], draw.MAGENTA, 1)
        pts = [g.to_px(*p) for p in state.track[: frame.index + 1] if p is not None]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            rgb = draw.polygon(rgb, [a, b], draw.YELLOW, 1)
        for v in violations:
            if v.box_px is not None:
                rgb = draw.box(rgb, v.box_px, draw.RED, 2)
        rgb = draw.upscale_to(rgb, 360)
        lines = [f"frame {frame.index}: " + v.detail[:110] for v in violations[:3]]
        return draw.banner(rgb, lines or [f"frame {frame.index}"])
