"""Per-pixel maze kernels (numba): the colour table, colour-table planes, changed rows, the enclosed box of a
block maze, wall reads in sample boxes, marker blobs.

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
def _class_bytes(flat: NDArray[np.uint8], i0: int, i1: int, w: int, n: int, out: NDArray[np.int64]) -> None:
    """Add the labels 1..n of flat pixels i0..i1 (exclusive end) of an image ``w`` wide to ``class_boxes``' rows."""
    for i in range(i0, i1):
        k = np.int64(flat[i])
        if k == 0 or k > n:
            continue
        y = i // w
        x = i - y * w
        if out[k, 0] == 0:
            out[k, 1] = y
            out[k, 3] = x
            out[k, 4] = x
        out[k, 0] += 1
        out[k, 2] = y
        if x < out[k, 3]:
            out[k, 3] = x
        if x > out[k, 4]:
            out[k, 4] = x


@njit(cache=True, nogil=True)
def class_boxes(labels: NDArray[np.uint8], n: int) -> NDArray[np.int64]:
    """Pixel count and bounding box of every label 1..n of an (H, W) label image.

    Returns (n + 1, 5) int64 rows ``(count, y_first, y_last, x_first, x_last)`` (inclusive);
    a label that does not occur has count 0 and box (-1, -1, -1, -1). Label 0 (background) is
    not counted (its row stays empty), nor are labels above n. Most of a frame holds no label:
    the flat image is skipped 64 bytes at a time (8 words OR-ed, SIMD), then 8 at a time, and
    only words holding a label are looked at byte by byte (in raster order, as one pass would).
    """
    h, w = labels.shape
    out = np.full((n + 1, 5), -1, np.int64)
    out[:, 0] = 0
    size = h * w
    flat = labels.reshape(size)  # C-contiguous input
    nb = size // 64
    words = flat[:nb * 64].view(np.uint64)
    for b in range(nb):
        acc = np.uint64(0)
        for t in range(8):
            acc |= words[8 * b + t]
        if acc == 0:
            continue
        for j in range(8 * b, 8 * b + 8):
            if words[j] != 0:
                _class_bytes(flat, 8 * j, 8 * j + 8, w, n, out)
    _class_bytes(flat, nb * 64, size, w, n, out)
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
def wall_values(mask: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64], xa: NDArray[np.int64],
                xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64], per: int,
                target: NDArray[np.int64], rows: int, cols: int) -> NDArray[np.float32]:
    """Wall values (2, rows, cols) float32 read from an (H, W) 0/1 mask over sample boxes ``[ya, yb) x [xa, xb)``.

    Value i is read from boxes ``i * per .. (i + 1) * per`` and lands at flat index ``target[i]``
    (every other entry is -1). ``per == 1``: the box's mean mask value ``sum / area[i]``, -1 where
    ``ok[i]`` is false (off-frame); else the share of the ``per`` boxes holding a mask pixel.
    """
    out = np.full(2 * rows * cols, np.float32(-1.0), np.float32)
    for i in range(target.shape[0]):
        hits = 0
        total = np.int64(0)
        for j in range(i * per, (i + 1) * per):
            s = np.int64(0)
            for y in range(ya[j], yb[j]):
                for x in range(xa[j], xb[j]):
                    s += mask[y, x]
            total += s
            hits += s >= 1
        if per == 1:
            out[target[i]] = total / area[i] if ok[i] else -1.0
        else:
            out[target[i]] = hits / per
    return out.reshape(2, rows, cols)


