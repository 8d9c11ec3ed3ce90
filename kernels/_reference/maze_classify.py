"""Plain-numpy twins of ``mmgr.kernels.maze_classify`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8]) -> NDArray[np.uint8]:
    q = rgb >> 3
    return lut[(q[..., 0].astype(np.uint16) << 10) | (q[..., 1].astype(np.uint16) << 5) | q[..., 2]]  # type: ignore[no-any-return]


def block_rows(rgb: NDArray[np.uint8], lut: NDArray[np.uint8], y0: int, y1: int, wall: NDArray[np.uint8],
               marker: NDArray[np.uint8], hue: NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """The whole image's planes (box blur by its formula, median as a majority), rows y0..y1 (walls +-2) copied in;
    the rows (first, end) where the walls and where the markers changed ((0, 0): none)."""
    h, w = rgb.shape[:2]
    old_wall, old_marker = wall.copy(), marker.copy()
    code = _codes(rgb, lut)
    marker[y0:y1] = ((code >> 1) & 1)[y0:y1]
    hue[y0:y1] = (code >> 2)[y0:y1]
    p = np.pad(rgb.astype(np.int64), ((1, 1), (1, 1), (0, 0)), mode="reflect")
    s = sum(p[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    pre = _codes((((s + 4) * 7282) >> 16).astype(np.uint8), lut) & 1
    q = np.pad(pre.astype(np.int64), 1, mode="edge")
    votes = sum(q[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    o0, o1 = max(0, y0 - 2), min(h, y1 + 2)
    wall[o0:o1] = (votes >= 5).astype(np.uint8)[o0:o1]
    return (*_rows(old_wall, wall), *_rows(old_marker, marker))


def _rows(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> tuple[int, int]:
    rows = np.nonzero((a != b).any(axis=1))[0]
    return (0, 0) if rows.size == 0 else (int(rows[0]), int(rows[-1]) + 1)
