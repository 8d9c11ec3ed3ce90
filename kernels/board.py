"""Board-pixel kernels (numba) for the Sudoku reader: the board colour, the change gate and
grid-line peaks.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.board`` that the
tests compare against. Integer arithmetic (counts), or float sums in numpy's order, so
the jitted and reference versions agree exactly. Kernels trust their inputs.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from mmgr.kernels._mem import prefetch
from mmgr.kernels._sums import block_sum, row_col_sums


@njit(cache=True, nogil=True)
def median_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:  # pragma: no cover
    """Per-channel median of (N, 3) uint8 pixels, N >= 1, as ``np.median(pixels, axis=0)``.

    A 256-bin count per channel: the middle order statistic (the mean of the two middle ones when
    N is even) is found by walking the counts, with no sort and no float until the last step.
    """
    n = pixels.shape[0]
    counts = np.zeros((3, 256), np.int64)
    for i in range(n):
        for ch in range(3):
            counts[ch, pixels[i, ch]] += 1
    out = np.empty(3, np.float64)
    lo_rank = (n - 1) // 2  # 0-based ranks of the middle values (equal when n is odd)
    hi_rank = n // 2
    for ch in range(3):
        seen = 0
        lo = -1
        hi = -1
        for v in range(256):
            seen += counts[ch, v]
            if lo < 0 and seen > lo_rank:
                lo = v
            if seen > hi_rank:
                hi = v
                break
        out[ch] = (lo + hi) / 2.0
    return out


@njit(cache=True, nogil=True)
def block_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], feeds: NDArray[np.intp], thr: int,
                  n_cells: int) -> NDArray[np.bool_]:  # pragma: no cover
    """The change gate's step: cells fed by a block whose mean moved.

    Args:
        cur: (H, W, 3) uint8 block means of this frame.
        means: (H, W, 3) C-contiguous uint8 block means kept from earlier frames; a block that
            moved by more than ``thr`` in some channel takes this frame's value (in place).
        feeds: (H * W, 4) cell indices each block feeds (-1: none).
        thr: gray levels.
        n_cells: number of cells.

    Returns:
        (n_cells,) bool: the cells fed by a moved block.
    """
    todo, fc, fm = _gate_arrays(cur, means, n_cells)
    # most blocks keep their means: runs of 32 blocks are first tested at once (a loop from 0
    # over slices, which the compiler vectorises), and only runs where something moved are
    # followed block by block
    run = 96
    for start in range(0, fc.shape[0], run):
        a = fc[start:start + run]
        b = fm[start:start + run]
        end = start + a.shape[0]
        most = np.int32(0)
        for i in range(a.shape[0]):
            d = np.int32(a[i]) - np.int32(b[i])
            d = d if d >= 0 else -d
            most = most if most >= d else d
        if most <= thr:
            continue
        for k in range(start // 3, end // 3):
            if _moved(fc, fm, k, thr):
                _take(fc, fm, feeds, k, todo)
    return todo


@njit(cache=True, nogil=True, inline="always")
def _gate_arrays(cur: NDArray[np.uint8], means: NDArray[np.uint8],
                 n_cells: int) -> tuple[NDArray[np.bool_], NDArray[np.uint8], NDArray[np.uint8]]:  # pragma: no cover
    """A gate step's cells to mark (none yet), and this frame's and the kept (H, W, 3) block means as flat runs
    of values; the kept ones are a view of ``means`` (C-contiguous): the step updates them in place."""
    size = cur.shape[0] * cur.shape[1] * 3
    return np.zeros(n_cells, np.bool_), np.ascontiguousarray(cur).reshape(size), means.reshape(size)


@njit(cache=True, nogil=True, inline="always")
def _moved(fc: NDArray[np.uint8], fm: NDArray[np.uint8], k: int, thr: int) -> bool:  # pragma: no cover
    """Whether block ``k`` of the flat block means ``fc`` moved by more than ``thr`` from ``fm`` in some channel."""
    moved = False
    for ch in range(3):
        if abs(np.int32(fc[3 * k + ch]) - np.int32(fm[3 * k + ch])) > thr:
            moved = True
    return moved


@njit(cache=True, nogil=True, inline="always")
def _take(fc: NDArray[np.uint8], fm: NDArray[np.uint8], feeds: NDArray[np.intp], k: int,
          todo: NDArray[np.bool_]) -> None:  # pragma: no cover
    """Block ``k`` takes this frame's values (in place) and marks the cells it feeds."""
    for ch in range(3):
        fm[3 * k + ch] = fc[3 * k + ch]
    for j in range(4):
        c = feeds[k, j]
        if c >= 0:
            todo[c] = True


