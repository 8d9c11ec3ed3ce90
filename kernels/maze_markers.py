"""Marker kernels (numba): per-class boxes of a hue-class image, and its opened 8-connected blobs.

Each function has a same-named plain-numpy twin in ``mmgr.kernels._reference.maze_markers`` that
the tests compare against (integer logic: both agree exactly).
Kernels trust their inputs (C-contiguous arrays of the stated dtypes and shapes).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


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
    none = np.zeros((n_classes + 1, 6), np.int64)
    return marker_blobs_rows(hue, rgb, n_classes, min_count, np.empty((0, 13), np.int64), none, 0, 0)[0]


@njit(cache=True, nogil=True)
def marker_blobs_rows(hue: NDArray[np.uint8], rgb: NDArray[np.uint8], n_classes: int, min_count: float,
                      prev: NDArray[np.int64], prev_boxes: NDArray[np.int64], y0: int,
                      y1: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``marker_blobs`` of images that differ only in rows y0..y1 (exclusive end) from those of the last call, which
    returned ``prev`` and ``prev_boxes``; also returns this call's boxes.

    Boxes: (n + 1, 6) int64 rows ``(count, y_first, y_last, x_first, x_last, split)`` (``class_boxes``,
    and 1 where the class was split into blobs). A class split last time whose count and box are
    the same and whose crop lies outside the changed rows has the same crop of both images, so the
    same blobs: its rows are copied from ``prev``, not found again.
    """
    h, w = hue.shape
    boxes = np.zeros((n_classes + 1, 6), np.int64)
    boxes[:, :5] = class_boxes(hue, n_classes)
    out = np.empty((16, 13), np.int64)
    n_out = 0
    for k in range(1, n_classes + 1):
        count, y_first, y_last, x_first, x_last = boxes[k, 0], boxes[k, 1], boxes[k, 2], boxes[k, 3], boxes[k, 4]
        if count < min_count:
            continue
        oy, ox = max(0, y_first - 2), max(0, x_first - 2)
        ch, cw = min(h, y_last + 3) - oy, min(w, x_last + 3) - ox
        same = prev_boxes[k, 5] == 1 and (oy + ch <= y0 or oy >= y1)
        for j in range(5):
            same &= prev_boxes[k, j] == boxes[k, j]
        if same:
            boxes[k, 5] = 1
            for i in range(prev.shape[0]):
                if prev[i, 0] == k:
                    if n_out == out.shape[0]:
                        out = _grown(out)
                    out[n_out] = prev[i]
                    n_out += 1
            continue
        if not any_core(hue, k, y_first, y_last + 1, x_first, x_last + 1):
            continue
        boxes[k, 5] = 1
        m = _open3(hue, k, oy, ox, ch, cw)
        stats = _components(m, rgb, oy, ox)
        n_comp = stats.shape[0]
        order = np.argsort(stats[:n_comp, 0], kind="mergesort")
        for i in order:
            if n_out == out.shape[0]:
                out = _grown(out)
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
    return out[:n_out].copy(), boxes


@njit(cache=True, nogil=True)
def _grown(out: NDArray[np.int64]) -> NDArray[np.int64]:
    grown = np.empty((2 * out.shape[0], out.shape[1]), np.int64)
    grown[:out.shape[0]] = out
    return grown
