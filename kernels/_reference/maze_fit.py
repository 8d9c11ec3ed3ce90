"""Plain-numpy twins of ``mmgr.kernels.maze_fit`` (the scoring as first written; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

BORDER_BLOCK = 16


def block_scores(vals: NDArray[np.float64]) -> NDArray[np.float64]:
    """Block-maze score of each of K grids of sampled block values (K, 2R+1, 2C+1), -1 = not seen."""
    out = []
    for k in range(vals.shape[0]):
        v_k = vals[k]
        seen = v_k >= 0
        if seen.mean() < 0.6:
            out.append(0.0)
            continue
        pill = v_k[0::2, 0::2]
        cell = v_k[1::2, 1::2]
        p_ok = float((pill[pill >= 0] > 0.5).mean()) if (pill >= 0).any() else 0.0
        c_ok = float((cell[cell >= 0] < 0.5).mean()) if (cell >= 0).any() else 0.0
        v = v_k[seen]
        purity = 1.0 - 2.0 * float(np.minimum(v, 1 - v).mean())
        out.append(p_ok * c_ok * purity)
    return np.array(out, np.float64)


def line_scores(horiz: NDArray[np.float64], vert: NDArray[np.float64]) -> NDArray[np.float64]:
    """Line-maze score of each of K grids: horiz (K, R+1, C), vert (K, R, C+1) wall-line values, -1 = not judged."""
    out = []
    for hz, vt in zip(horiz, vert, strict=True):
        border = np.concatenate([hz[0], hz[-1], vt[:, 0], vt[:, -1]])
        v = np.concatenate([hz[1:-1].ravel(), vt[:, 1:-1].ravel()])
        hidden = int((v < 0).sum())
        v = v[v >= 0]  # -1: under a marker, not judged (it may be open)
        purity = 1.0 - 2.0 * float(np.minimum(v, 1 - v).mean()) if v.size else 1.0
        hi = int((v > 0.5).sum())
        flag = float(0.05 < hi / v.size and hi / (v.size + hidden) < 0.95) if v.size else 0.0
        out.append(float((border > 0.5).mean()) * purity * flag)
    return np.array(out, np.float64)


def block_scores_sized(vals: NDArray[np.float64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """``block_scores`` of grid k over its leading 2 * cols[k] + 1 columns."""
    return np.array([block_scores(vals[k:k + 1, :, :2 * c + 1])[0] for k, c in enumerate(cols.tolist())], np.float64)


def line_scores_sized(horiz: NDArray[np.float64], vert: NDArray[np.float64], fill: NDArray[np.float64],
                      cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """``line_scores`` of grid k over its leading cols[k] columns, times its share of clear cells (fill < 0.15)."""
    return np.array([line_scores(horiz[k:k + 1, :, :c], vert[k:k + 1, :, :c + 1])[0]
                     * float((fill[k, :, :c] < 0.15).mean()) for k, c in enumerate(cols.tolist())], np.float64)


def _box_sums(integral: NDArray[np.float64], ya, yb, xa, xb):  # type: ignore[no-untyped-def]
    return integral[yb, xb] - integral[ya, xb] - integral[yb, xa] + integral[ya, xa]


def block_values(integral: NDArray[np.float64], covered: NDArray[np.float64], use_covered: bool, rows: int,
                 cols: int, ox: NDArray[np.float64], oy: NDArray[np.float64], sx: NDArray[np.float64],
                 sy: NDArray[np.float64], frac: float) -> NDArray[np.float64]:
    """Mean wall-mask value of the central ``frac`` of every block of K grids (K, 2R+1, 2C+1); -1 off-frame/covered."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    b_x, b_y = (sx / 2)[:, None], (sy / 2)[:, None]
    x0 = ox[:, None] - 0.5 * b_x
    y0 = oy[:, None] - 0.5 * b_y
    jx = np.arange(2 * cols + 1)
    iy = np.arange(2 * rows + 1)
    m = (1 - frac) / 2
    xa = np.round(x0 + (jx + m) * b_x).astype(int)
    xb = np.round(x0 + (jx + 1 - m) * b_x).astype(int)
    ya = np.round(y0 + (iy + m) * b_y).astype(int)
    yb = np.round(y0 + (iy + 1 - m) * b_y).astype(int)
    xb = np.maximum(xb, xa + 1)
    yb = np.maximum(yb, ya + 1)
    ok = (xa[:, None, :] >= 0) & (xb[:, None, :] <= w) & (ya[:, :, None] >= 0) & (yb[:, :, None] <= h)
    xa, xb = np.minimum(np.maximum(xa, 0), w), np.minimum(np.maximum(xb, 0), w)
    ya, yb = np.minimum(np.maximum(ya, 0), h), np.minimum(np.maximum(yb, 0), h)
    area = np.maximum(1, (yb - ya)[:, :, None] * (xb - xa)[:, None, :])
    ya, yb, xa, xb = ya[:, :, None], yb[:, :, None], xa[:, None, :], xb[:, None, :]
    vals = np.where(ok, _box_sums(integral, ya, yb, xa, xb) / area, -1.0)
    if use_covered:
        vals = np.where(np.where(ok, _box_sums(covered, ya, yb, xa, xb) / area, -1.0) > 0.02, -1.0, vals)
    return vals  # type: ignore[no-any-return]


