"""Colour kernels (numba): per-cell colour statistics (weighted medians) and nearest-palette
assignment.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.color`` that
the tests compare against. Integer arithmetic only (sums, floor means, squared distances),
so the jitted and reference versions agree exactly. Kernels trust their inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def cell_weighted_medians(rgb: NDArray[np.uint8], y0: NDArray[np.int32], wy: NDArray[np.int32],
                          x0: NDArray[np.int32], wx: NDArray[np.int32], tol: int
                          ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:  # pragma: no cover
    """Weighted median colour of every cell (separable integer weights), and how uniform it is.

    Args:
        rgb: (H, W, 3) uint8 image.
        y0: (R,) int32 first pixel row of each cell row's window; wy: (R, KY) int32 >= 0 weights of
            the window's rows (row ``y0[r] + i`` has weight ``wy[r, i]``; the window inside the image
            wherever the weight is > 0, at least one weight > 0).
        x0, wx: (C,), (C, KX) the same for columns.
        tol: a pixel is "near" when its L1 distance (sum over channels) to the median is <= tol.

    Returns:
        medians: (R, C, 3) int32, per channel the lower weighted median (pixel weight ``wy * wx``):
            the smallest value whose cumulative weight reaches half the total.
        near_pct: (R, C) int32, percent (floor) of the weight on pixels near the median.
    """
    nr = y0.shape[0]
    nc = x0.shape[0]
    ky = wy.shape[1]
    kx = wx.shape[1]
    meds = np.zeros((nr, nc, 3), np.int32)
    near = np.zeros((nr, nc), np.int32)
    vals = np.empty((3, ky * kx), np.int64)
    wts = np.empty(ky * kx, np.int64)
    hist = np.zeros((3, 256), np.int64)
    for r in range(nr):
        for c in range(nc):
            n = 0
            tot = np.int64(0)
            for i in range(ky):
                a = np.int64(wy[r, i])
                if a == 0:
                    continue
                for j in range(kx):
                    w = a * np.int64(wx[c, j])
                    if w == 0:
                        continue
                    y = y0[r] + i
                    x = x0[c] + j
                    vals[0, n] = rgb[y, x, 0]
                    vals[1, n] = rgb[y, x, 1]
                    vals[2, n] = rgb[y, x, 2]
                    wts[n] = w
                    tot += w
                    n += 1
            # per channel: weights counted per level (0..255), walked up to half the total; the
            # same lower weighted median as sorting the values, without a sort a cell
            hist[:, :] = 0
            for k in range(n):
                hist[0, vals[0, k]] += wts[k]
                hist[1, vals[1, k]] += wts[k]
                hist[2, vals[2, k]] += wts[k]
            for ch in range(3):
                cum = np.int64(0)
                for v in range(256):
                    cum += hist[ch, v]
                    if 2 * cum >= tot:
                        meds[r, c, ch] = v
                        break
            wn = np.int64(0)
            for k in range(n):
                d = abs(vals[0, k] - meds[r, c, 0]) + abs(vals[1, k] - meds[r, c, 1]) + abs(vals[2, k] - meds[r, c, 2])
                if d <= tol:
                    wn += wts[k]
            near[r, c] = (100 * wn) // tot
    return meds, near


@njit(cache=True)
def nearest_palette(colors: NDArray[np.int32], palette: NDArray[np.int32]
                    ) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]]:  # pragma: no cover
    """Nearest palette entry of each colour, with the two smallest squared distances.

    Args:
        colors: (N, 3) int32 RGB colours.
        palette: (K, 3) int32 RGB entries, K >= 2.

    Returns:
        idx: (N,) int32 index of the nearest entry (the lowest index on ties).
        d1: (N,) int64 squared Euclidean distance to it.
        d2: (N,) int64 squared distance to the second-nearest entry.
    """
    n = colors.shape[0]
    k = palette.shape[0]
    idx = np.zeros(n, np.int32)
    d1 = np.zeros(n, np.int64)
    d2 = np.zeros(n, np.int64)
    big = np.int64(1) << 62
    for i in range(n):
        best = 0
        b1 = big
        b2 = big
        for j in range(k):
            e0 = np.int64(colors[i, 0] - palette[j, 0])
            e1 = np.int64(colors[i, 1] - palette[j, 1])
            e2 = np.int64(colors[i, 2] - palette[j, 2])
            d = e0 * e0 + e1 * e1 + e2 * e2
            if d < b1:
                b2 = b1
                b1 = d
                best = j
            elif d < b2:
                b2 = d
        idx[i] = best
        d1[i] = b1
        d2[i] = b2
    return idx, d1, d2
