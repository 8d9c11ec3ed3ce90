"""Plain-numpy twins of ``mmgr.kernels.path`` (slow, obviously correct; used by tests).

Coordinates are continuous *cell* coordinates: ``x`` in column units and ``y`` in row units,
so cell (r, c) covers ``c <= x < c + 1`` and ``r <= y < r + 1``; walls lie on integer lines.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

NONE, DOWN_WALL, RIGHT_WALL, BORDER = 0, 1, 2, 3
OK, WALL, DIAGONAL_WALL, JUMP, OUTSIDE = 0, 1, 2, 3, 4


def segment_cells(x0: float, y0: float, x1: float, y1: float, rows: int, cols: int,
                  steps: int) -> NDArray[np.int32]:
    """Cells visited by the segment (x0, y0) -> (x1, y1), sampled at ``steps + 1`` points.

    Returns:
        (K, 2) int32 (row, col), consecutive duplicates removed; cells outside the maze are (-1, -1).
    """
    out: list[tuple[int, int]] = []
    for i in range(steps + 1):
        t = i / steps
        x = x0 + (x1 - x0) * t
        y = y0 + (y1 - y0) * t
        r = int(math.floor(y))
        c = int(math.floor(x))
        if r < 0 or c < 0 or r >= rows or c >= cols:
            r, c = -1, -1
        if not out or out[-1] != (r, c):
            out.append((r, c))
    return np.array(out, dtype=np.int32).reshape(-1, 2)


def _open(conn: NDArray[np.bool_], r0: int, c0: int, r1: int, c1: int) -> bool:
    if (r0, c0) > (r1, c1):
        r0, c0, r1, c1 = r1, c1, r0, c0
    if r1 == r0 + 1 and c1 == c0:
        return bool(conn[0, r0, c0])
    if r1 == r0 and c1 == c0 + 1:
        return bool(conn[1, r0, c0])
    return False


def step_codes(cells: NDArray[np.int32], conn: NDArray[np.bool_]) -> NDArray[np.int8]:
    """Classify each transition between consecutive cells of ``cells`` ((K, 2) int32).

    Returns:
        (K - 1,) int8: 0 open neighbour, 1 wall between neighbours, 2 diagonal step with both
        L-shaped detours walled, 3 jump over more than one cell, 4 a cell outside the maze.
        A diagonal step with an open detour is 0 (the sampled segment just cut a corner).
    """
    n = cells.shape[0]
    out = np.zeros(max(0, n - 1), np.int8)
    for i in range(n - 1):
        r0, c0 = int(cells[i, 0]), int(cells[i, 1])
        r1, c1 = int(cells[i + 1, 0]), int(cells[i + 1, 1])
        if r0 < 0 or r1 < 0:
            out[i] = OUTSIDE
            continue
        dr, dc = abs(r1 - r0), abs(c1 - c0)
        if dr + dc == 1:
            out[i] = OK if _open(conn, r0, c0, r1, c1) else WALL
        elif dr == 1 and dc == 1:
            via_a = _open(conn, r0, c0, r0, c1) and _open(conn, r0, c1, r1, c1)
            via_b = _open(conn, r0, c0, r1, c0) and _open(conn, r1, c0, r1, c1)
            out[i] = OK if (via_a or via_b) else DIAGONAL_WALL
        else:
            out[i] = JUMP
    return out


def wall_contacts(xs: NDArray[np.float64], ys: NDArray[np.float64], conn: NDArray[np.bool_],
                  half: float) -> NDArray[np.int32]:
    """For each point, the closed wall whose centre line lies within ``half`` cells of it.

    Returns:
        (N, 3) int32 rows ``(kind, r, c)``: kind 0 none, 1 the wall below (r, c), 2 the wall
        right of (r, c), 3 the outer border (r, c = the nearest cell). Horizontal walls are
        tested first.
    """
    rows, cols = conn.shape[1], conn.shape[2]
    out = np.zeros((xs.shape[0], 3), np.int32)
    for i in range(xs.shape[0]):
        x, y = float(xs[i]), float(ys[i])
        r = min(rows - 1, max(0, int(math.floor(y))))
        c = min(cols - 1, max(0, int(math.floor(x))))
        ly = int(math.floor(y + 0.5))
        lx = int(math.floor(x + 0.5))
        if abs(y - ly) < half or y < 0 or y > rows:
            if ly <= 0 or ly >= rows:
                out[i] = (BORDER, r, c)
                continue
            if not conn[0, ly - 1, c]:
                out[i] = (DOWN_WALL, ly - 1, c)
                continue
        if abs(x - lx) < half or x < 0 or x > cols:
            if lx <= 0 or lx >= cols:
                out[i] = (BORDER, r, c)
                continue
            if not conn[1, r, lx - 1]:
                out[i] = (RIGHT_WALL, r, lx - 1)
                continue
    return out
