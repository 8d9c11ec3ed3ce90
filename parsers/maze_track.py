"""Second half of the maze parse: which marker is the agent, where it is in every frame.

The agent is the marker class that moves (total centroid travel of its largest blob, in
cells); a spec may name its colour instead. When nothing moves, the agent is the marker at
the start cell (or, without a spec, the style's convention: green square on dark walls, red
circle on light walls). Start and goal are the spec's; without a spec, start is where the
agent is first seen and goal is the largest other marker of frame 0 that is not at the start.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mmgr.errors import ParseError
from mmgr.parsers.maze import FrameObs, Marker, MazeRef, MazeState
from mmgr.parsers.maze_colour import Palette
from mmgr.parsers.maze_grid import Grid

__all__ = ["identify_agent"]


def _motions(obs: Sequence[FrameObs], hues: Sequence[str]) -> dict[str, float]:
    """Per hue class: cells visited by its largest blob beyond the first (+ a small travel tie-break).

    Counting cells, not travel, keeps a static marker that breaks into fragments (an agent
    drawn over it) from looking like a mover. All classes in one pass over the frames (this
    runs after the last frame is decoded): each frame's largest blob of a class is the first of
    the largest areas, and each class's travel is summed in frame order, as class by class.
    """
    cells: dict[str, set[tuple[int, int]]] = {h: set() for h in hues}
    travel = dict.fromkeys(hues, 0.0)
    prev: dict[str, Marker] = {}
    for o in obs:
        if o.grid is None:
            continue
        largest: dict[str, Marker] = {}
        for m in o.markers:
            best = largest.get(m.hue)
            if best is None or m.area > best.area:
                largest[m.hue] = m
        for h, m in largest.items():
            cells[h].add(m.cell)
            p = prev.get(h)
            if p is not None:
                travel[h] += float(np.hypot(m.x - p.x, m.y - p.y))
            prev[h] = m
    return {h: max(0, len(cells[h]) - 1) + min(0.4, travel[h] / 1000) for h in hues}


def _convention(pal: Palette) -> str:
    lum = 0.299 * pal.wall[0] + 0.587 * pal.wall[1] + 0.114 * pal.wall[2]
    if pal.geometry == "line":
        return "blue"
    return "green" if lum < 100 else "red"


def _image_conventions(pal: Palette) -> tuple[str, str]:
    """(start hue, goal hue) by style: MMGR green/red, VR-Bench tiles red/green, plots green/red."""
    lum = 0.299 * pal.wall[0] + 0.587 * pal.wall[1] + 0.114 * pal.wall[2]
    return ("red", "green") if (pal.geometry == "block" and lum >= 100) else ("green", "red")


def identify_agent(obs: list[FrameObs], ref: MazeRef | None, pal: Palette, grid0: Grid,
                   f0_walls: np.ndarray) -> MazeState:
    """Finish the parse: agent class, agent track, duplicates, start and goal (see module docstring).

    ``f0_walls`` is frame 0's unmasked wall reading, the input maze when ``ref`` is None.
    """
    frame0 = obs[0]
    if ref is None:
        conn = np.zeros((2, grid0.rows, grid0.cols), bool)
        raw = f0_walls
        conn[0, :-1, :] = (raw[0, :-1, :] >= 0) & (raw[0, :-1, :] < 0.5)
        conn[1, :, :-1] = (raw[1, :, :-1] >= 0) & (raw[1, :, :-1] < 0.5)
        base_ref = MazeRef(conn, None, None, source="frame0")
    else:
        base_ref = ref
    is_image = len(obs) == 1
    hues = sorted({m.hue for o in obs for m in o.markers})
    how = "none"
    agent: str | None = None
    if is_image:
        how = "image"
    elif base_ref.agent_hue is not None:
        agent, how = base_ref.agent_hue, "spec"
    else:
        moves = _motions(obs, hues)
        if moves and max(moves.values()) >= 0.5:
            agent = max(sorted(moves), key=lambda h: moves[h])
            how = "moves"
        else:
            last = next((o for o in reversed(obs) if o.grid is not None), frame0)
            s0 = base_ref.start
            f0_hues = {m.hue for m in frame0.markers if m.cell == s0}
            at_start = [m for m in last.markers if s0 is not None and m.cell == s0]
            at_start = [m for m in at_start if m.hue not in f0_hues] or at_start  # one that appeared is the agent
            at_start = at_start or [m for m in frame0.markers if s0 is not None and m.cell == s0]
            if at_start:
                agent = max(at_start, key=lambda m: m.area).hue
            elif any(m.hue == _convention(pal) for o in (frame0, last) for m in o.markers):
                agent = _convention(pal)
            how = "static" if agent else "none"
    track: list[tuple[float, float] | None] = []
    dups: list[int] = []
    if agent is not None:
        single = [o.markers for o in obs if sum(m.hue == agent for m in o.markers) == 1]
        areas = [m.area for ms in single for m in ms if m.hue == agent]
        ref_area = float(np.median(areas)) if areas else None
        prev: tuple[float, float] | None = None
        if base_ref.start is not None:
            prev = (base_ref.start[1] + 0.5, base_ref.start[0] + 0.5)
        for o in obs:
            cands = [m for m in o.markers if m.hue == agent
                     and (ref_area is None or 0.35 * ref_area <= m.area <= 3.0 * ref_area)]
            dups.append(len(cands))
            if not cands or o.grid is None:
                track.append(None)
                continue
            if prev is None:
                best = max(cands, key=lambda m: m.area)
            else:
                p = prev
                best = min(cands, key=lambda m: (m.x - p[0]) ** 2 + (m.y - p[1]) ** 2)
            prev = (best.x, best.y)
            track.append(prev)
    else:
        track = [None] * len(obs)
        dups = [0] * len(obs)
    start, goal = base_ref.start, base_ref.goal
    if is_image and start is None:  # no motion to learn from: the style's colour conventions
        s_hue, g_hue = _image_conventions(pal)
        starts = [m for m in frame0.markers if m.hue == s_hue]
        goals = [m for m in frame0.markers if m.hue == g_hue]
        if not starts or not goals:
            raise ParseError(f"no spec, and no {s_hue} start and {g_hue} goal marker in the image")
        start = max(starts, key=lambda m: m.area).cell
        goal = max(goals, key=lambda m: m.area).cell
    if start is None:
        first = next((p for p in track if p is not None), None)
        if first is None:
            raise ParseError("no start: no spec and no agent marker could be found")
        start = (int(np.floor(first[1])), int(np.floor(first[0])))
    if goal is None:
        cands = [m for m in frame0.markers if m.hue != agent and m.cell != start
                 and 0 <= m.cell[0] < grid0.rows and 0 <= m.cell[1] < grid0.cols]
        if not cands:
            raise ParseError(f"no goal: no spec, and frame 0 has no marker apart from the agent's ({agent}) at the "
                             "start; give --spec (or --input-image) to say where the goal is")
        goal = max(cands, key=lambda m: (m.area, m.hue == "red")).cell
    goal_hue = base_ref.goal_hue
    if goal_hue is None:
        g = [m for m in frame0.markers if m.cell == goal and m.hue != agent]
        goal_hue = max(g, key=lambda m: m.area).hue if g else None
    final = MazeRef(base_ref.conn, start, goal, agent, goal_hue, base_ref.path_hue, base_ref.source)
    return MazeState(final, pal, grid0, tuple(obs), agent, how, tuple(track), tuple(dups), len(obs), is_image,
                     f0_walls)
