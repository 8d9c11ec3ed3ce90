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


def _random_grid(rng: np.random.Generator, seed: int) -> tuple[int, int, int, int, float, float, float, float]:
    h, w = int(rng.integers(8, 200)), int(rng.integers(8, 200))
    rows, cols = int(rng.integers(1, 8)), int(rng.integers(2, 8))
    sx = float(rng.uniform(2, 40)) if seed % 3 else float(rng.integers(4, 30))
    sy = sx if seed % 4 == 0 else sx * float(rng.uniform(0.7, 1.3))
    ox, oy = float(rng.uniform(-30, w / 2)), float(rng.uniform(-30, h / 2))
    if seed % 5 == 0:  # half-pixel origins: coordinates that round half to even
        ox, oy = round(ox) + 0.5, round(oy) + 0.5
    return h, w, rows, cols, ox, oy, sx, sy


@pytest.mark.parametrize("seed", range(40))
def test_maze_wall_boxes_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(700 + seed)
    h, w, rows, cols, ox, oy, sx, sy = _random_grid(rng, seed)
    for block in (True, False):
        got = jit.wall_boxes(h, w, block, rows, cols, ox, oy, sx, sy)
        want = ref.wall_boxes(h, w, block, rows, cols, ox, oy, sx, sy)
        assert len(got) == len(want) == 7
        for a, b in zip(got, want, strict=True):
            assert a.dtype == b.dtype
            assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(20))
def test_maze_wall_boxes_are_the_samplers_boxes(seed: int) -> None:
    """Wall values read in these boxes equal the inner-wall entries of ``block_values`` and ``line_values``."""
    import mmgr.kernels.maze_fit as fit

    rng = np.random.default_rng(800 + seed)
    h, w, rows, cols, ox, oy, sx, sy = _random_grid(rng, seed)
    mask = (rng.random((h, w)) < 0.3).astype(np.uint8)
    integral = np.zeros((h + 1, w + 1), np.int32)
    integral[1:, 1:] = mask.astype(np.int32).cumsum(0).cumsum(1)
    p = [np.array([v]) for v in (ox, oy, sx, sy)]
    blocks = fit.block_values(integral, integral, False, rows, cols, *p, 0.5)[0]
    boxes = jit.wall_boxes(h, w, True, rows, cols, ox, oy, sx, sy)
    got = jit.wall_values(mask, *boxes[:6], 1, boxes[6], rows, cols)
    assert_array_equal(got[0, :-1, :], blocks[2:-1:2, 1::2].astype(np.float32))
    assert_array_equal(got[1, :, :-1], blocks[1::2, 2:-1:2].astype(np.float32))
    horiz, vert = fit.line_values(integral, integral, False, rows, cols, *p)[:2]
    boxes = jit.wall_boxes(h, w, False, rows, cols, ox, oy, sx, sy)
    got = jit.wall_values(mask, *boxes[:6], 9, boxes[6], rows, cols)
    assert_array_equal(got[0, :-1, :], horiz[0, 1:-1, :].astype(np.float32))
    assert_array_equal(got[1, :, :-1], vert[0, :, 1:-1].astype(np.float32))


@pytest.mark.parametrize("seed", range(30))
def test_maze_walls_uncovered_rows_equals_a_whole_read(seed: int) -> None:
    """Masks changed in a band of rows: the last reading with the walls meeting the band read again equals a whole
    read of the new masks (and the twin's)."""
    rng = np.random.default_rng(1200 + seed)
    h, w, rows, cols, ox, oy, sx, sy = _random_grid(rng, seed)
    block = seed % 2 == 0
    boxes = jit.wall_boxes(h, w, block, rows, cols, ox, oy, sx, sy)
    per = 1 if block else 9
    wall = (rng.random((h, w)) < 0.4).astype(np.uint8)
    cover = (rng.random((h, w)) < 0.05).astype(np.uint8)
    thr = np.float32(0.02)
    prev = jit.walls_uncovered(wall, cover, *boxes[:6], per, boxes[6], rows, cols, thr)
    for _ in range(4):
        y0, y1 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
        wall, cover = wall.copy(), cover.copy()
        wall[y0:y1] = rng.random((y1 - y0, w)) < 0.4
        cover[y0:y1] = rng.random((y1 - y0, w)) < 0.2
        got = jit.walls_uncovered_rows(wall, cover, *boxes[:6], per, boxes[6], rows, cols, thr, prev, y0, y1)
        want = jit.walls_uncovered(wall, cover, *boxes[:6], per, boxes[6], rows, cols, thr)
        assert got.dtype == np.float32 and got is not prev
        assert_array_equal(got, want)
        assert_array_equal(ref.walls_uncovered_rows(wall, cover, *boxes[:6], per, boxes[6], rows, cols, thr, prev,
                                                    y0, y1), want)
        prev = got
