"""Maze grid-fit kernels (numba): the line-maze border, and how block- or line-maze-like sampled walls are.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_fit`` that the
tests compare against exactly. Means are taken as numpy takes them (``pairwise_sum`` of
``kernels/_sums.py`` adds a run in numpy's order), so every score is bit-identical to the twin's.
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from mmgr.kernels._sums import pairwise_sum, row_col_sums

BORDER_BLOCK = 16  # rows a block of ``line_border_rows``' column sums


@njit(cache=True, nogil=True)
def _mean(a: NDArray[np.float64], n: int) -> float:
    """``a[:n].mean()`` as numpy computes it."""
    return pairwise_sum(a, 0, n) / n


@njit(cache=True, nogil=True)
def _block_score_k(vals: NDArray[np.float64], k: int, ww: int, buf: NDArray[np.float64]) -> float:
    """``block_scores`` of grid ``k`` over its leading ``ww`` columns of values."""
    hh = vals.shape[1]
    n_seen = 0
    p_n = 0
    p_hit = 0
    c_n = 0
    c_hit = 0
    for i in range(hh):
        for j in range(ww):
            v = vals[k, i, j]
            if v >= 0:
                buf[n_seen] = min(v, 1 - v)
                n_seen += 1
            if i % 2 == 0 and j % 2 == 0:
                p_n += int(v >= 0)
                p_hit += int(v > 0.5)
            elif i % 2 == 1 and j % 2 == 1:
                c_n += int(v >= 0)
                c_hit += int(0 <= v < 0.5)
    if n_seen / (hh * ww) < 0.6:
        return 0.0
    p_ok = p_hit / p_n if p_n else 0.0
    c_ok = c_hit / c_n if c_n else 0.0
    return p_ok * c_ok * (1.0 - 2.0 * _mean(buf, n_seen))


@njit(cache=True, nogil=True)
def block_scores(vals: NDArray[np.float64]) -> NDArray[np.float64]:
    """Block-maze score of each of K grids of sampled block values (K, 2R+1, 2C+1), -1 = not seen: (K,).

    0 when under 60% of the blocks are seen; else (share of seen pillars > 0.5) * (share of seen
    cells < 0.5) * purity, purity = 1 - 2 * mean over seen blocks of min(v, 1 - v).
    """
    k_n, hh, ww = vals.shape
    out = np.zeros(k_n)
    buf = np.empty(hh * ww)
    for k in range(k_n):
        out[k] = _block_score_k(vals, k, ww, buf)
    return out


@njit(cache=True, nogil=True)
def block_scores_sized(vals: NDArray[np.float64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """``block_scores`` of K grids of one row count sampled over more columns (K, 2R+1, 2C+1): grid k over its
    leading ``2 * cols[k] + 1`` columns (its own C = ``cols[k]``), each as scored alone: (K,)."""
    k_n, hh, ww = vals.shape
    out = np.zeros(k_n)
    buf = np.empty(hh * ww)
    for k in range(k_n):
        out[k] = _block_score_k(vals, k, 2 * cols[k] + 1, buf)
    return out


@njit(cache=True, nogil=True, inline="always")
def _judge(v: float, buf: NDArray[np.float64], n: int, hi: int, hidden: int) -> tuple[int, int, int]:
    """One inner wall segment: judged (its min(v, 1 - v) stored at ``buf[n]``; ``hi`` counts walls) or hidden."""
    if v >= 0:
        buf[n] = min(v, 1 - v)
        return n + 1, hi + int(v > 0.5), hidden
    return n, hi, hidden + 1


@njit(cache=True, nogil=True)
def _line_score_k(horiz: NDArray[np.float64], vert: NDArray[np.float64], k: int, c: int,
                  buf: NDArray[np.float64]) -> float:
    """``line_scores`` of grid ``k`` over its leading ``c`` columns (horizontal lines) and ``c + 1`` (vertical)."""
    r = horiz.shape[1] - 1
    b_hit = 0
    for j in range(c):
        b_hit += int(horiz[k, 0, j] > 0.5) + int(horiz[k, r, j] > 0.5)
    for i in range(r):
        b_hit += int(vert[k, i, 0] > 0.5) + int(vert[k, i, c] > 0.5)
    n = 0
    hi = 0
    hidden = 0
    for i in range(1, r):  # inner horizontal lines, then inner vertical lines, row by row
        for j in range(c):
            n, hi, hidden = _judge(horiz[k, i, j], buf, n, hi, hidden)
    for i in range(r):
        for j in range(1, c):
            n, hi, hidden = _judge(vert[k, i, j], buf, n, hi, hidden)
    purity = 1.0 - 2.0 * _mean(buf, n) if n else 1.0
    flag = 1.0 if n and 0.05 < hi / n and hi / (n + hidden) < 0.95 else 0.0
    return b_hit / (2 * c + 2 * r) * purity * flag


@njit(cache=True, nogil=True)
def line_scores(horiz: NDArray[np.float64], vert: NDArray[np.float64]) -> NDArray[np.float64]:
    """Line-maze score of each of K grids of wall-line values: horiz (K, R+1, C), vert (K, R, C+1); -1 = not judged.

    (share of border segments > 0.5) * purity of the inner segments judged (1 - 2 * mean of
    min(v, 1 - v); 1 when none) * (more than 5% of the judged inner segments > 0.5, and fewer than
    95% of the judged and hidden ones; 0 when none is judged): (K,). A hidden segment (under a
    marker) may be open: a drawn path over every opening of a small maze leaves only walls judged.
    """
    k_n, r1, c = horiz.shape
    out = np.zeros(k_n)
    buf = np.empty(r1 * c + (r1 - 1) * (c + 1))
    for k in range(k_n):
        out[k] = _line_score_k(horiz, vert, k, c, buf)
    return out


@njit(cache=True, nogil=True)
def line_scores_sized(horiz: NDArray[np.float64], vert: NDArray[np.float64], fill: NDArray[np.float64],
                      cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """Scores of K line grids of one row count sampled over more columns (horiz (K, R+1, C), vert (K, R, C+1),
    fill (K, R, C): ``line_values``'): grid k's ``line_scores`` over its leading ``cols[k]`` columns, times
    the share of its R x cols[k] cells whose centre holds (almost) no wall (fill < 0.15), each as alone: (K,)."""
    k_n, r1, c_max = horiz.shape
    r = r1 - 1
    out = np.zeros(k_n)
    buf = np.empty(r1 * c_max + r * (c_max + 1))
    for k in range(k_n):
        c = cols[k]
        clear = 0
        for i in range(r):
            for j in range(c):
                clear += int(fill[k, i, j] < 0.15)
        out[k] = _line_score_k(horiz, vert, k, c, buf) * (clear / (r * c))
    return out


@njit(cache=True, nogil=True)
def _box_sum(integral: NDArray[np.float64], ya: int, yb: int, xa: int, xb: int) -> float:
    """Sum of the mask over ``[ya, yb) x [xa, xb)`` from its integral image (whole numbers: exact).

    The parsers pass int32 integrals (half the memory of float64, built twice as fast): the sum is
    then an integer, and a ratio of it is the one correctly rounded float64 division either way.
    """
    return integral[yb, xb] - integral[ya, xb] - integral[yb, xa] + integral[ya, xa]


@njit(cache=True, nogil=True)
def block_values(integral: NDArray[np.float64], covered: NDArray[np.float64], use_covered: bool, rows: int,
                 cols: int, ox: NDArray[np.float64], oy: NDArray[np.float64], sx: NDArray[np.float64],
                 sy: NDArray[np.float64], frac: float) -> NDArray[np.float64]:
    """Mean wall-mask value over the central ``frac`` of every block of K block grids (``ox`` .. ``sy``: (K,)).

    ``integral``: (H+1, W+1) integral image of the wall mask (int32 or float64); ``covered``: that of the marker
    mask (with ``use_covered``, a block more than 2% covered is -1, not judged). Returns
    (K, 2R+1, 2C+1) float64; -1 where the block's box leaves the frame.
    """
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    n_y, n_x = 2 * rows + 1, 2 * cols + 1
    k_n = ox.shape[0]
    out = np.empty((k_n, n_y, n_x))
    m = (1 - frac) / 2
    xa = np.empty(n_x, np.int64)
    xb = np.empty(n_x, np.int64)
    ya = np.empty(n_y, np.int64)
    yb = np.empty(n_y, np.int64)
    for k in range(k_n):
        b_x, b_y = sx[k] / 2, sy[k] / 2
        x0 = ox[k] - 0.5 * b_x
        y0 = oy[k] - 0.5 * b_y
        for j in range(n_x):
            xa[j] = np.int64(np.rint(x0 + (j + m) * b_x))
            xb[j] = max(np.int64(np.rint(x0 + (j + 1 - m) * b_x)), xa[j] + 1)
        for i in range(n_y):
            ya[i] = np.int64(np.rint(y0 + (i + m) * b_y))
            yb[i] = max(np.int64(np.rint(y0 + (i + 1 - m) * b_y)), ya[i] + 1)
        for i in range(n_y):
            y_in = ya[i] >= 0 and yb[i] <= h
            y_a, y_b = min(max(ya[i], 0), h), min(max(yb[i], 0), h)
            for j in range(n_x):
                if not (y_in and xa[j] >= 0 and xb[j] <= w):
                    out[k, i, j] = -1.0
                    continue
                x_a, x_b = min(max(xa[j], 0), w), min(max(xb[j], 0), w)
                area = max(1, (y_b - y_a) * (x_b - x_a))
                v = _box_sum(integral, y_a, y_b, x_a, x_b) / area
                if use_covered and _box_sum(covered, y_a, y_b, x_a, x_b) / area > 0.02:
                    v = -1.0
                out[k, i, j] = v
    return out


@njit(cache=True, nogil=True)
def _clip_round(v: float, hi: int) -> int:
    return min(max(np.int64(np.rint(v)), 0), hi)


@njit(cache=True, nogil=True)
def line_values(integral: NDArray[np.float64], covered: NDArray[np.float64], use_covered: bool, rows: int,
                cols: int, ox: NDArray[np.float64], oy: NDArray[np.float64], sx: NDArray[np.float64],
                sy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_],
                                                  NDArray[np.bool_], NDArray[np.float64]]:
    """Wall-line readings of K line grids (``ox`` .. ``sy``: (K,)) from the wall mask's integral image.

    Every wall segment is crossed by 9 one-pixel strips (+-10% of a cell, at least 1 px) along its
    middle half; its value is the share of strips holding a mask pixel. Returns horizontal
    (K, R+1, C) and vertical (K, R, C+1) values, whether any strip of each segment holds a marker
    pixel (``covered``: the marker mask's integral; all False without ``use_covered``), and the wall
    share of the central 40% of every cell (K, R, C).
    """
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    k_n = ox.shape[0]
    horiz = np.empty((k_n, rows + 1, cols))
    vert = np.empty((k_n, rows, cols + 1))
    h_cov = np.zeros((k_n, rows + 1, cols), np.bool_)
    v_cov = np.zeros((k_n, rows, cols + 1), np.bool_)
    fill = np.empty((k_n, rows, cols))
    f = np.empty(9)
    for q in range(9):
        f[q] = 0.25 + 0.5 * (q + 0.5) / 9  # positions along the segment, in cells
    for k in range(k_n):
        t = max(1.0, 0.1 * min(sx[k], sy[k]))
        # A strip's box is rounded and clipped as ``_hits`` does, the coordinate shared by a line's strips once
        # a line; a line whose band holds no marker pixel has no covered strip (box sums are not negative).
        for r in range(rows + 1):
            y = oy[k] + sy[k] * r
            y_a, y_b = _clip_round(y - t, h), _clip_round(y + t + 1, h)
            y_b = max(y_b, min(y_a + 1, h))
            line_cov = use_covered and _box_sum(covered, y_a, y_b, 0, w) >= 1
            for c in range(cols):
                hits = 0
                cov = 0
                for q in range(9):
                    x = ox[k] + sx[k] * (c + f[q])
                    x_a, x_b = _clip_round(x, w), _clip_round(x + 1, w)
                    x_b = max(x_b, min(x_a + 1, w))
                    hits += int(_box_sum(integral, y_a, y_b, x_a, x_b) >= 1)
                    if line_cov:
                        cov += int(_box_sum(covered, y_a, y_b, x_a, x_b) >= 1)
                horiz[k, r, c] = hits / 9
                h_cov[k, r, c] = cov > 0
        for c in range(cols + 1):
            x = ox[k] + sx[k] * c
            x_a, x_b = _clip_round(x - t, w), _clip_round(x + t + 1, w)
            x_b = max(x_b, min(x_a + 1, w))
            line_cov = use_covered and _box_sum(covered, 0, h, x_a, x_b) >= 1
            for r in range(rows):
                hits = 0
                cov = 0
                for q in range(9):
                    y = oy[k] + sy[k] * (r + f[q])
                    y_a, y_b = _clip_round(y, h), _clip_round(y + 1, h)
                    y_b = max(y_b, min(y_a + 1, h))
                    hits += int(_box_sum(integral, y_a, y_b, x_a, x_b) >= 1)
                    if line_cov:
                        cov += int(_box_sum(covered, y_a, y_b, x_a, x_b) >= 1)
                vert[k, r, c] = hits / 9
                v_cov[k, r, c] = cov > 0
        for r in range(rows):
            y_a = _clip_round(oy[k] + sy[k] * (r + 0.3), h)
            y_b = _clip_round(oy[k] + sy[k] * (r + 0.7), h)
            y_b = max(y_b, min(y_a + 1, h))
            for c in range(cols):
                x_a = _clip_round(ox[k] + sx[k] * (c + 0.3), w)
                x_b = _clip_round(ox[k] + sx[k] * (c + 0.7), w)
                x_b = max(x_b, min(x_a + 1, w))
                fill[k, r, c] = _box_sum(integral, y_a, y_b, x_a, x_b) / max(1, (y_b - y_a) * (x_b - x_a))
    return horiz, vert, h_cov, v_cov, fill


@njit(cache=True, nogil=True)
def _border_run_means(prof: NDArray[np.float64]) -> tuple[float, float]:
    """Mean index of the hot run at each end of a profile (hot: >= 60% of its maximum; a run: within 8)."""
    n = prof.shape[0]
    pmax = prof[0]
    for i in range(n):
        pmax = max(pmax, prof[i])
    thr = 0.6 * pmax
    lo = -1
    hi = -1
    for i in range(n):
        if prof[i] >= thr:
            if lo < 0:
                lo = i
            hi = i
    s_lo = 0
    n_lo = 0
    s_hi = 0
    n_hi = 0
    for i in range(n):
        if prof[i] >= thr:
            if i <= lo + 8:
                s_lo += i
                n_lo += 1
            if i >= hi - 8:
                s_hi += i
                n_hi += 1
    return s_lo / n_lo, s_hi / n_hi  # whole-number sums: the means of the index runs, exactly


@njit(cache=True, nogil=True)
def line_border(dark: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Centres (x0, y0, x1, y1) of the outer border lines of a line maze in an (H, W) 0/1 mask; -1s when none.

    Uniform dark bars at the edges (rows or columns > 97% set: letterbox, pillarbox) are cut off
    first. In the rest, the column and row profiles (mask sums) must peak at 8 or more; each
    border is the mean index of the hot entries (>= 60% of the peak) within 8 of the first (last)
    hot entry. Lines closer than 8 px: none.
    """
    row_sum, col_sum = row_col_sums(dark)
    return _border(dark, row_sum, col_sum)


@njit(cache=True, nogil=True)
def _border(dark: NDArray[np.uint8], row_sum: NDArray[np.int64], col_sum: NDArray[np.int64]) -> NDArray[np.float64]:
    """``line_border`` given the mask's row and column sums."""
    h, w = dark.shape
    out = np.full(4, -1.0)
    y0 = 0
    while y0 < h and row_sum[y0] / w > 0.97:
        y0 += 1
    y1 = h
    while y1 > y0 and row_sum[y1 - 1] / w > 0.97:
        y1 -= 1
    x0 = 0
    while x0 < w and col_sum[x0] / h > 0.97:
        x0 += 1
    x1 = w
    while x1 > x0 and col_sum[x1 - 1] / h > 0.97:
        x1 -= 1
    if y1 <= y0 or x1 <= x0:
        return out
    prof_x = np.zeros(x1 - x0)
    prof_y = np.zeros(y1 - y0)
    if (x0, y0, x1, y1) == (0, 0, w, h):
        for x in range(w):
            prof_x[x] = col_sum[x]
        for y in range(h):
            prof_y[y] = row_sum[y]
    else:
        for y in range(y0, y1):
            r = np.int64(0)
            for x in range(x0, x1):
                v = np.int64(dark[y, x])
                r += v
                prof_x[x - x0] += v
            prof_y[y - y0] = r
    if prof_x.max() < 8 or prof_y.max() < 8:
        return out
    bx0, bx1 = _border_run_means(prof_x)
    by0, by1 = _border_run_means(prof_y)
    if (x0 + bx1) - (x0 + bx0) < 8 or (y0 + by1) - (y0 + by0) < 8:
        return out
    out[0] = x0 + bx0
    out[1] = y0 + by0
    out[2] = x0 + bx1
    out[3] = y0 + by1
    return out


@njit(cache=True, nogil=True)
def line_border_rows(dark: NDArray[np.uint8], y0: int, y1: int, full: bool, row_sum: NDArray[np.int64],
                     col_blocks: NDArray[np.int64]) -> NDArray[np.float64]:
    """``line_border`` of a mask that differs only in rows y0..y1 (exclusive end) from the last call's.

    State (int64, owned by the caller, filled from scratch with ``full``): ``row_sum`` (H,), each
    row's sum, and ``col_blocks`` (NB, W), the column sums of every block of ``BORDER_BLOCK`` rows;
    only the changed rows and their blocks are summed again, the column sums are the blocks' sums
    (whole numbers: the same sums as one pass).
    """
    h, w = dark.shape
    if full:
        y0, y1 = 0, h
    for y in range(y0, y1):
        r = np.int64(0)
        row = dark[y]
        for x in range(w):
            r += np.int64(row[x])
        row_sum[y] = r
    if y0 < y1:
        for bi in range(y0 // BORDER_BLOCK, (y1 - 1) // BORDER_BLOCK + 1):
            cb = col_blocks[bi]
            cb[:] = 0
            for y in range(bi * BORDER_BLOCK, min(h, (bi + 1) * BORDER_BLOCK)):
                row = dark[y]
                for x in range(w):
                    cb[x] += np.int64(row[x])
    col_sum = np.zeros(w, np.int64)
    for bi in range(col_blocks.shape[0]):
        cb = col_blocks[bi]
        for x in range(w):
            col_sum[x] += cb[x]
    return _border(dark, row_sum, col_sum)
