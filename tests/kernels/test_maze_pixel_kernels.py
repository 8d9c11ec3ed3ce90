"""The numba maze pixel kernels agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_pixels as ref
import mmgr.kernels.maze_pixels as jit


@pytest.mark.parametrize("seed", range(6))
def test_maze_split_codes_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 50)), int(rng.integers(1, 50))
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    blurred = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    lut = rng.integers(0, 256, 1 << 15, dtype=np.uint8)
    for use in (False, True):
        for a, b in zip(jit.split_codes(rgb, lut, blurred, use), ref.split_codes(rgb, lut, blurred, use), strict=True):
            assert a.dtype == b.dtype == np.uint8
            assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(5))
def test_maze_colour_bins_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if seed % 2:
        rgb[: h // 2] = (12, 200, 250)  # a frequent colour
    assert_array_equal(jit.colour_bins(rgb), ref.colour_bins(rgb))


@pytest.mark.parametrize("seed", range(40))
def test_maze_changed_band_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 30)), int(rng.integers(1, 30))
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    b = a.copy()
    for _ in range(seed % 4):
        b[rng.integers(h), rng.integers(w), rng.integers(3)] ^= np.uint8(1 << int(rng.integers(8)))
    got = jit.changed_band(a, b)
    assert tuple(int(v) for v in got) == ref.changed_band(a, b)
    assert (got == (h, h)) == (seed % 4 == 0)


@pytest.mark.parametrize(("h", "w"), [(1, 1), (3, 5), (7, 3), (8, 8), (5, 11)])
def test_maze_changed_band_first_and_last_bytes(h: int, w: int) -> None:
    """Differences in the first byte, the last byte (past the last whole 8-byte word) and both."""
    a = np.zeros((h, w, 3), np.uint8)
    for spots in ([(0, 0, 0)], [(h - 1, w - 1, 2)], [(0, 0, 0), (h - 1, w - 1, 2)], [(h // 2, w // 2, 1)]):
        b = a.copy()
        for y, x, c in spots:
            b[y, x, c] = 1
        assert tuple(int(v) for v in jit.changed_band(a, b)) == ref.changed_band(a, b)


@pytest.mark.parametrize("seed", range(4))
def test_maze_floor_offsets_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    floor = rng.uniform(0, 256, 3).astype(np.float32)
    got = (np.empty((32768, 3), np.float32), np.empty((3, 32768), np.float32))
    want = (np.empty((32768, 3), np.float32), np.empty((3, 32768), np.float32))
    jit.floor_offsets(floor, *got)
    ref.floor_offsets(floor, *want)
    for a, b in zip(got, want, strict=True):
        assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(12))
def test_maze_colour_table_matches_reference(seed: int) -> None:
    """Random wall/floor colours and thresholds, thresholds equal to some table distances included."""
    rng = np.random.default_rng(seed)
    floor = rng.uniform(120, 256, 3).astype(np.float32)
    wall = (rng.uniform(0, 256, 3) if seed % 2 else rng.integers(0, 256, 3)).astype(np.float32)
    d, dc = np.empty((32768, 3), np.float32), np.empty((3, 32768), np.float32)
    jit.floor_offsets(floor, d, dc)
    v = wall - floor
    dv = d @ v
    den = np.float32(max(1.0, float(v @ v)))
    saturated = rng.random(32768) < 0.4
    cls = rng.integers(0, 6, 32768).astype(np.uint8)
    t = np.clip(dv / den, 0.0, 1.0)
    perp = np.sqrt(sum((dc[c] - t * v[c]) ** 2 for c in range(3)))
    for thr in (np.float32(rng.uniform(5, 200)), perp[int(rng.integers(32768))], np.float32(70.0)):
        got = jit.colour_table(dc, dv, den, v, thr, saturated, cls)
        assert got.dtype == np.uint8
        assert_array_equal(got, ref.colour_table(dc, dv, den, v, thr, saturated, cls))


@pytest.mark.parametrize("seed", range(30))
def test_maze_changed_band_long_identical_runs(seed: int) -> None:
    """Frames long enough to be skipped in 128-byte blocks: differences at and around block edges, or none."""
    rng = np.random.default_rng(100 + seed)
    h, w = int(rng.integers(20, 90)), int(rng.integers(20, 90))
    a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    b = a.copy()
    flat = b.reshape(-1)
    size = flat.size
    edges = [k * 128 + d for k in range(size // 128 + 1) for d in (-1, 0, 1, 7, 8)]
    edges = [e for e in edges if 0 <= e < size] + [0, size - 1, size - 1 - size % 8]
    for _ in range(seed % 4):
        flat[int(rng.choice(edges)) if rng.random() < 0.7 else int(rng.integers(size))] ^= np.uint8(1)
    assert tuple(int(v) for v in jit.changed_band(a, b)) == ref.changed_band(a, b)


@pytest.mark.parametrize("seed", range(40))
def test_maze_area_rows_matches_reference_and_opencv(seed: int) -> None:
    """Any band of rows of the area downscale equals those rows of OpenCV's INTER_AREA resize, bit for bit."""
    import cv2

    from mmgr.parsers.maze_scale import _area_tables

    rng = np.random.default_rng(300 + seed)
    h, w = int(rng.integers(9, 200)), int(rng.integers(9, 200))
    work = 2 / 3 if seed % 4 == 0 else float(rng.uniform(0.2, 0.95))
    dw, dh = max(8, round(w * work)), max(8, round(h * work))
    tx, ty = _area_tables(w, dw), _area_tables(h, dh)
    if tx is None or ty is None:  # OpenCV's other paths (whole-number factors, upscaling): not reproduced
        return
    if seed % 2:
        src = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    else:  # flat areas and edges, as in rendered mazes
        src = np.repeat(np.repeat(rng.integers(0, 2, (h // 4 + 1, w // 5 + 1, 3), dtype=np.uint8) * 255, 4, 0), 5, 1)
        src = np.ascontiguousarray(src[:h, :w])
    want = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)
    for d0, d1 in ((0, dh), (0, 1), (dh - 1, dh), tuple(sorted(rng.integers(0, dh + 1, 2)))):
        got = np.zeros((dh, dw, 3), np.uint8)
        twin = np.zeros((dh, dw, 3), np.uint8)
        jit.area_rows(src, got, tx[5], tx[6], ty[0], ty[1], ty[2], int(d0), int(d1))
        ref.area_rows(src, twin, tx[5], tx[6], ty[0], ty[1], ty[2], int(d0), int(d1))
        assert_array_equal(got[d0:d1], want[d0:d1])
        assert_array_equal(twin, got)
        assert not got[:d0].any() and not got[d1:].any()
