"""The numba maze anchor kernels agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_anchor as ref
import mmgr.kernels.maze_anchor as jit


def _maze_like(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A wall mask: random blocks, an outer frame somewhere inside, noise."""
    wall = (rng.random((h, w)) < 0.15).astype(np.uint8)
    y0, x0 = rng.integers(0, h // 3), rng.integers(0, w // 3)
    y1, x1 = rng.integers(2 * h // 3, h), rng.integers(2 * w // 3, w)
    wall[y0, x0:x1] = wall[y1 - 1, x0:x1] = 1
    wall[y0:y1, x0] = wall[y0:y1, x1 - 1] = 1
    return wall


@pytest.mark.parametrize("seed", range(30))
def test_maze_enclosed_box_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    wall = _maze_like(rng, h, w) if seed % 5 else (rng.random((h, w)) < 0.02 * (seed % 3)).astype(np.uint8)
    nonwall = ((wall == 0) & (rng.random((h, w)) < 0.9)).astype(np.uint8)
    exclude = (rng.random((h, w)) < 0.1).astype(np.uint8)
    for use in (False, True):
        assert_array_equal(jit.enclosed_box(wall, nonwall, exclude, use), ref.enclosed_box(wall, nonwall, exclude, use))


def test_maze_enclosed_box_empty() -> None:
    z = np.zeros((8, 9), np.uint8)
    assert_array_equal(jit.enclosed_box(z, 1 - z, z, False), [-1, -1, -1, -1])
    assert_array_equal(ref.enclosed_box(z, 1 - z, z, False), [-1, -1, -1, -1])


@pytest.mark.parametrize("density", [0.002, 0.01, 0.05, 0.3, 0.7])
def test_maze_enclosed_box_sparse_and_dense_walls(density: float) -> None:
    """Rows with one wall pixel, rows with none, nearly solid masks: the same box as the twin."""
    rng = np.random.default_rng(int(density * 1000))
    for _ in range(10):
        h, w = int(rng.integers(1, 80)), int(rng.integers(1, 80))
        wall = (rng.random((h, w)) < density).astype(np.uint8)
        nonwall = ((wall == 0) & (rng.random((h, w)) < 0.95)).astype(np.uint8)
        exclude = (rng.random((h, w)) < 0.05).astype(np.uint8)
        for use in (False, True):
            assert_array_equal(jit.enclosed_box(wall, nonwall, exclude, use),
                               ref.enclosed_box(wall, nonwall, exclude, use))


def _state(h: int, w: int) -> tuple[np.ndarray, ...]:
    return (np.zeros(h, np.int32), np.zeros(h, np.int32), np.zeros(w, np.int32), np.zeros(w, np.int32),
            np.zeros(h, np.int32), np.zeros(w, np.int32), np.zeros((h, w), np.uint8))


@pytest.mark.parametrize("seed", range(40))
def test_maze_enclosed_box_rows_matches_whole(seed: int) -> None:
    """Masks changed in a band of rows, frame after frame: the same box and state as taken whole (and the twin)."""
    rng = np.random.default_rng(1000 + seed)
    h, w = int(rng.integers(3, 50)), int(rng.integers(3, 50))
    wall = _maze_like(rng, h, w) if seed % 4 else (rng.random((h, w)) < 0.05).astype(np.uint8)
    nonwall = ((wall == 0) & (rng.random((h, w)) < 0.9)).astype(np.uint8)
    exclude = (rng.random((h, w)) < 0.1).astype(np.uint8)
    use = bool(seed % 2)
    st = _state(h, w)
    assert_array_equal(jit.enclosed_box_rows(wall, nonwall, exclude, use, 0, 0, True, *st),
                       jit.enclosed_box(wall, nonwall, exclude, use))
    for step in range(12):
        a = int(rng.integers(0, h))
        b = min(h, a + int(rng.integers(0, 6)))
        p = 0.3 if step % 3 == 0 else 0.05  # now and then a change that moves a column's first or last wall
        wall[a:b] ^= (rng.random((b - a, w)) < p).astype(np.uint8)
        nonwall[a:b] = (wall[a:b] == 0) & (rng.random((b - a, w)) < 0.9)
        exclude[a:b] = rng.random((b - a, w)) < 0.1
        box = jit.enclosed_box_rows(wall, nonwall, exclude, use, a, b, False, *st)
        whole = _state(h, w)
        assert_array_equal(box, jit.enclosed_box(wall, nonwall, exclude, use))
        assert_array_equal(box, ref.enclosed_box_rows(wall, nonwall, exclude, use, a, b, False, *whole))
        for s, t in zip(st, whole, strict=True):
            assert_array_equal(s, t)
