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


@pytest.mark.parametrize("seed", range(5))
def test_block_changes_matches_reference_and_updates_moved_blocks_only(seed):
    rng = np.random.default_rng(seed)
    h, w, n_cells = 9, 11, 16
    means = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    cur = means.copy()
    step = rng.integers(-20, 21, (h, w, 3))
    cur = np.clip(cur.astype(int) + step * (rng.random((h, w, 1)) < 0.3), 0, 255).astype(np.uint8)
    feeds = rng.integers(-1, n_cells, (h * w, 4)).astype(np.intp)
    m_jit, m_ref = means.copy(), means.copy()
    a = K.block_changes(cur, m_jit, feeds, 8, n_cells)
    b = R.block_changes(cur, m_ref, feeds, 8, n_cells)
    assert np.array_equal(a, b) and np.array_equal(m_jit, m_ref)
    moved = (np.abs(cur.astype(int) - means.astype(int)).max(axis=2) > 8).reshape(-1)
    assert np.array_equal(m_jit.reshape(-1, 3)[moved], cur.reshape(-1, 3)[moved])
    assert np.array_equal(m_jit.reshape(-1, 3)[~moved], means.reshape(-1, 3)[~moved])  # the rest keeps its means
    want = np.zeros(n_cells, bool)
    for k in np.flatnonzero(moved):
        for c in feeds[k]:
            if c >= 0:
                want[c] = True
    assert np.array_equal(a, want)


def test_block_changes_threshold_is_strict():
    means = np.full((1, 2, 3), 100, np.uint8)
    cur = means.copy()
    cur[0, 0, 1] = 108  # exactly the threshold: not moved
    cur[0, 1, 2] = 91   # 9 levels: moved
    feeds = np.array([[0, -1, -1, -1], [1, 2, -1, -1]], np.intp)
    assert K.block_changes(cur, means, feeds, 8, 3).tolist() == [False, True, True]


