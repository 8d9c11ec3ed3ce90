"""Plain-numpy twins of ``mmgr.kernels.board`` (obviously correct, slow; used by the tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def median_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """See ``mmgr.kernels.board.median_colour``."""
    return np.median(pixels.reshape(-1, 3), axis=0).astype(np.float64)


def block_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], feeds: NDArray[np.intp], thr: int,
                  n_cells: int) -> NDArray[np.bool_]:
    """See ``mmgr.kernels.board.block_changes``."""
    d = np.abs(cur.astype(np.int32) - means.astype(np.int32)).max(axis=2)
    moved = np.flatnonzero(d > thr)
    todo = np.zeros(n_cells, bool)
    hit = feeds[moved].ravel()
    todo[hit[hit >= 0]] = True
    means.reshape(-1, 3)[moved] = cur.reshape(-1, 3)[moved]
    return todo


def line_peaks(profile: NDArray[np.float64], expected: NDArray[np.float64],
               win: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """See ``mmgr.kernels.board.line_peaks``."""
    found = np.empty(len(expected))
    peaks = np.empty(len(expected))
    for i, e in enumerate(expected):
        lo, hi = int(max(0, e - win)), int(min(len(profile), e + win + 1))
        seg = profile[lo:hi]
        j = int(np.argmax(seg))
        thr = 0.5 * (seg[j] + np.median(seg))
        idx = np.nonzero(seg >= thr)[0]
        idx = idx[np.abs(idx - j) <= 4]
        wts = seg[idx] - thr + 1e-6
        found[i] = lo + float(np.sum(idx * wts) / np.sum(wts))
        peaks[i] = seg[j]
    return found, peaks
