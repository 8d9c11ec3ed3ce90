"""Digit-reader kernels (numba): grid-line fragments along the edges of cell crops.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.digits`` that the
tests compare against bit for bit (float32 arithmetic in the same order). Kernels trust their
inputs (validation happens in the callers).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def _edge_depth(faint: NDArray[np.float32], core_thr: np.float32, tail_thr: np.float32, outer: int, tail: int,
                from_end: bool) -> int:  # pragma: no cover
    """Rows (from one edge) to erase: up to the innermost core row within ``outer`` of the edge,
    then while the next row is still a tail row, at most ``tail`` more."""
    size = faint.shape[0]
    depth = 0
    has = False
    for d in range(outer):
        pos = size - 1 - d if from_end else d
        if faint[pos] >= core_thr:
            has = True
            depth = d + 1
    if not has:
        return 0
    for _ in range(tail):
        nxt = min(depth, size - 1)
        pos = size - 1 - nxt if from_end else nxt
        if faint[pos] >= tail_thr:
            depth += 1
    return depth


@njit(cache=True, nogil=True)
def line_bands(ink: NDArray[np.float32], peak: NDArray[np.float32], outer: int,
               tail: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:  # pragma: no cover
    """Rows and columns of each crop that belong to a grid line crossing it at an edge.

    A row is a line *core* when even its faintest 3-px run (3-px sums centred on columns
    2..W-3, divided by 3) reaches ``max(0.1 * peak, 12)``, and it lies within ``outer`` px of the
    top (bottom) edge; every row from the edge to the innermost core row is erased, then up to
    ``tail`` more while their faintest run still reaches ``max(0.05 * peak, 6)``. Columns alike.

    Args:
        ink: (n, H, W) float32 ink (0 = background).
        peak: (n,) float32 peak smoothed ink per crop.
        outer, tail: see above.

    Returns:
        ``(rows, cols)``: (n, H) and (n, W) bool; a pixel is erased when its row or column is.
    """
    n, h, w = ink.shape
    rows = np.zeros((n, h), np.bool_)
    cols = np.zeros((n, w), np.bool_)
    faint_r = np.empty(h, np.float32)
    faint_c = np.empty(w, np.float32)
    three = np.float32(3.0)
    for i in range(n):
        core_thr = max(np.float32(0.1) * peak[i], np.float32(12.0))
        tail_thr = max(np.float32(0.05) * peak[i], np.float32(6.0))
        for y in range(h):
            m = ink[i, y, 1] + ink[i, y, 2] + ink[i, y, 3]
            for j in range(1, w - 4):
                s = ink[i, y, j + 1] + ink[i, y, j + 2] + ink[i, y, j + 3]
                if s < m:
                    m = s
            faint_r[y] = m / three
        for x in range(w):
            m = ink[i, 1, x] + ink[i, 2, x] + ink[i, 3, x]
            for j in range(1, h - 4):
                s = ink[i, j + 1, x] + ink[i, j + 2, x] + ink[i, j + 3, x]
                if s < m:
                    m = s
            faint_c[x] = m / three
        for faint, band, size in ((faint_r, rows, h), (faint_c, cols, w)):
            top = _edge_depth(faint, core_thr, tail_thr, outer, tail, False)
            bottom = _edge_depth(faint, core_thr, tail_thr, outer, tail, True)
            for k in range(size):
                band[i, k] = k < top or size - 1 - k < bottom
    return rows, cols