@pytest.mark.parametrize("seed", range(6))
def test_pair_changes_match_reference_and_move_whole_groups(seed):
    rng = np.random.default_rng(seed)
    h, w, n_cells = (9, 11, 16) if seed % 2 else (8, 12, 16)  # odd sides: groups of 2 and 1 at the edges
    means = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    step = rng.integers(-20, 21, (h, w, 3))
    cur = np.clip(means.astype(int) + step * (rng.random((h, w, 1)) < 0.5), 0, 255).astype(np.uint8)
    feeds = rng.integers(-1, n_cells, (h * w, 4)).astype(np.intp)
    runs = rng.integers(0, 3, (h, w)).astype(np.uint8)
    m_jit, m_ref, r_jit, r_ref = means.copy(), means.copy(), runs.copy(), runs.copy()
    a = K.pair_changes(cur, m_jit, r_jit, feeds, 8, n_cells, 3)
    assert np.array_equal(a, R.pair_changes(cur, m_ref, r_ref, feeds, 8, n_cells, 3))
    assert np.array_equal(m_jit, m_ref) and np.array_equal(r_jit, r_ref)
    # a block takes this frame's value when its group's rounded mean moved, or when it moved on its
    # own by twice the threshold for the third noisy frame in a row
    for y in range(h):
        for x in range(w):
            ys, xs = slice(y // 2 * 2, min(h, y // 2 * 2 + 2)), slice(x // 2 * 2, min(w, x // 2 * 2 + 2))
            k = cur[ys, xs].shape[0] * cur[ys, xs].shape[1]
            g_cur = (cur[ys, xs].astype(int).sum(axis=(0, 1)) + k // 2) // k
            g_old = (means[ys, xs].astype(int).sum(axis=(0, 1)) + k // 2) // k
            far = (np.abs(cur[y, x].astype(int) - means[y, x].astype(int)) > 16).any()  # (twice the threshold)
            moved = (np.abs(g_cur - g_old) > 8).any() or (far and runs[y, x] + 1 >= 3)
            assert np.array_equal(m_jit[y, x], cur[y, x] if moved else means[y, x])
            assert r_jit[y, x] == (0 if moved or not far else runs[y, x] + 1)
            if moved:
                assert all(a[c] for c in feeds[y * w + x] if c >= 0)


@pytest.mark.parametrize("h,w", [(1, 1), (1, 6), (7, 1), (3, 3), (2, 5)])
def test_pair_changes_match_reference_on_thin_maps_and_full_counts(h, w):
    # single rows and columns (groups of one or two blocks), and run counts at their ceiling (255)
    rng = np.random.default_rng(h * 10 + w)
    for trial in range(20):
        means = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        step = rng.integers(-40, 41, (h, w, 3)) * (rng.random((h, w, 1)) < 0.6)
        cur = np.clip(means.astype(int) + step, 0, 255).astype(np.uint8)
        feeds = rng.integers(-1, 6, (h * w, 4)).astype(np.intp)
        runs = (rng.integers(250, 256, (h, w)) if trial % 2 else rng.integers(0, 4, (h, w))).astype(np.uint8)
        thr, persist = int(rng.integers(2, 12)), (3 if trial % 2 == 0 else 255)
        m_jit, m_ref, r_jit, r_ref = means.copy(), means.copy(), runs.copy(), runs.copy()
        a = K.pair_changes(cur, m_jit, r_jit, feeds, thr, 6, persist)
        assert np.array_equal(a, R.pair_changes(cur, m_ref, r_ref, feeds, thr, 6, persist))
        assert np.array_equal(m_jit, m_ref) and np.array_equal(r_jit, r_ref)


def test_pair_changes_see_a_group_and_a_block_that_stays_moved():
    means = np.full((2, 2, 3), 100, np.uint8)
    feeds = np.array([[0, -1, -1, -1]] * 4, np.intp)
    cur = means.copy()
    cur[0, 0, 0] = 130  # one block moved by 30 (past twice 8): its group's mean by 7.5 -> 8, not past 8
    assert K.block_changes(cur, means.copy(), feeds, 8, 1).tolist() == [True]
    m, runs = means.copy(), np.zeros((2, 2), np.uint8)
    seen = [K.pair_changes(cur, m, runs, feeds, 8, 1, 3).tolist() for _ in range(3)]
    assert seen == [[False], [False], [True]] and np.array_equal(m, cur) and not runs.any()  # (a stroke stays)
    m, runs = means.copy(), np.zeros((2, 2), np.uint8)
    flicker = means.copy()
    for frame in (cur, cur, flicker, cur, cur):  # noise does not stay: the count restarts
        assert K.pair_changes(frame, m, runs, feeds, 8, 1, 3).tolist() == [False]
    cur[0, 1, 0] = 110  # and a second block by 10: the group's mean by 10
    m, runs = means.copy(), np.zeros((2, 2), np.uint8)
    assert K.pair_changes(cur, m, runs, feeds, 8, 1, 3).tolist() == [True] and np.array_equal(m, cur)


@pytest.mark.parametrize("seed", range(4))
def test_gate_changes_compare_noisy_frames_by_groups(seed):
    rng = np.random.default_rng(seed)
    h, w, n_cells = 10, 13, 20
    means = rng.integers(20, 236, (h, w, 3)).astype(np.uint8)
    share = (0.1, 0.2, 0.3, 0.6)[seed]  # share of values moved a little (noise)
    noise = rng.integers(-3, 4, (h, w, 3)) * (rng.random((h, w, 3)) < share)
    cur = (means.astype(int) + noise).astype(np.uint8)
    cur[3, 4] = 255 - cur[3, 4]  # and a stroke
    feeds = rng.integers(-1, n_cells, (h * w, 4)).astype(np.intp)
    last = means.copy()  # (the frame before: the kept means, here)
    runs = rng.integers(0, 3, (h, w)).astype(np.uint8)
    got = []
    for impl in (K, R):
        m, lst, r = means.copy(), last.copy(), runs.copy()
        todo, noisy = impl.gate_changes(cur, m, lst, r, feeds, 8, n_cells, 0.25, 3)
        got.append((todo, noisy, m, lst, r))
    (a, noisy, m, lst, r), (b, noisy2, m2, lst2, r2) = got
    assert np.array_equal(a, b) and noisy == noisy2 and np.array_equal(m, m2) and np.array_equal(r, r2)
    assert np.array_equal(lst, cur) and np.array_equal(lst2, cur)  # the frame before, for the next one
    assert noisy == (int((cur != last).sum()) > 0.25 * cur.size) == (seed >= 2)  # (both kinds of frame)
    m3, r3 = means.copy(), runs.copy()
    if noisy:
        want = K.pair_changes(cur, m3, r3, feeds, 8, n_cells, 3)
    else:
        want, r3 = K.block_changes(cur, m3, feeds, 8, n_cells), np.zeros_like(runs)
    assert np.array_equal(a, want) and np.array_equal(m, m3) and np.array_equal(r, r3)


def test_groups_average_out_noise_that_moves_blocks():
    # the gate's reason for groups on noisy frames: between two frames of noise drawn afresh (sigma 8),
    # some 4 px block of most 64 px cells moves by more than 8 levels, and no group of 2 x 2 blocks does
    rng = np.random.default_rng(0)
    base = np.full((256, 256, 3), 200.0)
    a, b = (np.clip(base + rng.normal(0, 8, base.shape), 0, 255).astype(np.uint8) for _ in range(2))
    ma, mb = K.block_means4(a, 0, 256, 0, 256), K.block_means4(b, 0, 256, 0, 256)
    cell = (np.arange(64) // 16)[:, None] * 4 + (np.arange(64) // 16)[None, :]  # 4 x 4 cells of 16 x 16 blocks
    feeds = np.full((64 * 64, 4), -1, np.intp)
    feeds[:, 0] = cell.reshape(-1)
    runs = np.zeros((64, 64), np.uint8)
    todo, noisy = K.gate_changes(mb, ma.copy(), ma.copy(), runs, feeds, 8, 16, 0.25, 3)
    assert noisy and not todo.any()
    assert K.block_changes(mb, ma.copy(), feeds, 8, 16).mean() > 0.5


def _profile_with_lines(rng, n, size, jitter):  # noqa: ANN001, ANN202
    prof = rng.random(size) * 20.0
    for i in range(n + 1):
        c = 10 + 40 * i + rng.uniform(-jitter, jitter)
        x = np.arange(size)
        prof += 180.0 * np.exp(-0.5 * ((x - c) / 1.3) ** 2)
    return prof


@pytest.mark.parametrize("n", [4, 9])
@pytest.mark.parametrize("seed", range(6))
def test_line_peaks_match_reference_bit_for_bit(n, seed):
    rng = np.random.default_rng(seed)
    size = 40 * n + 20
    prof = _profile_with_lines(rng, n, size, 3.0)
    expected = 10 + 40 * np.arange(n + 1, dtype=np.float64)
    a, b = K.line_peaks(prof, expected, 8), R.line_peaks(prof, expected, 8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert np.all(np.abs(a[0] - expected) <= 3.5)  # the planted lines are found where they are


def test_line_peaks_windows_clipped_at_the_ends_and_flat_profiles():
    prof = np.zeros(50)
    prof[0] = 100.0
    prof[49] = 100.0
    exp = np.array([0.0, 49.0])
    a, b = K.line_peaks(prof, exp, 8), R.line_peaks(prof, exp, 8)
    assert np.array_equal(a[0], b[0]) and a[0].tolist() == [0.0, 49.0]
    flat = np.full(30, 7.0)  # every sample ties: the first is the peak, the centroid spans +-4
    a, b = K.line_peaks(flat, np.array([15.0]), 8), R.line_peaks(flat, np.array([15.0]), 8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(20, 80), elements=st.floats(0, 255, allow_nan=False)),
       st.integers(3, 10))
def test_line_peaks_property(prof, win):
    exp = np.linspace(0, len(prof) - 1, 4)
    a, b = K.line_peaks(prof, exp, win), R.line_peaks(prof, exp, win)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def _homography(rng, size):  # noqa: ANN001, ANN202
    """A random mild perspective from a size x size canonical square to a frame quad."""
    import cv2
    src = np.array([[0, 0], [size, 0], [size, size], [0, size]], np.float32)
    dst = src * rng.uniform(0.5, 1.5) + rng.uniform(0, 200, 2).astype(np.float32)
    dst = (dst + rng.uniform(-25, 25, (4, 2))).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst).astype(np.float64)


@pytest.mark.parametrize("seed", range(8))
def test_homography_maps_match_reference_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.choice([180, 380, 37]))
    inv = _homography(rng, size)
    a, b = K.homography_maps(inv, size), R.homography_maps(inv, size)
    assert a[0].dtype == np.float32 and a[0].shape == (size, size)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_homography_maps_identity():
    mx, my = K.homography_maps(np.eye(3), 5)
    assert mx.tolist() == [list(range(5))] * 5 and my.T.tolist() == [list(range(5))] * 5


def _gate_feeds_case(seed, n):  # noqa: ANN001, ANN202
    """Kernel and twin on the blocks of a random source region near a board; True when it feeds cells."""
    import cv2
    rng = np.random.default_rng(seed)
    size = 40 * n + 20
    hm = np.linalg.inv(_homography(rng, size))
    bh, bw = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    corner = cv2.perspectiveTransform(np.array([[[0.0, 0.0]]]), np.linalg.inv(hm))[0, 0]  # the board's top left
    x0, y0 = float(np.floor(corner[0]) + rng.integers(-20, 60)), float(np.floor(corner[1]) + rng.integers(-20, 60))
    gy, gx = np.mgrid[0:bh + 1, 0:bw + 1].astype(np.float64)
    pts = np.stack([x0 + gx * 4, y0 + gy * 4], axis=-1)
    uv = cv2.perspectiveTransform(pts.reshape(1, -1, 2), hm)[0].reshape(bh + 1, bw + 1, 2)
    (fa, oka), (fb, okb) = K.gate_feeds(uv, n, 4, 40, 10, 4), R.gate_feeds(uv, n, 4, 40, 10, 4)
    assert oka == okb and fa.dtype == fb.dtype == np.int32
    if oka:
        assert np.array_equal(fa, fb)
    return oka and (fa >= 0).any()


@pytest.mark.parametrize("n", [4, 9])
def test_gate_feeds_match_reference(n):
    reached = [_gate_feeds_case(seed, n) for seed in range(12)]
    assert sum(map(bool, reached)) >= 6  # most cases put blocks on the board


def test_gate_feeds_hand_case():
    # one 4 x 4 block at canonical (50..54, 50..54): with the 1-px growth and a 4-px margin it
    # spans x, y in [45, 59] -> cells (0..1) along both axes on a 2 x 2 board (pad 10, 40-px cells)
    uv = np.zeros((2, 2, 2))
    uv[..., 0] = [[50, 54], [50, 54]]
    uv[..., 1] = [[50, 50], [54, 54]]
    feeds, ok = K.gate_feeds(uv, 2, 4, 40, 10, 4)
    assert ok and feeds.tolist() == [[0, 1, 2, 3]]
    uv += 500.0  # far off the board: feeds nothing
    feeds, ok = K.gate_feeds(uv, 2, 4, 40, 10, 4)
    assert ok and feeds.tolist() == [[-1, -1, -1, -1]]
    big = np.zeros((2, 2, 2))  # one block spanning three cells: not a gate
    big[..., 0] = [[10, 130], [10, 130]]
    big[..., 1] = [[10, 10], [30, 30]]
    assert not K.gate_feeds(big, 3, 4, 40, 10, 4)[1] and not R.gate_feeds(big, 3, 4, 40, 10, 4)[1]


@pytest.mark.parametrize("seed", range(4))
def test_ink_into_matches_reference_and_opencv(seed):
    import cv2
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (23, 31, 3)).astype(np.uint8)
    bg = rng.integers(0, 256, 3).astype(np.int64)
    out = np.zeros((40, 40), np.uint8)
    a, b = out.copy(), out.copy()
    K.ink_into(rgb, bg, a[5:28, 2:33])  # into a strided view, as the gate writes its patches
    R.ink_into(rgb, bg, b[5:28, 2:33])
    assert np.array_equal(a, b) and not a[:5].any()
    d = cv2.absdiff(rgb, tuple(float(v) for v in bg) + (0.0,))
    assert np.array_equal(a[5:28, 2:33], d.max(axis=2))
    part = np.empty((23, 30), np.uint8)
    K.ink_into(rgb[:, 1:], bg, part)  # a strided source
    assert np.array_equal(part, d[:, 1:].max(axis=2))


@pytest.mark.parametrize("seed", range(12))
def test_gate_rows_match_reference(seed):
    rng = np.random.default_rng(seed)
    n = 4 if seed % 3 == 0 else 9
    todo = rng.random(n * n) < rng.choice([0.05, 0.2, 0.6])
    (ra, da), (rb, db) = K.gate_rows(todo, n, 40, 10, 4), R.gate_rows(todo, n, 40, 10, 4)
    assert ra.dtype == rb.dtype == np.int64
    assert np.array_equal(ra, rb) and np.array_equal(da, db)


def test_gate_rows_hand_case():
    todo = np.zeros(16, bool)
    todo[[5, 7]] = True   # row 1, columns 1 and 3: one rectangle from column 1 to 3
    todo[0] = True        # the corner: the margin is clipped at the image edge
    rects, dirty = K.gate_rows(todo, 4, 40, 10, 4)
    assert rects.tolist() == [[6, 54, 6, 54], [46, 94, 46, 174]]
    # the margins reach the neighbouring rows and columns of cells
    assert dirty.reshape(4, 4).astype(int).tolist() == [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]]
    rects, dirty = K.gate_rows(np.zeros(16, bool), 4, 40, 10, 4)
    assert rects.shape == (0, 4) and not dirty.any()


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("n", [4, 9])
def test_exact_score_matches_reference_bit_for_bit(seed, n):
    rng = np.random.default_rng(seed)
    size = 40 * n + 20
    ink = rng.integers(0, 256, (size, size)).astype(np.uint8)
    if seed % 2:
        ink[rng.random(ink.shape) < 0.8] = 0  # mostly background
        for i in range(n + 1):  # and grid lines
            c = 10 + 40 * i + int(rng.integers(-2, 3))
            ink[max(0, c - 1):c + 2] = 200
            ink[:, max(0, c - 1):c + 2] = 200
    a, b = K.exact_score(ink, n, 40, 10), R.exact_score(ink, n, 40, 10)
    assert isinstance(a, float) and a == b


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (5, 1), (180, 180), (380, 380), (37, 501)])
def test_ink_profiles_match_numpy_means_bit_for_bit(shape):
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    for ink in (rng.integers(0, 256, shape).astype(np.uint8), np.full(shape, 255, np.uint8)):
        got, want = K.ink_profiles(ink), R.ink_profiles(ink)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == np.float64 and g.shape == w.shape
            assert np.array_equal(g, w)


