"""Wall-read kernels (numba): the mean or hit share of a 0/1 mask in every wall's sample boxes.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_walls`` that
the tests compare against (one division of whole numbers a value: both agree exactly).
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def wall_values(mask: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64], xa: NDArray[np.int64],
                xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64], per: int,
                target: NDArray[np.int64], rows: int, cols: int) -> NDArray[np.float32]:
    """Wall values (2, rows, cols) float32 read from an (H, W) 0/1 mask over sample boxes ``[ya, yb) x [xa, xb)``.

    Value i is read from boxes ``i * per .. (i + 1) * per`` and lands at flat index ``target[i]``
    (every other entry is -1). ``per == 1``: the box's mean mask value ``sum / area[i]``, -1 where
    ``ok[i]`` is false (off-frame); else the share of the ``per`` boxes holding a mask pixel.
    """
    out = np.full(2 * rows * cols, np.float32(-1.0), np.float32)
    for i in range(target.shape[0]):
        hits = 0
        total = np.int64(0)
        for j in range(i * per, (i + 1) * per):
            s = np.int64(0)
            for y in range(ya[j], yb[j]):
                for x in range(xa[j], xb[j]):
                    s += mask[y, x]
            total += s
            hits += s >= 1
        if per == 1:
            out[target[i]] = total / area[i] if ok[i] else -1.0
        else:
            out[target[i]] = hits / per
    return out.reshape(2, rows, cols)


@njit(cache=True, nogil=True)
def walls_uncovered(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64],
                    xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64],
                    per: int, target: NDArray[np.int64], rows: int, cols: int, thr: np.float32) -> NDArray[np.float32]:
    """``wall_values`` of ``wall``, -1 where ``wall_values`` of ``cover`` (same boxes) is above ``thr``: a frame's
    walls with those under markers not read, in one call instead of two reads and a mask in numpy."""
    out = wall_values(wall, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    cov = wall_values(cover, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    flat = out.reshape(2 * rows * cols)
    cflat = cov.reshape(2 * rows * cols)
    for i in range(flat.shape[0]):
        if cflat[i] > thr:
            flat[i] = np.float32(-1.0)
    return out
