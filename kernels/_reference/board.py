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
    return _take(cur, means, feeds, np.flatnonzero(d > thr), n_cells)


def _take(cur: NDArray[np.uint8], means: NDArray[np.uint8], feeds: NDArray[np.intp], moved: NDArray[np.intp],
          n_cells: int) -> NDArray[np.bool_]:
    """The ``moved`` blocks (flat indices) take this frame's values (in place); the cells they feed."""
    todo = np.zeros(n_cells, bool)
    hit = feeds[moved].ravel()
    todo[hit[hit >= 0]] = True
    means.reshape(-1, 3)[moved] = cur.reshape(-1, 3)[moved]
    return todo


def pair_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], runs: NDArray[np.uint8], feeds: NDArray[np.intp],
                 thr: int, n_cells: int, persist: int) -> NDArray[np.bool_]:
    """See ``mmgr.kernels.board.pair_changes``."""
    h, w = cur.shape[:2]
    gy, gx = np.arange(h) // 2, np.arange(w) // 2
    shape = ((h + 1) // 2, (w + 1) // 2)
    k = np.zeros(shape, np.int64)
    np.add.at(k, (gy[:, None], gx[None, :]), 1)
    group_means = []
    for a in (cur, means):
        s = np.zeros(shape + (3,), np.int64)
        np.add.at(s, (gy[:, None], gx[None, :]), a.astype(np.int64))
        group_means.append((s + (k // 2)[..., None]) // k[..., None])
    group = (np.abs(group_means[0] - group_means[1]) > thr).any(axis=2)[gy[:, None], gx[None, :]]
    far = (np.abs(cur.astype(np.int32) - means.astype(np.int32)) > 2 * thr).any(axis=2)
    counted = np.where(far & ~group, np.minimum(255, runs.astype(np.int32) + 1), 0)
    moved2d = group | (counted >= persist)
    runs[...] = np.where(moved2d, 0, counted).astype(np.uint8)
    return _take(cur, means, feeds, np.flatnonzero(moved2d), n_cells)


def gate_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], last: NDArray[np.uint8], runs: NDArray[np.uint8],
                 feeds: NDArray[np.intp], thr: int, n_cells: int, noisy: float,
                 persist: int) -> tuple[NDArray[np.bool_], bool]:
    """See ``mmgr.kernels.board.gate_changes``."""
    differ = int((cur != last).sum())
    last[...] = cur
    if differ > noisy * cur.size:
        return pair_changes(cur, means, runs, feeds, thr, n_cells, persist), True
    runs[...] = 0
    return block_changes(cur, means, feeds, thr, n_cells), False


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


def homography_maps(inv: NDArray[np.float64], size: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """See ``mmgr.kernels.board.homography_maps``."""
    k = np.arange(size, dtype=np.float64)
    xs, ys = k[None, :], k[:, None]
    den = 1.0 / (inv[2, 0] * xs + (inv[2, 1] * ys + inv[2, 2]))
    mx = ((inv[0, 0] * xs + (inv[0, 1] * ys + inv[0, 2])) * den).astype(np.float32)
    my = ((inv[1, 0] * xs + (inv[1, 1] * ys + inv[1, 2])) * den).astype(np.float32)
    return mx, my


def gate_feeds(uv: NDArray[np.float64], n: int, block: int, cell_px: int, pad: int,
               margin: int) -> tuple[NDArray[np.int32], bool]:
    """See ``mmgr.kernels.board.gate_feeds``."""
    span = []
    for a in (np.ascontiguousarray(uv[..., 0]), np.ascontiguousarray(uv[..., 1])):
        lo = np.minimum(np.minimum(a[:-1, :-1], a[1:, :-1]), np.minimum(a[:-1, 1:], a[1:, 1:]))
        hi = np.maximum(np.maximum(a[:-1, :-1], a[1:, :-1]), np.maximum(a[:-1, 1:], a[1:, 1:]))
        grow = np.abs(a[1:, 1:] - a[:-1, :-1]) * (1.0 / block) + margin
        span.append((np.floor((lo - grow - pad) * (1.0 / cell_px)).astype(np.int32),
                     np.floor((hi + grow - pad) * (1.0 / cell_px)).astype(np.int32)))
    (c0, c1), (r0, r1) = span
    inside = (c1 >= 0) & (r1 >= 0) & (c0 <= n - 1) & (r0 <= n - 1)
    c0, c1, r0, r1 = (np.clip(x, 0, n - 1) for x in (c0, c1, r0, r1))
    ok = not np.any(inside & ((c1 - c0 > 1) | (r1 - r0 > 1)))
    feeds = np.stack([r0 * n + c0, r0 * n + c1, r1 * n + c0, r1 * n + c1], axis=-1).reshape(-1, 4).astype(np.int32)
    feeds[~inside.reshape(-1)] = -1
    return feeds, bool(ok)


def ink_into(rgb: NDArray[np.uint8], bg: NDArray[np.int64], out: NDArray[np.uint8]) -> None:
    """See ``mmgr.kernels.board.ink_into``."""
    out[...] = np.abs(rgb.astype(np.int64) - bg.astype(np.int64)).max(axis=2).astype(np.uint8)


def gate_rows(todo: NDArray[np.bool_], n: int, cell_px: int, pad: int,
              margin: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """See ``mmgr.kernels.board.gate_rows``."""
    size = n * cell_px + 2 * pad
    grid = todo.reshape(n, n)
    dirty = np.zeros((n, n), bool)
    rects = []
    for r in np.flatnonzero(grid.any(axis=1)):
        cols = np.flatnonzero(grid[r])
        ya, yb = max(0, pad + r * cell_px - margin), min(size, pad + (r + 1) * cell_px + margin)
        xa, xb = max(0, pad + cols[0] * cell_px - margin), min(size, pad + (cols[-1] + 1) * cell_px + margin)
        rects.append((ya, yb, xa, xb))
        ys = (np.arange(ya, yb) - pad) // cell_px
        xs = (np.arange(xa, xb) - pad) // cell_px
        ys, xs = ys[(ys >= 0) & (ys < n)], xs[(xs >= 0) & (xs < n)]
        dirty[np.ix_(ys, xs)] = True
    return np.array(rects, np.int64).reshape(-1, 4), dirty.reshape(-1)


def exact_score(ink: NDArray[np.uint8], n: int, cell_px: int, pad: int) -> float:
    """See ``mmgr.kernels.board.exact_score``."""
    prof = 0.5 * (ink[::3].mean(axis=0, dtype=np.float32) + ink[:, ::3].mean(axis=1, dtype=np.float32))
    lines = (pad + cell_px * np.arange(n + 1))[:, None] + np.arange(-3, 4)[None, :]
    mids = (pad + cell_px * np.arange(n) + cell_px // 2)[:, None] + np.arange(-3, 4)[None, :]
    lines = np.clip(lines, 0, prof.shape[0] - 1)
    return float((prof[lines].max(axis=1).mean() - prof[mids].max(axis=1).mean()) / 255.0)


def ink_profiles(ink: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """See ``mmgr.kernels.board.ink_profiles``."""
    f = ink.astype(np.float64)
    return f.mean(axis=0), f.mean(axis=1)


def block_means4(rgb: NDArray[np.uint8], y0: int, y1: int, x0: int, x1: int) -> NDArray[np.uint8]:
    """See ``mmgr.kernels.board.block_means4``."""
    a = rgb[y0:y1, x0:x1].astype(np.int32)
    for _ in range(2):
        a = (a[0::2, 0::2] + a[0::2, 1::2] + a[1::2, 0::2] + a[1::2, 1::2] + 2) >> 2
    return a.astype(np.uint8)


def remap_linear(rgb: NDArray[np.uint8], xy: NDArray[np.int16], fa: NDArray[np.uint16],
                 out: NDArray[np.uint8]) -> None:
    """See ``mmgr.kernels.board.remap_linear``."""
    h, w = rgb.shape[:2]
    sx, sy = xy[..., 0].astype(np.int64), xy[..., 1].astype(np.int64)
    a = fa.astype(np.int64) & 1023
    fx, fy = a & 31, a >> 5
    x0, x1 = np.clip(sx, 0, w - 1), np.clip(sx + 1, 0, w - 1)
    y0, y1 = np.clip(sy, 0, h - 1), np.clip(sy + 1, 0, h - 1)
    s = rgb.astype(np.int64)
    wt = [((32 - fy) * (32 - fx) * 32)[..., None], ((32 - fy) * fx * 32)[..., None],
          (fy * (32 - fx) * 32)[..., None], (fy * fx * 32)[..., None]]
    v = s[y0, x0] * wt[0] + s[y0, x1] * wt[1] + s[y1, x0] * wt[2] + s[y1, x1] * wt[3]
    out[...] = ((v + 16384) >> 15).astype(np.uint8)


def gate_step(rgb: NDArray[np.uint8], y0: int, y1: int, x0: int, x1: int, means: NDArray[np.uint8],
              last: NDArray[np.uint8], runs: NDArray[np.uint8], feeds: NDArray[np.intp], thr: int, n: int,
              always: NDArray[np.bool_], max_count: float, lat_xy: NDArray[np.int16], lat_fa: NDArray[np.uint16],
              cell_px: int, pad: int, margin: int, dirty: NDArray[np.bool_], bg: NDArray[np.float64],
              scalar: NDArray[np.int64], noisy: float, persist: int) -> tuple[int, NDArray[np.int64]]:
    """See ``mmgr.kernels.board.gate_step``."""
    todo = gate_changes(block_means4(rgb, y0, y1, x0, x1), means, last, runs, feeds, thr, n * n, noisy, persist)[0]
    if always.shape == todo.shape:
        todo |= always
    count = int(todo.sum())
    dirty[:] = False
    if count > max_count or count == 0:
        return (-1 if count > max_count else 0), np.empty((0, 4), np.int64)
    lat = np.empty(lat_fa.shape + (3,), np.uint8)
    remap_linear(rgb, lat_xy, lat_fa, lat)
    bg[:] = median_colour(lat)
    scalar[:] = [min(255, max(0, round(v))) for v in bg.tolist()]
    rects, hit = gate_rows(todo, n, cell_px, pad, margin)
    dirty[:] = hit
    return count, rects
