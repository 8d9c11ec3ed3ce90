"""Plain-numpy twins of ``mmgr.kernels.color`` (obviously correct, slow; used by the tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _span(a: int, b: int, inset_pct: int) -> tuple[int, int]:
    d = ((b - a) * inset_pct) // 100
    lo, hi = a + d, b - d
    if hi <= lo:
        lo = a + (b - a) // 2
        hi = lo + 1
    return lo, hi


def cell_means(rgb: NDArray[np.uint8], ys: NDArray[np.int32], xs: NDArray[np.int32], inset_pct: int,
               tol: int) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """See ``mmgr.kernels.color.cell_means``."""
    nr, nc = len(ys) - 1, len(xs) - 1
    means = np.zeros((nr, nc, 3), np.int32)
    near = np.zeros((nr, nc), np.int32)
    for r in range(nr):
        y0, y1 = _span(int(ys[r]), int(ys[r + 1]), inset_pct)
        for c in range(nc):
            x0, x1 = _span(int(xs[c]), int(xs[c + 1]), inset_pct)
            patch = rgb[y0:y1, x0:x1].reshape(-1, 3).astype(np.int64)
            m = np.sort(patch, axis=0)[(len(patch) - 1) // 2]
            means[r, c] = m
            d = np.abs(patch - m).sum(axis=1)
            near[r, c] = (100 * int((d <= tol).sum())) // len(patch)
    return means, near


def nearest_palette(colors: NDArray[np.int32], palette: NDArray[np.int32]
                    ) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]]:
    """See ``mmgr.kernels.color.nearest_palette``."""
    c = colors.astype(np.int64)[:, None, :]
    p = palette.astype(np.int64)[None, :, :]
    d = ((c - p) ** 2).sum(axis=2)
    idx = np.argmin(d, axis=1).astype(np.int32)
    ds = np.sort(d, axis=1)
    return idx, ds[:, 0].copy(), ds[:, 1].copy()
