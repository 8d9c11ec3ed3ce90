"""The numba path kernels agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.path as ref
import mmgr.kernels.path as jit

coord = st.floats(min_value=-1.5, max_value=7.5, allow_nan=False, allow_infinity=False)


def _conn(seed: int, rows: int = 6, cols: int = 6) -> np.ndarray:
    return np.random.default_rng(seed).random((2, rows, cols)) < 0.5


@settings(max_examples=150, deadline=None)
@given(coord, coord, coord, coord, st.integers(1, 40))
def test_segment_cells_matches_reference(x0: float, y0: float, x1: float, y1: float, steps: int) -> None:
    assert_array_equal(jit.segment_cells(x0, y0, x1, y1, 6, 6, steps), ref.segment_cells(x0, y0, x1, y1, 6, 6, steps))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 5), st.integers(-1, 5)), min_size=1, max_size=12), st.integers(0, 50))
def test_step_codes_matches_reference(cells: list[tuple[int, int]], seed: int) -> None:
    arr = np.array([(r, c) if r >= 0 and c >= 0 else (-1, -1) for r, c in cells], np.int32)
    conn = _conn(seed)
    assert_array_equal(jit.step_codes(arr, conn), ref.step_codes(arr, conn))


def test_wall_contacts_matches_reference() -> None:
    rng = np.random.default_rng(3)
    for seed in range(20):
        conn = _conn(seed, 5, 7)
        xs = rng.uniform(-0.5, 7.5, 200)
        ys = rng.uniform(-0.5, 5.5, 200)
        assert_array_equal(jit.wall_contacts(xs, ys, conn, 0.15), ref.wall_contacts(xs, ys, conn, 0.15))


def test_step_codes_known_cases() -> None:
    conn = np.zeros((2, 2, 2), bool)
    conn[1, 0, 0] = True  # (0,0)-(0,1) open
    conn[0, 0, 1] = True  # (0,1)-(1,1) open
    cells = np.array([[0, 0], [0, 1], [1, 1], [1, 0], [0, 0], [1, 1], [-1, -1]], np.int32)
    assert jit.step_codes(cells, conn).tolist() == [0, 0, 1, 1, 0, 4]
    jump = np.array([[0, 0], [1, 1]], np.int32)
    assert jit.step_codes(jump, np.zeros((2, 2, 2), bool)).tolist() == [2]
    assert jit.step_codes(np.array([[0, 0], [0, 2]], np.int32), np.ones((2, 3, 3), bool)).tolist() == [3]


def test_wall_contacts_known_cases() -> None:
    conn = np.ones((2, 3, 3), bool)
    conn[1, 1, 0] = False  # wall between (1,0) and (1,1)
    xs = np.array([0.95, 0.5, 1.5, 0.05])
    ys = np.array([1.5, 1.5, 1.5, 1.5])
    out = jit.wall_contacts(xs, ys, conn, 0.15)
    assert out.tolist() == [[2, 1, 0], [0, 0, 0], [0, 0, 0], [3, 1, 0]]