def line_values(integral: NDArray[np.float64], covered: NDArray[np.float64], use_covered: bool, rows: int,
                cols: int, ox: NDArray[np.float64], oy: NDArray[np.float64], sx: NDArray[np.float64],
                sy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_],
                                                  NDArray[np.bool_], NDArray[np.float64]]:
    """Horizontal (K, R+1, C), vertical (K, R, C+1) wall-line values, whether each is on a marker, cell fill."""
    h, w = integral.shape[0] - 1, integral.shape[1] - 1
    k = 9
    ox4, oy4, sx4, sy4 = (v[:, None, None, None] for v in (ox, oy, sx, sy))
    t = np.maximum(1.0, 0.1 * np.minimum(sx4, sy4))
    f = 0.25 + 0.5 * (np.arange(k) + 0.5) / k

    def boxes(xa, xb, ya, yb):  # type: ignore[no-untyped-def]
        xa, xb = np.round(xa).astype(int), np.round(xb).astype(int)
        ya, yb = np.round(ya).astype(int), np.round(yb).astype(int)
        xa, xb = np.minimum(np.maximum(xa, 0), w), np.minimum(np.maximum(xb, 0), w)
        ya, yb = np.minimum(np.maximum(ya, 0), h), np.minimum(np.maximum(yb, 0), h)
        xb, yb = np.maximum(xb, np.minimum(xa + 1, w)), np.maximum(yb, np.minimum(ya + 1, h))
        return xa, xb, ya, yb

    def hits(integ, bx):  # type: ignore[no-untyped-def]
        xa, xb, ya, yb = bx
        return (_box_sums(integ, ya, yb, xa, xb) >= 1).mean(axis=-1)

    r = np.arange(rows + 1)[:, None, None]
    c = np.arange(cols)[None, :, None]
    x = ox4 + sx4 * (c + f[None, None, :])
    y = oy4 + sy4 * r
    bh = boxes(x, x + 1, y - t, y + t + 1)
    r2 = np.arange(rows)[:, None, None]
    c2 = np.arange(cols + 1)[None, :, None]
    x2 = ox4 + sx4 * c2
    y2 = oy4 + sy4 * (r2 + f[None, None, :])
    bv = boxes(x2 - t, x2 + t + 1, y2, y2 + 1)
    horiz, vert = hits(integral, bh), hits(integral, bv)
    h_cov = hits(covered, bh) > 0 if use_covered else np.zeros(horiz.shape, bool)
    v_cov = hits(covered, bv) > 0 if use_covered else np.zeros(vert.shape, bool)
    ox2, oy2, sx2, sy2 = (v[:, None] for v in (ox, oy, sx, sy))
    cc = np.arange(cols)
    rr = np.arange(rows)
    xa = np.minimum(np.maximum(np.round(ox2 + sx2 * (cc + 0.3)).astype(int), 0), w)
    xb = np.minimum(np.maximum(np.round(ox2 + sx2 * (cc + 0.7)).astype(int), 0), w)
    ya = np.minimum(np.maximum(np.round(oy2 + sy2 * (rr + 0.3)).astype(int), 0), h)
    yb = np.minimum(np.maximum(np.round(oy2 + sy2 * (rr + 0.7)).astype(int), 0), h)
    xb, yb = np.maximum(xb, np.minimum(xa + 1, w)), np.maximum(yb, np.minimum(ya + 1, h))
    ya3, yb3, xa3, xb3 = ya[:, :, None], yb[:, :, None], xa[:, None, :], xb[:, None, :]
    fill = _box_sums(integral, ya3, yb3, xa3, xb3) / np.maximum(1, (yb3 - ya3) * (xb3 - xa3))
    return horiz, vert, h_cov, v_cov, fill


def line_border(dark: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Centres (x0, y0, x1, y1) of the outer border lines of a line maze, bars cut off first; -1s when none."""
    h, w = dark.shape
    row_sum, col_sum = dark.sum(axis=1), dark.sum(axis=0)
    rfull, cfull = row_sum / w > 0.97, col_sum / h > 0.97
    by0, by1, bx0, bx1 = 0, h, 0, w
    while by0 < h and rfull[by0]:
        by0 += 1
    while by1 > by0 and rfull[by1 - 1]:
        by1 -= 1
    while bx0 < w and cfull[bx0]:
        bx0 += 1
    while bx1 > bx0 and cfull[bx1 - 1]:
        bx1 -= 1
    none = np.full(4, -1.0)
    sub = dark[by0:by1, bx0:bx1]
    if sub.size == 0:
        return none
    out = []
    for axis in (0, 1):  # column profile -> x, row profile -> y
        prof = sub.sum(axis=axis).astype(np.float64)
        if prof.max() < 8:
            return none
        hot = np.nonzero(prof >= 0.6 * prof.max())[0]
        lo_run = hot[hot <= hot[0] + 8]
        hi_run = hot[hot >= hot[-1] - 8]
        off = bx0 if axis == 0 else by0
        out.append((off + float(lo_run.mean()), off + float(hi_run.mean())))
    (x0, x1), (y0, y1) = out
    if x1 - x0 < 8 or y1 - y0 < 8:
        return none
    return np.array([x0, y0, x1, y1])


def line_border_rows(dark: NDArray[np.uint8], y0: int, y1: int, full: bool, row_sum: NDArray[np.int64],
                     col_blocks: NDArray[np.int64]) -> NDArray[np.float64]:
    """``line_border`` of the whole mask, the state arrays filled from it (the changed rows are not used)."""
    h, w = dark.shape
    row_sum[:] = dark.sum(axis=1)
    for bi in range(col_blocks.shape[0]):
        col_blocks[bi] = dark[bi * BORDER_BLOCK:(bi + 1) * BORDER_BLOCK].sum(axis=0)
    return line_border(dark)
