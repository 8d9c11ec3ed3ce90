"""Plain-numpy twins of ``mmgr.kernels.digits`` (the digit reader's original numpy code)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def line_bands(ink: NDArray[np.float32], peak: NDArray[np.float32], outer: int,
               tail: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """See ``mmgr.kernels.digits.line_bands``."""
    n = ink.shape[0]
    core_thr = np.maximum(0.1 * peak, 12.0)[:, None]
    tail_thr = np.maximum(0.05 * peak, 6.0)[:, None]
    rows = np.arange(n)
    bands = []
    for axis in (2, 1):  # runs along columns: horizontal lines (rows); along rows: vertical lines (columns)
        if axis == 2:
            run3 = ink[:, :, 1:-3] + ink[:, :, 2:-2] + ink[:, :, 3:-1]  # 3-px sums centred on columns 2..w-3
        else:
            run3 = ink[:, 1:-3, :] + ink[:, 2:-2, :] + ink[:, 3:-1, :]
        faint = run3.min(axis=axis) / 3.0  # (n, size): the faintest 3-px run along each row (column)
        core = faint >= core_thr
        tail_ok = faint >= tail_thr
        size = faint.shape[1]
        band = np.zeros((n, size), bool)
        k = np.arange(size)
        for side in (0, 1):
            idx = np.arange(outer) if side == 0 else size - 1 - np.arange(outer)
            c = core[:, idx]  # ordered from the edge inwards
            has = c.any(axis=1)
            depth = np.where(has, outer - np.argmax(c[:, ::-1], axis=1), 0)  # rows from the edge to erase
            for _ in range(tail):
                nxt = np.minimum(depth, size - 1)
                pos = nxt if side == 0 else size - 1 - nxt
                depth = depth + (has & tail_ok[rows, pos]).astype(depth.dtype)
            dist = k if side == 0 else size - 1 - k  # distance from this edge
            band |= dist[None, :] < depth[:, None]
        bands.append(band)
    return bands[0], bands[1]
