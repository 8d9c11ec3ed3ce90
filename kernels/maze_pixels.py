"""Per-pixel maze kernels (numba): the colour table, colour-table planes, colour bins, changed rows, the area
downscale of changed rows.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_pixels``
that the tests compare against. Integer and boolean logic (wall values: one division of whole
numbers each), so both agree exactly.
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def floor_offsets(floor: NDArray[np.float32], out: NDArray[np.float32], out_c: NDArray[np.float32]) -> None:
    """Fill ``out`` (32768, 3) and ``out_c`` (3, 32768) float32 with the centre colour of every 5-bit-a-channel
    colour (``8 q + 4`` a channel; entry ``r << 10 | g << 5 | b``) minus ``floor``: one float32 subtraction each."""
    for c in range(3):  # contiguous rows first (SIMD), then the interleaved copy
        shift = 10 - 5 * c
        f = floor[c]
        row = out_c[c]
        for i in range(32768):
            row[i] = np.float32((((i >> shift) & 31) << 3) + 4) - f
    for i in range(32768):
        out[i, 0] = out_c[0, i]
        out[i, 1] = out_c[1, i]
        out[i, 2] = out_c[2, i]


@njit(cache=True, nogil=True, error_model="numpy")  # no zero-division check (den >= 1): the loop runs in SIMD
def colour_table(dc: NDArray[np.float32], dv: NDArray[np.float32], den: np.float32, v: NDArray[np.float32],
                 thr: np.float32, saturated: NDArray[np.bool_], cls: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Code of every table colour: bit 0 wall, bit 1 marker, bits 2-4 hue class + 1 (saturated markers only).

    ``dc``: colour - floor, channel by channel (``floor_offsets``); ``dv``: ``d @ v`` (v = wall - floor),
    ``den``: its divisor. With t = clip(dv / den, 0, 1) and perp = |d - t v| (float32, squares summed in
    channel order): wall = t > 0.5 and perp < thr, marker = perp >= thr. Every step is one float32
    operation, as numpy does them element by element.
    """
    n = dv.shape[0]
    out = np.empty(n, np.uint8)
    d0, d1, d2 = dc[0], dc[1], dc[2]
    zero, one, half = np.float32(0.0), np.float32(1.0), np.float32(0.5)
    for i in range(n):
        t = dv[i] / den
        t = zero if t < zero else t
        t = one if t > one else t
        e0 = d0[i] - t * v[0]
        e1 = d1[i] - t * v[1]
        e2 = d2[i] - t * v[2]
        perp = np.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
        wall = np.uint8((t > half) & (perp < thr))
        marker = np.uint8(perp >= thr)
        out[i] = wall | (marker << 1) | ((marker & np.uint8(saturated[i])) * (cls[i] << 2))
    return out


@njit(cache=True, nogil=True)
def _table_codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``lut[(r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)]`` of every pixel of an (H, W, 3) image, flat (H * W,)."""
    n = rgb.shape[0] * rgb.shape[1]
    f = rgb.reshape(n * 3)  # C-contiguous input
    # the indices in a loop of their own (SIMD over the interleaved channels), then the table lookups
    # (gathers): ~1.6x faster than one loop doing both
    idx = np.empty(n, np.uint16)
    for i in range(n):
        r, g, b = np.uint16(f[3 * i]), np.uint16(f[3 * i + 1]), np.uint16(f[3 * i + 2])
        idx[i] = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    code = np.empty(n, np.uint8)
    for i in range(n):
        code[i] = lut[idx[i]]
    return code


@njit(cache=True, nogil=True)
def split_codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8], blurred: NDArray[np.uint8],
                use_blurred: bool) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """Per-pixel (wall, marker, hue) planes of an (H, W, 3) image from a colour table.

    With ``code = lut[(r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)]``: marker = bit 1, hue = ``code >> 2``,
    wall = bit 0 of ``code``, or, with ``use_blurred``, bit 0 of the entry of ``blurred`` (same shape).
    All three are (H, W) uint8 (wall and marker 0/1). The table lookups (gathers) run in their own
    loops, so that the bit splitting runs in SIMD: ~1.5x faster than one loop doing both.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    n = h * w
    code = _table_codes(rgb, lut)
    wall = np.empty((h, w), np.uint8)
    marker = np.empty((h, w), np.uint8)
    hue = np.empty((h, w), np.uint8)
    wf, mf, hf = wall.reshape(n), marker.reshape(n), hue.reshape(n)
    for i in range(n):
        mf[i] = (code[i] >> 1) & 1
        hf[i] = code[i] >> 2
    wcode = _table_codes(blurred, lut) if use_blurred else code
    for i in range(n):
        wf[i] = wcode[i] & 1
    return wall, marker, hue


