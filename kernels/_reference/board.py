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
