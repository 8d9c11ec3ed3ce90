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


@pytest.mark.parametrize("seed", range(20))
def test_maze_scores_of_grids_with_fewer_columns_match_reference_and_scoring_alone(seed: int) -> None:
    """Grids of one row count sampled over the widest one's columns: each scored over its own leading columns,
    as the twin and as ``*_scores`` of the sliced values alone (bit for bit)."""
    rng = np.random.default_rng(300 + seed)
    rows, cmax, k = int(rng.integers(1, 12)), int(rng.integers(2, 26)), int(rng.integers(1, 8))
    cols = np.sort(rng.integers(1, cmax + 1, k)).astype(np.int64)
    cols[-1] = cmax
    unseen = [0.0, 0.05, 0.3, 0.6][seed % 4]
    vals = _values(rng, (k, 2 * rows + 1, 2 * cmax + 1), unseen, seed % 3 == 0)
    got = jit.block_scores_sized(vals, cols)
    assert_array_equal(got, ref.block_scores_sized(vals, cols))
    alone = [jit.block_scores(np.ascontiguousarray(vals[q:q + 1, :, :2 * c + 1]))[0] for q, c in enumerate(cols)]
    assert_array_equal(got, alone)
    horiz = _values(rng, (k, rows + 1, cmax), unseen, seed % 2 == 0)
    vert = _values(rng, (k, rows, cmax + 1), unseen, seed % 2 == 0)
    horiz[:, [0, -1]] = np.maximum(horiz[:, [0, -1]], 0)
    vert[:, :, 0] = np.maximum(vert[:, :, 0], 0)
    fill = rng.random((k, rows, cmax)) * 0.3
    got = jit.line_scores_sized(horiz, vert, fill, cols)
    assert_array_equal(got, ref.line_scores_sized(horiz, vert, fill, cols))
    alone = [jit.line_scores(*(np.ascontiguousarray(a) for a in (horiz[q:q + 1, :, :c], vert[q:q + 1, :, :c + 1])))[0]
             * float((fill[q, :, :c] < 0.15).mean()) for q, c in enumerate(cols)]
    assert_array_equal(got, alone)


@pytest.mark.parametrize("impl", [jit, ref])
def test_line_score_counts_hidden_segments_as_possibly_open(impl) -> None:  # noqa: ANN001
    """A 3 x 3 line maze whose drawn path hides every opening: the judged inner segments are all
    walls, yet the grid is right (the hidden ones may be the openings). With none hidden, all walls
    still means a wrong grid (a lattice finer than the maze)."""
    horiz = np.ones((1, 4, 3))
    vert = np.ones((1, 3, 4))
    inner_h, inner_v = [(1, 0), (1, 1), (2, 1), (2, 2)], [(0, 1), (0, 2), (1, 1), (2, 2)]
    for i, j in inner_h:
        horiz[0, i, j] = -1.0  # under the path: not judged
    for i, j in inner_v:
        vert[0, i, j] = -1.0
    assert impl.line_scores(horiz, vert)[0] == 1.0  # 4 walls judged, 8 hidden
    assert impl.line_scores(np.ones((1, 4, 3)), np.ones((1, 3, 4)))[0] == 0.0  # 12 walls, none hidden
    horiz2 = horiz.copy()
    horiz2[0, 2, 0] = 0.0  # one judged opening: no longer all walls among the judged either
    assert impl.line_scores(horiz2, vert)[0] > 0.9


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 136, 255, 256, 257, 300, 1000, 5000, 70000])
def test_maze_fit_mean_is_numpys(n: int) -> None:
    a = np.random.default_rng(n).random(n) * 1e3
    assert jit._mean(a, n) == a.mean()


def _integral(mask: np.ndarray) -> np.ndarray:
    out = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1))
    out[1:, 1:] = mask.cumsum(0).cumsum(1)
    return out


