"""Per-pixel maze kernels (numba): the colour table, colour-table planes, colour bins, changed rows, the
enclosed box of a block maze, the area downscale of changed rows.

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
    code = np.empty(n, np.uint8)
    for i in range(n):
        code[i] = lut[((np.int32(f[3 * i]) >> 3) << 10) | ((np.int32(f[3 * i + 1]) >> 3) << 5)
                      | (np.int32(f[3 * i + 2]) >> 3)]
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
def enclosed_box(wall: NDArray[np.uint8], nonwall: NDArray[np.uint8], exclude: NDArray[np.uint8],
                 use_exclude: bool) -> NDArray[np.int64]:
    """Bounding box (x0, y0, x1, y1 exclusive) of ``nonwall`` pixels with a wall pixel on all four sides.

    A pixel is enclosed when its row has wall pixels left and right of it and its column has
    wall pixels above and below it (first/last wall pixel of the row/column), it is non-wall,
    and (with ``use_exclude``) not excluded. Rows and columns with fewer than two enclosed pixels
    do not count. Returns (-1, -1, -1, -1) when no row or no column counts.
    """
    h, w = wall.shape
    first_r = np.full(h, w, np.int32)
    last_r = np.full(h, -1, np.int32)
    first_c = np.full(w, h, np.int32)
    last_c = np.full(w, -1, np.int32)
    # Row ends are scanned from both sides; column ends are updated only inside a row's wall
    # span, over row slices (branch-free inner loops that LLVM vectorises).
    for y in range(h):
        row = wall[y]
        fr = w
        for x in range(w):
            if row[x] != 0:
                fr = x
                break
        if fr == w:
            continue
        lr = fr
        for x in range(w - 1, fr, -1):
            if row[x] != 0:
                lr = x
                break
        first_r[y] = fr
        last_r[y] = lr
        yy = np.int32(y)
        lc = last_c[fr:lr + 1]
        span = row[fr:lr + 1]
        for i in range(lr + 1 - fr):
            if span[i] != 0:
                lc[i] = yy
    for y in range(h - 1, -1, -1):
        fr = first_r[y]
        lr = last_r[y]
        if lr < 0:
            continue
        yy = np.int32(y)
        fc = first_c[fr:lr + 1]
        span = wall[y, fr:lr + 1]
        for i in range(lr + 1 - fr):
            if span[i] != 0:
                fc[i] = yy
    n_row = np.zeros(h, np.int32)
    n_col = np.zeros(w, np.int32)
    for y in range(h):
        a = first_r[y] + 1
        b = last_r[y]
        if b <= a:
            continue
        yy = np.int32(y)
        cnt = np.int32(0)
        nw = nonwall[y, a:b]
        fc = first_c[a:b]
        lc = last_c[a:b]
        nc = n_col[a:b]
        if use_exclude:
            ex = exclude[y, a:b]
            for i in range(b - a):
                v = np.int32(nw[i] != 0) & np.int32(ex[i] == 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
                cnt += v
                nc[i] += v
        else:
            for i in range(b - a):
                v = np.int32(nw[i] != 0) & np.int32(yy > fc[i]) & np.int32(yy < lc[i])
                cnt += v
                nc[i] += v
        n_row[y] = cnt
    out = np.full(4, -1, np.int64)
    y0 = -1
    y1 = -1
    for y in range(h):
        if n_row[y] >= 2:
            if y0 < 0:
                y0 = y
            y1 = y
    x0 = -1
    x1 = -1
    for x in range(w):
        if n_col[x] >= 2:
            if x0 < 0:
                x0 = x
            x1 = x
    if y0 < 0 or x0 < 0:
        return out
    out[0] = x0
    out[1] = y0
    out[2] = x1 + 1
    out[3] = y1 + 1
    return out


@njit(cache=True, nogil=True)
def colour_bins(rgb: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Pixel count and channel sums of every 3-bit-a-channel colour bin of an (H, W, 3) image.

    Returns (512, 4) int64 rows ``(count, sum r, sum g, sum b)``; bin ``(r >> 5) * 64 + (g >> 5) * 8 + (b >> 5)``.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    out = np.zeros((512, 4), np.int64)
    for y in range(h):
        for x in range(w):
            r, g, b = np.int64(rgb[y, x, 0]), np.int64(rgb[y, x, 1]), np.int64(rgb[y, x, 2])
            k = (r >> 5) * 64 + (g >> 5) * 8 + (b >> 5)
            out[k, 0] += 1
            out[k, 1] += r
            out[k, 2] += g
            out[k, 3] += b
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
def area_rows(src: NDArray[np.uint8], out: NDArray[np.uint8], xdi: NDArray[np.int64], xsi: NDArray[np.int64],
              xal: NDArray[np.float32], ydi: NDArray[np.int64], ysi: NDArray[np.int64], yal: NDArray[np.float32],
              d0: int, d1: int) -> None:
    """Rows d0..d1 (exclusive end) of OpenCV's INTER_AREA downscale of an (H, W, 3) image, written into ``out``.

    ``(xdi, xsi, xal)``, ``(ydi, ysi, yal)``: OpenCV's decimation tables (destination index, source
    index, float32 weight; ``mmgr.parsers.maze._area_tables``). As OpenCV's generic area resize, in
    float32: each source row of a destination row is summed along x (``buf += s * alpha``, table
    order), the rows are summed (``sum += beta * buf``) and the sum is rounded half to even and
    saturated. Destination rows are independent (OpenCV splits them between threads the same way),
    so any band of rows equals those rows of a whole resize.
    """
    dw = out.shape[1]
    buf = np.empty(dw * 3, np.float32)
    acc = np.zeros(dw * 3, np.float32)
    row_out = -1
    for j in range(ydi.shape[0]):
        dy = ydi[j]
        if dy < d0 or dy >= d1:
            continue
        if dy != row_out:
            if row_out >= 0:
                _put_row(out, row_out, acc)
            acc[:] = 0
            row_out = dy
        buf[:] = 0
        sy = ysi[j]
        for k in range(xdi.shape[0]):
            dxn = xdi[k] * 3
            sxn = xsi[k]
            a = xal[k]
            buf[dxn] = buf[dxn] + np.float32(src[sy, sxn, 0]) * a
            buf[dxn + 1] = buf[dxn + 1] + np.float32(src[sy, sxn, 1]) * a
            buf[dxn + 2] = buf[dxn + 2] + np.float32(src[sy, sxn, 2]) * a
        beta = yal[j]
        for d in range(dw * 3):
            acc[d] = acc[d] + beta * buf[d]
    if row_out >= 0:
        _put_row(out, row_out, acc)


@njit(cache=True, nogil=True)
def _put_row(out: NDArray[np.uint8], dy: int, acc: NDArray[np.float32]) -> None:
    """Round half to even and saturate one destination row of ``area_rows``."""
    row = out[dy].reshape(out.shape[1] * 3)
    for d in range(row.shape[0]):
        row[d] = np.uint8(min(max(np.rint(acc[d]), np.float32(0.0)), np.float32(255.0)))
