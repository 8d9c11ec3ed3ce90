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


def walls_uncovered_rows(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64],
                         yb: NDArray[np.int64], xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_],
                         area: NDArray[np.int64], per: int, target: NDArray[np.int64], rows: int, cols: int,
                         thr: np.float32, prev: NDArray[np.float32], y0: int, y1: int) -> NDArray[np.float32]:
    """All walls read again; ``prev``'s values kept for the walls none of whose boxes meets rows y0..y1."""
    new = walls_uncovered(wall, cover, ya, yb, xa, xb, ok, area, per, target, rows, cols, thr).reshape(-1)
    meets = ((ya < y1) & (yb > y0)).reshape(-1, per).any(axis=1)
    out = prev.copy().reshape(-1)
    out[target[meets]] = new[target[meets]]
    return out.reshape(2, rows, cols)


def wall_boxes(h: int, w: int, block: bool, rows: int, cols: int, ox: float, oy: float, sx: float,
               sy: float) -> tuple[NDArray[np.int64], ...]:
    """Sample boxes of every inner wall, ``(ya, yb, xa, xb, ok, area, target)``: whole-array numpy (the blocks or
    cross-section strips of all walls, then the inner walls picked out, below cells first)."""
    if block:
        b_x, b_y = sx / 2, sy / 2
        x0, y0 = ox - 0.5 * b_x, oy - 0.5 * b_y
        jx, iy = np.arange(2 * cols + 1), np.arange(2 * rows + 1)
        m = (1 - 0.5) / 2
        xa = np.round(x0 + (jx + m) * b_x).astype(int)
        xb = np.maximum(np.round(x0 + (jx + 1 - m) * b_x).astype(int), xa + 1)
        ya = np.round(y0 + (iy + m) * b_y).astype(int)
        yb = np.maximum(np.round(y0 + (iy + 1 - m) * b_y).astype(int), ya + 1)
        ok = (xa[None, :] >= 0) & (xb[None, :] <= w) & (ya[:, None] >= 0) & (yb[:, None] <= h)
        xa, xb = np.clip(xa, 0, w), np.clip(xb, 0, w)
        ya, yb = np.clip(ya, 0, h), np.clip(yb, 0, h)
        area = np.maximum(1, (yb - ya)[:, None] * (xb - xa)[None, :])
        fams = []
        for rs, cs in ((slice(2, -1, 2), slice(1, None, 2)), (slice(1, None, 2), slice(2, -1, 2))):
            r, c = np.broadcast_arrays(np.arange(2 * rows + 1)[rs][:, None], np.arange(2 * cols + 1)[cs][None, :])
            fams.append((ya[r].ravel(), yb[r].ravel(), xa[c].ravel(), xb[c].ravel(), ok[r, c].ravel(),
                         area[r, c].ravel()))
    else:
        t = max(1.0, 0.1 * min(sx, sy))
        f = 0.25 + 0.5 * (np.arange(9) + 0.5) / 9  # positions along the segment, in cells

        def boxes(xa, xb, ya, yb):  # type: ignore[no-untyped-def]
            xa, xb = np.clip(np.round(xa).astype(int), 0, w), np.clip(np.round(xb).astype(int), 0, w)
            ya, yb = np.clip(np.round(ya).astype(int), 0, h), np.clip(np.round(yb).astype(int), 0, h)
            return [np.broadcast_to(a, np.broadcast_shapes(xa.shape, ya.shape)).ravel() for a in
                    (ya, np.maximum(yb, np.minimum(ya + 1, h)), xa, np.maximum(xb, np.minimum(xa + 1, w)))]

        x = ox + sx * (np.arange(cols)[None, :, None] + f)
        y = oy + sy * np.arange(1, rows)[:, None, None]
        x2 = ox + sx * np.arange(1, cols)[None, :, None]
        y2 = oy + sy * (np.arange(rows)[:, None, None] + f)
        fams = [boxes(x, x + 1, y - t, y + t + 1), boxes(x2 - t, x2 + t + 1, y2, y2 + 1)]
        fams = [(*fm, np.ones(fm[0].size, bool), np.ones(fm[0].size, np.int64)) for fm in fams]
    ya, yb, xa, xb, ok, area = (np.concatenate([fm[i] for fm in fams]) for i in range(6))
    r0, c0 = np.meshgrid(np.arange(rows - 1), np.arange(cols), indexing="ij")
    r1, c1 = np.meshgrid(np.arange(rows), np.arange(cols - 1), indexing="ij")
    target = np.concatenate([(r0 * cols + c0).ravel(), rows * cols + (r1 * cols + c1).ravel()])
    return (*(a.astype(np.int64) for a in (ya, yb, xa, xb)), ok.astype(bool), area.astype(np.int64),
            target.astype(np.int64))
