"""Wall-read kernels (numba): the mean or hit share of a 0/1 mask in every wall's sample boxes.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_walls`` that
the tests compare against (one division of whole numbers a value: both agree exactly).
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def _value(mask: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64], xa: NDArray[np.int64],
           xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64], per: int, i: int) -> np.float32:
    """Value i of ``wall_values`` (the float32 it stores)."""
    hits = 0
    total = np.int64(0)
    for j in range(i * per, (i + 1) * per):
        s = np.int64(0)
        for y in range(ya[j], yb[j]):
            for x in range(xa[j], xb[j]):
                s += mask[y, x]
        total += s
        hits += s >= 1
    if per == 1:
        return np.float32(total / area[i] if ok[i] else -1.0)
    return np.float32(hits / per)


@njit(cache=True, nogil=True)
def wall_values(mask: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64], xa: NDArray[np.int64],
                xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64], per: int,
                target: NDArray[np.int64], rows: int, cols: int) -> NDArray[np.float32]:
    """Wall values (2, rows, cols) float32 read from an (H, W) 0/1 mask over sample boxes ``[ya, yb) x [xa, xb)``.

    Value i is read from boxes ``i * per .. (i + 1) * per`` and lands at flat index ``target[i]``
    (every other entry is -1). ``per == 1``: the box's mean mask value ``sum / area[i]``, -1 where
    ``ok[i]`` is false (off-frame); else the share of the ``per`` boxes holding a mask pixel.
    """
    out = np.full(2 * rows * cols, np.float32(-1.0), np.float32)
    for i in range(target.shape[0]):
        out[target[i]] = _value(mask, ya, yb, xa, xb, ok, area, per, i)
    return out.reshape(2, rows, cols)


@njit(cache=True, nogil=True)
def walls_uncovered(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64],
                    xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64],
                    per: int, target: NDArray[np.int64], rows: int, cols: int, thr: np.float32) -> NDArray[np.float32]:
    """``wall_values`` of ``wall``, -1 where ``wall_values`` of ``cover`` (same boxes) is above ``thr``: a frame's
    walls with those under markers not read, in one call instead of two reads and a mask in numpy."""
    out = wall_values(wall, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    cov = wall_values(cover, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    flat = out.reshape(2 * rows * cols)
    cflat = cov.reshape(2 * rows * cols)
    for i in range(flat.shape[0]):
        if cflat[i] > thr:
            flat[i] = np.float32(-1.0)
    return out


@njit(cache=True, nogil=True)
def walls_uncovered_rows(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64],
                         yb: NDArray[np.int64], xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_],
                         area: NDArray[np.int64], per: int, target: NDArray[np.int64], rows: int, cols: int,
                         thr: np.float32, prev: NDArray[np.float32], y0: int, y1: int) -> NDArray[np.float32]:
    """``walls_uncovered`` of masks that differ only in rows y0..y1 (exclusive end) from those ``prev`` was read from
    (same boxes): a copy of ``prev`` with the walls whose boxes meet those rows read again."""
    out = prev.copy()
    flat = out.reshape(2 * rows * cols)
    for i in range(target.shape[0]):
        meets = False
        for j in range(i * per, (i + 1) * per):
            meets |= (ya[j] < y1) & (yb[j] > y0)
        if not meets:
            continue
        v = _value(wall, ya, yb, xa, xb, ok, area, per, i)
        flat[target[i]] = np.float32(-1.0) if _value(cover, ya, yb, xa, xb, ok, area, per, i) > thr else v
    return out


@njit(cache=True, nogil=True)
def _clipped(v: float, hi: int) -> int:
    return min(max(np.int64(np.rint(v)), 0), hi)


@njit(cache=True, nogil=True)
def wall_boxes(h: int, w: int, block: bool, rows: int, cols: int, ox: float, oy: float, sx: float,
               sy: float) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64],
                                   NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Sample boxes of every inner wall of one grid in an (h, w) frame: ``(ya, yb, xa, xb, ok, area, target)``.

    Walls below cells ((R-1) x C), then right of cells (R x (C-1)), row by row; ``target`` is each
    wall's flat index in a (2, R, C) reading. Block grids (``block``): one box a wall, the central
    half of its block (as ``block_values`` samples it), ``ok`` whether it lies inside the frame
    before clipping, ``area`` its clipped area (at least 1). Line grids: 9 one-pixel strips across
    a wall's middle half (as ``line_values`` samples it), ``ok`` all set, ``area`` all 1. Coordinates
    are rounded half to even and computed in the same float64 steps as the samplers do.
    """
    n0, n1 = (rows - 1) * cols, rows * (cols - 1)
    per = 1 if block else 9
    n = (n0 + n1) * per
    ya = np.empty(n, np.int64)
    yb = np.empty(n, np.int64)
    xa = np.empty(n, np.int64)
    xb = np.empty(n, np.int64)
    ok = np.ones(n, np.bool_)
    area = np.ones(n, np.int64)
    target = np.empty(n0 + n1, np.int64)
    i = 0
    for r in range(rows - 1):
        for c in range(cols):
            target[i] = r * cols + c
            i += 1
    for r in range(rows):
        for c in range(cols - 1):
            target[i] = rows * cols + r * cols + c
            i += 1
    if block:
        b_x, b_y = sx / 2, sy / 2
        x0, y0 = ox - 0.5 * b_x, oy - 0.5 * b_y
        m = (1 - 0.5) / 2
        i = 0
        for fam in range(2):
            for r in range(rows - 1 if fam == 0 else rows):
                for c in range(cols if fam == 0 else cols - 1):
                    by = 2 * r + 2 if fam == 0 else 2 * r + 1  # block row and column of the wall
                    bx = 2 * c + 1 if fam == 0 else 2 * c + 2
                    y_a = np.int64(np.rint(y0 + (by + m) * b_y))
                    y_b = max(np.int64(np.rint(y0 + (by + 1 - m) * b_y)), y_a + 1)
                    x_a = np.int64(np.rint(x0 + (bx + m) * b_x))
                    x_b = max(np.int64(np.rint(x0 + (bx + 1 - m) * b_x)), x_a + 1)
                    ok[i] = y_a >= 0 and y_b <= h and x_a >= 0 and x_b <= w
                    ya[i], yb[i] = min(max(y_a, 0), h), min(max(y_b, 0), h)
                    xa[i], xb[i] = min(max(x_a, 0), w), min(max(x_b, 0), w)
                    area[i] = max(1, (yb[i] - ya[i]) * (xb[i] - xa[i]))
                    i += 1
        return ya, yb, xa, xb, ok, area, target
    t = max(1.0, 0.1 * min(sx, sy))
    i = 0
    for r in range(1, rows):  # inner horizontal lines
        y = oy + sy * r
        for c in range(cols):
            for q in range(9):
                x = ox + sx * (c + (0.25 + 0.5 * (q + 0.5) / 9))
                xa[i], xb[i] = _clipped(x, w), _clipped(x + 1, w)
                ya[i], yb[i] = _clipped(y - t, h), _clipped(y + t + 1, h)
                i += 1
    for r in range(rows):  # inner vertical lines
        for c in range(1, cols):
            x = ox + sx * c
            for q in range(9):
                y = oy + sy * (r + (0.25 + 0.5 * (q + 0.5) / 9))
                xa[i], xb[i] = _clipped(x - t, w), _clipped(x + t + 1, w)
                ya[i], yb[i] = _clipped(y, h), _clipped(y + 1, h)
                i += 1
    for j in range(n):
        xb[j] = max(xb[j], min(xa[j] + 1, w))
        yb[j] = max(yb[j], min(ya[j] + 1, h))
    return ya, yb, xa, xb, ok, area, target
