"""Grid kernels (numba): Sudoku unit checks and debounced per-cell state sequences.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.grid`` that
the tests compare against. Kernels trust their inputs (validation happens in the callers).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True)
def unit_violations(grid: NDArray[np.int8], box_h: int, box_w: int) -> NDArray[np.bool_]:  # pragma: no cover
    """Which rows, columns and boxes hold a repeated digit.

    Args:
        grid: (N, N) int8, 0 = blank (never a repeat), -1 = unknown (treated as blank).
        box_h, box_w: box height and width in cells (N = box_h * box_w... N divisible by both).

    Returns:
        (3N,) bool: rows 0..N-1, then columns, then boxes in row-major box order.
    """
    n = grid.shape[0]
    out = np.zeros(3 * n, np.bool_)
    seen = np.zeros(n + 1, np.int32)
    for u in range(3 * n):
        seen[:] = 0
        for j in range(n):
            if u < n:
                v = grid[u, j]
            elif u < 2 * n:
                v = grid[j, u - n]
            else:
                b = u - 2 * n
                bpr = n // box_w
                r = (b // bpr) * box_h + j // box_w
                c = (b % bpr) * box_w + j % box_w
                v = grid[r, c]
            if v > 0:
                seen[v] += 1
                if seen[v] > 1:
                    out[u] = True
    return out


@njit(cache=True)
def stable_events(readings: NDArray[np.int8], dur_ms: NDArray[np.int32], min_run: int,
                  min_hold_ms: int) -> NDArray[np.int32]:  # pragma: no cover
    """Debounced state changes of K independent cells over T frames.

    A cell's state becomes ``v`` once ``v`` has been observed in ``min_run`` consecutive
    observations, or in consecutive observations shown for ``min_hold_ms`` in total (a GIF
    may show each state in a single long frame). Frames where the reading is -1 (unknown)
    are not observations and neither break nor extend a run.

    Args:
        readings: (T, K) int8 readings, -1 = unknown.
        dur_ms: (T,) int32 display duration of each frame in milliseconds.
        min_run: observations that confirm a new state (>= 1).
        min_hold_ms: display time that confirms a new state (>= 1).

    Returns:
        (E, 4) int32 rows ``(cell, start_frame, old_state, new_state)`` ordered by cell then
        time; ``start_frame`` is the first frame of the accepted run; the first event of a
        cell has ``old_state = -1``.
    """
    t_n, k_n = readings.shape
    out = np.empty((t_n * k_n + 1, 4), np.int32)
    e = 0
    for k in range(k_n):
        state = -1
        cand = -1
        cand_start = -1
        cand_len = 0
        cand_ms = 0
        for t in range(t_n):
            v = readings[t, k]
            if v < 0:
                continue
            if v == cand:
                cand_len += 1
                cand_ms += dur_ms[t]
            else:
                cand = v
                cand_start = t
                cand_len = 1
                cand_ms = dur_ms[t]
            if cand != state and (cand_len >= min_run or cand_ms >= min_hold_ms):
                out[e, 0] = k
                out[e, 1] = cand_start
                out[e, 2] = state
                out[e, 3] = cand
                e += 1
                state = cand
    return out[:e].copy()
