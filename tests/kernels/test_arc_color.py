"""The colour kernels (numba) agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from mmgr.kernels import color as jit
from mmgr.kernels._reference import color as ref


def _windows(rng: np.random.Generator, length: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    first = rng.integers(0, length - k + 1, n).astype(np.int32)
    w = rng.integers(0, 1001, (n, k)).astype(np.int32)
    w[:, 0] = np.maximum(w[:, 0], 1)  # at least one weight > 0
    w[rng.random((n, k)) < 0.2] = 0
    w[:, 0] = np.maximum(w[:, 0], 1)
    return first, w


@pytest.mark.parametrize("seed", range(12))
def test_cell_weighted_medians_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (31, 40, 3), dtype=np.uint8)
    if seed % 2:
        img = (img // 64 * 64).astype(np.uint8)  # many equal values: ties in the sort
    y0, wy = _windows(rng, 31, int(rng.integers(1, 6)), int(rng.integers(1, 8)))
    x0, wx = _windows(rng, 40, int(rng.integers(1, 6)), int(rng.integers(1, 8)))
    tol = int(rng.integers(0, 200))
    for a, b in zip(jit.cell_weighted_medians(img, y0, wy, x0, wx, tol),
                    ref.cell_weighted_medians(img, y0, wy, x0, wx, tol), strict=True):
        assert_array_equal(a, b)


def test_cell_weighted_medians_ignores_a_light_edge_row() -> None:
    # a red cell whose window's top row is a blurred grey line: the mean would drift, the median does not
    img = np.zeros((3, 3, 3), np.uint8)
    img[:] = (250, 60, 60)
    img[0] = (150, 100, 100)
    w = np.array([[400, 1000, 400]], np.int32)
    meds, near = jit.cell_weighted_medians(img, np.array([0], np.int32), w, np.array([0], np.int32), w, 60)
    assert meds[0, 0].tolist() == [250, 60, 60]
    assert near[0, 0] == (100 * (1800 * 1800 - 400 * 1800)) // (1800 * 1800)  # all but the top row


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
