"""Block-maze anchor kernels (numba): the enclosed box of a wall mask (``mmgr.parsers.maze_anchor``).

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_anchor`` that the
tests compare against (0/1 and integer logic: both agree exactly).
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def enclosed_box(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                 use_exclude: bool) -> NDArray[np.int64]:
    """Bounding box (x0, y0, x1, y1 exclusive) of ``nonwall`` pixels with a wall pixel on all four sides.

    A pixel is enclosed when its row has wall pixels left and right of it and its column has
    wall pixels above and below it (first/last wall pixel of the row/column), it is non-wall,
    and (with ``use_exclude``) not excluded. Rows and columns with fewer than two enclosed pixels
    do not count. Returns (-1, -1, -1, -1) when no row or no column counts.
    """
    h, w = wall.shape
    first_r = np.full(h, w, np.int32)
    last_r = np.full(h, -1, np.int32)
    first_c = np.full(w, h, np.int32)
    last_c = np.full(w, -1, np.int32)
    _wall_ends(wall, first_r, last_r, first_c, last_c)
    n_row = np.zeros(h, np.int32)
    n_col = np.zeros(w, np.int32)
    for y in range(h):
        a = first_r[y] + 1
        b = last_r[y]
        if b <= a:
            continue
        yy = np.int32(y)
        cnt = np.int32(0)
        nw = nonwall[y, a:b]
        fc = first_c[a:b]
        lc = last_c[a:b]
        nc = n_col[a:b]
        if use_exclude:
            ex = exclude[y, a:b]
            for i in range(b - a):
                v = np.int32(nw[i] != 0) & np.int32(ex[i] == 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
                cnt += v
                nc[i] += v
        else:
            for i in range(b - a):
                v = np.int32(nw[i] != 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
                cnt += v
                nc[i] += v
        n_row[y] = cnt
    return _box_of(n_row, n_col)


@njit(cache=True, nogil=True)
def _row_ends(row: NDArray[np.uint8]) -> tuple[int, int]:
    """First and last non-zero index of a row; (w, -1) when it has none."""
    w = row.shape[0]
    fr = w
    for x in range(w):
        if row[x] != 0:
            fr = x
            break
    if fr == w:
        return w, -1
    lr = fr
    for x in range(w - 1, fr, -1):
        if row[x] != 0:
            lr = x
            break
    return fr, lr


@njit(cache=True, nogil=True, inline="always")
def _wall_ends(wall: NDArray[np.uint8], first_r: NDArray[np.int32], last_r: NDArray[np.int32],
               first_c: NDArray[np.int32], last_c: NDArray[np.int32]) -> None:
    """First and last wall pixel of every row and column, in place (``first_c`` h and ``last_c`` -1
    on entry). Row ends are scanned from both sides; column ends are updated only inside a row's
    wall span, over row slices (branch-free inner loops that LLVM vectorises)."""
    h = wall.shape[0]
    for y in range(h):
        fr, lr = _row_ends(wall[y])
        first_r[y] = fr
        last_r[y] = lr
        if lr < 0:
            continue
        yy = np.int32(y)
        span = wall[y, fr:lr + 1]
        lc = last_c[fr:lr + 1]
        for i in range(lr + 1 - fr):
            if span[i] != 0:
                lc[i] = yy
    for y in range(h - 1, -1, -1):
        fr = first_r[y]
        lr = last_r[y]
        if lr < 0:
            continue
        yy = np.int32(y)
        span = wall[y, fr:lr + 1]
        fc = first_c[fr:lr + 1]
        for i in range(lr + 1 - fr):
            if span[i] != 0:
                fc[i] = yy


@njit(cache=True, nogil=True, inline="always")
def _box_of(n_row: NDArray[np.int32], n_col: NDArray[np.int32]) -> NDArray[np.int64]:
    """(x0, y0, x1, y1 exclusive) over the rows and columns with at least two enclosed pixels, or -1s."""
    out = np.full(4, -1, np.int64)
    y0 = -1
    y1 = -1
    for y in range(n_row.shape[0]):
        if n_row[y] >= 2:
            if y0 < 0:
                y0 = y
            y1 = y
    x0 = -1
    x1 = -1
    for x in range(n_col.shape[0]):
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


@njit(cache=True, nogil=True, inline="always")
def _enclosed_row(y: int, nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8], use_exclude: bool,
                  first_r: NDArray[np.int32], last_r: NDArray[np.int32], first_c: NDArray[np.int32],
                  last_c: NDArray[np.int32], n_row: NDArray[np.int32], n_col: NDArray[np.int32],
                  enc: NDArray[np.uint8]) -> None:
    """Row y's enclosed pixels into ``enc[y]``, their count into ``n_row[y]``, added to ``n_col`` (``enc[y]`` zero)."""
    a = first_r[y] + 1
    b = last_r[y]
    if b <= a:
        n_row[y] = 0
        return
    yy = np.int32(y)
    cnt = np.int32(0)
    nw = nonwall[y, a:b]
    fc = first_c[a:b]
    lc = last_c[a:b]
    nc = n_col[a:b]
    er = enc[y, a:b]
    if use_exclude:
        ex = exclude[y, a:b]
        for i in range(b - a):
            v = np.int32(nw[i] != 0) & np.int32(ex[i] == 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
            cnt += v
            nc[i] += v
            er[i] = np.uint8(v)
    else:
        for i in range(b - a):
            v = np.int32(nw[i] != 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
            cnt += v
            nc[i] += v
            er[i] = np.uint8(v)
    n_row[y] = cnt


@njit(cache=True, nogil=True)
def enclosed_box_rows(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                      use_exclude: bool, y_a: int, y_b: int, full: bool, first_r: NDArray[np.int32],
                      last_r: NDArray[np.int32], first_c: NDArray[np.int32], last_c: NDArray[np.int32],
                      n_row: NDArray[np.int32], n_col: NDArray[np.int32], enc: NDArray[np.uint8]) -> NDArray[np.int64]:
    """``enclosed_box`` of masks that differ from the last call's only in rows ``y_a .. y_b - 1``.

    The state (row and column wall ends, enclosed pixels ``enc`` (H, W) and their row and column
    counts) is the last call's, updated in place; ``full`` (or a column whose first or last wall
    pixel moves: every row's count depends on those) takes it all again. Otherwise only the band's
    rows are counted again: a small change costs its rows, not the frame.
    """
    h, w = wall.shape
    if not full and y_a < y_b:
        # the columns' first and last wall rows inside the band (selects, no branches: the loops vectorise)
        bf = np.full(w, h, np.int32)
        bl = np.full(w, -1, np.int32)
        for y in range(y_b - 1, y_a - 1, -1):
            row = wall[y]
            yy = np.int32(y)
            for x in range(w):
                bf[x] = yy if row[x] != 0 else bf[x]
        for y in range(y_a, y_b):
            row = wall[y]
            yy = np.int32(y)
            for x in range(w):
                bl[x] = yy if row[x] != 0 else bl[x]
        for x in range(w):
            f = first_c[x]
            if f < y_a:
                nf = f  # rows above the band are unchanged
            elif bf[x] < h:
                nf = bf[x]
            elif f >= y_b:
                nf = f
            else:
                full = True  # the first wall pixel left the band: take it all again
                break
            last = last_c[x]
            if last >= y_b:
                nl = last
            elif bl[x] >= 0:
                nl = bl[x]
            elif last < y_a:
                nl = last
            else:
                full = True
                break
            if nf != f or nl != last:
                full = True
                break
        if not full:
            for y in range(y_a, y_b):
                a = first_r[y] + 1
                b = max(last_r[y], a)
                er = enc[y, a:b]  # the row's last counts out (over slices: the loops vectorise)
                nc = n_col[a:b]
                for i in range(b - a):
                    nc[i] -= np.int32(er[i])
                er[:] = 0
                fr, lr = _row_ends(wall[y])
                first_r[y] = fr
                last_r[y] = lr
                _enclosed_row(y, nonwall, exclude, use_exclude, first_r, last_r, first_c, last_c, n_row, n_col, enc)
    if full:
        first_c[:] = h
        last_c[:] = -1
        n_col[:] = 0
        enc[:] = 0
        _wall_ends(wall, first_r, last_r, first_c, last_c)
        for y in range(h):
            _enclosed_row(y, nonwall, exclude, use_exclude, first_r, last_r, first_c, last_c, n_row, n_col, enc)
    return _box_of(n_row, n_col)