@njit(cache=True, nogil=True)
def walls_uncovered(wall: NDArray[np.uint8], cover: NDArray[np.uint8], ya: NDArray[np.int64], yb: NDArray[np.int64],
                    xa: NDArray[np.int64], xb: NDArray[np.int64], ok: NDArray[np.bool_], area: NDArray[np.int64],
                    per: int, target: NDArray[np.int64], rows: int, cols: int, thr: np.float32) -> NDArray[np.float32]:
    """``wall_values`` of ``wall``, -1 where ``wall_values`` of ``cover`` (same boxes) is above ``thr``: a frame's
    walls with those under markers not read, in one call instead of two reads and a mask in numpy."""
    out = wall_values(wall, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    cov = wall_values(cover, ya, yb, xa, xb, ok, area, per, target, rows, cols)
    flat = out.reshape(2 * rows * cols)
    cflat = cov.reshape(2 * rows * cols)
    for i in range(flat.shape[0]):
        if cflat[i] > thr:
            flat[i] = np.float32(-1.0)
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
def any_core(labels: NDArray[np.uint8], k: int, y0: int, y1: int, x0: int, x1: int) -> bool:
    """Whether a pixel of rows y0..y1 and columns x0..x1 (exclusive ends) survives a 3x3 erosion of ``labels == k``.

    A pixel survives when it and its 8 neighbours inside the image are all ``k`` (outside the image
    counts as ``k``, as in OpenCV's default erosion border). No survivor: a 3x3 opening is empty.
    """
    h, w = labels.shape
    n = x1 - x0
    # h3[r, i]: row r holds k at columns x0 + i - 1 .. x0 + i + 1 (outside the image counts as k);
    # three such rows in a ring, branch-free over each row
    ring = np.ones((3, n), np.bool_)
    eq = np.empty(n + 2, np.bool_)
    for y in range(y0 - 1, y1 + 1):
        slot = (y - y0 + 1) % 3
        h3 = ring[slot]
        if y < 0 or y >= h:
            h3[:] = True
        else:
            row = labels[y]
            for i in range(n + 2):
                x = x0 - 1 + i
                eq[i] = True if (x < 0 or x >= w) else row[x] == k
            for i in range(n):
                h3[i] = eq[i] & eq[i + 1] & eq[i + 2]
        if y >= y0 + 1:  # rows y - 2, y - 1, y are in the ring: is row y - 1 a core row?
            a = ring[0]
            b = ring[1]
            c = ring[2]
            hit = False
            for i in range(n):
                hit |= a[i] & b[i] & c[i]
            if hit:
                return True
    return False


@njit(cache=True, nogil=True)
def _open3(hue: NDArray[np.uint8], k: int, oy: int, ox: int, ch: int, cw: int) -> NDArray[np.uint8]:
    """``hue == k`` over the crop, opened with a 3x3 square (erosion: outside the crop set; dilation: unset)."""
    m = np.empty((ch, cw), np.uint8)
    for y in range(ch):
        row = hue[oy + y, ox:ox + cw]
        mr = m[y]
        for x in range(cw):
            mr[x] = row[x] == k
    t = np.empty((ch, cw), np.uint8)  # horizontal pass of the erosion
    for y in range(ch):
        mr = m[y]
        tr = t[y]
        for x in range(cw):
            tr[x] = mr[x] & (mr[x - 1] if x > 0 else 1) & (mr[x + 1] if x + 1 < cw else 1)
    e = np.empty((ch, cw), np.uint8)
    for y in range(ch):
        a = t[y - 1] if y > 0 else t[y]
        b = t[y + 1] if y + 1 < ch else t[y]
        c = t[y]
        er = e[y]
        for x in range(cw):
            er[x] = a[x] & b[x] & c[x]
    for y in range(ch):  # horizontal pass of the dilation (into t)
        er = e[y]
        tr = t[y]
        for x in range(cw):
            tr[x] = er[x] | (er[x - 1] if x > 0 else 0) | (er[x + 1] if x + 1 < cw else 0)
    for y in range(ch):
        a = t[y - 1] if y > 0 else t[y]
        b = t[y + 1] if y + 1 < ch else t[y]
        c = t[y]
        mr = m[y]
        for x in range(cw):
            mr[x] = a[x] | b[x] | c[x]
    return m


@njit(cache=True, nogil=True)
def _find(parent: NDArray[np.int64], a: int) -> int:
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


@njit(cache=True, nogil=True)
def _components(m: NDArray[np.uint8], rgb: NDArray[np.uint8], oy: int, ox: int) -> NDArray[np.int64]:
    """8-connected components of a 0/1 crop ``m`` (its top-left pixel at (oy, ox) of ``rgb``), in raster order of
    their first pixel: (N, 11) int64 rows (first 2x2 block index, x0, y0, x1, y1 inclusive, area, sum x,
    sum y, sum r, sum g, sum b), coordinates relative to the crop.

    Row runs are found first and joined with a union-find (runs of consecutive rows touching
    within one column: 8-connectivity), so that every pixel is read once, not once per neighbour.
    """
    ch, cw = m.shape
    nbx = (cw + 1) // 2
    cap = ch * ((cw + 1) // 2) + 1
    ry = np.empty(cap, np.int64)
    rx0 = np.empty(cap, np.int64)
    rx1 = np.empty(cap, np.int64)  # exclusive end
    row_start = np.empty(ch + 1, np.int64)
    n = 0
    for y in range(ch):
        row_start[y] = n
        x = 0
        while x < cw:
            if m[y, x] == 0:
                x += 1
                continue
            s = x
            while x < cw and m[y, x] != 0:
                x += 1
            ry[n], rx0[n], rx1[n] = y, s, x
            n += 1
    row_start[ch] = n
    parent = np.arange(n)
    for y in range(1, ch):  # runs of rows y - 1 and y, both sorted by x: merge them like intervals
        i, i_end = row_start[y], row_start[y + 1]
        j, j_end = row_start[y - 1], row_start[y]
        while i < i_end and j < j_end:
            if rx0[i] <= rx1[j] and rx0[j] <= rx1[i]:  # [x0, x1 - 1] and [x0', x1' - 1] within one column
                a, b = _find(parent, i), _find(parent, j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            if rx1[i] < rx1[j]:
                i += 1
            else:
                j += 1
    comp = np.full(n, -1, np.int64)
    stats = np.zeros((n, 11), np.int64)
    n_comp = 0
    for r in range(n):  # runs in raster order: a component's first run holds its first pixel
        root = _find(parent, r)
        y, a, b = ry[r], rx0[r], rx1[r]
        if comp[root] < 0:
            comp[root] = n_comp
            st = stats[n_comp]
            st[0], st[1], st[2], st[3], st[4] = (y // 2) * nbx + a // 2, a, y, b - 1, y
            n_comp += 1
        st = stats[comp[root]]
        st[0] = min(st[0], (y // 2) * nbx + a // 2)
        st[1] = min(st[1], a)
        st[3] = max(st[3], b - 1)
        st[4] = y
        st[5] += b - a
        st[6] += (a + b - 1) * (b - a) // 2
        st[7] += y * (b - a)
        for x in range(a, b):
            st[8] += np.int64(rgb[oy + y, ox + x, 0])
            st[9] += np.int64(rgb[oy + y, ox + x, 1])
            st[10] += np.int64(rgb[oy + y, ox + x, 2])
    return stats[:n_comp]


@njit(cache=True, nogil=True)
def marker_blobs(hue: NDArray[np.uint8], rgb: NDArray[np.uint8], n_classes: int,
                 min_count: float) -> NDArray[np.int64]:
    """Blobs of every hue class 1..n of an (H, W) class image: each class with ``min_count`` pixels or more
    is cropped to its box (+2 px), opened with a 3x3 square (erosion counts outside the crop as set,
    dilation as unset, as OpenCV's defaults) and split into 8-connected components.

    Returns (M, 13) int64 rows ``(class, crop x0, crop y0, left, top, width, height, area, sum x,
    sum y, sum r, sum g, sum b)`` (left/top and the coordinate sums relative to the crop), by class,
    then in OpenCV's label order (by the first 2x2 block of the crop a component reaches, row-major).
    """
    h, w = hue.shape
    boxes = class_boxes(hue, n_classes)
    out = np.empty((16, 13), np.int64)
    n_out = 0
    for k in range(1, n_classes + 1):
        count, y_first, y_last, x_first, x_last = boxes[k, 0], boxes[k, 1], boxes[k, 2], boxes[k, 3], boxes[k, 4]
        if count < min_count or not any_core(hue, k, y_first, y_last + 1, x_first, x_last + 1):
            continue
        oy, ox = max(0, y_first - 2), max(0, x_first - 2)
        ch, cw = min(h, y_last + 3) - oy, min(w, x_last + 3) - ox
        m = _open3(hue, k, oy, ox, ch, cw)
        stats = _components(m, rgb, oy, ox)
        n_comp = stats.shape[0]
        order = np.argsort(stats[:n_comp, 0], kind="mergesort")
        for i in order:
            if n_out == out.shape[0]:
                grown_out = np.empty((2 * n_out, 13), np.int64)
                grown_out[:n_out] = out
                out = grown_out
            out[n_out, 0] = k
            out[n_out, 1] = ox
            out[n_out, 2] = oy
            out[n_out, 3] = stats[i, 1]
            out[n_out, 4] = stats[i, 2]
            out[n_out, 5] = stats[i, 3] - stats[i, 1] + 1
            out[n_out, 6] = stats[i, 4] - stats[i, 2] + 1
            for j in range(5, 11):
                out[n_out, j + 2] = stats[i, j]
            n_out += 1
    return out[:n_out].copy()


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
