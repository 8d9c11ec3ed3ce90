"""Colour kernels (numba): per-cell colour statistics and nearest-palette assignment.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.color`` that
the tests compare against. Integer arithmetic only (sums, floor means, squared distances),
so the jitted and reference versions agree exactly. Kernels trust their inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True)
def cell_means(rgb: NDArray[np.uint8], ys: NDArray[np.int32], xs: NDArray[np.int32], inset_pct: int,
               tol: int) -> tuple[NDArray[np.int32], NDArray[np.int32]]:  # pragma: no cover
    """Median colour of the central part of every cell, and how uniform it is.

    Args:
        rgb: (H, W, 3) uint8 image.
        ys: (R + 1,) int32 row boundaries in pixels (increasing, inside the image).
        xs: (C + 1,) int32 column boundaries in pixels.
        inset_pct: percent of the cell's side trimmed on each side (0-45) before sampling,
            so that grid lines and blurred edges are not sampled.
        tol: a pixel is "near" when its L1 distance (sum over channels) to the median is <= tol.

    Returns:
        medians: (R, C, 3) int32, per-channel lower median of the sampled pixels (robust to
            the blur of lines and neighbours bleeding into the cell's edge).
        near_pct: (R, C) int32, percent (floor) of sampled pixels near the median (100 = uniform).
    """
    nr = ys.shape[0] - 1
    nc = xs.shape[0] - 1
    meds = np.zeros((nr, nc, 3), np.int32)
    near = np.zeros((nr, nc), np.int32)
    for r in range(nr):
        h = ys[r + 1] - ys[r]
        dy = (h * inset_pct) // 100
        y0 = ys[r] + dy
        y1 = ys[r + 1] - dy
        if y1 <= y0:
            y0 = ys[r] + h // 2
            y1 = y0 + 1
        for c in range(nc):
            w = xs[c + 1] - xs[c]
            dx = (w * inset_pct) // 100
            x0 = xs[c] + dx
            x1 = xs[c + 1] - dx
            if x1 <= x0:
                x0 = xs[c] + w // 2
                x1 = x0 + 1
            n = (y1 - y0) * (x1 - x0)
            buf = np.empty((3, n), np.int32)
            i = 0
            for y in range(y0, y1):
                for x in range(x0, x1):
                    buf[0, i] = rgb[y, x, 0]
                    buf[1, i] = rgb[y, x, 1]
                    buf[2, i] = rgb[y, x, 2]
                    i += 1
            for ch in range(3):
                meds[r, c, ch] = np.sort(buf[ch])[(n - 1) // 2]
            k = 0
            for j in range(n):
                d = abs(buf[0, j] - meds[r, c, 0]) + abs(buf[1, j] - meds[r, c, 1]) + abs(buf[2, j] - meds[r, c, 2])
                if d <= tol:
                    k += 1
            near[r, c] = (100 * k) // n
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
