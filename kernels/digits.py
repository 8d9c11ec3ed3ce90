"""Digit-reader kernels (numba): grid-line fragments along the edges of cell crops.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.digits`` that the
tests compare against bit for bit (float32 arithmetic in the same order). Kernels trust their
inputs (validation happens in the callers).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from mmgr.kernels._sums import block_sum, pairwise_sum_with


@njit(cache=True, nogil=True)
def _edge_depth(faint: NDArray[np.float32], core_thr: np.float32, tail_thr: np.float32, outer: int, tail: int,
                from_end: bool) -> int:  # pragma: no cover
    """Rows (from one edge) to erase: up to the innermost core row within ``outer`` of the edge,
    then while the next row is still a tail row, at most ``tail`` more."""
    size = faint.shape[0]
    depth = 0
    has = False
    for d in range(outer):
        pos = size - 1 - d if from_end else d
        if faint[pos] >= core_thr:
            has = True
            depth = d + 1
    if not has:
        return 0
    for _ in range(tail):
        nxt = min(depth, size - 1)
        pos = size - 1 - nxt if from_end else nxt
        if faint[pos] >= tail_thr:
            depth += 1
    return depth


@njit(cache=True, nogil=True)
def line_bands(ink: NDArray[np.float32], peak: NDArray[np.float32], outer: int,
               tail: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:  # pragma: no cover
    """Rows and columns of each crop that belong to a grid line crossing it at an edge.

    A row is a line *core* when even its faintest 3-px run (3-px sums centred on columns
    2..W-3, divided by 3) reaches ``max(0.1 * peak, 12)``, and it lies within ``outer`` px of the
    top (bottom) edge; every row from the edge to the innermost core row is erased, then up to
    ``tail`` more while their faintest run still reaches ``max(0.05 * peak, 6)``. Columns alike.

    Args:
        ink: (n, H, W) float32 ink (0 = background).
        peak: (n,) float32 peak smoothed ink per crop.
        outer, tail: see above.

    Returns:
        ``(rows, cols)``: (n, H) and (n, W) bool; a pixel is erased when its row or column is.
    """
    n, h, w = ink.shape
    rows = np.zeros((n, h), np.bool_)
    cols = np.zeros((n, w), np.bool_)
    faint_r = np.empty(h, np.float32)
    faint_c = np.empty(w, np.float32)
    tr = np.empty((w, h), np.float32)
    for i in range(n):
        _line_bands_into(ink[i], peak[i], outer, tail, rows[i], cols[i], faint_r, faint_c, tr)
    return rows, cols


@njit(cache=True, nogil=True)
def _line_bands_into(ink: NDArray[np.float32], peak: np.float32, outer: int, tail: int, rows: NDArray[np.bool_],
                     cols: NDArray[np.bool_], faint_r: NDArray[np.float32], faint_c: NDArray[np.float32],
                     tr: NDArray[np.float32]) -> None:  # pragma: no cover
    """``line_bands`` of one (H, W) crop into ``rows`` (H,) and ``cols`` (W,); ``faint_r`` (H,),
    ``faint_c`` (W,) and ``tr`` (W, H) are scratch."""
    h, w = ink.shape
    core_thr = max(np.float32(0.1) * peak, np.float32(12.0))
    tail_thr = max(np.float32(0.05) * peak, np.float32(6.0))
    three = np.float32(3.0)
    # the runs of every row (column) side by side, window by window: independent minima that the
    # compiler vectorises (the minimum does not depend on the order); the rows' runs from the crop
    # transposed, so that they lie side by side in memory too
    for x in range(w):
        for y in range(h):
            tr[x, y] = ink[y, x]
    for y in range(h):
        faint_r[y] = tr[1, y] + tr[2, y] + tr[3, y]
    for j in range(1, w - 4):
        for y in range(h):
            faint_r[y] = min(faint_r[y], tr[j + 1, y] + tr[j + 2, y] + tr[j + 3, y])
    for x in range(w):
        faint_c[x] = ink[1, x] + ink[2, x] + ink[3, x]
    for j in range(1, h - 4):
        for x in range(w):
            faint_c[x] = min(faint_c[x], ink[j + 1, x] + ink[j + 2, x] + ink[j + 3, x])
    for y in range(h):
        faint_r[y] = faint_r[y] / three
    for x in range(w):
        faint_c[x] = faint_c[x] / three
    for faint, band, size in ((faint_r, rows, h), (faint_c, cols, w)):
        top = _edge_depth(faint, core_thr, tail_thr, outer, tail, False)
        bottom = _edge_depth(faint, core_thr, tail_thr, outer, tail, True)
        for k in range(size):
            band[k] = k < top or size - 1 - k < bottom


# -- cell features (the digit reader's ``prepare`` in one pass) ---------------------------------

@njit(cache=True, nogil=True)
def _box3_cell(src: NDArray[np.float32], dst: NDArray[np.float32],
               tmp: NDArray[np.float32]) -> None:  # pragma: no cover
    """3x3 mean with zero padding of one (H, W) crop of whole numbers (so every sum is exact and
    its order free): 3-px sums along rows into ``tmp``, then down columns, times 1/9 in float32."""
    h, w = src.shape
    ninth = np.float32(1.0 / 9.0)
    for y in range(h):
        for x in range(w):
            s = src[y, x]
            if x > 0:
                s += src[y, x - 1]
            if x < w - 1:
                s += src[y, x + 1]
            tmp[y, x] = s
    for y in range(h):
        for x in range(w):
            s = tmp[y, x]
            if y > 0:
                s += tmp[y - 1, x]
            if y < h - 1:
                s += tmp[y + 1, x]
            dst[y, x] = s * ninth


@njit(cache=True, nogil=True)
def _max2d(a: NDArray[np.float32]) -> np.float32:  # pragma: no cover
    """Largest value of a C-contiguous array without NaN, kept in eight running maxima (a maximum
    does not depend on the order; independent chains run several times faster than one)."""
    f = a.reshape(a.size)
    n = f.shape[0]
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = f[0]
    i = 0
    while i + 8 <= n:
        m0 = max(m0, f[i])
        m1 = max(m1, f[i + 1])
        m2 = max(m2, f[i + 2])
        m3 = max(m3, f[i + 3])
        m4 = max(m4, f[i + 4])
        m5 = max(m5, f[i + 5])
        m6 = max(m6, f[i + 6])
        m7 = max(m7, f[i + 7])
        i += 8
    while i < n:
        m0 = max(m0, f[i])
        i += 1
    return max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))


@njit(cache=True, nogil=True)
def _coarse_cell(src: NDArray[np.float32], out: NDArray[np.float32], k: int, scale: np.float32,
                 off: int, offs: NDArray[np.int64]) -> None:  # pragma: no cover
    """(H, W) -> (H/k, W/k) block means into ``out[off:]``, summed in OpenCV's area-resize order
    (``offs``: the k * k row-major offsets of a block's pixels from its corner, in flat index
    form; four added together, then to the sum), times ``scale``."""
    h, w = src.shape
    area = k * k
    inv = np.float32(1.0) / np.float32(area)
    ch, cw = h // k, w // k
    f = src.reshape(h * w)
    for by in range(ch):
        for bx in range(cw):
            base = by * k * w + bx * k
            s = np.float32(0.0)
            q = 0
            while q <= area - 4:
                s += (f[base + offs[q]] + f[base + offs[q + 1]] + f[base + offs[q + 2]] + f[base + offs[q + 3]])
                q += 4
            while q < area:
                s += f[base + offs[q]]
                q += 1
            v = s * inv
            if scale != np.float32(1.0):
                v = v * scale
            out[off + by * cw + bx] = v


@njit(cache=True, nogil=True)
def cell_features(cells: NDArray[np.uint8], bg_rank: int, outer: int, tail: int, box_px: int, fit_px: int,
                  coarse: int, mask_frac: np.float32, blank_contrast: np.float32, blank_min_bg: np.float32
                  ) -> tuple[NDArray[np.float32], NDArray[np.bool_], NDArray[np.float32],
                             NDArray[np.float32]]:  # pragma: no cover
    """The digit reader's features of n cell crops (see ``mmgr.parsers.digits`` for the steps).

    Args:
        cells: (n, S, S) uint8 crops, light background, dark ink.
        bg_rank: the background is the ``bg_rank``-th smallest of the crop's every-other pixels.
        outer, tail: grid-line erasing (see ``line_bands``).
        box_px, fit_px: the ink box is scaled so its longer side is ``fit_px``, centred in ``box_px``.
        coarse: side of the two coarse views (S a multiple of it).
        mask_frac, blank_contrast, blank_min_bg: as the module constants of ``parsers.digits``.

    Returns:
        features (n, box_px**2 + 2 * coarse**2 + 7) float32, clear_blank (n,), contrast (n,), background (n,).
    """
    n, size, _ = cells.shape
    nf = box_px * box_px + 2 * coarse * coarse + 7
    feats = np.zeros((n, nf), np.float32)
    clear = np.zeros(n, np.bool_)
    contrast_out = np.zeros(n, np.float32)
    bg_out = np.zeros(n, np.float32)
    g = np.empty((size, size), np.float32)
    ink = np.empty((size, size), np.float32)
    sm = np.empty((size, size), np.float32)
    norm = np.empty((size, size), np.float32)
    mass = np.empty(size * size, np.float32)
    rowsum = np.empty(size, np.float32)
    colsum = np.empty(size, np.float32)
    counts = np.empty(256, np.int64)
    tmp = np.empty((size, size), np.float32)
    kk = size // coarse
    offs = (np.arange(kk * kk) // kk) * size + np.arange(kk * kk) % kk  # a coarse block's pixels (flat)
    # bilinear weights as OpenCV's float remap tabulates them: 1/32-px steps
    tab = np.empty((32, 2), np.float32)
    for t in range(32):
        x = np.float32(t) / np.float32(32.0)
        tab[t, 0] = np.float32(1.0) - x
        tab[t, 1] = x
    tile = size + 2
    src = np.zeros((tile, tile), np.float32)
    # scratch used for every cell (allocated once: allocated per cell, it cost ~15% of a cell's time)
    rows = np.empty(size, np.bool_)
    cols = np.empty(size, np.bool_)
    faint_r = np.empty(size, np.float32)
    faint_c = np.empty(size, np.float32)
    tr = np.empty((size, size), np.float32)
    stack = np.empty((3, 64), np.int64)
    left = np.empty(64, np.float32)
    zero = np.float32(0.0)
    col_s = np.empty(box_px, np.int64)
    col_a = np.empty(box_px, np.int64)
    for i in range(n):
        # background: an order statistic of every other pixel, from counts
        counts[:] = 0
        for y in range(0, size, 2):
            for x in range(0, size, 2):
                counts[cells[i, y, x]] += 1
        seen = 0
        bgv = 0
        for v in range(256):
            seen += counts[v]
            if seen > bg_rank:
                bgv = v
                break
        bg = np.float32(bgv)
        for y in range(size):
            for x in range(size):
                g[y, x] = np.float32(cells[i, y, x])
                d = bg - g[y, x]
                ink[y, x] = d if d > np.float32(0.0) else np.float32(0.0)
        _box3_cell(ink, sm, tmp)
        _line_bands_into(ink, _max2d(sm), outer, tail, rows, cols, faint_r, faint_c, tr)
        for y in range(size):
            for x in range(size):
                if rows[y] or cols[x]:
                    ink[y, x] = np.float32(0.0)
        _box3_cell(ink, sm, tmp)
        contrast = _max2d(sm)
        clear[i] = contrast < blank_contrast and bg >= blank_min_bg
        den = contrast if contrast > np.float32(1.0) else np.float32(1.0)
        above = 0
        for y in range(size):
            for x in range(size):
                v = sm[y, x] / den
                if v < np.float32(0.0):
                    v = np.float32(0.0)
                if v > np.float32(1.0):
                    v = np.float32(1.0)
                norm[y, x] = v
                if v > mask_frac:
                    mass[y * size + x] = v
                    above += 1
                else:
                    mass[y * size + x] = np.float32(0.0)
        # ink box from mass quantiles (numpy's summation orders: pairwise along rows, in order down columns)
        total = pairwise_sum_with(mass, 0, size * size, zero, stack, left)
        ok = total > np.float32(0.0)
        if not ok:
            total = np.float32(1.0)
        for y in range(size):
            rowsum[y] = pairwise_sum_with(mass, y * size, size, zero, stack, left)
        colsum[:] = zero  # (each column summed in order down, the columns side by side)
        for y in range(size):
            for x in range(size):
                colsum[x] += mass[y * size + x]
        y0 = 0
        y1 = 0
        x0 = 0
        x1 = 0
        acc_y = np.float32(0.0)
        acc_x = np.float32(0.0)
        for k in range(size):
            acc_y += rowsum[k]
            acc_x += colsum[k]
            fy = acc_y / total
            fx = acc_x / total
            if fy < np.float32(0.005):
                y0 += 1
            if fy < np.float32(0.995):
                y1 += 1
            if fx < np.float32(0.005):
                x0 += 1
            if fx < np.float32(0.995):
                x1 += 1
        y0 = min(y0, size - 1)
        y1 = max(min(y1, size - 1), y0)
        x0 = min(x0, size - 1)
        x1 = max(min(x1, size - 1), x0)
        hh = np.float32(y1 - y0 + 1)
        ww = np.float32(x1 - x0 + 1)
        if ok:
            s_box = max(max(hh, ww) / np.float32(fit_px), np.float32(0.4))
            cyd = (y0 + y1) / 2.0
            cxd = (x0 + x1) / 2.0
        else:
            s_box = np.float32(size / box_px)
            cyd = (size - 1) / 2.0
            cxd = (size - 1) / 2.0
        # bilinear resampling of the zero-framed crop, OpenCV style (coordinates rounded to 1/32 px)
        for y in range(size):
            for x in range(size):
                src[y + 1, x + 1] = norm[y, x]
        base = 0
        half = (box_px - 1) / 2.0
        for ox in range(box_px):  # (the columns' source places: the same on every output row)
            mx = np.float32(min(max(cxd + (ox - half) * s_box, -1.0), float(size)) + 1.0)
            ix = np.int64(np.rint(mx * np.float32(32.0)))
            col_s[ox] = ix >> 5
            col_a[ox] = ix & 31
        for oy in range(box_px):
            my = np.float32(min(max(cyd + (oy - half) * s_box, -1.0), float(size)) + 1.0)
            iy = np.int64(np.rint(my * np.float32(32.0)))
            sy = iy >> 5
            ay = iy & 31
            for ox in range(box_px):
                sx = col_s[ox]
                ax = col_a[ox]
                w00 = tab[ay, 0] * tab[ax, 0]
                w01 = tab[ay, 0] * tab[ax, 1]
                w10 = tab[ay, 1] * tab[ax, 0]
                w11 = tab[ay, 1] * tab[ax, 1]
                s00 = src[sy, sx]
                s01 = src[sy, sx + 1] if sx + 1 < tile else np.float32(0.0)
                s10 = src[sy + 1, sx] if sy + 1 < tile else np.float32(0.0)
                s11 = src[sy + 1, sx + 1] if (sy + 1 < tile and sx + 1 < tile) else np.float32(0.0)
                feats[i, base + oy * box_px + ox] = s00 * w00 + s01 * w01 + s10 * w10 + s11 * w11
        base = box_px * box_px
        _coarse_cell(norm, feats[i], kk, np.float32(1.0), base, offs)
        base += coarse * coarse
        _coarse_cell(g, feats[i], kk, np.float32(1.0 / 255.0), base, offs)
        base += coarse * coarse
        feats[i, base] = contrast / np.float32(255.0)
        feats[i, base + 1] = bg / np.float32(255.0)
        if ok:
            feats[i, base + 2] = hh / np.float32(size)
            feats[i, base + 3] = ww / np.float32(size)
            feats[i, base + 4] = np.float32((cxd - (size - 1) / 2.0) / size)
            feats[i, base + 5] = np.float32((cyd - (size - 1) / 2.0) / size)
        feats[i, base + 6] = np.float32(above / (size * size) * 4.0)
        contrast_out[i] = contrast
        bg_out[i] = bg
    return feats, clear, contrast_out, bg_out


# -- decisions on class probabilities (the digit reader's ``read`` after the network) ----------

@njit(cache=True, nogil=True)
def read_decisions(e: NDArray[np.float32], rows: NDArray[np.int64], n: int, max_digit: int,
                   min_conf: np.float32) -> tuple[NDArray[np.int8], NDArray[np.float32],
                                                  NDArray[np.float32]]:  # pragma: no cover
    """Class probabilities and the reader's verdict on each of n cells.

    Args:
        e: (k, C) float32 ``exp`` of each read cell's logits less their maximum (computed by the
            caller with numpy's own exp, so that the values are numpy's).
        rows: (k,) the cells those rows belong to; every other cell is a clear blank, [1, 0, ...].
        n: number of cells.
        max_digit: largest allowed label (blank = 0 and 1..max_digit are allowed).
        min_conf: float32 probability below which the winner is not taken.

    Returns:
        ``(digit, conf, probs)``: (n,) int8 winner or -1, (n,) float32 confidence (the winner's
        probability; for -1 the probability of the disallowed labels when one won, else 1 minus
        the winner's), clipped to [0, 1]; (n, C) float32 probabilities (each row of ``e`` over its
        sum in numpy's order). Bit for bit the numpy twin.
    """
    c = e.shape[1]
    probs = np.zeros((n, c), np.float32)
    for i in range(n):
        probs[i, 0] = np.float32(1.0)
    for j in range(rows.shape[0]):
        s = block_sum(e[j], 0, c)
        r = rows[j]
        for q in range(c):
            probs[r, q] = e[j, q] / s
    digit = np.empty(n, np.int8)
    conf = np.empty(n, np.float32)
    one = np.float32(1.0)
    for i in range(n):
        win = 0
        for q in range(1, c):
            if probs[i, q] > probs[i, win]:
                win = q
        p_win = probs[i, win]
        allowed = win <= max_digit
        if allowed and p_win >= min_conf:
            digit[i] = win
            v = p_win
        else:
            digit[i] = -1
            v = one - p_win if allowed else one - block_sum(probs[i], 0, max_digit + 1)
        conf[i] = min(max(v, np.float32(0.0)), one)
    return digit, conf, probs
