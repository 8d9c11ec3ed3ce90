"""Plain-numpy twins of ``mmgr.kernels.maze_anchor`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _ends_and_inside(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                     use_exclude: bool) -> tuple[NDArray[np.int64], ...]:
    """Row and column wall ends (first_r, last_r, first_c, last_c) and the (H, W) enclosed mask."""
    h, w = wall.shape
    wb = wall.astype(bool)
    any_r, any_c = wb.any(axis=1), wb.any(axis=0)
    first_r = np.where(any_r, wb.argmax(axis=1), w)
    last_r = np.where(any_r, w - 1 - wb[:, ::-1].argmax(axis=1), -1)
    first_c = np.where(any_c, wb.argmax(axis=0), h)
    last_c = np.where(any_c, h - 1 - wb[::-1, :].argmax(axis=0), -1)
    xs = np.arange(w)[None, :]
    ys = np.arange(h)[:, None]
    inside = nonwall.astype(bool) & (xs > first_r[:, None]) & (xs < last_r[:, None])
    inside &= (ys > first_c[None, :]) & (ys < last_c[None, :])
    if use_exclude:
        inside &= ~exclude.astype(bool)
    return first_r, last_r, first_c, last_c, inside


def enclosed_box(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                 use_exclude: bool) -> NDArray[np.int64]:
    """Bounding box (x0, y0, x1, y1 exclusive) of enclosed non-wall pixels, or (-1, -1, -1, -1)."""
    inside = _ends_and_inside(wall, nonwall, exclude, use_exclude)[4]
    rows = np.nonzero(inside.sum(axis=1) >= 2)[0]
    colz = np.nonzero(inside.sum(axis=0) >= 2)[0]
    if rows.size == 0 or colz.size == 0:
        return np.full(4, -1, np.int64)
    return np.array([colz[0], rows[0], colz[-1] + 1, rows[-1] + 1], np.int64)


def enclosed_box_rows(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                      use_exclude: bool, y_a: int, y_b: int, full: bool, first_r: NDArray[np.int32],
                      last_r: NDArray[np.int32], first_c: NDArray[np.int32], last_c: NDArray[np.int32],
                      n_row: NDArray[np.int32], n_col: NDArray[np.int32], enc: NDArray[np.uint8]) -> NDArray[np.int64]:
    """``enclosed_box``, its state (wall ends, enclosed pixels and their counts) taken again whole, in place."""
    first_r[:], last_r[:], first_c[:], last_c[:], inside = _ends_and_inside(wall, nonwall, exclude, use_exclude)
    enc[:] = inside
    n_row[:] = inside.sum(axis=1)
    n_col[:] = inside.sum(axis=0)
    return enclosed_box(wall, nonwall, exclude, use_exclude)
