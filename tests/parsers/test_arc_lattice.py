"""ARC cell lattice: sub-pixel fit to the panel's colour steps, centre sampling of small degraded cells."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mmgr.parsers.arc_grid import (
    AMBIGUOUS,
    ARC_RGB,
    MARGIN,
    Box,
    Panel,
    fit_axis,
    fit_lattice,
    mixed_labels,
    quantize,
    sample_cells,
)
from mmgr.verify.synth.arc import Style, draw_grid


def _scaled_grid(grid: np.ndarray, pitch: int, scale: float) -> tuple[np.ndarray, Box]:
    """A grid drawn on the page, the whole canvas resized by ``scale`` (INTER_AREA); its box after resizing."""
    canvas = np.full((2 * 20 + grid.shape[0] * pitch + 1, 2 * 20 + grid.shape[1] * pitch + 1, 3), 240, np.uint8)
    draw_grid(canvas, grid, 20, 20, pitch, Style())
    h, w = canvas.shape[:2]
    small = cv2.resize(canvas, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    # the outline as the panel finder sees it: pixels that differ from the page
    fg = np.abs(small.astype(int) - 240).sum(axis=2) > 48
    ys, xs = np.nonzero(fg)
    return small, Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def test_fit_lattice_finds_subpixel_pitch_and_offset() -> None:
    # 10 cells of pitch 4.3 px starting at 5.6: the steps sit on the boundaries
    prof = np.zeros(60)
    for k in range(11):
        t = 5.6 + 4.3 * k
        i = int(np.floor(t))
        prof[i] += 1.0 - (t - i)
        prof[i + 1] += t - i
    a, e = fit_lattice(prof, 10, 5.0, 49.0)
    assert abs(a - 5.6) <= 0.15 and abs(e - 48.6) <= 0.15


def test_fit_lattice_keeps_the_nominal_outline_on_a_flat_profile() -> None:
    assert fit_lattice(np.zeros(40), 5, 3.25, 33.75) == pytest.approx((3.25, 33.75), abs=1e-9)


def test_rectify_keeps_a_margin_of_the_surroundings() -> None:
    img = np.arange(20 * 30 * 3, dtype=np.uint32).reshape(20, 30, 3).astype(np.uint8)
    p = Panel.from_box(Box(5, 4, 15, 12))
    crop = p.rectify(img, 3)
    assert crop.shape == (8 + 6, 10 + 6, 3)
    assert np.array_equal(crop, img[1:15, 2:18])
    # at the frame's edge the border pixels repeat
    edge = Panel.from_box(Box(0, 0, 6, 6)).rectify(img, 2)
    assert edge.shape == (10, 10, 3) and np.array_equal(edge[0, 2:], img[0, :8])


def _chroma_420(img: np.ndarray) -> np.ndarray:
    """H.264's 4:2:0 sampling: colour (chroma) kept at half resolution, brightness at full."""
    ycc = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb)
    h, w = ycc.shape[:2]
    for ch in (1, 2):
        half = cv2.resize(ycc[:, :, ch], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        ycc[:, :, ch] = cv2.resize(half, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)


@pytest.mark.parametrize(("scale", "min_read"), [(1.0, 0.99), (0.8, 0.99), (0.6, 0.9)])
def test_small_cells_read_after_rescaling_blur_and_chroma_subsampling(scale: float, min_read: float) -> None:
    # a 30x30 grid of 7 px cells (the renderer's largest grids) shrunk to 4.2-5.6 px, blurred, its
    # colour at half resolution, and its outline found a pixel too large on two sides (blur widens
    # it): the lattice is found from the lines themselves, and no cell is misread (the old equal
    # split of the outline box read 89% of the cells at 0.8 and 58% at 0.6, with 41 misreads)
    rng = np.random.default_rng(3)
    grid = rng.integers(0, 10, (30, 30)).astype(np.int8)
    img, box = _scaled_grid(grid, 7, scale)
    img = _chroma_420(cv2.GaussianBlur(img, (0, 0), 0.5))
    box = Box(box.x0 - 1, box.y0 - 1, box.x1 + 1, box.y1)
    crop = Panel.from_box(box).rectify(img, MARGIN)
    _ys, _xs, means, near = sample_cells(crop, 30, 30, margin=MARGIN)
    lab = quantize(means, near, ARC_RGB, None)
    assert (lab == grid).mean() >= min_read
    assert ((lab != grid) & (lab != -1)).sum() == 0  # never a confident misread


def test_mixed_labels_reads_washed_out_lone_cells_and_abstains_between_explanations() -> None:
    # centres as read from H.264 (crf 35): a lone azure cell among black ones loses half its chroma
    # (plain nearest-colour is torn between azure and grey); a grey cell there stays grey; a cell
    # among grey ones that is darker than either azure or grey fits neither clearly
    labels = np.arange(10, dtype=np.int8)
    means = np.zeros((3, 3, 3), np.int32)
    uniform = np.full((3, 3), 100, np.int32)
    for centre, plain, mixed in (([157, 199, 215], AMBIGUOUS, 8), ([167, 167, 165], 5, 5)):
        means[1, 1] = centre
        assert quantize(means, uniform, ARC_RGB, labels)[1, 1] == plain
        lab, res = mixed_labels(means, uniform, ARC_RGB, labels)
        assert lab[1, 1] == mixed and (lab[[0, 0, 2, 2], [0, 2, 0, 2]] == 0).all()
        assert res.shape == (3, 3, 11) and np.isinf(res[..., 10]).all()
    grey = np.full((3, 3, 3), 170, np.int32)
    grey[1, 1] = [133, 174, 176]
    assert mixed_labels(grey, uniform, ARC_RGB, labels)[0][1, 1] == AMBIGUOUS
    uniform[1, 1] = 10  # not uniform: never read
    means[1, 1] = [157, 199, 215]
    assert mixed_labels(means, uniform, ARC_RGB, labels)[0][1, 1] == AMBIGUOUS


def _lines_profile(n: int, pitch: float, start: float, spread: float, length: int) -> np.ndarray:
    """An edge profile: a blurred line's two edges ``spread`` px either side of each boundary."""
    prof = np.zeros(length + 1)
    for k in range(n + 1):
        for t in (start + k * pitch - spread, start + k * pitch + spread):
            i = int(round(t))
            if 0 <= i <= length:
                prof[i] += 0.5
    return prof


def test_fit_axis_counts_blurred_lines_whose_outline_grew() -> None:
    # 30 cells of 7 px, the outline found 3 px out (blur) and each line's two edges 2 px off its
    # boundary: 30 (the old whole-pixel, quarter-pitch zone found no consistent count)
    prof = _lines_profile(30, 7.0, 3.0, 2.0, 216)
    assert fit_axis(prof) == fit_axis(prof, hint=30)
    assert fit_axis(prof).n == 30 and fit_axis(prof).lines == 1.0


def test_fit_axis_does_not_take_stripes_every_third_cell_for_a_coarser_grid() -> None:
    # 26 cells of 8 px: faint lines everywhere, strong edges only about every third cell (one-cell
    # stripes); a 9-cell partition (24-px cells) once put every edge within a quarter cell of its
    # boundaries and read as grid lines
    prof = np.zeros(211)
    prof[1 + 8 * np.arange(27)] = 0.15  # the lines, faint after blur
    for k in range(2, 27, 3):
        for e in (1 + 8 * k, 1 + 8 * (k + 1)):
            if e <= 210:
                prof[e] = 1.0
    assert fit_axis(prof, hint=26).n == 26
