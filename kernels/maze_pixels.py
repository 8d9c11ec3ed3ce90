"""Per-pixel maze kernels (numba): colour-table lookup and the enclosed box of a block maze.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_pixels``
that the tests compare against. Integer and boolean logic only, so both agree exactly.
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True)
def lut_codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``lut[(r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)]`` for every pixel of an (H, W, 3) image: (H, W) uint8."""
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.empty((h, w), np.uint8)
    for y in range(h):
        for x in range(w):
            k = ((np.int32(rgb[y, x, 0]) >> 3) << 10) | ((np.int32(rgb[y, x, 1]) >> 3) << 5) | (
                np.int32(rgb[y, x, 2]) >> 3)
            out[y, x] = lut[k]
    return out


@njit(cache=True)
def enclosed_box(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                 use_exclude: bool) -> NDArray[np.int64]:
    """Bounding box (x0, y0, x1, y1 exclusive) of ``nonwall`` pixels with a wall pixel on all four sides.

    A pixel is enclosed when its row has wall pixels left and right of it and its column has
    wall pixels above and below it (first/last wall pixel of the row/column), it is non-wall,
    and (with ``use_exclude``) not excluded. Rows and columns with fewer than two enclosed pixels
    do not count. Returns (-1, -1, -1, -1) when no row or no column counts.
    """
    h, w = wall.shape
    first_r = np.full(h, w, np.int64)
    last_r = np.full(h, -1, np.int64)
    first_c = np.full(w, h, np.int64)
    last_c = np.full(w, -1, np.int64)
    for y in range(h):
        for x in range(w):
            if wall[y, x] != 0:
                if first_r[y] == w:
                    first_r[y] = x
                last_r[y] = x
                if first_c[x] == h:
                    first_c[x] = y
                last_c[x] = y
    n_row = np.zeros(h, np.int64)
    n_col = np.zeros(w, np.int64)
    for y in range(h):
        for x in range(first_r[y] + 1, last_r[y]):
            if nonwall[y, x] != 0 and y > first_c[x] and y < last_c[x] and not (use_exclude and exclude[y, x] != 0):
                n_row[y] += 1
                n_col[x] += 1
    out = np.full(4, -1, np.int64)
    y0 = -1
    y1 = -1
    for y in range(h):
        if n_row[y] >= 2:
            if y0 < 0:
                y0 = y
            y1 = y
    x0 = -1
    x1 = -1
    for x in range(w):
        if n_col[x] >= 2:
            if x0 < 0:
                x0 = x
            x1 = x
    if y0 < 0 or x0 < 0:
        return out
    out[0] = x0
    out[1] = y0
    out[2] = x1 + 1
    out[3] = y1 + 1
    return out


@njit(cache=True)
def class_boxes(labels: NDArray[np.uint8], n: int) -> NDArray[np.int64]:
    """Pixel count and bounding box of every label 1..n of an (H, W) label image.

    Returns (n + 1, 5) int64 rows ``(count, y_first, y_last, x_first, x_last)`` (inclusive);
    a label that does not occur has count 0 and box (-1, -1, -1, -1). Label 0 (background) is
    not counted (its row stays empty), nor are labels above n.
    """
    h, w = labels.shape
    out = np.full((n + 1, 5), -1, np.int64)
    out[:, 0] = 0
    for y in range(h):
        for x in range(w):
            k = np.int64(labels[y, x])
            if k == 0 or k > n:
                continue
            if out[k, 0] == 0:
                out[k, 1] = y
                out[k, 3] = x
                out[k, 4] = x
            out[k, 0] += 1
            out[k, 2] = y
            if x < out[k, 3]:
                out[k, 3] = x
            if x > out[k, 4]:
                out[k, 4] = x
    return out
