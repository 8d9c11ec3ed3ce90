"""numba grid kernels against their plain-numpy twins, plus a few hand-checked cases."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mmgr.kernels import grid as jit
from mmgr.kernels._reference import grid as ref

IMPLS = [pytest.param(jit, id="numba"), pytest.param(ref, id="reference")]


@pytest.mark.parametrize("impl", IMPLS)
def test_unit_violations_hand_case(impl):
    g = np.zeros((4, 4), np.int8)
    g[0, 0] = g[0, 3] = 2          # row 0 repeats 2
    g[2, 1] = g[3, 1] = 4          # column 1 and box 2 repeat 4
    out = impl.unit_violations(g, 2, 2)
    assert out.tolist() == [True, False, False, False,  # rows
                            False, True, False, False,  # columns
                            False, False, True, False]  # boxes


@pytest.mark.parametrize("impl", IMPLS)
def test_unit_violations_blank_and_unknown_never_repeat(impl):
    g = np.full((9, 9), -1, np.int8)
    g[::2] = 0
    assert not impl.unit_violations(g, 3, 3).any()


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.int8, (9, 9), elements=st.integers(-1, 9)))
def test_unit_violations_matches_reference(g):
    np.testing.assert_array_equal(jit.unit_violations(g, 3, 3), ref.unit_violations(g, 3, 3))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.int8, (9, 9), elements=st.integers(0, 9)), st.permutations(list(range(1, 10))))
def test_relabelled_digits_and_transpose_keep_validity(g, perm):
    """Relabelling digits or transposing the grid maps violations to violations."""
    lut = np.array([0] + list(perm), np.int8)
    base = ref.unit_violations(g, 3, 3)
    relab = jit.unit_violations(lut[g], 3, 3)
    np.testing.assert_array_equal(base, relab)
    tr = jit.unit_violations(np.ascontiguousarray(g.T), 3, 3)
    # rows <-> columns swap; boxes are transposed (box (i, j) -> (j, i))
    np.testing.assert_array_equal(tr[:9], base[9:18])
    np.testing.assert_array_equal(tr[9:18], base[:9])
    np.testing.assert_array_equal(tr[18:].reshape(3, 3), base[18:].reshape(3, 3).T)


@pytest.mark.parametrize("impl", IMPLS)
def test_stable_events_debounces(impl):
    # cell 0: blank, one misread 7 (ignored), then 5 for two frames (accepted at frame 4)
    # cell 1: unknown frames do not break the run of 3
    r = np.array([[0, 3], [0, -1], [7, 3], [0, -1], [5, -1], [5, 4]], np.int8)
    ev = impl.stable_events(r, np.full(6, 40, np.int32), 2, 200)
    assert ev.tolist() == [[0, 0, -1, 0], [0, 4, 0, 5], [1, 0, -1, 3]]


@pytest.mark.parametrize("impl", IMPLS)
def test_stable_events_min_run_one_is_every_change(impl):
    r = np.array([[1], [2], [2], [1]], np.int8)
    assert impl.stable_events(r, np.ones(4, np.int32), 1, 10**6)[:, 3].tolist() == [1, 2, 1]


@pytest.mark.parametrize("impl", IMPLS)
def test_stable_events_long_single_frames_confirm(impl):
    """A GIF may show each state once, for a long time: display time confirms it."""
    r = np.array([[0], [4], [0], [2]], np.int8)
    dur = np.array([300, 40, 40, 500], np.int32)
    assert impl.stable_events(r, dur, 2, 200).tolist() == [[0, 0, -1, 0], [0, 3, 0, 2]]


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.int8, st.tuples(st.integers(1, 25), st.integers(1, 6)), elements=st.integers(-1, 4)),
       st.integers(1, 4), st.integers(1, 400), st.randoms(use_true_random=False))
def test_stable_events_matches_reference(r, min_run, min_hold, rnd):
    dur = np.array([rnd.choice([33, 40, 125, 250]) for _ in range(r.shape[0])], np.int32)
    np.testing.assert_array_equal(jit.stable_events(r, dur, min_run, min_hold),
                                  ref.stable_events(r, dur, min_run, min_hold))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([4, 9]), st.integers(0, 12), st.integers(0, 255), st.integers(0, 2**32 - 1))
def test_cell_summary_matches_reference(n, margin, delta, seed):
    rng = np.random.default_rng(seed)
    ink = rng.integers(0, 256, (n * 40, n * 40)).astype(np.uint8)
    ink[rng.random(ink.shape) < 0.5] = 0  # mostly background, like a board
    for a, b in zip(jit.cell_summary(ink, n, 40, margin, delta), ref.cell_summary(ink, n, 40, margin, delta),
                    strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("impl", IMPLS)
def test_cell_summary_hand_case(impl):
    ink = np.zeros((80, 80), np.uint8)
    ink[50:52, 60:62] = 200          # a 2x2 dot inside cell (1, 1)
    ink[0:40, 0:40] = 100            # cell (0, 0) covered
    blocks, inner_max2, occ = impl.cell_summary(ink, 2, 40, 8, 45)
    assert inner_max2.tolist() == [400, 0, 0, 800]
    assert occ.tolist() == [144, 0, 0, 1]
    assert blocks[3].sum() == 4 * 200 and blocks[0].sum() == 1600 * 100


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([4, 9]), st.integers(0, 12), st.integers(0, 255), st.integers(0, 2**32 - 1))
def test_cell_summary_update_matches_reference_and_full_summary(n, margin, delta, seed):
    rng = np.random.default_rng(seed)
    pad = 10
    ink = rng.integers(0, 256, (n * 40 + 2 * pad, n * 40 + 2 * pad)).astype(np.uint8)
    ink[rng.random(ink.shape) < 0.5] = 0
    full = jit.cell_summary(np.ascontiguousarray(ink[pad:-pad, pad:-pad]), n, 40, margin, delta)
    cells = np.flatnonzero(rng.random(n * n) < 0.3)
    outs = []
    for impl in (jit, ref):
        stale = tuple(a.copy() for a in full)
        for a in stale:
            a[cells] = 7  # stale values where the cells are summarised again
        impl.cell_summary_update(ink, pad, n, 40, margin, delta, cells, *stale)
        outs.append(stale)
    for a, b, c in zip(outs[0], outs[1], full, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def _plan_case(rng, every):  # noqa: ANN001, ANN202
    ref_blocks = rng.integers(0, 4000, (81, 10, 10)).astype(np.int32)
    cur = ref_blocks.copy()
    moved = rng.random(81) < 0.3
    cur[moved, rng.integers(0, 10), rng.integers(0, 10)] += rng.choice([-500, 500, 384, -384])
    digits = rng.integers(-1, 10, 81).astype(np.int8)
    conf = rng.random(81).astype(np.float32)
    was_occ = rng.random(81) < 0.2
    occ_count = rng.integers(200, 260, 81).astype(np.int32)
    inner = rng.integers(0, 600, 81).astype(np.int32)
    return cur, ref_blocks, digits, conf, was_occ, occ_count, inner, 243.2, 384.0, 280.0, every


@pytest.mark.parametrize("seed", range(8))
def test_plan_cells_matches_reference(seed):
    rng = np.random.default_rng(seed)
    case = _plan_case(rng, seed % 4 == 0)
    a_args = [x.copy() if isinstance(x, np.ndarray) else x for x in case]
    b_args = [x.copy() if isinstance(x, np.ndarray) else x for x in case]
    a, b = jit.plan_cells(*a_args), ref.plan_cells(*b_args)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[1].dtype == np.int64 and a[2] == b[2]
    for x, y in zip(a_args[:4], b_args[:4], strict=True):  # cur, ref, digits, conf after the in-place updates
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a_args[2], case[2])  # something was decided


@pytest.mark.parametrize("impl", IMPLS)
def test_plan_cells_hand_case(impl):
    ref_blocks = np.zeros((5, 1, 2), np.int32)
    cur = ref_blocks.copy()
    cur[0, 0, 1] = 385   # moved, inked: to read
    cur[1, 0, 0] = -384  # exactly the threshold: not moved, keeps its reading
    cur[2, 0, 0] = 999   # moved but occluded now: counted, reads -1
    cur[4, 0, 0] = 999   # moved, no ink: blank, its reference follows
    was_occ = np.array([False, False, False, True, False])  # cell 3 was occluded and is not now: read
    occ_count = np.array([0, 0, 100, 0, 0], np.int32)
    inner = np.array([500, 500, 500, 500, 10], np.int32)
    digits = np.array([5, 6, 7, -1, 8], np.int8)
    conf = np.full(5, 0.9, np.float32)
    occ, todo, n_moved = impl.plan_cells(cur, ref_blocks, digits, conf, was_occ, occ_count, inner, 50.0, 384.0,
                                         280.0, False)
    assert occ.tolist() == [False, False, True, False, False]
    assert todo.tolist() == [0, 3] and n_moved == 4
    assert digits.tolist() == [5, 6, -1, -1, 0] and conf.tolist()[2] == 0.0 and conf.tolist()[4] == 1.0
    assert ref_blocks[4, 0, 0] == 999 and ref_blocks[0, 0, 1] == 0


@pytest.mark.parametrize("impl", IMPLS)
def test_plan_cells_reads_unknown_cells_again_though_unchanged(impl):
    """A cell left unknown (a hand brushed it, then left and restored its pixels) is read again
    while its block sums equal its reference; an unknown cell that is occluded now is not."""
    ref_blocks = np.zeros((3, 1, 2), np.int32)
    cur = ref_blocks.copy()  # nothing moved
    digits = np.array([-1, -1, 4], np.int8)
    conf = np.array([0.0, 0.0, 0.9], np.float32)
    occ_count = np.array([0, 100, 0], np.int32)
    inner = np.array([500, 500, 500], np.int32)
    occ, todo, n_moved = impl.plan_cells(cur, ref_blocks, digits, conf, np.zeros(3, bool), occ_count, inner, 50.0,
                                         384.0, 280.0, False)
    assert todo.tolist() == [0] and n_moved == 1
    assert occ.tolist() == [False, True, False] and digits.tolist() == [-1, -1, 4]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 6), st.integers(0, 20), st.integers(0, 20), st.integers(0, 255), st.integers(0, 2**32 - 1))
def test_ring_ink_matches_reference(k, lo, width, delta, seed):
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, 256, (k, 40, 40)).astype(np.uint8)
    hi = min(20, lo + width)
    np.testing.assert_array_equal(jit.ring_ink(crops, lo, hi, delta), ref.ring_ink(crops, lo, hi, delta))


@pytest.mark.parametrize("impl", IMPLS)
def test_ring_ink_hand_case(impl):
    crops = np.zeros((3, 40, 40), np.uint8)
    crops[0, 10:30, 10:30] = 255  # a glyph in the middle: clear of the ring 2..5
    crops[1, 30:40, 0:10] = 100   # a blob over the bottom-left corner: 3 rows x 8 + 5 rows x 3 in the ring
    crops[2, 3, 3] = 46           # one pixel in the ring, one just under the threshold
    crops[2, 4, 20] = 45
    assert impl.ring_ink(crops, 2, 5, 45).tolist() == [0, 3 * 8 + 5 * 3, 1]
    assert impl.ring_ink(crops, 0, 20, 45).tolist() == [400, 100, 1]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 16), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 5.0, 9.9]), st.sampled_from([0, 100, 512]))
def test_intrusion_step_matches_reference(m, seed, ring_gain, edge_diff):
    rng = np.random.default_rng(seed)
    k = 16
    idx = np.sort(rng.choice(k, size=m, replace=False)).astype(np.int64)
    ring = rng.integers(0, 40, m).astype(np.int32)
    state = (rng.integers(-1, 5, k).astype(np.int8), rng.random(k).astype(np.float32),
             rng.integers(-1, 5, k).astype(np.int8), rng.integers(0, 40, k).astype(np.int32))
    cur = rng.integers(0, 800, (k, 10, 10)).astype(np.int32)
    moved = rng.integers(-600, 600, (k, 10, 10)) * (rng.random((k, 1, 1)) < 0.5)
    blocks_then = (cur + moved).astype(np.int32)
    results = []
    for impl in (jit, ref):
        st_ = [a.copy() for a in state]
        n = impl.intrusion_step(idx, ring, *st_, cur, blocks_then, ring_gain, edge_diff)
        results.append((n, st_))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("impl", IMPLS)
def test_intrusion_step_hand_case(impl):
    nb = 10
    idx = np.array([0, 1, 2, 3], np.int64)
    digits = np.array([3, 3, 3, 0], np.int8)          # all read 3 now, cell 3 blank
    conf = np.ones(4, np.float32)
    sure_digit = np.array([1, 1, 3, 1], np.int8)      # cells 0, 1 were 1; cell 2 was 3 already
    sure_ring = np.zeros(4, np.int32)
    ring = np.array([20, 20, 20, 20], np.int32)       # every ring gained 20 pixels
    then = np.zeros((4, nb, nb), np.int32)
    cur = then.copy()
    cur[0, 5, 0] = 1000                               # cell 0: an edge block changed
    cur[1, 5, 5] = 1000                               # cell 1: an inner block only
    n = impl.intrusion_step(idx, ring, digits, conf, sure_digit, sure_ring, cur, then, 9.9, 512)
    assert n == 1
    assert digits.tolist() == [-1, 3, 3, 0] and conf.tolist() == [0.0, 1.0, 1.0, 1.0]
    assert sure_digit.tolist() == [1, 3, 3, 0]         # the unread cell keeps its sure 1
    assert sure_ring.tolist() == [0, 20, 20, 20]