def test_exact_score_of_a_drawn_grid():
    ink = np.zeros((180, 180), np.uint8)
    for i in range(5):
        ink[10 + 40 * i] = 255
        ink[:, 10 + 40 * i] = 255
    # on a line the profile is (255 + 255 * 1/3 or so)/2; mid-cell it is the crossing lines only
    score = K.exact_score(ink, 4, 40, 10)
    assert score == R.exact_score(ink, 4, 40, 10) and score > 0.4
    assert K.exact_score(np.zeros((180, 180), np.uint8), 4, 40, 10) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_block_changes_on_a_large_grid_with_sparse_moves(seed):
    rng = np.random.default_rng(seed)
    h, w, n_cells = 41, 37, 81  # many runs of blocks, the last one partial
    means = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    cur = means.copy()
    for _ in range(5):  # a few moved blocks (and a few that moved by exactly the threshold)
        y, x, ch = rng.integers(0, h), rng.integers(0, w), rng.integers(0, 3)
        cur[y, x, ch] = np.clip(int(cur[y, x, ch]) + int(rng.choice([-9, 9, 8, -8, 40])), 0, 255)
    feeds = rng.integers(-1, n_cells, (h * w, 4)).astype(np.int32)
    m_jit, m_ref = means.copy(), means.copy()
    a = K.block_changes(cur, m_jit, feeds, 8, n_cells)
    assert np.array_equal(a, R.block_changes(cur, m_ref, feeds, 8, n_cells))
    assert np.array_equal(m_jit, m_ref)


