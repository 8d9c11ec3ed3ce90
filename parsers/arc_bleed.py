"""ARC answer cells: evidence pooled over the final frames, and the widest plausible bleed of a colour.

Design notes:

- **Pooling the final frames.** A video usually holds its answer for several frames, each
  compressed anew: the colour of a cell wobbles from frame to frame (a P-frame's drift, noise),
  and one frame may land a small cell between two palette entries while the frames before it
  do not. ``pooled_samples`` averages each cell's colour over the final frames *whose sample of
  that cell is close to the final frame's* (a cell redrawn in another colour, or the empty panel
  before the answer was drawn, is left out rather than averaged into a third colour).
- **Edge cells clear of the outline.** A cell on the panel's outline is washed out on its outer
  side (the outline, its blur, the page's chroma that 4:2:0 video shares between neighbouring
  pixels), and a window centred in it takes some of that in. ``edge_clear_samples`` samples the
  edge cells a second time with the outer part of the cell left out, and keeps whichever of the
  two samples is the more uniform (the one least mixed with something else); inner cells keep
  the centred sample.
- **Widest bleed.** ``parsers.arc_grid.mixing_residuals`` asks which colour, bled towards the
  *mean* of a cell's neighbours, explains it; on the panel's edge or beside one contrasting
  neighbour the bleed is one-sided and stronger (4:2:0 chroma, blur, rescaling), so that model can
  leave a cell unexplained by its own colour. ``wide_residuals`` is deliberately generous: a label
  explains a cell when bled towards *any single* neighbour (or the surroundings beyond the edge)
  or their mean, by up to half the luma step and three quarters of the chroma step. It is used
  only in one direction: a cell that even this cannot explain as the expected colour is not the
  expected colour, whatever colour it is (``verify.tasks.arc``). It never names a colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from mmgr.parsers.arc_grid import EMPTY, mixing_residuals, sample_cells

__all__ = ["bleed_sources", "edge_clear_samples", "pooled_samples", "wide_residuals"]


def edge_clear_samples(crop: NDArray[np.uint8], rows: int, cols: int, *, margin: int, inset: float = 0.2
                       ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """``sample_cells`` colours and uniformity, the edge cells' taken clear of the outline where that is more uniform.

    Args:
        crop: the rectified panel with ``margin`` pixels of surroundings; rows, cols: the partition.
        inset: share of a pitch on the outline left out of the edge cells' second windows.

    Returns:
        means: (rows, cols, 3) int32; near: (rows, cols) int32 (as ``sample_cells``).
    """
    _ys, _xs, means, near = sample_cells(crop, rows, cols, margin=margin)
    _ys, _xs, m_in, n_in = sample_cells(crop, rows, cols, margin=margin, edge_inset=inset)
    edge = np.zeros((rows, cols), bool)
    edge[[0, -1]] = True
    edge[:, [0, -1]] = True
    take = edge & (n_in >= near)
    return np.where(take[..., None], m_in, means).astype(np.int32), np.where(take, n_in, near).astype(np.int32)


def pooled_samples(samples: Sequence[tuple[NDArray[np.int32], NDArray[np.int32]]], *, tol: float = 40.0
                   ) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int64]]:
    """Each cell's colour averaged over the frames whose sample of it is near the last frame's.

    Args:
        samples: per frame, oldest first, ``(means, near)`` of ``sample_cells`` at one geometry:
            (R, C, 3) int32 colours and (R, C) int32 uniformity percentages. The last is the final frame.
        tol: a frame's sample of a cell counts when within this Euclidean RGB distance of the final
            frame's (compression wobble, not a redrawn cell).

    Returns:
        means: (R, C, 3) int32 rounded average colour; near: (R, C) int32 rounded mean uniformity of the
        frames counted; count: (R, C) frames counted (>= 1: the final frame always is).

    >>> a = np.array([[[200, 190, 0]]], np.int32); b = np.array([[[220, 210, 0]]], np.int32)
    >>> far = np.array([[[0, 0, 255]]], np.int32); u = np.array([[90]], np.int32)
    >>> m, n, k = pooled_samples([(far, u), (a, u), (b, u)])
    >>> m.tolist(), k.tolist()
    ([[[210, 200, 0]]], [[2]])
    """
    last = samples[-1][0].astype(np.float64)
    tot = np.zeros_like(last)
    cnt = np.zeros(last.shape[:2], np.int64)
    unif = np.zeros(last.shape[:2])
    for means, nr in samples:
        m = means.astype(np.float64)
        ok = np.sqrt(((m - last) ** 2).sum(axis=-1)) <= tol
        tot += np.where(ok[..., None], m, 0.0)
        unif += np.where(ok, nr, 0)
        cnt += ok
    return np.round(tot / cnt[..., None]).astype(np.int32), np.round(unif / cnt).astype(np.int32), cnt


def bleed_sources(means: NDArray[np.int32], outside: NDArray[np.float64]) -> NDArray[np.float64]:
    """(R, C, 5, 3) colours a cell may bleed towards: its up, down, left and right neighbours (the
    surroundings ``outside`` beyond the panel's edge), and the mean of those four."""
    m = means.astype(np.float64)
    r, c = m.shape[:2]
    pad = np.empty((r + 2, c + 2, 3))
    pad[:] = np.asarray(outside, np.float64)
    pad[1:-1, 1:-1] = m
    four = [pad[:-2, 1:-1], pad[2:, 1:-1], pad[1:-1, :-2], pad[1:-1, 2:]]
    return np.stack(four + [sum(four) / 4.0], axis=2)


def wide_residuals(means: NDArray[np.int32], uniform: NDArray[np.int32], palette: NDArray[np.int32],
                   labels: NDArray[np.int8], outside: NDArray[np.float64], *, luma_mix: float = 0.5,
                   chroma_mix: float = 0.75, min_uniform: int = 30) -> NDArray[np.float64]:
    """Per label 0-10, how far each cell is from what that label explains under the widest plausible bleed.

    Args:
        means: (R, C, 3) int32 cell colours; uniform: (R, C) int32 percent of the centre near the colour.
        palette: (K, 3) int32 entries; labels: (K,) int8 their labels (0-9, 10 empty).
        outside: (3,) the colour around the panel (the neighbour of an edge cell beyond the edge).
        luma_mix, chroma_mix: how far towards a source the luma / chroma may move (see module notes).
        min_uniform: a cell less uniform than this straddles something: every label explains it (0).

    Returns:
        (R, C, 11) float64 the least residual (luma and chroma levels, as ``mixing_residuals``) over the
        label's entries and the bleed sources; inf where the palette lacks the label.
    """
    r, c = means.shape[:2]
    out = np.full((r, c, EMPTY + 1), np.inf)
    if r * c == 0:
        return out
    src = bleed_sources(means, outside)
    obs = np.ascontiguousarray(means.reshape(-1, 3), dtype=np.int32)
    per = np.min([mixing_residuals(obs, src[:, :, s].reshape(-1, 3), palette, luma_mix=luma_mix,
                                   chroma_mix=chroma_mix) for s in range(src.shape[2])], axis=0).reshape(r, c, -1)
    labels = np.asarray(labels, np.int64)
    for v in np.unique(labels):
        out[..., v] = per[..., labels == v].min(axis=-1)
    out[uniform < min_uniform] = np.where(np.isinf(out[uniform < min_uniform]), np.inf, 0.0)
    return out
