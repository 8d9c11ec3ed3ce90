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


@njit(cache=True, nogil=True)
def cell_summary(ink: NDArray[np.uint8], n: int, cell_px: int, margin: int,
                 delta: int) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:  # pragma: no cover
    """Per-cell statistics of a rectified board's ink image, in one pass (the per-frame hot loop).

    Args:
        ink: (n * cell_px, n * cell_px) uint8 ink (distance from the board background).
        n: cells per side.
        cell_px: cell side in pixels (a multiple of 4).
        margin: pixels left out on each side of a cell for the "inner" statistics.
        delta: ink level that counts as "not background".

    Returns:
        ``(blocks, inner_max2, occ_count)``: (n*n, cell_px/4, cell_px/4) int32 sums of 4x4-pixel
        blocks (the change signature); (n*n,) int32 largest sum of an aligned 2x2-pixel square in
        the inner region (x4 of the mean); (n*n,) int32 inner pixels (every 2nd row and column)
        whose ink exceeds ``delta``.
    """
    b = cell_px // 4
    blocks = np.zeros((n * n, b, b), np.int32)
    inner_max2 = np.zeros(n * n, np.int32)
    occ = np.zeros(n * n, np.int32)
    cell_summary_update(ink, 0, n, cell_px, margin, delta, np.arange(n * n), blocks, inner_max2, occ)
    return blocks, inner_max2, occ


@njit(cache=True, nogil=True)
def cell_summary_update(ink: NDArray[np.uint8], off: int, n: int, cell_px: int, margin: int, delta: int,
                        cells: NDArray[np.int64], blocks: NDArray[np.int32], inner_max2: NDArray[np.int32],
                        occ: NDArray[np.int32]) -> None:  # pragma: no cover
    """``cell_summary`` of the listed cells only, written into its three arrays in place.

    Args:
        ink: ink image whose board (n * cell_px square) starts at pixel (off, off).
        off: the board's offset in ``ink`` (a padded canonical image needs no copy).
        cells: row-major indices of the cells to summarise again.
        blocks, inner_max2, occ: ``cell_summary``'s outputs, updated in place at ``cells``.
        Others as ``cell_summary``.
    """
    q = (cell_px - 2 * margin) // 2
    nb = cell_px // 4
    for k in cells:
        r = k // n
        c = k % n
        y0 = off + r * cell_px
        x0 = off + c * cell_px
        bk = blocks[k]
        bk[:, :] = 0
        # row slices walked from 0: loops the compiler can unroll and vectorise (integer sums)
        for y in range(cell_px):
            row = ink[y0 + y, x0:x0 + cell_px]
            by = y // 4
            for bx in range(nb):
                bk[by, bx] += (np.int32(row[4 * bx]) + np.int32(row[4 * bx + 1]) + np.int32(row[4 * bx + 2])
                               + np.int32(row[4 * bx + 3]))
        best = 0
        cnt = 0
        for i in range(q):
            ra = ink[y0 + margin + 2 * i, x0 + margin:x0 + margin + 2 * q]
            rb = ink[y0 + margin + 2 * i + 1, x0 + margin:x0 + margin + 2 * q]
            for j in range(q):
                s = np.int32(ra[2 * j]) + np.int32(ra[2 * j + 1]) + np.int32(rb[2 * j]) + np.int32(rb[2 * j + 1])
                best = max(best, s)
                cnt += ra[2 * j] > delta
        inner_max2[k] = best
        occ[k] = cnt


@njit(cache=True, nogil=True, inline="always")
def _block_differs(cur: NDArray[np.int32], ref: NDArray[np.int32], k: int, thr: float,
                   edge: bool) -> bool:  # pragma: no cover
    """Whether some block sum of cell ``k`` differs between ``cur`` and ``ref`` by more than ``thr``
    (``edge``: only the blocks on the cell's edge)."""
    bh = cur.shape[1]
    bw = cur.shape[2]
    for y in range(bh):
        # edge rows whole, the rows between at both ends
        step = 1 if not edge or y == 0 or y == bh - 1 else max(1, bw - 1)
        for x in range(0, bw, step):
            if abs(cur[k, y, x] - ref[k, y, x]) > thr:
                return True
    return False


