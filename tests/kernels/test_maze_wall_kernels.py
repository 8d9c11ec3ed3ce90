"""The numba maze wall-read kernels agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_walls as ref
import mmgr.kernels.maze_walls as jit


@pytest.mark.parametrize("seed", range(8))
def test_maze_wall_values_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    mask = (rng.random((h, w)) < 0.4).astype(np.uint8)
    rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    per = 1 if seed % 2 else 9
    n_val = int(rng.integers(0, 2 * rows * cols + 1))
    n = n_val * per
    ya, yb = np.sort(rng.integers(0, h + 1, (2, n)), axis=0)  # empty boxes (ya == yb) included
    xa, xb = np.sort(rng.integers(0, w + 1, (2, n)), axis=0)
    ok = rng.random(n) < 0.8
    area = np.maximum(1, (yb - ya) * (xb - xa))
    target = np.sort(rng.choice(2 * rows * cols, n_val, replace=False))
    args = [np.ascontiguousarray(a, np.int64) for a in (ya, yb, xa, xb)]
    area64, target64 = np.ascontiguousarray(area, np.int64), target.astype(np.int64)
    got = jit.wall_values(mask, *args, ok, area64, per, target64, rows, cols)
    want = ref.wall_values(mask, *args, ok, area, per, target, rows, cols)
    assert got.dtype == np.float32
    assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(8))
def test_maze_walls_uncovered_matches_reference(seed: int) -> None:
    """One call: the wall values of a mask, -1 where a cover mask's values exceed the float32 threshold."""
    rng = np.random.default_rng(500 + seed)
    h, w = int(rng.integers(4, 40)), int(rng.integers(4, 40))
    wall = (rng.random((h, w)) < 0.4).astype(np.uint8)
    cover = (rng.random((h, w)) < 0.1 * (seed % 3)).astype(np.uint8)
    rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    per = 1 if seed % 2 else 9
    n_val = int(rng.integers(0, 2 * rows * cols + 1))
    n = n_val * per
    ya, yb = np.sort(rng.integers(0, h + 1, (2, n)), axis=0)
    xa, xb = np.sort(rng.integers(0, w + 1, (2, n)), axis=0)
    boxes = [np.ascontiguousarray(a, np.int64) for a in (ya, yb, xa, xb)]
    ok = rng.random(n) < 0.8
    area = np.ascontiguousarray(np.maximum(1, (yb - ya) * (xb - xa)), np.int64)
    target = np.sort(rng.choice(2 * rows * cols, n_val, replace=False)).astype(np.int64)
    for thr in (np.float32(0.02), np.float32(0.0), np.float32(1 / 9)):  # 1/9: a reading equal to the threshold
        got = jit.walls_uncovered(wall, cover, *boxes, ok, area, per, target, rows, cols, thr)
        want = ref.walls_uncovered(wall, cover, *boxes, ok, area, per, target, rows, cols, thr)
        assert got.dtype == np.float32
        assert_array_equal(got, want)
        walls = jit.wall_values(wall, *boxes, ok, area, per, target, rows, cols)
        covered = jit.wall_values(cover, *boxes, ok, area, per, target, rows, cols)
        assert_array_equal(got, np.where(covered > float(thr), np.float32(-1), walls))  # as the parse masked before
