"""numba digit-reader kernels against their plain-numpy twin, plus hand-checked cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mmgr.kernels import digits as jit
from mmgr.kernels._reference import digits as ref

IMPLS = [pytest.param(jit, id="numba"), pytest.param(ref, id="reference")]


@pytest.mark.parametrize("impl", IMPLS)
def test_line_at_the_top_and_right_edges_is_found_with_its_flank(impl):
    ink = np.zeros((1, 40, 40), np.float32)
    ink[0, :3, :] = 200.0   # core rows 0..2 (a line crossing the whole crop)
    ink[0, 3, :] = 20.0     # anti-aliased flank: a tail row (>= 0.05 * peak = 10)
    ink[0, 4, :] = 5.0      # too faint to be a tail
    ink[0, :, 38:] = 150.0  # a vertical line at the right edge
    ink[0, 15:25, 18:21] = 255.0  # a digit stroke: crosses neither the whole width nor height
    rows, cols = impl.line_bands(ink, np.array([200.0], np.float32), 9, 2)
    assert np.flatnonzero(rows[0]).tolist() == [0, 1, 2, 3]
    assert np.flatnonzero(cols[0]).tolist() == [38, 39]


@pytest.mark.parametrize("impl", IMPLS)
def test_core_beyond_the_outer_band_and_blank_crops_erase_nothing(impl):
    ink = np.zeros((2, 40, 40), np.float32)
    ink[0, 12, :] = 200.0  # a full line, but 12 px in: a stroke of a "7" or a "4", not a grid line
    rows, cols = impl.line_bands(ink, np.array([200.0, 0.0], np.float32), 9, 2)
    assert not rows.any() and not cols.any()


@pytest.mark.parametrize("impl", IMPLS)
def test_tail_stops_at_the_limit(impl):
    ink = np.zeros((1, 40, 40), np.float32)
    ink[0, 39, :] = 100.0       # core at the bottom edge (>= max(0.1 * peak, 12))
    ink[0, 30:39, :] = 8.0      # a long faint flank (>= max(0.05 * peak, 6), not a core): only 2 rows go
    rows, _ = impl.line_bands(ink, np.array([100.0], np.float32), 9, 2)
    assert np.flatnonzero(rows[0]).tolist() == [37, 38, 39]


@settings(max_examples=150, deadline=None)
@given(ink=hnp.arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(8, 24), st.integers(8, 24)),
                      elements=st.floats(0, 255, width=32)),
       scale=st.floats(0.0, 2.0), outer=st.integers(1, 8), tail=st.integers(0, 3))
def test_line_bands_matches_reference(ink, scale, outer, tail):
    peak = (ink.max(axis=(1, 2)) * np.float32(scale)).astype(np.float32)
    a, b = jit.line_bands(ink, peak, outer, tail), ref.line_bands(ink, peak, outer, tail)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_line_bands_matches_reference_on_rendered_cells():
    """Bit for bit on the reader's real inputs (ink after the background estimate), so that the
    digit features do not move."""
    from mmgr.parsers.digits import BG_QUANTILE, LINE_OUTER, LINE_TAIL
    from mmgr.parsers.training.render_cells import render_cells

    cells = render_cells(400, seed=11, mode="degraded", p_blank=0.1, p_junk=0.2).cells
    g = cells.astype(np.float32)
    flat = g[:, ::2, ::2].reshape(len(g), -1)
    q = int(BG_QUANTILE * (flat.shape[1] - 1))
    bg = np.partition(flat, q, axis=1)[:, q]
    ink = np.maximum(bg[:, None, None] - g, 0.0)
    peak = ref._box3(ink).max(axis=(1, 2))
    a, b = jit.line_bands(ink, peak, LINE_OUTER, LINE_TAIL), ref.line_bands(ink, peak, LINE_OUTER, LINE_TAIL)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].any() and a[1].any()  # the rendered cells do carry grid-line fragments


# -- cell features -----------------------------------------------------------------------------

def _features(impl, cells):  # noqa: ANN001, ANN202
    from mmgr.parsers import digits as d
    return impl.cell_features(cells, d._BG_RANK, d.LINE_OUTER, d.LINE_TAIL, d.BOX_PX, d.FIT_PX, d.COARSE,
                              np.float32(d.MASK_FRAC), np.float32(d.CLEAR_BLANK_CONTRAST),
                              np.float32(d.CLEAR_BLANK_MIN_BG))


@pytest.mark.parametrize("mode", ["clean", "degraded"])
def test_cell_features_match_reference_bit_for_bit_on_rendered_cells(mode):
    from mmgr.parsers.training.render_cells import render_cells

    cells = render_cells(300, seed=21, mode=mode, p_blank=0.1, p_junk=0.2).cells
    a, b = _features(jit, cells), _features(ref, cells)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert a[1].any() and not a[1].all()  # some clear blanks, not only


@pytest.mark.parametrize("impl", IMPLS)
def test_cell_features_of_a_blank_and_of_a_bar(impl):
    from mmgr.parsers import digits as d

    blank = np.full((1, 40, 40), 230, np.uint8)
    bar = blank.copy()
    bar[0, 8:32, 18:22] = 30  # a dark vertical stroke in the middle: a "1"
    f, clear, contrast, bg = _features(impl, np.concatenate([blank, bar]))
    assert clear.tolist() == [True, False]
    assert bg.tolist() == [230.0, 230.0]
    assert contrast[0] == 0.0 and contrast[1] == pytest.approx(200.0)
    box = f[1, :d.BOX_PX * d.BOX_PX].reshape(d.BOX_PX, d.BOX_PX)
    assert box[:, 9:11].mean() > 0.5 and box[:, :3].max() == 0.0  # the stroke fills the box's middle column only
    hh, ww = f[1, -5], f[1, -4]
    assert hh > ww  # taller than wide


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.uint8, (2, 40, 40)))
def test_cell_features_match_reference_on_random_crops(cells):
    a, b = _features(jit, cells), _features(ref, cells)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 40, 127, 128, 129, 200, 1600, 5000])
def test_pairwise_sum_is_numpys_sum(n, dtype):
    from mmgr.kernels._sums import block_sum, pairwise_sum

    a = (np.random.default_rng(n).random(n + 3) * 1000.0 - 300.0).astype(dtype)
    want = a[3:3 + n].sum()
    assert float(pairwise_sum(a, 3, n)) == float(want)
    if n <= 128:
        assert float(block_sum(a, 3, n)) == float(want)
    zeros = np.full(3, -0.0, dtype)  # numpy's reduction adds to +0.0
    assert np.signbit(pairwise_sum(zeros, 0, 3)) == np.signbit(zeros.sum())


def test_pairwise_sum_with_reused_scratch_is_numpys_sum():
    from mmgr.kernels._sums import pairwise_sum_with

    rng = np.random.default_rng(3)
    stack, left = np.full((3, 64), 7, np.int64), np.full(64, np.nan, np.float32)  # (stale scratch)
    for n in (1600, 40, 5000, 129, 1600):  # one scratch for sums of every size, one after another
        a = (rng.random(n + 2) * 500.0 - 100.0).astype(np.float32)
        got = pairwise_sum_with(a, 2, n, np.float32(0.0), stack, left)
        assert float(got) == float(a[2:].sum())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_digit", [4, 9])
def test_read_decisions_match_the_numpy_twin_bit_for_bit(seed, max_digit):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    rows = np.flatnonzero(rng.random(n) < 0.7).astype(np.int64)
    z = (rng.standard_normal((rows.size, 11)) * rng.choice([0.5, 3.0, 12.0])).astype(np.float32)
    if rows.size > 1:
        z[0] = z[0, 0]  # a row of ties: the first maximum wins
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    for min_conf in (0.0, 0.5, 0.7, 0.9, 1.0):
        got = jit.read_decisions(e, rows, n, max_digit, np.float32(min_conf))
        want = ref.read_decisions(e, rows, n, max_digit, np.float32(min_conf))
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and np.array_equal(g, w)
        digit, conf, probs = got
        blank = np.setdiff1d(np.arange(n), rows)
        assert (probs[blank, 0] == 1.0).all() and (digit[blank] == 0).all()
        assert ((conf >= 0) & (conf <= 1)).all() and (digit <= max_digit).all()


def test_read_decisions_on_a_winner_at_the_threshold_and_a_disallowed_winner():
    e = np.array([[0.25, 0.75, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # "1" at exactly 0.75
                  [0.1, 0, 0, 0, 0, 0.9, 0, 0, 0, 0, 0]], np.float32)  # "5": not on a 4x4 board
    digit, conf, _ = jit.read_decisions(e, np.array([0, 1], np.int64), 2, 4, np.float32(0.75))
    assert digit.tolist() == [1, -1]
    assert conf[0] == np.float32(0.75) and abs(float(conf[1]) - 0.9) < 1e-6  # the disallowed labels' share