@njit(cache=True, nogil=True)
def plan_cells(cur: NDArray[np.int32], ref: NDArray[np.int32], digits: NDArray[np.int8], conf: NDArray[np.float32],
               was_occ: NDArray[np.bool_], occ_count: NDArray[np.int32], inner_max2: NDArray[np.int32],
               occ_thr: float, diff_thr: float, blank_thr: float,
               every: bool) -> tuple[NDArray[np.bool_], NDArray[np.int64], int]:  # pragma: no cover
    """The Sudoku reader's per-frame decisions on K cells before any digit is read.

    A cell is *occluded* when ``occ_count > occ_thr`` (it reads -1, confidence 0); it *moved*
    when some block sum of ``cur`` differs from ``ref`` by more than ``diff_thr``, or it was
    occluded and is not now, or its carried-over reading is unknown (``digits < 0``) and it is
    not occluded now (``every``: all cells count as moved, none as counted). An unknown cell is
    thus read again on every frame until it reads: it keeps the reference of its last reading,
    and a hand that brushed it and left restores those pixels, so the block sums alone would
    leave it unknown. A moved cell that is not occluded is blank when ``inner_max2 < blank_thr``
    (it reads 0, confidence 1, and its reference takes ``cur``); the others are to be read by
    the classifier.

    Args:
        cur, ref: (K, B, B) int32 block sums of this frame and of each cell's last reading
            (``ref`` is updated in place for the blank cells).
        digits, conf: (K,) readings carried over from the last frame, updated in place.
        was_occ: (K,) bool occlusion of the last frame.
        occ_count, inner_max2: (K,) int32 from ``cell_summary``.

    Returns:
        ``(occ, todo, moved)``: (K,) bool occlusion; the cells to classify (ascending); how many
        cells moved (occluded ones included; 0 with ``every``).
    """
    m = cur.shape[0]
    occ = np.empty(m, np.bool_)
    todo = np.empty(m, np.int64)
    cnt = 0
    moved = 0
    for k in range(m):
        occ[k] = occ_count[k] > occ_thr
        hit = every
        if not hit:
            hit = (was_occ[k] or digits[k] < 0) and not occ[k]
            if not hit:
                hit = _block_differs(cur, ref, k, diff_thr, False)
            if hit:
                moved += 1
        if occ[k]:
            digits[k] = -1
            conf[k] = 0.0
        elif hit:
            if inner_max2[k] < blank_thr:
                digits[k] = 0
                conf[k] = 1.0
                ref[k] = cur[k]
            else:
                todo[cnt] = k
                cnt += 1
    return occ, todo[:cnt].copy(), moved


@njit(cache=True, nogil=True)
def ring_ink(crops: NDArray[np.uint8], lo: int, hi: int, delta: int) -> NDArray[np.int32]:  # pragma: no cover
    """Pixels above ``delta`` in each crop's square ring ``lo <= d < hi``, d being a pixel's distance
    (in pixels, 0 on the border) from the nearest crop edge.

    Args:
        crops: (K, S, S) uint8 cell images (ink).
        lo, hi: the ring's bounds, 0 <= lo <= hi <= S // 2.
        delta: ink level that counts.

    Returns:
        (K,) int32 counts.
    """
    k_n, s, _ = crops.shape
    out = np.zeros(k_n, np.int32)
    for k in range(k_n):
        c = crops[k]
        cnt = 0
        for y in range(lo, s - lo):
            dy = min(y, s - 1 - y)
            if dy < hi:  # a row of the ring's top or bottom band: all of its columns in the ring
                for x in range(lo, s - lo):
                    cnt += c[y, x] > delta
            else:  # a row in between: the left and right bands only
                for x in range(lo, hi):
                    cnt += c[y, x] > delta
                for x in range(s - hi, s - lo):
                    cnt += c[y, x] > delta
        out[k] = cnt
    return out


@njit(cache=True, nogil=True)
def intrusion_step(idx: NDArray[np.int64], ring: NDArray[np.int32], digits: NDArray[np.int8],
                   conf: NDArray[np.float32], sure_digit: NDArray[np.int8], sure_ring: NDArray[np.int32],
                   cur: NDArray[np.int32], ref: NDArray[np.int32], ring_gain: float,
                   edge_diff: int) -> int:  # pragma: no cover
    """The Sudoku reader's intrusion rule on the cells ``idx`` just read (``SudokuFrameReader._intruded``).

    A cell whose reading goes from its last sure digit to another digit (both >= 1) is unread (digit
    -1, confidence 0) when its ring count ``ring`` exceeds that at the sure reading, ``sure_ring``, by
    more than ``ring_gain`` and some block on the edge of its (B, B) block sums ``cur`` differs from
    ``ref`` (at the sure reading) by more than ``edge_diff``. Every cell of ``idx`` still read then
    (digit >= 0) becomes its own sure reading. All arrays but ``idx`` and ``ring`` (per listed cell)
    are per cell of the board and updated in place.

    Returns:
        How many cells were unread.
    """
    out = 0
    for j in range(idx.shape[0]):
        k = idx[j]
        new = digits[k]
        old = sure_digit[k]
        if old >= 1 and new >= 1 and new != old and ring[j] - sure_ring[k] > ring_gain:
            if _block_differs(cur, ref, k, edge_diff, True):
                digits[k] = -1
                conf[k] = 0.0
                out += 1
        if digits[k] >= 0:
            sure_digit[k] = digits[k]
            sure_ring[k] = ring[j]
    return out
