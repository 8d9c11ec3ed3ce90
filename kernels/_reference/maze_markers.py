"""Plain-numpy twins of ``mmgr.kernels.maze_markers`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def class_boxes(labels: NDArray[np.uint8], n: int) -> NDArray[np.int64]:
    """Pixel count and inclusive bounding box (count, y0, y1, x0, x1) of every label 1..n: (n + 1, 5), row 0 empty."""
    out = np.full((n + 1, 5), -1, np.int64)
    out[:, 0] = 0
    for k in range(1, n + 1):
        full = labels == k
        rows = np.flatnonzero(full.any(axis=1))
        if rows.size == 0:
            continue
        cols = np.flatnonzero(full.any(axis=0))
        out[k] = (int(full.sum()), rows[0], rows[-1], cols[0], cols[-1])
    return out


def any_core(labels: NDArray[np.uint8], k: int, y0: int, y1: int, x0: int, x1: int) -> bool:
    """Whether a pixel of the box survives a 3x3 erosion of ``labels == k`` (outside the image counts as ``k``)."""
    m = np.pad(labels == k, 1, constant_values=True)
    h, w = labels.shape
    core = np.ones((h, w), bool)
    for dy in range(3):
        for dx in range(3):
            core &= m[dy:dy + h, dx:dx + w]
    return bool(core[y0:y1, x0:x1].any())


def marker_blobs(hue: NDArray[np.uint8], rgb: NDArray[np.uint8], n_classes: int,
                 min_count: float) -> NDArray[np.int64]:
    """Opened 8-connected blobs of every hue class (rows as in the kernel), by a plain flood fill."""
    h, w = hue.shape
    rows = []
    for k in range(1, n_classes + 1):
        full = hue == k
        if full.sum() == 0 or full.sum() < min_count:
            continue
        ys, xs = np.nonzero(full)
        oy, ox = max(0, ys.min() - 2), max(0, xs.min() - 2)
        m = full[oy:min(h, ys.max() + 3), ox:min(w, xs.max() + 3)]
        ch, cw = m.shape
        pad = np.pad(m, 1, constant_values=True)  # erosion: outside counts as set
        ero = np.ones((ch, cw), bool)
        for dy in range(3):
            for dx in range(3):
                ero &= pad[dy:dy + ch, dx:dx + cw]
        pad = np.pad(ero, 1, constant_values=False)  # dilation: outside counts as unset
        opened = np.zeros((ch, cw), bool)
        for dy in range(3):
            for dx in range(3):
                opened |= pad[dy:dy + ch, dx:dx + cw]
        label = np.zeros((ch, cw), np.int64)
        comps = []
        for y0 in range(ch):
            for x0 in range(cw):
                if not opened[y0, x0] or label[y0, x0]:
                    continue
                label[y0, x0] = len(comps) + 1
                todo, pix = [(y0, x0)], []
                while todo:
                    y, x = todo.pop()
                    pix.append((y, x))
                    for yy in range(max(0, y - 1), min(ch, y + 2)):
                        for xx in range(max(0, x - 1), min(cw, x + 2)):
                            if opened[yy, xx] and not label[yy, xx]:
                                label[yy, xx] = len(comps) + 1
                                todo.append((yy, xx))
                py, px = np.array(pix).T
                first = int(((py // 2) * ((cw + 1) // 2) + px // 2).min())
                col = rgb[oy + py, ox + px].astype(np.int64).sum(axis=0)
                comps.append((first, (k, ox, oy, px.min(), py.min(), px.max() - px.min() + 1, py.max() - py.min() + 1,
                                      len(pix), px.sum(), py.sum(), *col)))
        rows += [c[1] for c in sorted(comps, key=lambda c: c[0])]
    return np.array(rows, np.int64).reshape(-1, 13)


def marker_blobs_rows(hue: NDArray[np.uint8], rgb: NDArray[np.uint8], n_classes: int, min_count: float,
                      prev: NDArray[np.int64], prev_boxes: NDArray[np.int64], y0: int,
                      y1: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``marker_blobs`` of the whole images (the last call's results are not used) and the boxes with split flags."""
    boxes = np.zeros((n_classes + 1, 6), np.int64)
    boxes[:, :5] = class_boxes(hue, n_classes)
    for k in range(1, n_classes + 1):
        c, ya, yb, xa, xb = boxes[k, :5]
        boxes[k, 5] = int(c >= min_count and c > 0 and any_core(hue, k, ya, yb + 1, xa, xb + 1))
    return marker_blobs(hue, rgb, n_classes, min_count), boxes
