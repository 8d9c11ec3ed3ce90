"""ARC answer cells: pooling the final frames, the widest bleed of a colour, edge cells sampled clear of the outline."""

from __future__ import annotations

import numpy as np

from mmgr.parsers.arc_bleed import bleed_sources, edge_clear_samples, pooled_samples, wide_residuals
from mmgr.parsers.arc_grid import ARC_RGB, EMPTY, sample_cells

YELLOW, BLACK, ORANGE = 4, 0, 7
PAGE = np.array([240.0, 240.0, 240.0])
PALETTE = np.concatenate([ARC_RGB, PAGE[None].astype(np.int32)])
LABELS = np.array(list(range(10)) + [EMPTY], np.int8)


def test_pooled_samples_average_alike_frames_and_leave_out_a_redrawn_cell() -> None:
    u = np.full((1, 2), 90, np.int32)
    blank = np.array([[[240, 240, 240], [240, 240, 240]]], np.int32)  # before the answer was drawn
    f1 = np.array([[[241, 203, 0], [0, 116, 217]]], np.int32)
    f2 = np.array([[[232, 194, 0], [0, 116, 217]]], np.int32)
    f3 = np.array([[[223, 184, 0], [255, 65, 54]]], np.int32)  # cell 1 redrawn red in the last frame
    means, near, count = pooled_samples([(blank, u), (f1, u), (f2, u), (f3, u // 2)])
    assert count.tolist() == [[3, 1]]
    assert means[0, 0].tolist() == [232, 194, 0]  # the three yellow frames, not the blank panel
    assert means[0, 1].tolist() == [255, 65, 54]  # the final frame's colour, never a blue-red blend
    assert near.tolist() == [[75, 45]]
    # one frame: itself
    m1, n1, c1 = pooled_samples([(f1, u)])
    assert np.array_equal(m1, f1) and np.array_equal(n1, u) and c1.tolist() == [[1, 1]]


def test_bleed_sources_are_the_four_neighbours_the_outside_beyond_the_edge_and_their_mean() -> None:
    means = np.arange(2 * 3 * 3, dtype=np.int32).reshape(2, 3, 3)
    src = bleed_sources(means, PAGE)
    assert src.shape == (2, 3, 5, 3)
    assert src[0, 1, 0].tolist() == PAGE.tolist()  # up: beyond the top edge
    assert src[0, 1, 1].tolist() == means[1, 1].tolist()  # down
    assert src[0, 1, 2].tolist() == means[0, 0].tolist() and src[0, 1, 3].tolist() == means[0, 2].tolist()
    assert np.allclose(src[0, 1, 4], src[0, 1, :4].mean(axis=0))


def test_wide_residuals_explain_a_one_sided_bleed_but_not_another_colour() -> None:
    # a yellow cell on the panel's left edge among yellow ones, its outer side washed towards the page
    # (chroma halved, luma kept): yellow still explains it under the wide model
    means = np.tile(ARC_RGB[YELLOW], (3, 3, 1)).astype(np.int32)
    means[1, 0] = [242, 221, 78]
    uniform = np.full((3, 3), 90, np.int32)
    wide = wide_residuals(means, uniform, PALETTE, LABELS, PAGE)
    assert wide.shape == (3, 3, EMPTY + 1)
    assert wide[1, 0, YELLOW] < 30
    # a yellow cell among black ones is nothing black bled anywhere explains, far or near
    means = np.zeros((3, 3, 3), np.int32)
    means[1, 1] = [197, 232, 1]
    wide = wide_residuals(means, uniform, PALETTE, LABELS, PAGE)
    assert wide[1, 1, BLACK] > 150 and wide[1, 1, YELLOW] < wide[1, 1, BLACK] / 3
    # orange and yellow next to each other stay close calls (the wide model never decides between them)
    means[1, 1], means[0, 1] = ARC_RGB[ORANGE], ARC_RGB[YELLOW]
    wide = wide_residuals(means, uniform, PALETTE, LABELS, PAGE)
    assert wide[1, 1, YELLOW] < 60
    # a window straddling an edge (not uniform) is explained by anything
    uniform[1, 1] = 10
    wide = wide_residuals(means, uniform, PALETTE, LABELS, PAGE)
    assert (wide[1, 1] == 0).all() and (wide[0, 0, YELLOW] > 0)
    # a label the palette lacks explains nothing
    wide = wide_residuals(means, np.full((3, 3), 90, np.int32), PALETTE[:10], LABELS[:10], PAGE)
    assert np.isinf(wide[..., EMPTY]).all()


def test_edge_inset_moves_only_the_edge_cells_windows_off_the_outline() -> None:
    # a horizontal ramp (colour = x): a window's colour is where it sits; 8 cells of 8 px, a 3 px margin
    m, cells, pitch = 3, 8, 8
    w = cells * pitch + 2 * m
    ramp = np.broadcast_to((np.arange(w) * 3)[None, :, None], (w, w, 3)).astype(np.uint8).copy()
    _ys, _xs, plain, _n = sample_cells(ramp, cells, cells, margin=m)
    _ys, _xs, inset, _n = sample_cells(ramp, cells, cells, margin=m, edge_inset=0.25)
    _ys, _xs, zero, _n = sample_cells(ramp, cells, cells, margin=m, edge_inset=0.0)
    assert np.array_equal(zero, plain)
    assert np.array_equal(inset[:, 1:-1], plain[:, 1:-1])  # inner cells untouched
    assert (inset[:, 0, 0] > plain[:, 0, 0]).all()  # the left column sampled further right
    assert (inset[:, -1, 0] < plain[:, -1, 0]).all()  # the right column further left
    assert (inset[:, -1, 0] > plain[:, -2, 0]).all()  # still inside its own cell


def test_edge_clear_samples_keep_the_more_uniform_of_the_centred_and_the_inset_window() -> None:
    # 6 x 6 cells of 8 px with 1-px grid lines; the left column's outer 3 px washed towards the page
    m, n, p = 3, 6, 8
    size = n * p + 1 + 2 * m
    crop = np.full((size, size, 3), 240, np.uint8)
    crop[m:size - m, m:size - m] = ARC_RGB[YELLOW]
    for k in range(n + 1):
        crop[m + k * p, m:size - m] = 60
        crop[m:size - m, m + k * p] = 60
    for r in range(n):
        crop[m + r * p + 1:m + (r + 1) * p, m + 1:m + 4] = [200, 200, 120]
    _ys, _xs, centred, near0 = sample_cells(crop, n, n, margin=m)
    means, near = edge_clear_samples(crop, n, n, margin=m, inset=0.3)
    assert (near[:, 0] > near0[:, 0]).all()  # the inset windows leave the washed-out strip out
    assert (means[:, 0] == ARC_RGB[YELLOW]).all() and (near[:, 0] == 100).all()
    assert np.array_equal(means[:, 1:], centred[:, 1:]) and np.array_equal(near[:, 1:], near0[:, 1:])
