"""Plain-numpy twins of ``mmgr.kernels.maze_walls`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def wall_values(mask: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64], xa: NDArray[np.int64],
                xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64], per: int,
                target: NDArray[np.int64], rows: int, cols: int) -> NDArray[np.float32]:
    """Wall values (2, rows, cols) float32 from box sums of a 0/1 mask; -1 where no value lands."""
    s = np.array([int(mask[y0:y1, x0:x1].sum()) for y0, y1, x0, x1 in zip(ya, yb, xa, xb, strict=True)], np.int64)
    if per == 1:
        v = np.where(ok, s / area, -1.0)
    else:
        v = (s >= 1).reshape(-1, per).sum(axis=1) / per
    out = np.full(2 * rows * cols, -1.0, np.float32)
    out[target] = v
    return out.reshape(2, rows, cols)


def walls_uncovered(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64],
                    xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64],
                    per: int, target: NDArray[np.int64], rows: int, cols: int, thr: np.float32) -> NDArray[np.float32]:
    """Wall values of ``wall``, -1 where those of ``cover`` exceed ``thr``."""
    walls = wall_values(wall, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    covered = wall_values(cover, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    return np.where(covered > thr, np.float32(-1), walls).astype(np.float32)
