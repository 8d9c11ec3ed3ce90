"""Drawing mazes in the three styles seen in real outputs, with exact geometry.

- ``block``: MMGR / maze-dataset pixel grid, (2R+1) x (2C+1) square blocks; black walls, white
  corridors, green square start/agent, red square goal, blue solution path.
- ``tile``: VR-Bench skin, the same block grid with light-blue wall tiles and thin tile seams;
  red circle agent, green square goal.
- ``plot``: maze-dataset plot style, thin black wall lines, row/col axis labels; green circle
  start, red flag goal that turns into a trophy, blue star agent.

Positions are continuous cell coordinates ``(x, y)`` (column units, row units; cell (r, c) is
centred on ``(c + 0.5, r + 0.5)``). ``Base.to_px`` maps them to canvas pixels: an axis-aligned
affine map, the same one ``mmgr.parsers.maze_grid`` recovers from a frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

STYLES = ("block", "tile", "plot")
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
TILE_WALL = (176, 222, 240)
TILE_SEAM = (120, 150, 165)
GREEN = (0, 255, 0)
RED = (255, 0, 0)
BLUE = (0, 0, 255)
DARK_GREEN = (0, 130, 0)
CIRCLE_RED = (235, 20, 20)
STAR_BLUE = (20, 160, 230)
START_GREEN = (30, 180, 70)
TROPHY = (240, 190, 20)
POLE = (140, 90, 50)

__all__ = ["STYLES", "Base", "camera", "draw_frame", "render_base", "solution_image"]


@dataclass(frozen=True, slots=True)
class Base:
    """A rendered empty maze and its cell-to-pixel map ``px = o + s * cell_coord``."""

    style: str
    conn: NDArray[np.bool_]
    rgb: NDArray[np.uint8]
    ox: float
    oy: float
    sx: float
    sy: float

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + self.sx * x, self.oy + self.sy * y


def _block_grid(conn: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(2R+1, 2C+1) bool, True = wall block."""
    rows, cols = conn.shape[1:]
    wall = np.ones((2 * rows + 1, 2 * cols + 1), bool)
    wall[1::2, 1::2] = False
    wall[2:-1:2, 1::2] = ~conn[0, :-1, :]
    wall[1::2, 2:-1:2] = ~conn[1, :, :-1]
    return wall


