"""The numba maze grid-fit scores equal their plain-numpy twins bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_fit as ref
import mmgr.kernels.maze_fit as jit


def _values(rng: np.random.Generator, shape: tuple[int, ...], unseen: float, ninths: bool) -> np.ndarray:
    """Wall values in [0, 1] (multiples of 1/9 like line reads, or any), some -1 (not seen)."""
    v = rng.integers(0, 10, shape) / 9 if ninths else rng.random(shape)
    v[rng.random(shape) < unseen] = -1.0
    return np.ascontiguousarray(v, np.float64)


@pytest.mark.parametrize("seed", range(30))
def test_maze_block_scores_match_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols, k = int(rng.integers(1, 30)), int(rng.integers(1, 30)), int(rng.integers(1, 6))
    vals = _values(rng, (k, 2 * rows + 1, 2 * cols + 1), [0.0, 0.05, 0.3, 0.5][seed % 4], seed % 3 == 0)
    assert_array_equal(jit.block_scores(vals), ref.block_scores(vals))


@pytest.mark.parametrize("seed", range(30))
def test_maze_line_scores_match_reference(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    rows, cols, k = int(rng.integers(1, 30)), int(rng.integers(1, 30)), int(rng.integers(1, 6))
    unseen = [0.0, 0.05, 0.3, 1.0][seed % 4]
    horiz = _values(rng, (k, rows + 1, cols), unseen, seed % 2 == 0)
    vert = _values(rng, (k, rows, cols + 1), unseen, seed % 2 == 0)
    horiz[:, [0, -1]] = np.maximum(horiz[:, [0, -1]], 0)  # border lines are always judged
    vert[:, :, [0, -1]] = np.maximum(vert[:, :, [0, -1]], 0)
    assert_array_equal(jit.line_scores(horiz, vert), ref.line_scores(horiz, vert))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 136, 255, 256, 257, 300, 1000, 5000, 70000])
def test_maze_fit_mean_is_numpys(n: int) -> None:
    a = np.random.default_rng(n).random(n) * 1e3
    assert jit._mean(a, n) == a.mean()
