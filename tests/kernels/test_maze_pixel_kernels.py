"""The numba maze pixel kernels agree exactly with their plain-numpy twins."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_pixels as ref
import mmgr.kernels.maze_pixels as jit


def _maze_like(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A wall mask: random blocks, an outer frame somewhere inside, noise."""
    wall = (rng.random((h, w)) < 0.15).astype(np.uint8)
    y0, x0 = rng.integers(0, h // 3), rng.integers(0, w // 3)
    y1, x1 = rng.integers(2 * h // 3, h), rng.integers(2 * w // 3, w)
    wall[y0, x0:x1] = wall[y1 - 1, x0:x1] = 1
    wall[y0:y1, x0] = wall[y0:y1, x1 - 1] = 1
    return wall


@pytest.mark.parametrize("seed", range(30))
def test_maze_enclosed_box_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    wall = _maze_like(rng, h, w) if seed % 5 else (rng.random((h, w)) < 0.02 * (seed % 3)).astype(np.uint8)
    nonwall = ((wall == 0) & (rng.random((h, w)) < 0.9)).astype(np.uint8)
    exclude = (rng.random((h, w)) < 0.1).astype(np.uint8)
    for use in (False, True):
        assert_array_equal(jit.enclosed_box(wall, nonwall, exclude, use), ref.enclosed_box(wall, nonwall, exclude, use))


def test_maze_enclosed_box_empty() -> None:
    z = np.zeros((8, 9), np.uint8)
    assert_array_equal(jit.enclosed_box(z, 1 - z, z, False), [-1, -1, -1, -1])
    assert_array_equal(ref.enclosed_box(z, 1 - z, z, False), [-1, -1, -1, -1])


@pytest.mark.parametrize("seed", range(10))
def test_maze_class_boxes_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    labels = np.where(rng.random((h, w)) < 0.3 * (seed % 4), rng.integers(0, 8, (h, w)), 0).astype(np.uint8)
    assert_array_equal(jit.class_boxes(labels, 5), ref.class_boxes(labels, 5))


@pytest.mark.parametrize("density", [0.002, 0.01, 0.05, 0.3, 0.7])
def test_maze_enclosed_box_sparse_and_dense_walls(density: float) -> None:
    """Rows with one wall pixel, rows with none, nearly solid masks: the same box as the twin."""
    rng = np.random.default_rng(int(density * 1000))
    for _ in range(10):
        h, w = int(rng.integers(1, 80)), int(rng.integers(1, 80))
        wall = (rng.random((h, w)) < density).astype(np.uint8)
        nonwall = ((wall == 0) & (rng.random((h, w)) < 0.95)).astype(np.uint8)
        exclude = (rng.random((h, w)) < 0.05).astype(np.uint8)
        for use in (False, True):
            assert_array_equal(jit.enclosed_box(wall, nonwall, exclude, use),
                               ref.enclosed_box(wall, nonwall, exclude, use))


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


@pytest.mark.parametrize("seed", range(8))
def test_maze_wall_values_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    mask = (rng.random((h, w)) < 0.4).astype(np.uint8)
    rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    per = 1 if seed % 2 else 9
    n_val = int(rng.integers(0, 2 * rows * cols + 1))
    n = n_val * per
    ya, yb = np.sort(rng.integers(0, h + 1, (2, n)), axis=0)  # empty boxes (ya == yb) included
    xa, xb = np.sort(rng.integers(0, w + 1, (2, n)), axis=0)
    ok = rng.random(n) < 0.8
    area = np.maximum(1, (yb - ya) * (xb - xa))
    target = np.sort(rng.choice(2 * rows * cols, n_val, replace=False))
    args = [np.ascontiguousarray(a, np.int64) for a in (ya, yb, xa, xb)]
    area64, target64 = np.ascontiguousarray(area, np.int64), target.astype(np.int64)
    got = jit.wall_values(mask, *args, ok, area64, per, target64, rows, cols)
    want = ref.wall_values(mask, *args, ok, area, per, target, rows, cols)
    assert got.dtype == np.float32
    assert_array_equal(got, want)


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


@pytest.mark.parametrize("seed", range(12))
def test_maze_any_core_matches_reference_and_opencv(seed: int) -> None:
    import cv2

    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 25)), int(rng.integers(1, 25))
    labels = np.where(rng.random((h, w)) < 0.5 + 0.04 * seed, 3, rng.integers(0, 3, (h, w))).astype(np.uint8)
    eroded = cv2.erode((labels == 3).view(np.uint8), np.ones((3, 3), np.uint8))  # default border: outside = set
    boxes = [(0, h, 0, w), (h // 3, h, 0, w // 2), (0, 1, 0, w), (h - 1, h, w - 1, w)]
    for _ in range(8):
        (y0, y1), (x0, x1) = np.sort(rng.integers(0, h + 1, 2)), np.sort(rng.integers(0, w + 1, 2))
        boxes.append((int(y0), int(max(y1, y0 + 1)) if y0 < h else h, int(x0), int(max(x1, x0 + 1)) if x0 < w else w))
    for y0, y1, x0, x1 in boxes:
        want = bool(eroded[y0:y1, x0:x1].any())
        assert jit.any_core(labels, 3, y0, y1, x0, x1) == ref.any_core(labels, 3, y0, y1, x0, x1) == want


@pytest.mark.parametrize(("h", "w"), [(1, 1), (3, 5), (7, 3), (8, 8), (5, 11)])
def test_maze_changed_band_first_and_last_bytes(h: int, w: int) -> None:
    """Differences in the first byte, the last byte (past the last whole 8-byte word) and both."""
    a = np.zeros((h, w, 3), np.uint8)
    for spots in ([(0, 0, 0)], [(h - 1, w - 1, 2)], [(0, 0, 0), (h - 1, w - 1, 2)], [(h // 2, w // 2, 1)]):
        b = a.copy()
        for y, x, c in spots:
            b[y, x, c] = 1
        assert tuple(int(v) for v in jit.changed_band(a, b)) == ref.changed_band(a, b)


def _blob_image(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A class image: rectangles and discs of classes 1..3 on noise (one-pixel specks, thin lines)."""
    hue = np.where(rng.random((h, w)) < 0.05, rng.integers(1, 4, (h, w)), 0).astype(np.uint8)
    for _ in range(int(rng.integers(1, 6))):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        hue[y:y + int(rng.integers(2, 9)), x:x + int(rng.integers(2, 9))] = int(rng.integers(1, 4))
    return hue


@pytest.mark.parametrize("seed", range(25))
def test_maze_marker_blobs_matches_reference_and_opencv(seed: int) -> None:
    import cv2

    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(3, 50)), int(rng.integers(3, 50))
    hue = _blob_image(rng, h, w)
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    got = jit.marker_blobs(hue, rgb, 3, 4.0)
    assert_array_equal(got, ref.marker_blobs(hue, rgb, 3, 4.0))
    # OpenCV, as the marker reader used it: same components, boxes, areas and centroids, in its label order
    want = []
    for k in range(1, 4):
        rows = got[got[:, 0] == k]
        if rows.size == 0:
            continue
        ox, oy = int(rows[0, 1]), int(rows[0, 2])
        ys, xs = np.nonzero(hue == k)
        m = (hue[oy:ys.max() + 3, ox:xs.max() + 3] == k).view(np.uint8)
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        n, _, stats, cents = cv2.connectedComponentsWithStats(m, connectivity=8)
        want += [(k, *stats[j].tolist(), *cents[j].tolist()) for j in range(1, n)]
    have = [(int(r[0]), int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7]), r[8] / r[7], r[9] / r[7]) for r in got]
    assert have == want


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


@pytest.mark.parametrize("seed", range(16))
def test_maze_class_boxes_large_sparse_images(seed: int) -> None:
    """Images of many 64-byte blocks, mostly empty: labels at block and word edges, labels above n, none."""
    rng = np.random.default_rng(200 + seed)
    h, w = int(rng.integers(8, 130)), int(rng.integers(8, 130))
    labels = np.zeros((h, w), np.uint8)
    flat = labels.reshape(-1)
    spots = [k * 64 + d for k in range(flat.size // 64 + 1) for d in (-1, 0, 7, 8, 63)]
    spots = [s for s in spots if 0 <= s < flat.size] + [flat.size - 1]
    for _ in range(int(rng.integers(0, 12)) * (seed % 4 != 0)):
        i = int(rng.choice(spots)) if rng.random() < 0.6 else int(rng.integers(flat.size))
        flat[i] = int(rng.integers(1, 8))
    y, x = int(rng.integers(h)), int(rng.integers(w))
    labels[y:y + 5, x:x + 6] = 2 if seed % 3 else 0  # a marker-like patch
    assert_array_equal(jit.class_boxes(labels, 5), ref.class_boxes(labels, 5))


@pytest.mark.parametrize("seed", range(40))
def test_maze_area_rows_matches_reference_and_opencv(seed: int) -> None:
    """Any band of rows of the area downscale equals those rows of OpenCV's INTER_AREA resize, bit for bit."""
    import cv2

    from mmgr.parsers.maze import _area_tables

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
        jit.area_rows(src, got, tx[0], tx[1], tx[2], ty[0], ty[1], ty[2], int(d0), int(d1))
        ref.area_rows(src, twin, tx[0], tx[1], tx[2], ty[0], ty[1], ty[2], int(d0), int(d1))
        assert_array_equal(got[d0:d1], want[d0:d1])
        assert_array_equal(twin, got)
        assert not got[:d0].any() and not got[d1:].any()


@pytest.mark.parametrize("seed", range(8))
def test_maze_walls_uncovered_matches_reference(seed: int) -> None:
    """One call: the wall values of a mask, -1 where a cover mask's values exceed the float32 threshold."""
    rng = np.random.default_rng(500 + seed)
    h, w = int(rng.integers(4, 40)), int(rng.integers(4, 40))
    wall = (rng.random((h, w)) < 0.4).astype(np.uint8)
    cover = (rng.random((h, w)) < 0.1 * (seed % 3)).astype(np.uint8)
    rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    per = 1 if seed % 2 else 9
    n_val = int(rng.integers(0, 2 * rows * cols + 1))
    n = n_val * per
    ya, yb = np.sort(rng.integers(0, h + 1, (2, n)), axis=0)
    xa, xb = np.sort(rng.integers(0, w + 1, (2, n)), axis=0)
    boxes = [np.ascontiguousarray(a, np.int64) for a in (ya, yb, xa, xb)]
    ok = rng.random(n) < 0.8
    area = np.ascontiguousarray(np.maximum(1, (yb - ya) * (xb - xa)), np.int64)
    target = np.sort(rng.choice(2 * rows * cols, n_val, replace=False)).astype(np.int64)
    for thr in (np.float32(0.02), np.float32(0.0), np.float32(1 / 9)):  # 1/9: a reading equal to the threshold
        got = jit.walls_uncovered(wall, cover, *boxes, ok, area, per, target, rows, cols, thr)
        want = ref.walls_uncovered(wall, cover, *boxes, ok, area, per, target, rows, cols, thr)
        assert got.dtype == np.float32
        assert_array_equal(got, want)
        walls = jit.wall_values(wall, *boxes, ok, area, per, target, rows, cols)
        covered = jit.wall_values(cover, *boxes, ok, area, per, target, rows, cols)
        assert_array_equal(got, np.where(covered > float(thr), np.float32(-1), walls))  # as the parse masked before


@pytest.mark.parametrize("seed", range(20))
def test_maze_marker_blobs_tangled_shapes(seed: int) -> None:
    """Dense random classes (U shapes, diagonal joins, components merging rows below their start): as the twin."""
    rng = np.random.default_rng(600 + seed)
    h, w = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    blocky = rng.random((h // 2 + 1, w // 2 + 1)) < 0.3 + 0.03 * (seed % 10)
    hue = np.where(np.repeat(np.repeat(blocky, 2, 0), 2, 1)[:h, :w], 1 + seed % 3, 0).astype(np.uint8)
    hue[rng.random((h, w)) < 0.1] = 0  # holes and nicks
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    assert_array_equal(jit.marker_blobs(hue, rgb, 3, 1.0), ref.marker_blobs(hue, rgb, 3, 1.0))
