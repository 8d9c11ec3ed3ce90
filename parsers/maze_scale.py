"""Frames at the working scale: OpenCV's area downscale of a frame, whole or only the rows that changed.

The parse analyses frames of mazes with big cells at a smaller scale (``mmgr.parsers.maze``); a
frame that differs from the last one in a band of rows is downscaled only where the area filter
reads that band (``area_rows``, equal to OpenCV's resize bit for bit). Frames of lossy video
streams come at the working scale from the reader instead (``MediaReader.size_after_first``: the
decoder's scaler, on the decoding thread); these functions serve frame lists, images, lossless
streams and GIFs.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.maze_pixels import area_rows, changed_band

__all__ = ["shrink", "shrink_changed", "work_size"]


def shrink(rgb: NDArray[np.uint8], work: float) -> NDArray[np.uint8]:
    """The frame at scale ``work`` (OpenCV's area resize; the frame itself at 1 or more)."""
    if work >= 1:
        return rgb
    h, w = rgb.shape[:2]
    return np.ascontiguousarray(cv2.resize(rgb, work_size(w, h, work), interpolation=cv2.INTER_AREA))


def work_size(w: int, h: int, work: float) -> tuple[int, int]:
    """(width, height) of a w x h frame at scale ``work``, at least 8 px a side."""
    return max(8, round(w * work)), max(8, round(h * work))


@functools.lru_cache(maxsize=8)
def _area_tables(ssize: int, dsize: int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32],
                                                  NDArray[np.int64], NDArray[np.int64], NDArray[np.int64],
                                                  NDArray[np.float32]] | None:
    """OpenCV's INTER_AREA decimation table of one axis (``computeResizeAreaTab``, double arithmetic, float32
    weights): destination index, source index and weight of every entry, and each destination
    index's first and last source index; None where OpenCV takes another path (a whole-number or
    upscaling factor), which ``area_rows`` does not reproduce. Last, the table by slot (``area_rows``' x
    table): (S, dsize) source indices and weights of every destination index's first, second, ...
    entry, padded with weight 0 (adding 0 * pixel leaves a non-negative sum as it is).
    """
    scale = 1.0 / (dsize / ssize)  # OpenCV: scale = 1 / inv_scale, inv_scale = dsize / ssize
    if scale < 1 or abs(scale - round(scale)) < 2.220446049250313e-16:
        return None
    di: list[int] = []
    si: list[int] = []
    al: list[float] = []
    for dx in range(dsize):
        f1 = dx * scale
        f2 = f1 + scale
        cell = min(scale, ssize - f1)
        s2 = min(math.floor(f2), ssize - 1)
        s1 = min(math.ceil(f1), s2)
        entries = [(s1 - 1, (s1 - f1) / cell)] if s1 - f1 > 1e-3 else []
        entries += [(sx, 1.0 / cell) for sx in range(s1, s2)]
        if f2 - s2 > 1e-3:
            entries.append((s2, min(min(f2 - s2, 1.0), cell) / cell))
        for sx, a in entries:
            di.append(dx)
            si.append(sx)
            al.append(a)
    d, s = np.array(di, np.int64), np.array(si, np.int64)
    alpha = np.array(al, np.float32)
    lo = np.full(dsize, ssize, np.int64)
    hi = np.full(dsize, -1, np.int64)
    np.minimum.at(lo, d, s)
    np.maximum.at(hi, d, s)
    first = np.searchsorted(d, np.arange(dsize))  # entries are in destination order
    n = np.bincount(d, minlength=dsize)
    slot = np.arange(d.size) - first[d]
    slot_s = np.broadcast_to(lo, (int(n.max()), dsize)).copy()
    slot_a = np.zeros((int(n.max()), dsize), np.float32)
    slot_s[slot, d] = s
    slot_a[slot, d] = alpha
    return d, s, alpha, lo, hi, slot_s, slot_a


def shrink_changed(rgb: NDArray[np.uint8], work: float, band: tuple[int, int] | None,
                    prev: NDArray[np.uint8] | None) -> tuple[NDArray[np.uint8], tuple[int, int] | None]:
    """``shrink(rgb, work)`` and the band of its rows that differ from ``prev`` (the last frame shrunk; None:
    unknown), given ``band``, the rows of ``rgb`` that differ from the last frame.

    Only the working-scale rows whose source rows meet the band are resized (``area_rows``, OpenCV's
    area resize to the bit); the others are the last frame's. Sizes where OpenCV takes another path
    are resized whole by OpenCV.
    """
    h, w = rgb.shape[:2]
    dw, dh = work_size(w, h, work)
    tx, ty = _area_tables(w, dw), _area_tables(h, dh)
    if band is None or prev is None or prev.shape != (dh, dw, 3) or tx is None or ty is None:
        small = shrink(rgb, work)
        return small, None if band is None or prev is None or prev.shape != small.shape else changed_band(small, prev)
    if band[0] == h:
        return prev, (dh, dh)
    hit = np.flatnonzero((ty[4] >= band[0]) & (ty[3] < band[1]))  # destination rows reading a changed row
    d0, d1 = int(hit[0]), int(hit[-1]) + 1
    small = prev.copy()
    area_rows(rgb, small, tx[5], tx[6], ty[0], ty[1], ty[2], d0, d1)
    b0, b1 = changed_band(small[d0:d1], prev[d0:d1])
    return small, ((dh, dh) if b0 == d1 - d0 else (d0 + b0, d0 + b1))
