"""Board-pixel kernels against their numpy twins (exact)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mmgr.kernels import board as K
from mmgr.kernels._reference import board as R


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 8, 3025])
def test_median_colour_matches_numpy_for_odd_and_even_counts(n):
    rng = np.random.default_rng(n)
    px = rng.integers(0, 256, (n, 3)).astype(np.uint8)
    got = K.median_colour(px)
    assert got.dtype == np.float64
    assert np.array_equal(got, R.median_colour(px))


def test_median_colour_hand_cases():
    px = np.array([[0, 255, 10], [255, 255, 11]], np.uint8)  # even: the mean of the two middle values
    assert K.median_colour(px).tolist() == [127.5, 255.0, 10.5]
    px = np.array([[5, 5, 5], [9, 1, 200], [7, 3, 0]], np.uint8)
    assert K.median_colour(px).tolist() == [7.0, 3.0, 5.0]


@settings(max_examples=200, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 60), st.just(3))))
def test_median_colour_property(px):
    assert np.array_equal(K.median_colour(px), R.median_colour(px))