def _grids(rng: np.random.Generator, h: int, w: int, k: int, half: bool) -> tuple[np.ndarray, ...]:
    """K grid parameters around the frame, some off its edges; ``half``: on half pixels (rounding ties)."""
    ox, oy = rng.uniform(-10, w / 3, k), rng.uniform(-10, h / 3, k)
    sx, sy = rng.uniform(2, max(3, w / 3), k), rng.uniform(2, max(3, h / 3), k)
    if half:
        ox, oy, sx, sy = (np.round(v * 2) / 2 for v in (ox, oy, sx, sy))
    return ox, oy, sx, sy


@pytest.mark.parametrize("seed", range(24))
def test_maze_block_values_match_reference(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    h, w = int(rng.integers(5, 80)), int(rng.integers(5, 80))
    wall = _integral((rng.random((h, w)) < 0.4).astype(np.float64))
    cov = _integral((rng.random((h, w)) < 0.05).astype(np.float64))
    rows, cols, k = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 6))
    params = _grids(rng, h, w, k, seed % 2 == 0)
    for use in (False, True):
        for frac in (0.5, 0.7):
            assert_array_equal(jit.block_values(wall, cov, use, rows, cols, *params, frac),
                               ref.block_values(wall, cov, use, rows, cols, *params, frac))


@pytest.mark.parametrize("seed", range(24))
def test_maze_line_values_match_reference(seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    h, w = int(rng.integers(5, 80)), int(rng.integers(5, 80))
    wall = _integral((rng.random((h, w)) < 0.2).astype(np.float64))
    cov = _integral((rng.random((h, w)) < 0.02).astype(np.float64))
    rows, cols, k = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 6))
    params = _grids(rng, h, w, k, seed % 2 == 0)
    for use in (False, True):
        for got, want in zip(jit.line_values(wall, cov, use, rows, cols, *params),
                             ref.line_values(wall, cov, use, rows, cols, *params), strict=True):
            assert_array_equal(got, want)


def _line_maze_mask(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A dark-line mask: a border rectangle, inner lines, noise, sometimes letterbox bars."""
    m = (rng.random((h, w)) < 0.03).astype(np.uint8)
    y0, x0 = int(rng.integers(0, h // 4 + 1)), int(rng.integers(0, w // 4 + 1))
    y1, x1 = int(rng.integers(3 * h // 4, h)), int(rng.integers(3 * w // 4, w))
    t = int(rng.integers(1, 4))
    m[y0:y0 + t, x0:x1] = m[y1 - t:y1, x0:x1] = 1
    m[y0:y1, x0:x0 + t] = m[y0:y1, x1 - t:x1] = 1
    for _ in range(int(rng.integers(0, 5))):
        y = int(rng.integers(y0, y1))
        m[y, x0:int(rng.integers(x0, x1 + 1))] = 1
    bar = int(rng.integers(0, 4))
    if rng.random() < 0.5:
        m[:bar], m[h - bar:] = 1, 1
    else:
        m[:, :bar], m[:, w - bar:] = 1, 1
    return m


@pytest.mark.parametrize("seed", range(40))
def test_maze_line_border_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(4, 90)), int(rng.integers(4, 90))
    dark = _line_maze_mask(rng, h, w) if seed % 4 else (rng.random((h, w)) < 0.3 * (seed % 8) / 4).astype(np.uint8)
    assert_array_equal(jit.line_border(dark), ref.line_border(dark))


@pytest.mark.parametrize("seed", range(12))
def test_maze_fit_values_of_int32_integrals_equal_float64(seed: int) -> None:
    """The parsers pass OpenCV's int32 integral images: every value as from the float64 integral, bit for bit."""
    import cv2

    rng = np.random.default_rng(400 + seed)
    h, w = int(rng.integers(5, 90)), int(rng.integers(5, 90))
    masks = [(rng.random((h, w)) < p).astype(np.uint8) for p in (0.3, 0.04)]
    i32 = [cv2.integral(m, sdepth=cv2.CV_32S) for m in masks]
    f64 = [cv2.integral(m, sdepth=cv2.CV_64F) for m in masks]
    assert i32[0].dtype == np.int32
    rows, cols, k = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 6))
    params = _grids(rng, h, w, k, seed % 2 == 0)
    for use in (False, True):
        got = jit.block_values(*i32, use, rows, cols, *params, 0.5)
        assert got.dtype == np.float64
        assert_array_equal(got, jit.block_values(*f64, use, rows, cols, *params, 0.5))
        lines = (jit.line_values(*ii, use, rows, cols, *params) for ii in (i32, f64))
        for a, b in zip(*lines, strict=True):
            assert a.dtype == b.dtype
            assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(20))