@njit(cache=True, nogil=True)
def colour_bins(rgb: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Pixel count and channel sums of every 3-bit-a-channel colour bin of an (H, W, 3) image (C-contiguous).

    Returns (512, 4) int64 rows ``(count, sum r, sum g, sum b)``; bin ``(r >> 5) * 64 + (g >> 5) * 8 + (b >> 5)``.
    """
    n = rgb.shape[0] * rgb.shape[1]
    f = rgb.reshape(n * 3)
    out = np.zeros((512, 4), np.int64)
    # A maze frame is long runs of one bin: each run is summed in registers and added to its bin once
    # (whole numbers: the same sums), not four read-modify-writes of one row pixel after pixel.
    cur = -1
    cnt = np.int64(0)
    sr = np.int64(0)
    sg = np.int64(0)
    sb = np.int64(0)
    for i in range(n):
        r, g, b = np.int64(f[3 * i]), np.int64(f[3 * i + 1]), np.int64(f[3 * i + 2])
        k = (r >> 5) * 64 + (g >> 5) * 8 + (b >> 5)
        if k != cur:
            if cur >= 0:
                out[cur, 0] += cnt
                out[cur, 1] += sr
                out[cur, 2] += sg
                out[cur, 3] += sb
            cur = k
            cnt = sr = sg = sb = np.int64(0)
        cnt += 1
        sr += r
        sg += g
        sb += b
    if cur >= 0:
        out[cur, 0] += cnt
        out[cur, 1] += sr
        out[cur, 2] += sg
        out[cur, 3] += sb
    return out


@njit(cache=True, nogil=True)
def changed_band(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> tuple[int, int]:
    """First differing row and one past the last of two (H, W, 3) images of one shape; (H, H) when identical.

    The pixel bytes are compared from the start up to the first difference and from the end back
    to the last: bytes between the two are never looked at (a lossy frame costs a few words). Runs
    of identical bytes (lossless frames) are skipped 128 at a time, a block of 16 words XOR-ed and
    OR-ed together without a branch (SIMD), then the block that differs is searched word by word.
    """
    h = a.shape[0]
    n3 = a.shape[1] * 3
    size = h * n3
    fa = a.reshape(size)  # C-contiguous inputs
    fb = b.reshape(size)
    m = size // 8
    wa = fa[:m * 8].view(np.uint64)
    wb = fb[:m * 8].view(np.uint64)
    nb = m // 16
    j0 = nb * 16  # words before j0 lie in whole blocks: find the first block that differs
    for k in range(nb):
        acc = np.uint64(0)
        for t in range(16):
            acc |= wa[16 * k + t] ^ wb[16 * k + t]
        if acc != 0:
            j0 = 16 * k
            break
    first = -1
    for j in range(j0, m):
        if wa[j] != wb[j]:
            first = j * 8
            break
    if first < 0:
        for i in range(m * 8, size):
            if fa[i] != fb[i]:
                first = i
                break
        if first < 0:
            return h, h
    while fa[first] == fb[first]:
        first += 1
    last = -1
    for i in range(size - 1, m * 8 - 1, -1):
        if fa[i] != fb[i]:
            last = i
            break
    if last < 0:
        # whole blocks of 16 words counted from the end, down to the first difference's word
        j1 = m - 1
        for k in range(nb):
            lo = m - 16 * (k + 1)
            if lo < first // 8:
                break
            acc = np.uint64(0)
            for t in range(16):
                acc |= wa[lo + t] ^ wb[lo + t]
            if acc != 0:
                break
            j1 = lo - 1
        for j in range(j1, -1, -1):
            if wa[j] != wb[j]:
                last = j * 8 + 7
                break
        while fa[last] == fb[last]:
            last -= 1
    return first // n3, last // n3 + 1


@njit(cache=True, nogil=True)
def area_rows(src: NDArray[np.uint8], out: NDArray[np.uint8], xs: NDArray[np.int64], xal: NDArray[np.float32],
              ydi: NDArray[np.int64], ysi: NDArray[np.int64], yal: NDArray[np.float32], d0: int, d1: int) -> None:
    """Rows d0..d1 (exclusive end) of OpenCV's INTER_AREA downscale of an (H, W, 3) image, written into ``out``.

    ``(ydi, ysi, yal)``: OpenCV's decimation table of the rows (destination index, source index,
    float32 weight); ``xs, xal``: that of the columns by slot, (S, dw) source column and weight of
    every destination column's first, second, ... entry, padded with weight 0
    (``mmgr.parsers.maze_scale._area_tables``). As OpenCV's generic area resize, in float32: each source
    row of a destination row is summed along x (``buf += s * alpha``, table order), the rows are
    summed (``sum += beta * buf``) and the sum is rounded half to even and saturated. Destination
    rows are independent (OpenCV splits them between threads the same way), so any band of rows
    equals those rows of a whole resize.
    """
    dw = out.shape[1]
    buf = np.zeros(dw * 3, np.float32)
    acc = np.zeros(dw * 3, np.float32)
    row_out = -1
    buf_row = -1  # the source row summed in buf: a row shared by two destination rows is summed once
    for j in range(ydi.shape[0]):
        dy = ydi[j]
        if dy < d0 or dy >= d1:
            continue
        if dy != row_out:
            if row_out >= 0:
                _put_row(out, row_out, acc)
            acc[:] = 0
            row_out = dy
        sy = ysi[j]
        if sy != buf_row:
            _x_pass(src[sy], xs, xal, buf)
            buf_row = sy
        beta = yal[j]
        for d in range(dw * 3):
            acc[d] = acc[d] + beta * buf[d]
    if row_out >= 0:
        _put_row(out, row_out, acc)


@njit(cache=True, nogil=True)
def _x_pass(row: NDArray[np.uint8], xs: NDArray[np.int64], xal: NDArray[np.float32], buf: NDArray[np.float32]) -> None:
    """One source row summed along x into ``buf`` (dw * 3): ``buf[dx] += s * alpha`` from 0, slot by slot.

    Slot by slot is each destination pixel's entries in table order (the same float32 additions);
    a padding entry adds 0 * s = +0, which leaves the non-negative sum as it is. Fixed-length
    loops: no branch on how many entries a pixel has.
    """
    n_slot, dw = xs.shape
    for s in range(n_slot):
        sx = xs[s]
        al = xal[s]
        for dx in range(dw):
            o = sx[dx]
            a = al[dx]
            if s == 0:
                buf[3 * dx] = np.float32(0.0) + np.float32(row[o, 0]) * a
                buf[3 * dx + 1] = np.float32(0.0) + np.float32(row[o, 1]) * a
                buf[3 * dx + 2] = np.float32(0.0) + np.float32(row[o, 2]) * a
            else:
                buf[3 * dx] = buf[3 * dx] + np.float32(row[o, 0]) * a
                buf[3 * dx + 1] = buf[3 * dx + 1] + np.float32(row[o, 1]) * a
                buf[3 * dx + 2] = buf[3 * dx + 2] + np.float32(row[o, 2]) * a


@njit(cache=True, nogil=True)
def _put_row(out: NDArray[np.uint8], dy: int, acc: NDArray[np.float32]) -> None:
    """Round half to even and saturate one destination row of ``area_rows``."""
    row = out[dy].reshape(out.shape[1] * 3)
    for d in range(row.shape[0]):
        row[d] = np.uint8(min(max(np.rint(acc[d]), np.float32(0.0)), np.float32(255.0)))
