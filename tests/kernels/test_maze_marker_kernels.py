"""The numba maze marker kernels agree exactly with their plain-numpy twins (and OpenCV)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import mmgr.kernels._reference.maze_markers as ref
import mmgr.kernels.maze_markers as jit


@pytest.mark.parametrize("seed", range(10))
def test_maze_class_boxes_matches_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    labels = np.where(rng.random((h, w)) < 0.3 * (seed % 4), rng.integers(0, 8, (h, w)), 0).astype(np.uint8)
    assert_array_equal(jit.class_boxes(labels, 5), ref.class_boxes(labels, 5))


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


@pytest.mark.parametrize("seed", range(30))
def test_maze_marker_blobs_rows_follows_changed_rows(seed: int) -> None:
    """Class images and colours changed a band of rows at a time (a moving blob, a still one, specks, thresholds
    that change): each update equals ``marker_blobs`` of the whole images and the twin's boxes."""
    rng = np.random.default_rng(1500 + seed)
    h, w = int(rng.integers(8, 60)), int(rng.integers(8, 60))
    hue = _blob_image(rng, h, w)
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    min_count = 4.0
    prev, boxes = jit.marker_blobs_rows(hue, rgb, 3, min_count, np.empty((0, 13), np.int64),
                                        np.zeros((4, 6), np.int64), 0, 0)
    assert_array_equal(prev, jit.marker_blobs(hue, rgb, 3, min_count))
    for step in range(8):
        y0, y1 = sorted(int(v) for v in rng.integers(0, h + 1, 2))
        hue, rgb = hue.copy(), rgb.copy()
        if step % 3 == 0 and y1 > y0:  # a blob moves within the band
            hue[y0:y1] = 0
            y = int(rng.integers(y0, y1))
            hue[y:min(y1, y + 4), 2:6] = int(rng.integers(1, 4))
        elif y1 > y0:
            hue[y0:y1] = _blob_image(rng, h, w)[y0:y1]
        rgb[y0:y1] = rng.integers(0, 256, (y1 - y0, w, 3), dtype=np.uint8)
        min_count = float(rng.choice([1.0, 4.0, 9.0])) if step % 4 == 3 else min_count
        got, got_boxes = jit.marker_blobs_rows(hue, rgb, 3, min_count, prev, boxes, y0, y1)
        want, want_boxes = ref.marker_blobs_rows(hue, rgb, 3, min_count, prev, boxes, y0, y1)
        assert_array_equal(got, jit.marker_blobs(hue, rgb, 3, min_count))
        assert_array_equal(got, want)
        assert_array_equal(got_boxes, want_boxes)
        prev, boxes = got, got_boxes
