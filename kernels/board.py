"""Board-pixel kernels (numba) for the Sudoku reader: the board colour, the change gate and
grid-line peaks.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.board`` that the
tests compare against. Integer arithmetic (counts), or float sums in numpy's order, so
the jitted and reference versions agree exactly. Kernels trust their inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from mmgr.kernels._sums import block_sum


@njit(cache=True, nogil=True)
def median_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:  # pragma: no cover
    """Per-channel median of (N, 3) uint8 pixels, N >= 1, as ``np.median(pixels, axis=0)``.

    A 256-bin count per channel: the middle order statistic (the mean of the two middle ones when
    N is even) is found by walking the counts, with no sort and no float until the last step.
    """
    n = pixels.shape[0]
    counts = np.zeros((3, 256), np.int64)
    for i in range(n):
        for ch in range(3):
            counts[ch, pixels[i, ch]] += 1
    out = np.empty(3, np.float64)
    lo_rank = (n - 1) // 2  # 0-based ranks of the middle values (equal when n is odd)
    hi_rank = n // 2
    for ch in range(3):
        seen = 0
        lo = -1
        hi = -1
        for v in range(256):
            seen += counts[ch, v]
            if lo < 0 and seen > lo_rank:
                lo = v
            if seen > hi_rank:
                hi = v
                break
        out[ch] = (lo + hi) / 2.0
    return out


@njit(cache=True, nogil=True)
def block_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], feeds: NDArray[np.intp], thr: int,
                  n_cells: int) -> NDArray[np.bool_]:  # pragma: no cover
    """The change gate's step: cells fed by a block whose mean moved.

    Args:
        cur: (H, W, 3) uint8 block means of this frame.
        means: (H, W, 3) uint8 block means kept from earlier frames; a block that moved by more
            than ``thr`` in some channel takes this frame's value (in place).
        feeds: (H * W, 4) cell indices each block feeds (-1: none).
        thr: gray levels.
        n_cells: number of cells.

    Returns:
        (n_cells,) bool: the cells fed by a moved block.
    """
    h, w = cur.shape[0], cur.shape[1]
    todo = np.zeros(n_cells, np.bool_)
    for y in range(h):
        for x in range(w):
            moved = False
            for ch in range(3):
                if abs(np.int32(cur[y, x, ch]) - np.int32(means[y, x, ch])) > thr:
                    moved = True
            if moved:
                for ch in range(3):
                    means[y, x, ch] = cur[y, x, ch]
                k = y * w + x
                for j in range(4):
                    c = feeds[k, j]
                    if c >= 0:
                        todo[c] = True
    return todo


@njit(cache=True, nogil=True)
def line_peaks(profile: NDArray[np.float64], expected: NDArray[np.float64],
               win: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover
    """Grid-line centres near their expected places on an ink profile.

    For each expected position e, in the window ``[e - win, e + win]`` (clipped to the profile):
    the peak j (first maximum), the threshold halfway between the peak and the window's median,
    and the centroid of the samples within 4 of the peak that reach it, weighted by how far above
    the threshold they are (+1e-6). Sums in numpy's order, so the positions match bit for bit.

    Returns:
        ``(found, peaks)``: centres (profile coordinates) and peak values, one per expected line.
    """
    m = expected.shape[0]
    found = np.empty(m, np.float64)
    peaks = np.empty(m, np.float64)
    size = profile.shape[0]
    seg = np.empty(2 * win + 2, np.float64)
    srt = np.empty(2 * win + 2, np.float64)
    num = np.empty(2 * win + 2, np.float64)
    den = np.empty(2 * win + 2, np.float64)
    for i in range(m):
        e = expected[i]
        lo = int(max(0.0, e - win))
        hi = int(min(float(size), e + win + 1))
        k = hi - lo
        j = 0
        for t in range(k):
            seg[t] = profile[lo + t]
            srt[t] = seg[t]
            if seg[t] > seg[j]:
                j = t
        srt[:k].sort()
        if k % 2 == 1:
            med = srt[k // 2]
        else:
            med = (srt[k // 2 - 1] + srt[k // 2]) / 2.0
        thr = 0.5 * (seg[j] + med)
        c = 0
        for t in range(k):
            if seg[t] >= thr and abs(t - j) <= 4:
                w = seg[t] - thr + 1e-6
                num[c] = t * w
                den[c] = w
                c += 1
        found[i] = lo + block_sum(num, 0, c) / block_sum(den, 0, c)
        peaks[i] = seg[j]
    return found, peaks