def test_maze_fit_scores_never_exceed_one(seed: int) -> None:
    """``fit_grid`` stops trying palettes at the first perfect score: no grid can score above 1."""
    rng = np.random.default_rng(1000 + seed)
    r, c = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    pure = seed % 2 == 0  # 0/1 samples (perfect purity) or any values in [0, 1], some not seen (-1)
    shape = (8, 2 * r + 1, 2 * c + 1)
    vals = rng.integers(0, 2, shape).astype(np.float64) if pure else rng.random(shape)
    vals[rng.random(vals.shape) < 0.1] = -1.0
    vals[0, ::2, ::2], vals[0, 1::2, 1::2] = 1.0, 0.0  # pillars walls, cells free
    horiz = np.where(rng.random((8, r + 1, c)) < 0.5, 1.0, 0.0 if pure else 0.3)
    vert = np.where(rng.random((8, r, c + 1)) < 0.5, 1.0, 0.0 if pure else 0.3)
    horiz[:, [0, -1]] = 1.0
    vert[:, :, [0, -1]] = 1.0
    for scores in (jit.block_scores(vals), jit.line_scores(horiz, vert)):
        assert (scores <= 1.0).all()


@pytest.mark.parametrize("seed", range(16))
def test_maze_line_values_with_one_marker_match_reference(seed: int) -> None:
    """Most wall lines hold no marker pixel (their strips are not searched for one): the twin's readings."""
    rng = np.random.default_rng(1100 + seed)
    h, w = int(rng.integers(10, 90)), int(rng.integers(10, 90))
    wall = _integral((rng.random((h, w)) < 0.2).astype(np.float64))
    blob = np.zeros((h, w))
    y, x = int(rng.integers(h)), int(rng.integers(w))
    blob[y:y + int(rng.integers(1, 8)), x:x + int(rng.integers(1, 8))] = 1.0
    cov = _integral(blob)
    rows, cols, k = int(rng.integers(1, 8)), int(rng.integers(1, 8)), int(rng.integers(1, 6))
    params = _grids(rng, h, w, k, seed % 2 == 0)
    for got, want in zip(jit.line_values(wall, cov, True, rows, cols, *params),
                         ref.line_values(wall, cov, True, rows, cols, *params), strict=True):
        assert_array_equal(got, want)


@pytest.mark.parametrize("seed", range(30))
def test_maze_line_border_rows_follows_changed_rows(seed: int) -> None:
    """A mask changed a band of rows at a time: each update gives ``line_border`` of the whole mask, and the kept
    sums equal the twin's taken from scratch."""
    rng = np.random.default_rng(1300 + seed)
    h, w = int(rng.integers(12, 90)), int(rng.integers(12, 90))
    dark = _line_maze_mask(rng, h, w)
    nb = (h + jit.BORDER_BLOCK - 1) // jit.BORDER_BLOCK
    row_sum, col_blocks = np.zeros(h, np.int64), np.zeros((nb, w), np.int64)
    assert_array_equal(jit.line_border_rows(dark, 0, 0, True, row_sum, col_blocks), jit.line_border(dark))
    for step in range(8):
        y0, y1 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
        dark = dark.copy()
        dark[y0:y1] = _line_maze_mask(rng, h, w)[y0:y1] if step % 2 else (rng.random((y1 - y0, w)) < 0.1)
        got = jit.line_border_rows(dark, y0, y1, False, row_sum, col_blocks)
        want_sums = np.zeros(h, np.int64), np.zeros((nb, w), np.int64)
        assert_array_equal(got, ref.line_border_rows(dark, y0, y1, False, *want_sums))
        assert_array_equal(got, jit.line_border(dark))
        assert_array_equal(row_sum, want_sums[0])
        assert_array_equal(col_blocks, want_sums[1])
