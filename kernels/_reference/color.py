"""Plain-numpy twins of ``mmgr.kernels.color`` (obviously correct, slow; used by the tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def cell_weighted_medians(rgb: NDArray[np.uint8], y0: NDArray[np.int32], wy: NDArray[np.int32],
                          x0: NDArray[np.int32], wx: NDArray[np.int32], tol: int
                          ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """See ``mmgr.kernels.color.cell_weighted_medians``."""
    nr, nc = len(y0), len(x0)
    meds = np.zeros((nr, nc, 3), np.int32)
    near = np.zeros((nr, nc), np.int32)
    for r in range(nr):
        for c in range(nc):
            w2 = wy[r].astype(np.int64)[:, None] * wx[c].astype(np.int64)[None, :]
            iy, ix = np.nonzero(w2)
            px = rgb[y0[r] + iy, x0[c] + ix].astype(np.int64)
            w = w2[iy, ix]
            tot = int(w.sum())
            for ch in range(3):
                order = np.argsort(px[:, ch], kind="stable")
                k = int(np.argmax(2 * np.cumsum(w[order]) >= tot))
                meds[r, c, ch] = px[order[k], ch]
            d = np.abs(px - meds[r, c]).sum(axis=1)
            near[r, c] = (100 * int(w[d <= tol].sum())) // tot
    return meds, near


def nearest_palette(colors: NDArray[np.int32], palette: NDArray[np.int32]
                    ) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]]:
    """See ``mmgr.kernels.color.nearest_palette``."""
    c = colors.astype(np.int64)[:, None, :]
    p = palette.astype(np.int64)[None, :, :]
    d = ((c - p) ** 2).sum(axis=2)
    idx = np.argmin(d, axis=1).astype(np.int32)
    ds = np.sort(d, axis=1)
    return idx, ds[:, 0].copy(), ds[:, 1].copy()
