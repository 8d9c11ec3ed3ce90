"""Block-maze classification of changed rows in one pass (numba): colour-table codes, the 3x3 box blur the walls
are read from, and the 3x3 median of the wall bits, written into the frame's planes in place.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_classify`` that the
tests compare against (integer logic: both agree exactly), and the tests check the blur and the
median against OpenCV's ``blur`` and ``medianBlur``, which ``mmgr.parsers.maze_colour.classify`` uses.
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, nogil=True)
def _reflect(i: int, n: int) -> int:
    """OpenCV's BORDER_REFLECT_101 index (``cv2.blur``'s default border)."""
    if n == 1:
        return 0
    if i < 0:
        return -i
    if i >= n:
        return 2 * n - 2 - i
    return i


@njit(cache=True, nogil=True)
def _codes(px: NDArray[np.uint8], lut: NDArray[np.uint8], idx: NDArray[np.uint16], out: NDArray[np.uint8]) -> None:
    """``lut`` codes of a row of pixels (flat r, g, b bytes) into ``out``: indices first (SIMD), then lookups."""
    n = out.shape[0]
    for i in range(n):
        r, g, b = np.uint16(px[3 * i]), np.uint16(px[3 * i + 1]), np.uint16(px[3 * i + 2])
        idx[i] = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3)
    for i in range(n):
        out[i] = lut[idx[i]]


@njit(cache=True, nogil=True)
def block_rows(rgb: NDArray[np.uint8], lut: NDArray[np.uint8], y0: int, y1: int, wall: NDArray[np.uint8],
               marker: NDArray[np.uint8], hue: NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """Planes of an (H, W, 3) image that differs from the one ``wall``, ``marker``, ``hue`` were read from only in
    rows y0..y1 (exclusive end, not empty): those rows' marker and hue, and the wall rows a change
    reaches (y0 - 2 .. y1 + 2), updated in place as ``classify`` reads a block maze whole.

    Marker = bit 1 and hue = bits 2.. of the pixel's ``lut`` code; the wall is bit 0 of the code of
    the pixel's 3x3 box blur (OpenCV's: reflected borders, the sum of 9 rounded as
    ``((s + 4) * 7282) >> 16``), then the 3x3 median of those bits (at least 5 of 9 set; replicated
    borders), every row seeing the same neighbours as in the whole image.

    Returns the rows (first, end) where ``wall`` changed and those where ``marker`` did ((0, 0): none), told
    apart while writing (a moving agent changes the markers, not the walls).
    """
    h, w = rgb.shape[0], rgb.shape[1]
    flat = rgb.reshape(h, w * 3)
    idx = np.empty(w, np.uint16)
    code = np.empty(w, np.uint8)
    m0, m1 = 0, 0
    for y in range(y0, y1):
        _codes(flat[y], lut, idx, code)
        mr = marker[y]
        hr = hue[y]
        dm = np.uint8(0)
        for x in range(w):
            nm = (code[x] >> 1) & 1
            dm |= mr[x] ^ nm
            mr[x] = nm
            hr[x] = code[x] >> 2
        if dm != 0:
            m0 = y if m1 == 0 else m0
            m1 = y + 1
    o0, o1 = max(0, y0 - 2), min(h, y1 + 2)  # wall rows a change reaches
    v0, v1 = max(0, o0 - 1), min(h, o1 + 1)  # their median's inputs
    # horizontal 3-sums of the rows the blur of rows v0..v1 reads (reflected at the image's edges)
    r0, r1 = v0 - 1, v1 + 1
    hsum = np.empty((r1 - r0, w * 3), np.uint16)  # sums of 3 bytes: at most 765
    n3 = w * 3
    for j in range(r1 - r0):
        src = flat[_reflect(r0 + j, h)]
        hs = hsum[j]
        left, mid, right, out = src[:n3 - 6], src[3:n3 - 3], src[6:], hs[3:n3 - 3]
        for i in range(n3 - 6):  # a pixel's left and right neighbours are 3 bytes away (slices: SIMD)
            out[i] = np.uint16(left[i]) + np.uint16(mid[i]) + np.uint16(right[i])
        for x in (0, w - 1):  # the edge pixels' reflected neighbours
            xl, xr = _reflect(x - 1, w), _reflect(x + 1, w)
            for c in range(3):
                hs[3 * x + c] = np.uint16(src[3 * xl + c]) + np.uint16(src[3 * x + c]) + np.uint16(src[3 * xr + c])
    pre = np.empty((v1 - v0, w), np.uint8)  # wall bits before the median
    blurred = np.empty(w * 3, np.uint8)
    for y in range(v0, v1):
        a, b, c = hsum[y - 1 - r0], hsum[y - r0], hsum[y + 1 - r0]
        for i in range(n3):
            blurred[i] = np.uint8((np.uint32(a[i] + b[i] + c[i] + 4) * np.uint32(7282)) >> 16)
        _codes(blurred, lut, idx, code)
        p = pre[y - v0]
        for x in range(w):
            p[x] = code[x] & 1
    vs = np.empty(w, np.int32)
    w0, w1 = 0, 0
    for y in range(o0, o1):
        a, b, c = pre[max(y - 1, 0) - v0], pre[y - v0], pre[min(y + 1, h - 1) - v0]
        for x in range(w):
            vs[x] = np.int32(a[x]) + np.int32(b[x]) + np.int32(c[x])
        wr = wall[y]
        left, mid, right, out = vs[:w - 2], vs[1:w - 1], vs[2:], wr[1:w - 1]
        dw = np.uint8(0)
        for i in range(w - 2):
            nw = np.uint8(left[i] + mid[i] + right[i] >= 5)
            dw |= out[i] ^ nw
            out[i] = nw
        for x in (0, w - 1):  # replicated edges
            nw = np.uint8(vs[max(x - 1, 0)] + vs[x] + vs[min(x + 1, w - 1)] >= 5)
            dw |= wr[x] ^ nw
            wr[x] = nw
        if dw != 0:
            w0 = y if w1 == 0 else w0
            w1 = y + 1
    return w0, w1, m0, m1
