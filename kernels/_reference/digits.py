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


def _box3(a: NDArray[np.float32]) -> NDArray[np.float32]:
    """3x3 mean with zero padding over the last two axes (whole-number inputs: sums exact)."""
    p = np.pad(a, ((0, 0), (1, 1), (1, 1)))
    h, w = a.shape[1:]
    s = sum(p[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    return s.astype(np.float32) * np.float32(1.0 / 9.0)


def _coarse(a: NDArray[np.float32], k: int) -> NDArray[np.float32]:
    """Block means of k x k blocks summed as OpenCV's area resize does: the block's values in
    row-major order, four added together and then to the running sum, times 1/k^2."""
    n, h, w = a.shape
    blocks = a.reshape(n, h // k, k, w // k, k).transpose(0, 1, 3, 2, 4).reshape(n, h // k, w // k, k * k)
    s = np.zeros(blocks.shape[:3], np.float32)
    q = 0
    while q <= k * k - 4:
        s += blocks[..., q] + blocks[..., q + 1] + blocks[..., q + 2] + blocks[..., q + 3]
        q += 4
    while q < k * k:
        s += blocks[..., q]
        q += 1
    return s * (np.float32(1.0) / np.float32(k * k))


def _bilinear(norm: NDArray[np.float32], my: NDArray[np.float32], mx: NDArray[np.float32]) -> NDArray[np.float32]:
    """Bilinear samples of zero-framed crops at (my, mx) (framed coordinates), positions rounded
    to 1/32 px and weights tabulated in float32 as OpenCV's remap does."""
    n, h, w = norm.shape
    src = np.zeros((n, h + 3, w + 3), np.float32)  # frame of zeros (and one more for the far neighbour)
    src[:, 1:h + 1, 1:w + 1] = norm
    iy = np.rint(my * np.float32(32.0)).astype(np.int64)  # (n, B)
    ix = np.rint(mx * np.float32(32.0)).astype(np.int64)
    sy, ay = iy >> 5, iy & 31
    sx, ax = ix >> 5, ix & 31
    t = np.arange(32, dtype=np.float32) / np.float32(32.0)
    tab = np.stack([np.float32(1.0) - t, t], axis=1)
    rows = np.arange(n)[:, None, None]
    y, x = sy[:, :, None], sx[:, None, :]
    wy0, wy1 = tab[ay, 0][:, :, None], tab[ay, 1][:, :, None]
    wx0, wx1 = tab[ax, 0][:, None, :], tab[ax, 1][:, None, :]
    return (((src[rows, y, x] * (wy0 * wx0) + src[rows, y, x + 1] * (wy0 * wx1))
             + src[rows, y + 1, x] * (wy1 * wx0)) + src[rows, y + 1, x + 1] * (wy1 * wx1))


def cell_features(cells: NDArray[np.uint8], bg_rank: int, outer: int, tail: int, box_px: int, fit_px: int,
                  coarse: int, mask_frac: np.float32, blank_contrast: np.float32, blank_min_bg: np.float32
                  ) -> tuple[NDArray[np.float32], NDArray[np.bool_], NDArray[np.float32], NDArray[np.float32]]:
    """See ``mmgr.kernels.digits.cell_features``."""
    n, size, _ = cells.shape
    g = cells.astype(np.float32)
    bg = np.partition(g[:, ::2, ::2].reshape(n, -1), bg_rank, axis=1)[:, bg_rank]
    ink = np.maximum(bg[:, None, None] - g, np.float32(0.0))
    peak = _box3(ink).max(axis=(1, 2))
    rows, cols = line_bands(ink, peak, outer, tail)
    ink = np.where(rows[:, :, None] | cols[:, None, :], np.float32(0.0), ink)
    sm = _box3(ink)
    contrast = sm.max(axis=(1, 2))
    clear = (contrast < blank_contrast) & (bg >= blank_min_bg)
    norm = np.clip(sm / np.maximum(contrast, np.float32(1.0))[:, None, None], np.float32(0.0), np.float32(1.0))
    mass = np.where(norm > mask_frac, norm, np.float32(0.0))
    # ink box from mass quantiles, summed as numpy sums (the kernel reproduces this order)
    total = mass.reshape(n, -1).sum(axis=1)
    ok = total > 0
    total = np.where(ok, total, np.float32(1.0))
    ys = np.cumsum(mass.sum(axis=2), axis=1) / total[:, None]
    xs = np.cumsum(mass.sum(axis=1), axis=1) / total[:, None]
    y0 = np.minimum((ys < np.float32(0.005)).sum(axis=1), size - 1)
    y1 = np.maximum(np.minimum((ys < np.float32(0.995)).sum(axis=1), size - 1), y0)
    x0 = np.minimum((xs < np.float32(0.005)).sum(axis=1), size - 1)
    x1 = np.maximum(np.minimum((xs < np.float32(0.995)).sum(axis=1), size - 1), x0)
    hh = (y1 - y0 + 1).astype(np.float32)
    ww = (x1 - x0 + 1).astype(np.float32)
    s = np.where(ok, np.maximum(np.maximum(hh, ww) / np.float32(fit_px), np.float32(0.4)),
                 np.float32(size / box_px)).astype(np.float32)
    cy = np.where(ok, (y0 + y1) / 2.0, (size - 1) / 2.0)
    cx = np.where(ok, (x0 + x1) / 2.0, (size - 1) / 2.0)
    step = np.arange(box_px)[None, :] - (box_px - 1) / 2.0
    s64 = s[:, None].astype(np.float64)
    my = (np.clip(cy[:, None] + step * s64, -1.0, float(size)) + 1.0).astype(np.float32)
    mx = (np.clip(cx[:, None] + step * s64, -1.0, float(size)) + 1.0).astype(np.float32)
    box = _bilinear(norm, my, mx)
    k = size // coarse
    scal = np.stack([contrast / np.float32(255.0), bg / np.float32(255.0),
                     np.where(ok, hh / np.float32(size), np.float32(0.0)),
                     np.where(ok, ww / np.float32(size), np.float32(0.0)),
                     np.where(ok, ((cx - (size - 1) / 2.0) / size).astype(np.float32), np.float32(0.0)),
                     np.where(ok, ((cy - (size - 1) / 2.0) / size).astype(np.float32), np.float32(0.0)),
                     ((norm > mask_frac).sum(axis=(1, 2)) / (size * size) * 4.0).astype(np.float32)], axis=1)
    feats = np.concatenate([box.reshape(n, -1), _coarse(norm, k).reshape(n, -1),
                            (_coarse(g, k) * np.float32(1.0 / 255.0)).reshape(n, -1), scal], axis=1)
    return feats.astype(np.float32), clear, contrast.astype(np.float32), bg.astype(np.float32)


def read_decisions(e: NDArray[np.float32], rows: NDArray[np.int64], n: int, max_digit: int,
                   min_conf: np.float32) -> tuple[NDArray[np.int8], NDArray[np.float32], NDArray[np.float32]]:
    """See ``mmgr.kernels.digits.read_decisions``."""
    probs = np.zeros((n, e.shape[1]), np.float32)
    probs[:, 0] = 1.0
    probs[rows] = e / e.sum(axis=1, keepdims=True)
    win = probs.argmax(axis=1)
    allowed = win <= max_digit
    p_win = probs[np.arange(n), win]
    ok = allowed & (p_win >= min_conf)
    digit = np.where(ok, win, -1).astype(np.int8)
    outside = 1.0 - probs[:, :max_digit + 1].sum(axis=1)
    conf = np.where(ok, p_win, np.where(allowed, 1.0 - p_win, outside))
    return digit, np.clip(conf, 0.0, 1.0).astype(np.float32), probs
