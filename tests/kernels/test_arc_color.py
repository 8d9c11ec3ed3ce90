"""The colour kernels (numba) agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from mmgr.kernels import color as jit
from mmgr.kernels._reference import color as ref


def _edges(rng: np.random.Generator, length: int, n: int) -> np.ndarray:
    return np.sort(rng.choice(np.arange(length + 1), size=n + 1, replace=False)).astype(np.int32)


@pytest.mark.parametrize("seed", range(12))
def test_cell_means_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (37, 45, 3), dtype=np.uint8)
    ys, xs = _edges(rng, 37, int(rng.integers(1, 6))), _edges(rng, 45, int(rng.integers(1, 7)))
    inset, tol = int(rng.integers(0, 45)), int(rng.integers(0, 200))
    for a, b in zip(jit.cell_means(img, ys, xs, inset, tol), ref.cell_means(img, ys, xs, inset, tol), strict=True):
        assert_array_equal(a, b)


def test_cell_means_reads_flat_cells() -> None:
    img = np.zeros((20, 30, 3), np.uint8)
    img[:, 15:] = (200, 10, 30)
    img[::10, :] = 90  # grid lines, trimmed away by the inset
    meds, near = jit.cell_means(img, np.array([0, 10, 20], np.int32), np.array([0, 15, 30], np.int32), 25, 30)
    assert meds[:, 0].tolist() == [[0, 0, 0], [0, 0, 0]]
    assert meds[:, 1].tolist() == [[200, 10, 30], [200, 10, 30]]
    assert (near == 100).all()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(2, 12))
def test_nearest_palette_matches_reference(seed: int, n: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    colors = rng.integers(0, 256, (n, 3)).astype(np.int32)
    pal = rng.integers(0, 256, (k, 3)).astype(np.int32)
    if seed % 3 == 0:
        pal[1] = pal[0]  # ties: the lowest index wins in both
        colors[0] = pal[0]
    for a, b in zip(jit.nearest_palette(colors, pal), ref.nearest_palette(colors, pal), strict=True):
        assert_array_equal(a, b)


def test_nearest_palette_distances() -> None:
    idx, d1, d2 = jit.nearest_palette(np.array([[10, 0, 0]], np.int32), np.array([[0, 0, 0], [30, 0, 0]], np.int32))
    assert (idx[0], d1[0], d2[0]) == (0, 100, 400)
