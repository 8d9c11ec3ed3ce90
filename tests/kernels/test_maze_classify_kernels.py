"""The numba block-maze row classifier agrees exactly with its plain-numpy twin and with OpenCV's blur and median."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_classify as ref
import mmgr.kernels.maze_classify as jit


def _planes(rgb: np.ndarray, lut: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(wall, marker, hue) of a whole image as ``classify`` reads a block maze: OpenCV's blur and median."""
    def codes(img: np.ndarray) -> np.ndarray:
        q = img >> 3
        return lut[(q[..., 0].astype(np.uint16) << 10) | (q[..., 1].astype(np.uint16) << 5) | q[..., 2]]

    code = codes(rgb)
    wall = cv2.medianBlur(np.ascontiguousarray(codes(cv2.blur(rgb, (3, 3))) & 1), 3)
    return wall, (code >> 1) & 1, code >> 2


@pytest.mark.parametrize("seed", range(40))
def test_maze_block_rows_match_reference_and_opencv(seed: int) -> None:
    """Rows changed anywhere (image edges, one row, all rows), tiny images included: the planes of the new image."""
    rng = np.random.default_rng(1400 + seed)
    h, w = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    lut = rng.integers(0, 256, 1 << 15).astype(np.uint8)
    if seed % 2:  # flat walls and floor with noise, as rendered mazes
        old = ((rng.random((h, w, 3)) < 0.5) * 200 + rng.integers(0, 40, (h, w, 3))).astype(np.uint8)
    else:
        old = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    y0, y1 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
    y0, y1 = (y0, y1) if y1 > y0 else ((0, h) if seed % 3 == 0 else (min(y0, h - 1), min(y0, h - 1) + 1))
    new = old.copy()
    new[y0:y1] = rng.integers(0, 256, (y1 - y0, w, 3), dtype=np.uint8)
    want = _planes(new, lut)
    got = tuple(p.copy() for p in _planes(old, lut))
    twin = tuple(p.copy() for p in _planes(old, lut))
    before = tuple(p.copy() for p in got)
    rows = jit.block_rows(new, lut, y0, y1, *got)
    assert tuple(int(v) for v in rows) == ref.block_rows(new, lut, y0, y1, *twin)
    for k, (first, end) in ((0, rows[:2]), (1, rows[2:])):  # every changed row inside, the first and last changed
        changed = np.nonzero((before[k] != want[k]).any(axis=1))[0]
        assert (first, end) == ((0, 0) if changed.size == 0 else (changed[0], changed[-1] + 1))
    for a, b, c in zip(got, twin, want, strict=True):
        assert_array_equal(a, c)
        assert_array_equal(b, c)