@njit(cache=True, nogil=True)
def pair_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], runs: NDArray[np.uint8],
                 feeds: NDArray[np.intp], thr: int, n_cells: int,
                 persist: int) -> NDArray[np.bool_]:  # pragma: no cover
    """``block_changes`` for a noisy frame: by groups of 2 x 2 blocks, and by blocks that stay moved.

    A group whose mean (the rounded mean of its blocks' means; fewer blocks at the last row and
    column when they are odd) moved by more than ``thr`` in some channel has moved: the mean of 4
    blocks halves the spread of noise drawn afresh on every frame, while a stroke that crosses the
    group moves it about as much as its blocks. A block of a group that did not move, but which
    itself moved by more than twice ``thr``, counts the frames in a row it has done so (``runs``,
    in place): at ``persist`` it has moved too. Noise is drawn afresh on every frame; a change
    confined to one block (the end of a small stroke) stays. (Twice: a kept mean is the value a
    block took when it moved, often an extreme of the noise, from which later frames stay at
    some distance.) Moved blocks take this frame's values (in place), their runs restart, and
    they mark the cells they feed.

    Returns:
        (n_cells,) bool: the cells fed by a moved block.
    """
    h, w = cur.shape[0], cur.shape[1]
    todo, fc, fm = _gate_arrays(cur, means, n_cells)
    # rows of values are read through slices and loops from 0, which the compiler vectorises (an
    # index such as ``fc[a + j]`` may be negative as far as it knows, and each one is then checked):
    # sums of each group row's two block rows, per block and channel, then the groups, then the
    # blocks' own moves (3x faster than summing each group's blocks value by value)
    rw = w * 3
    sc = np.empty(rw, np.int32)
    sm = np.empty(rw, np.int32)
    dd = np.empty(rw, np.int32)
    group = np.empty((w + 1) // 2, np.bool_)
    for y0 in range(0, h, 2):
        rows = min(2, h - y0)
        c0 = fc[y0 * rw:(y0 + 1) * rw]
        m0 = fm[y0 * rw:(y0 + 1) * rw]
        if rows == 2:
            c1 = fc[(y0 + 1) * rw:(y0 + 2) * rw]
            m1 = fm[(y0 + 1) * rw:(y0 + 2) * rw]
            for j in range(rw):
                sc[j] = np.int32(c0[j]) + np.int32(c1[j])
                sm[j] = np.int32(m0[j]) + np.int32(m1[j])
        else:
            for j in range(rw):
                sc[j] = np.int32(c0[j])
                sm[j] = np.int32(m0[j])
        for g in range(group.shape[0]):
            wide = 2 * g + 1 < w
            k = rows * (2 if wide else 1)
            moved = False
            for ch in range(3):
                c = sc[6 * g + ch]
                m = sm[6 * g + ch]
                if wide:
                    c += sc[6 * g + 3 + ch]
                    m += sm[6 * g + 3 + ch]
                # rounded means (sums are never negative): by 4 with a shift
                d = ((c + 2) >> 2) - ((m + 2) >> 2) if k == 4 else (c + k // 2) // k - (m + k // 2) // k
                if d > thr or -d > thr:
                    moved = True
            group[g] = moved
        for y in range(y0, y0 + rows):
            cr = fc[y * rw:(y + 1) * rw]
            mr = fm[y * rw:(y + 1) * rw]
            for j in range(rw):
                v = np.int32(cr[j]) - np.int32(mr[j])
                dd[j] = v if v >= 0 else -v
            rr = runs[y]
            for x in range(w):
                moved = group[x >> 1]
                if not moved:
                    if dd[3 * x] > 2 * thr or dd[3 * x + 1] > 2 * thr or dd[3 * x + 2] > 2 * thr:
                        rr[x] = min(255, np.int32(rr[x]) + 1)
                        moved = rr[x] >= persist
                    else:
                        rr[x] = 0
                if moved:
                    rr[x] = 0
                    _take(fc, fm, feeds, y * w + x, todo)
    return todo


@njit(cache=True, nogil=True)
def gate_changes(cur: NDArray[np.uint8], means: NDArray[np.uint8], last: NDArray[np.uint8], runs: NDArray[np.uint8],
                 feeds: NDArray[np.intp], thr: int, n_cells: int, noisy: float,
                 persist: int) -> tuple[NDArray[np.bool_], bool]:  # pragma: no cover
    """The change gate's step, by blocks (``block_changes``) or, on a noisy frame, by groups of
    2 x 2 blocks (``pair_changes``).

    A frame is noisy when more than the share ``noisy`` of its values (blocks x channels) differ
    from those of the frame before (``last``, which then takes this frame's values, in place):
    noise drawn afresh on every frame (sensor-like noise, kept through the encoder) moves most
    block means a little from frame to frame, and some block of most cells past ``thr``, while
    the still parts of a compressed frame mostly repeat their values exactly. A change that no
    group shows is not lost: its blocks keep their old means, so it is seen once it stays
    (``pair_changes``) or on the next frame that is not noisy, which compares block by block.

    Returns:
        ``(todo, noisy)``: (n_cells,) bool the cells fed by a moved block, and the frame's kind.
    """
    h, w = cur.shape[0], cur.shape[1]
    fc = np.ascontiguousarray(cur).reshape(h * w * 3)
    fl = last.reshape(h * w * 3)  # (C-contiguous: updated in place)
    differ = 0
    for i in range(h * w * 3):
        differ += 1 if fc[i] != fl[i] else 0
        fl[i] = fc[i]
    if differ > noisy * (h * w * 3):
        return pair_changes(cur, means, runs, feeds, thr, n_cells, persist), True
    runs[:] = 0  # (every block is compared on its own: none stays moved)
    return block_changes(cur, means, feeds, thr, n_cells), False


@njit(cache=True, nogil=True)
def line_peaks(profile: NDArray[np.float64], expected: NDArray[np.float64],
               win: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover
    """Grid-line centres near their expected places on an ink profile.

    For each expected position e, in the window ``[e - win, e + win]`` (clipped to the profile):
    the peak j (first maximum), the threshold halfway between the peak and the window's median,
    and the centroid of the samples within 4 of the peak that reach it, weighted by how far above
    the threshold they are (+1e-6). Sums in numpy's order, so the positions match bit for bit.

    Returns:
        ``(found, peaks)``: centres (profile coordinates) and peak values, one per expected line.
    """
    m = expected.shape[0]
    found = np.empty(m, np.float64)
    peaks = np.empty(m, np.float64)
    size = profile.shape[0]
    seg = np.empty(2 * win + 2, np.float64)
    srt = np.empty(2 * win + 2, np.float64)
    num = np.empty(2 * win + 2, np.float64)
    den = np.empty(2 * win + 2, np.float64)
    for i in range(m):
        e = expected[i]
        lo = int(max(0.0, e - win))
        hi = int(min(float(size), e + win + 1))
        k = hi - lo
        j = 0
        for t in range(k):
            seg[t] = profile[lo + t]
            srt[t] = seg[t]
            if seg[t] > seg[j]:
                j = t
        srt[:k].sort()
        if k % 2 == 1:
            med = srt[k // 2]
        else:
            med = (srt[k // 2 - 1] + srt[k // 2]) / 2.0
        thr = 0.5 * (seg[j] + med)
        c = 0
        for t in range(k):
            if seg[t] >= thr and abs(t - j) <= 4:
                w = seg[t] - thr + 1e-6
                num[c] = t * w
                den[c] = w
                c += 1
        found[i] = lo + block_sum(num, 0, c) / block_sum(den, 0, c)
        peaks[i] = seg[j]
    return found, peaks


@njit(cache=True, nogil=True)
def homography_maps(inv: NDArray[np.float64], size: int) -> tuple[NDArray[np.float32],
                                                                  NDArray[np.float32]]:  # pragma: no cover
    """Source coordinates of every pixel of a ``size`` x ``size`` canonical image.

    Args:
        inv: (3, 3) float64 homography from canonical to source pixels.
        size: side of the canonical image.

    Returns:
        ``(mx, my)``: (size, size) float32 source x and y, each computed in float64 as
        ``(inv[i, 0] * x + (inv[i, 1] * y + inv[i, 2])) * (1 / (inv[2, 0] * x + (inv[2, 1] * y + inv[2, 2])))``
        and then rounded, the numpy twin's operations in its order.
    """
    mx = np.empty((size, size), np.float32)
    my = np.empty((size, size), np.float32)
    for y in range(size):
        fy = float(y)
        wy = inv[2, 1] * fy + inv[2, 2]
        xy = inv[0, 1] * fy + inv[0, 2]
        yy = inv[1, 1] * fy + inv[1, 2]
        for x in range(size):
            fx = float(x)
            den = 1.0 / (inv[2, 0] * fx + wy)
            mx[y, x] = np.float32((inv[0, 0] * fx + xy) * den)
            my[y, x] = np.float32((inv[1, 0] * fx + yy) * den)
    return mx, my


@njit(cache=True, nogil=True)
def _floor_i32(v: float) -> int:  # pragma: no cover
    """``np.int32(np.floor(v))`` as numpy casts on x86: out of range (or NaN) gives -2**31."""
    f = np.floor(v)
    if not (-2147483648.0 <= f < 2147483648.0):
        return -2147483648
    return int(f)


@njit(cache=True, nogil=True)
def gate_feeds(uv: NDArray[np.float64], n: int, block: int, cell_px: int, pad: int,
               margin: int) -> tuple[NDArray[np.int32], bool]:  # pragma: no cover
    """The change gate's map from source blocks to the cells their pixels feed.

    Args:
        uv: (H + 1, W + 1, 2) float64 canonical positions of the corners of H x W source blocks.
        n: cells per side; cell c covers canonical pixels ``[pad + c * cell_px, pad + (c + 1) * cell_px)``.
        block: block side in source pixels (a block's footprint grows by one source pixel, the
            bilinear support, measured along its diagonal).
        cell_px, pad: the canonical lattice.
        margin: canonical pixels beyond a cell that its reading looks at (the footprint grows by it).

    Returns:
        ``(feeds, ok)``: (H * W, 4) int32 cells (row-major; rows r0, r1 x columns c0, c1 of the
        footprint, clipped to the board) each block feeds, -1 for blocks wholly off the board;
        ok is False when some block on the board reaches more than 2 x 2 cells.
    """
    bh = uv.shape[0] - 1
    bw = uv.shape[1] - 1
    feeds = np.empty((bh * bw, 4), np.int32)
    inv_b = 1.0 / block
    inv_c = 1.0 / cell_px
    lim = np.empty(4, np.int64)  # c0, c1, r0, r1
    ok = True
    for y in range(bh):
        for x in range(bw):
            for ax in range(2):
                a00 = uv[y, x, ax]
                a10 = uv[y + 1, x, ax]
                a01 = uv[y, x + 1, ax]
                a11 = uv[y + 1, x + 1, ax]
                lo = min(min(a00, a10), min(a01, a11))
                hi = max(max(a00, a10), max(a01, a11))
                grow = abs(a11 - a00) * inv_b + margin
                lim[2 * ax] = _floor_i32((lo - grow - pad) * inv_c)
                lim[2 * ax + 1] = _floor_i32((hi + grow - pad) * inv_c)
            k = y * bw + x
            if lim[1] < 0 or lim[3] < 0 or lim[0] > n - 1 or lim[2] > n - 1:
                feeds[k, :] = -1
                continue
            c0, c1, r0, r1 = (min(max(lim[0], 0), n - 1), min(max(lim[1], 0), n - 1),
                              min(max(lim[2], 0), n - 1), min(max(lim[3], 0), n - 1))
            if c1 - c0 > 1 or r1 - r0 > 1:
                ok = False
            feeds[k, 0] = r0 * n + c0
            feeds[k, 1] = r0 * n + c1
            feeds[k, 2] = r1 * n + c0
            feeds[k, 3] = r1 * n + c1
    return feeds, ok


@njit(cache=True, nogil=True)
def ink_into(rgb: NDArray[np.uint8], bg: NDArray[np.int64], out: NDArray[np.uint8]) -> None:  # pragma: no cover
    """Per-pixel ink into ``out`` (same H x W): the largest per-channel distance of ``rgb`` from
    the background colour ``bg`` (three whole levels, 0..255)."""
    h, w = out.shape
    flat = np.ascontiguousarray(rgb).reshape(h, 3 * w)
    # distances along each row of interleaved bytes against a row of repeated background bytes
    # (a loop the compiler vectorises), then the largest of every three
    pat = np.empty(3 * w, np.uint8)
    for x in range(w):
        pat[3 * x] = bg[0]
        pat[3 * x + 1] = bg[1]
        pat[3 * x + 2] = bg[2]
    dist = np.empty(3 * w, np.uint8)
    for y in range(h):
        row = flat[y]
        for j in range(3 * w):
            a = row[j]
            b = pat[j]
            dist[j] = max(a, b) - min(a, b)
        for x in range(w):
            out[y, x] = max(max(dist[3 * x], dist[3 * x + 1]), dist[3 * x + 2])


@njit(cache=True, nogil=True)
def gate_rows(todo: NDArray[np.bool_], n: int, cell_px: int, pad: int,
              margin: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:  # pragma: no cover
    """What the change gate warps again: one canonical rectangle per row of cells to warp.

    Args:
        todo: (n * n,) bool cells to warp again (row-major).
        n: cells per side; cell (r, c) covers canonical pixels ``pad + [r, r + 1) * cell_px`` and
            ``pad + [c, c + 1) * cell_px`` of a ``n * cell_px + 2 * pad`` square.
        margin: pixels around the cells that are warped too (clipped to the square).

    Returns:
        ``(rects, dirty)``: (R, 4) int64 ``ya, yb, xa, xb`` for each row of cells holding a cell to
        warp, spanning its first to its last such cell; (n * n,) bool the cells whose pixels the
        rectangles cover (the margin reaches into neighbours).
    """
    size = n * cell_px + 2 * pad
    rects = np.empty((n, 4), np.int64)
    dirty = np.zeros(n * n, np.bool_)
    cnt = 0
    for r in range(n):
        first = -1
        last = -1
        for c in range(n):
            if todo[r * n + c]:
                if first < 0:
                    first = c
                last = c
        if first < 0:
            continue
        ya = max(0, pad + r * cell_px - margin)
        yb = min(size, pad + (r + 1) * cell_px + margin)
        xa = max(0, pad + first * cell_px - margin)
        xb = min(size, pad + (last + 1) * cell_px + margin)
        rects[cnt, 0] = ya
        rects[cnt, 1] = yb
        rects[cnt, 2] = xa
        rects[cnt, 3] = xb
        cnt += 1
        for rr in range(max(0, (ya - pad) // cell_px), min(n, (yb - 1 - pad) // cell_px + 1)):
            for cc in range(max(0, (xa - pad) // cell_px), min(n, (xb - 1 - pad) // cell_px + 1)):
                dirty[rr * n + cc] = True
    return rects[:cnt].copy(), dirty


@njit(cache=True, nogil=True)
def exact_score(ink: NDArray[np.uint8], n: int, cell_px: int, pad: int) -> float:  # pragma: no cover
    """Grid contrast of a rectified board at the exact canonical line positions, / 255.

    The profile is the float32 mean of the column means over every 3rd row and the row means
    over every 3rd column (integer sums, exact in float32, then divided); the score is the mean
    over lines of the profile's maximum within +-3 px of line i (``pad + i * cell_px``, clipped)
    minus the same at the cell middles, in float32 as the numpy twin computes it.

    Args:
        ink: (S, S) uint8 ink of a canonical board.
        n, cell_px, pad: the canonical lattice.
    """
    size = ink.shape[0]
    colsum = np.zeros(size, np.int64)
    rowsum = np.zeros(size, np.int64)
    for y in range(0, size, 3):
        for x in range(size):
            colsum[x] += ink[y, x]
    for y in range(size):
        for x in range(0, size, 3):
            rowsum[y] += ink[y, x]
    cnt = np.float32((size + 2) // 3)
    prof = np.empty(size, np.float32)
    for i in range(size):
        prof[i] = np.float32(0.5) * (np.float32(colsum[i]) / cnt + np.float32(rowsum[i]) / cnt)
    peak = np.empty(n + 1, np.float32)
    for i in range(n + 1):
        m = prof[min(max(pad + cell_px * i - 3, 0), size - 1)]
        for d in range(-2, 4):
            v = prof[min(max(pad + cell_px * i + d, 0), size - 1)]
            if v > m:
                m = v
        peak[i] = m
    mid = np.empty(n, np.float32)
    for i in range(n):
        c = pad + cell_px * i + cell_px // 2
        m = prof[c - 3]
        for d in range(-2, 4):
            if prof[c + d] > m:
                m = prof[c + d]
        mid[i] = m
    lines = block_sum(peak, 0, n + 1) / np.float32(n + 1)
    mids = block_sum(mid, 0, n) / np.float32(n)
    return float((lines - mids) / np.float32(255.0))


@njit(cache=True, nogil=True)
def ink_profiles(ink: NDArray[np.uint8]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover
    """Column and row means of an ink image, ``ink.astype(np.float64).mean(axis=0)`` and
    ``(axis=1)`` bit for bit, without the float64 copy: the sums are whole numbers below 2**53,
    exact in any order, and each is divided by the count as numpy's mean does.

    Args:
        ink: (H, W) uint8.

    Returns:
        ``(colp, rowp)``: (W,) and (H,) float64.
    """
    h, w = ink.shape
    rows, cols = row_col_sums(ink)
    rowp = np.empty(h, np.float64)
    for y in range(h):
        rowp[y] = rows[y] / w
    colp = np.empty(w, np.float64)
    for x in range(w):
        colp[x] = cols[x] / h
    return colp, rowp


@njit(cache=True, nogil=True)
def block_means4(rgb: NDArray[np.uint8], y0: int, y1: int, x0: int,
                 x1: int) -> NDArray[np.uint8]:  # pragma: no cover
    """Means of the 4 x 4-pixel blocks of ``rgb[y0:y1, x0:x1]`` (sides multiples of 4) as two 2 x 2
    halvings that each round, ``(a + b + c + d + 2) >> 2`` (what OpenCV's area resize by two gives).

    Args:
        rgb: (H, W, 3) C-contiguous uint8 frame.
        y0, y1, x0, x1: the region, inside the frame.

    Returns:
        ((y1 - y0) / 4, (x1 - x0) / 4, 3) uint8.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    flat = rgb.reshape(h * w * 3)
    bh, bw = (y1 - y0) // 4, (x1 - x0) // 4
    n = bw * 12
    # first halving, along a pair of rows: each pixel pair of the region (its 3 channels), into
    # ``t0`` (rows 0-1 of a block row) and ``t1`` (rows 2-3); the second combines two such values of
    # each row pair. Only the values used are computed (all bytes, then every other pair of them,
    # was ~20% slower)
    t0 = np.empty(bw * 6, np.uint16)
    t1 = np.empty(bw * 6, np.uint16)
    out = np.empty((bh, bw, 3), np.uint8)
    for by in range(bh):
        if by + 1 < bh:  # the next block row's four pixel rows start loading now (``prefetch``)
            p0 = ((y0 + 4 * by + 4) * w + x0) * 3
            for r in range(4):
                for j in range(0, n, 64):
                    prefetch(flat, p0 + r * w * 3 + j)
        for hy in range(2):
            s0 = ((y0 + 4 * by + 2 * hy) * w + x0) * 3
            a = flat[s0:s0 + n]
            b = flat[s0 + w * 3:s0 + w * 3 + n]
            t = t0 if hy == 0 else t1
            for q in range(2 * bw):
                for c in range(3):
                    j = 6 * q + c
                    t[3 * q + c] = (np.uint16(a[j]) + np.uint16(b[j]) + np.uint16(a[j + 3]) + np.uint16(b[j + 3])
                                    + 2) >> 2
        o = out[by].reshape(bw * 3)
        for bx in range(bw):
            for c in range(3):
                j = 6 * bx + c
                o[3 * bx + c] = (t0[j] + t1[j] + t0[j + 3] + t1[j + 3] + 2) >> 2
    return out


@njit(cache=True, nogil=True, inline="always")
def _linear_px(flat: NDArray[np.uint8], h: int, w: int, xy: NDArray[np.int16], fa: NDArray[np.uint16], i: int,
               j: int) -> tuple[int, int, int]:  # pragma: no cover
    """One pixel of OpenCV's fixed-point bilinear remap with replicated borders (see ``remap_linear``);
    ``flat``: the (H, W, 3) C-contiguous source, flattened."""
    sx = np.int32(xy[i, j, 0])
    sy = np.int32(xy[i, j, 1])
    a = np.int32(fa[i, j]) & 1023
    fx = a & 31
    fy = a >> 5
    w0 = (32 - fy) * (32 - fx) * 32
    w1 = (32 - fy) * fx * 32
    w2 = fy * (32 - fx) * 32
    w3 = fy * fx * 32
    if 0 <= sx < w - 1 and 0 <= sy < h - 1:  # inside: the four neighbours as they are
        p00 = (sy * w + sx) * 3
        p01 = p00 + 3
        p10 = p00 + 3 * w
        p11 = p10 + 3
    else:  # neighbours outside the frame are the nearest edge pixel
        x0 = min(max(sx, 0), w - 1)
        x1 = min(max(sx + 1, 0), w - 1)
        y0 = min(max(sy, 0), h - 1)
        y1 = min(max(sy + 1, 0), h - 1)
        p00 = (y0 * w + x0) * 3
        p01 = (y0 * w + x1) * 3
        p10 = (y1 * w + x0) * 3
        p11 = (y1 * w + x1) * 3
    r = (np.int32(flat[p00]) * w0 + np.int32(flat[p01]) * w1 + np.int32(flat[p10]) * w2
         + np.int32(flat[p11]) * w3 + 16384) >> 15
    g = (np.int32(flat[p00 + 1]) * w0 + np.int32(flat[p01 + 1]) * w1 + np.int32(flat[p10 + 1]) * w2
         + np.int32(flat[p11 + 1]) * w3 + 16384) >> 15
    b = (np.int32(flat[p00 + 2]) * w0 + np.int32(flat[p01 + 2]) * w1 + np.int32(flat[p10 + 2]) * w2
         + np.int32(flat[p11 + 2]) * w3 + 16384) >> 15
    return r, g, b


@njit(cache=True, nogil=True)
def remap_linear(rgb: NDArray[np.uint8], xy: NDArray[np.int16], fa: NDArray[np.uint16],
                 out: NDArray[np.uint8]) -> None:  # pragma: no cover
    """``cv2.remap(rgb, xy, fa, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)`` into ``out``.

    ``xy``, ``fa``: fixed-point maps as ``cv2.convertMaps(mx, my, cv2.CV_16SC2)`` makes them (the
    whole source pixel, and the 1/32-px fraction ``32 * fy + fx``). OpenCV weighs the four
    neighbours by ``(32 - fy)(32 - fx) * 32`` etc. (they sum to 2^15), adds 2^14 and shifts by 15;
    neighbours outside the frame are the nearest edge pixel. Exact integer arithmetic, so the
    result equals OpenCV's bit for bit (tests).

    Args:
        rgb: (H, W, 3) uint8 source (C-contiguous, or it is copied).
        xy: (h, w, 2) int16 source pixel (x, y) of each output pixel; fa: (h, w) uint16 fractions.
        out: (h, w, 3) uint8.
    """
    h, w = rgb.shape[0], rgb.shape[1]
    flat = np.ascontiguousarray(rgb).reshape(h * w * 3)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            r, g, b = _linear_px(flat, h, w, xy, fa, i, j)
            out[i, j, 0] = r
            out[i, j, 1] = g
            out[i, j, 2] = b


@njit(cache=True, nogil=True, inline="always")
def _half_even(v: float) -> int:  # pragma: no cover
    """``round(v)`` as Python rounds (halves to even)."""
    r = np.floor(v)
    d = v - r
    if d > 0.5 or (d == 0.5 and r % 2.0 != 0.0):
        r += 1.0
    return int(r)


@njit(cache=True, nogil=True)
def gate_step(rgb: NDArray[np.uint8], y0: int, y1: int, x0: int, x1: int, means: NDArray[np.uint8],
              last: NDArray[np.uint8], runs: NDArray[np.uint8], feeds: NDArray[np.intp], thr: int, n: int,
              always: NDArray[np.bool_], max_count: float, lat_xy: NDArray[np.int16], lat_fa: NDArray[np.uint16],
              cell_px: int, pad: int, margin: int, dirty: NDArray[np.bool_], bg: NDArray[np.float64],
              scalar: NDArray[np.int64], noisy: float,
              persist: int) -> tuple[int, NDArray[np.int64]]:  # pragma: no cover
    """One frame through the Sudoku reader's change gate (``mmgr.parsers.sudoku_gate``), up to the
    remapping of the cells to warp again.

    The 4x4 block means of the board's region ``rgb[y0:y1, x0:x1]`` (``block_means4``) are compared
    with ``means`` (``gate_changes``: moved blocks take the new means, and ``last`` all of them,
    in place); the cells they feed, and the ``always`` cells (empty: none), are to be warped
    again. More than ``max_count`` of them: count -1 (the caller warps the whole board).
    Otherwise, when some are, the board colour is measured again as the median of the background
    lattice (``lat_xy``, ``lat_fa``: its fixed-point remap tables, ``remap_linear``) and rounded
    to whole levels (halves to even, as ``round``), and ``gate_rows`` gives the canonical
    rectangles to remap. Bit for bit what those kernels and ``cv2.remap`` compute one after
    another (tests).

    Args:
        rgb: (H, W, 3) C-contiguous uint8 frame.
        last: the block means of the frame before.
        runs, noisy, persist: see ``gate_changes`` and ``pair_changes``.

    Returns:
        ``(count, rects)``: the number of cells to warp again (-1: too many) and the rectangles
        (R, 4) ``ya, yb, xa, xb``. ``dirty`` (n * n bool) receives the cells the rectangles cover,
        ``bg`` (3 float64) the board colour and ``scalar`` (3 int64) its rounding, when count > 0.
    """
    todo = gate_changes(block_means4(rgb, y0, y1, x0, x1), means, last, runs, feeds, thr, n * n, noisy, persist)[0]
    if always.shape[0] == n * n:
        for k in range(n * n):
            todo[k] = todo[k] or always[k]
    count = 0
    for k in range(n * n):
        count += 1 if todo[k] else 0
    dirty[:] = False
    if count > max_count or count == 0:
        return (-1 if count > max_count else 0), np.empty((0, 4), np.int64)
    lat = np.empty((lat_fa.shape[0], lat_fa.shape[1], 3), np.uint8)
    remap_linear(rgb, lat_xy, lat_fa, lat)
    bg[:] = median_colour(lat.reshape(lat.shape[0] * lat.shape[1], 3))
    for ch in range(3):
        scalar[ch] = min(255, max(0, _half_even(bg[ch])))
    rects, hit = gate_rows(todo, n, cell_px, pad, margin)
    dirty[:] = hit
    return count, rects