@pytest.mark.parametrize("seed", range(10))
def test_block_means4_match_reference_and_two_opencv_halvings(seed):
    import cv2
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (61, 75, 3)).astype(np.uint8)
    y0, x0 = int(rng.integers(0, 10)), int(rng.integers(0, 10))
    y1, x1 = y0 + 4 * int(rng.integers(1, 13)), x0 + 4 * int(rng.integers(1, 16))
    got = K.block_means4(rgb, y0, y1, x0, x1)
    assert got.dtype == np.uint8 and got.shape == ((y1 - y0) // 4, (x1 - x0) // 4, 3)
    assert np.array_equal(got, R.block_means4(rgb, y0, y1, x0, x1))
    roi = rgb[y0:y1, x0:x1]
    half = cv2.resize(roi, ((x1 - x0) // 2, (y1 - y0) // 2), interpolation=cv2.INTER_AREA)
    assert np.array_equal(got, cv2.resize(half, ((x1 - x0) // 4, (y1 - y0) // 4), interpolation=cv2.INTER_AREA))


def test_block_means4_rounds_at_each_halving():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[0, 0] = 2  # first halving: (2 + 2) >> 2 = 1, then (1 + 2) >> 2 = 0
    assert K.block_means4(rgb, 0, 4, 0, 4).tolist() == [[[0, 0, 0]]]
    rgb[0:2, 0:2] = 6  # 6 -> (24 + 2) >> 2 = 6 -> (6 + 2) >> 2 = 2: the rounding of the mean 6 * 4 / 16 = 1.5
    assert K.block_means4(rgb, 0, 4, 0, 4).tolist() == [[[2, 2, 2]]] == R.block_means4(rgb, 0, 4, 0, 4).tolist()


def _fixed_maps(rng, h, w, out_h, out_w, margin):
    """Random fixed-point remap tables (cv2.convertMaps) reaching ``margin`` px past the frame."""
    import cv2
    mx = rng.uniform(-margin, w - 1 + margin, (out_h, out_w)).astype(np.float32)
    my = rng.uniform(-margin, h - 1 + margin, (out_h, out_w)).astype(np.float32)
    mx[0], my[0] = np.round(mx[0]), np.round(my[0])  # whole pixels: the (0, 0) fraction
    return cv2.convertMaps(mx, my, cv2.CV_16SC2)


@pytest.mark.parametrize("seed", range(6))
def test_remap_linear_matches_reference_and_opencv(seed):
    import cv2
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(2, 40)), int(rng.integers(2, 40))
    rgb = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    xy, fa = _fixed_maps(rng, h, w, 33, 27, 3.0 if seed % 2 else 0.0)
    a = np.zeros((33, 27, 3), np.uint8)
    b = a.copy()
    K.remap_linear(rgb, xy, fa, a)
    R.remap_linear(rgb, xy, fa, b)
    ref = cv2.remap(rgb, xy, fa, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.array_equal(a, ref) and np.array_equal(b, ref)


def test_remap_linear_every_fraction():
    import cv2
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)
    fy, fx = np.divmod(np.arange(1024), 32)  # every 1/32-px fraction, at one inner and one edge pixel
    mx = np.concatenate([1 + fx / 32.0, 5 + fx / 32.0]).astype(np.float32)[None, :]
    my = np.concatenate([2 + fy / 32.0, 4 + fy / 32.0]).astype(np.float32)[None, :]
    xy, fa = cv2.convertMaps(mx, my, cv2.CV_16SC2)
    out = np.zeros((1, 2048, 3), np.uint8)
    K.remap_linear(rgb, xy, fa, out)
    assert np.array_equal(out, cv2.remap(rgb, xy, fa, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))


def _gate_case(seed):
    """A frame, its block means (some moved), feeds, and remap tables of a canonical board."""
    rng = np.random.default_rng(seed)
    n, cell_px, pad = (4, 12, 3) if seed % 2 else (9, 8, 2)
    size = n * cell_px + 2 * pad
    h, w = 64, 72
    rgb = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
    y0, y1, x0, x1 = 4, 60, 8, 68
    means = K.block_means4(rgb, y0, y1, x0, x1).copy()
    moved = rng.random(means.shape[:2]) < rng.choice([0.0, 0.03, 0.1, 0.4])
    means[moved] = means[moved] // 2  # these blocks move by more than the threshold (or not, if dark)
    nb = means.shape[0] * means.shape[1]
    feeds = rng.integers(-1, n * n, (nb, 4)).astype(np.intp)
    always = rng.random(n * n) < 0.05 if seed % 3 == 0 else np.zeros(0, bool)
    xy, fa = _fixed_maps(rng, h, w, size, size, 2.0)
    lat = (slice(pad + 3, -pad, 7), slice(pad + 3, -pad, 7))
    lxy, lfa = np.ascontiguousarray(xy[lat]), np.ascontiguousarray(fa[lat])
    ink = rng.integers(0, 256, (size, size)).astype(np.uint8)
    return rgb, (y0, y1, x0, x1), means, feeds, n, always, lxy, lfa, xy, fa, cell_px, pad, ink


@pytest.mark.parametrize("seed", range(12))
def test_gate_step_matches_reference_and_the_opencv_sequence(seed):
    import cv2
    rgb, roi, means, feeds, n, always, lxy, lfa, _, _, cell_px, pad, _ = _gate_case(seed)
    max_count = 0.5 * n * n if seed % 4 else float(n * n)
    noisy = 0.0 if seed % 5 == 2 else 0.25  # (0.0: every frame is noisy)
    runs = np.random.default_rng(seed).integers(0, 3, means.shape[:2]).astype(np.uint8)
    got = []
    for impl in (K, R):
        m, d, bg, sc = means.copy(), np.ones(n * n, bool), np.full(3, -1.0), np.full(3, -1, np.int64)
        c, rects = impl.gate_step(rgb, *roi, m, means.copy(), runs.copy(), feeds, 8, n, always, max_count, lxy, lfa,
                                  cell_px, pad, 4, d, bg, sc, noisy, 3)
        got.append((c, rects, m, d, bg, sc))
    (c, rects, m, d, bg, sc), (c2, rects2, m2, d2, bg2, sc2) = got
    assert c == c2 and np.array_equal(rects, rects2) and np.array_equal(m, m2) and np.array_equal(d, d2)
    assert c <= 0 or (np.array_equal(bg, bg2) and np.array_equal(sc, sc2))
    # the sequence the gate ran before this kernel: block means and changes, OpenCV's remap of the lattice
    m3 = means.copy()
    todo = K.gate_changes(K.block_means4(rgb, *roi), m3, means.copy(), runs.copy(), feeds, 8, n * n, noisy, 3)[0]
    if always.shape == todo.shape:
        todo |= always
    assert np.array_equal(m, m3)
    if todo.sum() > max_count:
        assert c == -1 and not d.any() and rects.shape == (0, 4)
        return
    assert c == todo.sum()
    if c:
        lat = cv2.remap(rgb, lxy, lfa, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bg3 = K.median_colour(np.ascontiguousarray(lat).reshape(-1, 3))
        scalar = np.array([min(255, max(0, round(v))) for v in bg3.tolist()], np.int64)
        rects3, dirty = K.gate_rows(todo, n, cell_px, pad, 4)
        assert np.array_equal(bg, bg3) and np.array_equal(sc, scalar)
        assert np.array_equal(rects, rects3) and np.array_equal(d, dirty)
    else:
        assert not d.any() and rects.shape == (0, 4)


def test_gate_step_rounds_the_board_colour_halves_to_even():
    # a lattice whose median is x.5 in every channel: 2.5 -> 2, 3.5 -> 4, 254.5 -> 254 (as round())
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[0, :2] = [2, 3, 254]
    rgb[0, 2:] = [3, 4, 255]
    lxy = np.array([[[0, 0], [1, 0], [2, 0], [3, 0]]], np.int16)
    lfa = np.zeros((1, 4), np.uint16)
    means = np.zeros((1, 1, 3), np.uint8)
    feeds = np.array([[0, -1, -1, -1]], np.intp)
    for impl in (K, R):
        dirty, bg, sc = np.zeros(1, bool), np.zeros(3), np.zeros(3, np.int64)
        c, rects = impl.gate_step(rgb, 0, 4, 0, 4, means.copy(), means.copy(), np.zeros((1, 1), np.uint8), feeds, 0,
                                  1, np.zeros(0, bool), 1.0, lxy, lfa, 2, 1, 1, dirty, bg, sc, 0.25, 3)
        assert c == 1 and bg.tolist() == [2.5, 3.5, 254.5] and sc.tolist() == [2, 4, 254]
        assert dirty.tolist() == [True] and rects.tolist() == [[0, 4, 0, 4]]


def test_prefetch_hint_changes_no_value():
    from numba import njit

    from mmgr.kernels._mem import prefetch

    @njit
    def touched_sum(a):
        s = 0
        for i in range(0, a.shape[0], 7):
            prefetch(a, min(i + 64, a.shape[0] - 1))
            s += np.int64(a[i])
        return s

    a = np.arange(1000, dtype=np.uint8)
    before = a.copy()
    assert touched_sum(a) == int(a[::7].astype(np.int64).sum())
    assert np.array_equal(a, before)


@pytest.mark.parametrize("shape", [(1, 1), (3, 700), (480, 640)])
def test_row_col_sums_are_exact(shape):
    from mmgr.kernels._sums import row_col_sums

    a = np.random.default_rng(shape[1]).integers(0, 256, shape).astype(np.uint8)
    rows, cols = row_col_sums(a)
    assert rows.dtype == cols.dtype == np.int64
    assert rows.tolist() == a.astype(np.int64).sum(axis=1).tolist()
    assert cols.tolist() == a.astype(np.int64).sum(axis=0).tolist()