def render_base(conn: NDArray[np.bool_], style: str, cell_px: int | None = None, margin_px: int | None = None) -> Base:
    """Draw the empty maze.

    Args:
        conn: (2, R, C) bool connections.
        style: one of ``STYLES``.
        cell_px: block size (block, tile) or cell size (plot) in pixels.
        margin_px: white margin around the maze (plot style adds room for the axis labels).
    """
    rows, cols = conn.shape[1:]
    if style in ("block", "tile"):
        b = cell_px or 12
        m = 0 if margin_px is None else margin_px
        wall = _block_grid(conn)
        colour = np.array(BLACK if style == "block" else TILE_WALL, np.uint8)
        img = np.full(((2 * rows + 1) * b + 2 * m, (2 * cols + 1) * b + 2 * m, 3), 255, np.uint8)
        big = np.repeat(np.repeat(wall, b, 0), b, 1)
        view = img[m:m + big.shape[0], m:m + big.shape[1]]
        view[big] = colour
        if style == "tile":
            for k in range(2 * rows + 2):
                cv2.line(img, (m, m + k * b), (m + (2 * cols + 1) * b, m + k * b), TILE_SEAM, 1)
            for k in range(2 * cols + 2):
                cv2.line(img, (m + k * b, m), (m + k * b, m + (2 * rows + 1) * b), TILE_SEAM, 1)
        return Base(style, conn, img, m + 0.5 * b, m + 0.5 * b, 2.0 * b, 2.0 * b)
    if style != "plot":
        raise ValueError(f"style: expected one of {STYLES}, got {style!r}")
    cw = cell_px or 36
    m = int(cw * 1.2) if margin_px is None else margin_px
    th = max(2, cw // 12)
    img = np.full((rows * cw + 2 * m, cols * cw + 2 * m, 3), 255, np.uint8)
    ox = oy = m

    def seg(x0: float, y0: float, x1: float, y1: float) -> None:
        cv2.line(img, (round(ox + x0 * cw), round(oy + y0 * cw)), (round(ox + x1 * cw), round(oy + y1 * cw)), BLACK, th)

    seg(0, 0, cols, 0)
    seg(0, rows, cols, rows)
    seg(0, 0, 0, rows)
    seg(cols, 0, cols, rows)
    for r in range(rows):
        for c in range(cols):
            if r < rows - 1 and not conn[0, r, c]:
                seg(c, r + 1, c + 1, r + 1)
            if c < cols - 1 and not conn[1, r, c]:
                seg(c + 1, r, c + 1, r + 1)
    fs = max(0.3, cw / 90)
    for r in range(rows):  # maze-dataset plots number rows from the bottom
        cv2.putText(img, str(rows - 1 - r), (ox - int(0.45 * m), round(oy + (r + 0.6) * cw)), cv2.FONT_HERSHEY_SIMPLEX,
                    fs, BLACK, 1, cv2.LINE_AA)
    for c in range(cols):
        cv2.putText(img, str(c), (round(ox + (c + 0.4) * cw), oy + rows * cw + int(0.45 * m)), cv2.FONT_HERSHEY_SIMPLEX,
                    fs, BLACK, 1, cv2.LINE_AA)
    cv2.putText(img, "col", (ox + cols * cw // 2 - 8, oy + rows * cw + int(0.85 * m)), cv2.FONT_HERSHEY_SIMPLEX, fs,
                BLACK, 1, cv2.LINE_AA)
    return Base(style, conn, img, float(ox), float(oy), float(cw), float(cw))


def _star(cx: float, cy: float, r: float) -> NDArray[np.int32]:
    pts = []
    for k in range(10):
        a = -np.pi / 2 + k * np.pi / 5
        rr = r if k % 2 == 0 else r * 0.45
        pts.append((cx + rr * np.cos(a), cy + rr * np.sin(a)))
    return np.round(np.array(pts)).astype(np.int32).reshape(-1, 1, 2)


def _square(img: NDArray[np.uint8], base: Base, x: float, y: float, colour: tuple[int, int, int]) -> None:
    cx, cy = base.to_px(x, y)
    h = base.sx / 4
    cv2.rectangle(img, (round(cx - h), round(cy - h)), (round(cx + h) - 1, round(cy + h) - 1), colour, -1)


def draw_frame(base: Base, *, start: tuple[int, int] | None, goal: tuple[int, int] | None,
               agent: Sequence[tuple[float, float]] = (), goal_look: str = "normal") -> NDArray[np.uint8]:
    """Draw markers on a copy of the base: goal (``goal_look`` normal/trophy), start, agents (x, y)."""
    img = base.rgb.copy()
    s = base.sx
    if goal is not None:
        gx, gy = goal[1] + 0.5, goal[0] + 0.5
        if base.style == "block":
            _square(img, base, gx, gy, RED)
        elif base.style == "tile":
            _square(img, base, gx, gy, DARK_GREEN)
        else:
            cx, cy = base.to_px(gx, gy)
            if goal_look == "trophy":
                cv2.circle(img, (round(cx), round(cy - 0.08 * s)), round(0.2 * s), TROPHY, -1, cv2.LINE_AA)
                cv2.rectangle(img, (round(cx - 0.06 * s), round(cy)), (round(cx + 0.06 * s), round(cy + 0.25 * s)),
                              TROPHY, -1)
            else:
                cv2.line(img, (round(cx - 0.15 * s), round(cy - 0.3 * s)), (round(cx - 0.15 * s), round(cy + 0.3 * s)),
                         POLE, max(1, round(0.05 * s)))
                tri = np.array([[cx - 0.13 * s, cy - 0.3 * s], [cx + 0.28 * s, cy - 0.15 * s], [cx - 0.13 * s, cy]])
                cv2.fillPoly(img, [np.round(tri).astype(np.int32)], RED, cv2.LINE_AA)
    if start is not None and base.style == "plot":
        cx, cy = base.to_px(start[1] + 0.5, start[0] + 0.5)
        cv2.circle(img, (round(cx), round(cy)), round(0.28 * s), START_GREEN, -1, cv2.LINE_AA)
    for x, y in agent:
        cx, cy = base.to_px(x, y)
        if base.style == "block":
            _square(img, base, x, y, GREEN)
        elif base.style == "tile":
            cv2.circle(img, (round(cx), round(cy)), round(0.18 * s), CIRCLE_RED, -1, cv2.LINE_AA)
        else:
            cv2.fillPoly(img, [_star(cx, cy, 0.3 * s)], STAR_BLUE, cv2.LINE_AA)
    return img


def solution_image(base: Base, start: tuple[int, int], goal: tuple[int, int], path: Sequence[tuple[int, int]],
                   colour: tuple[int, int, int] = BLUE) -> NDArray[np.uint8]:
    """An image output: the path drawn over the maze (blocks in block/tile style, a polyline in plot style)."""
    agent = [] if base.style == "plot" else [(start[1] + 0.5, start[0] + 0.5)]
    img = draw_frame(base, start=start, goal=goal, agent=agent)
    if base.style in ("block", "tile"):
        pts = [(c + 0.5, r + 0.5) for r, c in path]
        inner = pts[1:-1]
        mids = [((a[0] + b[0]) / 2, (a[1] + b[1]) / 2) for a, b in zip(pts[:-1], pts[1:], strict=True)]
        for x, y in inner + mids:
            _square(img, base, x, y, colour)
        return img
    pix = np.array([base.to_px(c + 0.5, r + 0.5) for r, c in path])
    cv2.polylines(img, [np.round(pix).astype(np.int32).reshape(-1, 1, 2)], False, colour, max(2, round(0.12 * base.sx)),
                  cv2.LINE_AA)
    return img


def camera(rgb: NDArray[np.uint8], scale: float, dx: float, dy: float) -> NDArray[np.uint8]:
    """Zoom about the frame centre by ``scale`` and pan by (dx, dy) pixels; white outside."""
    h, w = rgb.shape[:2]
    m = np.float32([[scale, 0, (1 - scale) * w / 2 + dx], [0, scale, (1 - scale) * h / 2 + dy]])
    return cv2.warpAffine(rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=WHITE)
