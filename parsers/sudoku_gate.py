"""The Sudoku reader's change gate, and the board-colour and ink helpers it shares with the reader.

While the camera is still, ``_SourceGate`` compares 4x4-pixel block means of the board's region
of each frame (on noisy frames, means of 2 x 2 such blocks) with those of the last warp, and warps
again only the cells whose source pixels moved (see ``mmgr.parsers.sudoku`` for the reader around it).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.board import block_means4, gate_feeds, gate_step, ink_into, median_colour
from mmgr.parsers.digits import CELL_PX

PAD = CELL_PX // 4

_BG_LATTICE = (slice(PAD + 3, -PAD, 7), slice(PAD + 3, -PAD, 7))  # canonical pixels the background is taken from


def _bg_scalar(bg: NDArray[np.float64]) -> NDArray[np.int64]:
    """The background colour rounded to whole levels (round() halves to even, as np.round), clipped to 0..255."""
    return np.array([min(255, max(0, round(v))) for v in bg.tolist()], np.int64)


def _ink_from(warped: NDArray[np.uint8], scalar: NDArray[np.int64]) -> NDArray[np.uint8]:
    """Per-pixel ink: the largest per-channel distance from the (rounded) background colour."""
    out = np.empty(warped.shape[:2], np.uint8)
    ink_into(warped, scalar, out)
    return out


def _median_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Per-channel median (``np.median``'s value, from 256-bin counts: kernels/board.py)."""
    return median_colour(np.ascontiguousarray(pixels).reshape(-1, 3))


_GATE_BLOCK = 4         # side (source px) of the blocks whose means the change gate compares
_GATE_DIFF = 8          # a block whose mean moved by more than this (levels, any channel) changed
# noisy frames (kernels/board.gate_changes): past this share of the board's block values differing from
# the frame before, blocks are compared by groups of 2 x 2, and a block alone once it has stayed moved
# (by twice _GATE_DIFF) for _GATE_PERSIST frames in a row. Noise drawn afresh on every frame (sigma 8)
# otherwise moved some block of most cells on every frame. In the benchmark's degraded streams (seed 0)
# the median frame differs from the one before in 0.19-0.83 of its values with such noise, and in at
# most 0.065 without it (a frame with much change, such as a hand, can pass 0.1 now and then).
_GATE_NOISY = 0.1
_GATE_PERSIST = 3
_GATE_MARGIN = 4        # canonical px beyond a cell that its reading looks at (shifted crops: 3 px)
_GATE_MAX_SHARE = 0.5   # above this share of cells to warp again, the whole board is warped and checked
_NO_CELLS = np.zeros(0, bool)  # gate_step's "always" when no cell is to be warped again regardless


def _block_means(rgb: NDArray[np.uint8], roi: tuple[int, int, int, int]) -> NDArray[np.uint8]:
    """Means of the 4 x 4-pixel blocks of the region ``roi`` (y0, y1, x0, x1; sides multiples of 4)
    of a frame: two rounding 2 x 2 halvings (kernels/board.py), so +-1 level."""
    assert _GATE_BLOCK == 4
    return block_means4(np.ascontiguousarray(rgb), *roi)


class _SourceGate:
    """Which cells can have changed since they were last warped, decided in the source frame.

    After a full warp the gate keeps the block means (``_GATE_BLOCK`` px) of the board's region
    of the frame and, for each block, the (at most 2 x 2) cells whose canonical pixels it feeds,
    bilinear support and ``_GATE_MARGIN`` included. On a later frame only blocks whose mean moved
    by more than ``_GATE_DIFF`` in some channel are followed to their cells, and only those cells
    (one remap per row of cells) are warped again into the kept canonical ink image; a still
    board costs one small resize. Where much of the board changed (camera motion, a large
    occluder, a cut) ``update`` returns None and the caller warps the whole board and checks its
    grid again. Compression noise moves block means little, and a stroke moves them a lot; on a
    frame with noise drawn afresh (``_GATE_NOISY``) the means of 2 x 2 blocks are compared, and a
    block alone once it has stayed moved a few frames (a small stroke within it).
    """

    def __init__(self, roi: tuple[int, int, int, int], shape: tuple[int, ...], means: NDArray[np.uint8],
                 feeds: NDArray[np.intp], n: int, g: dict[str, Any]) -> None:
        self.roi, self.shape, self.means, self.feeds, self.n = roi, shape, means, feeds, n
        self.last = means.copy()  # the block means of the last frame (the noise test)
        self.runs = np.zeros(means.shape[:2], np.uint8)  # noisy frames in a row each block stayed moved
        self.ink: NDArray[np.uint8] = g["ink"]
        self.bg: NDArray[np.float64] = g["bg"]
        self.score: float = g["score"]
        self.lattice: tuple[Any, Any] = (None, None)
        self.hm: NDArray[np.float64] | None = None

    @classmethod
    def start(cls, rgb: NDArray[np.uint8], n: int, hm: NDArray[np.float64], g: dict[str, Any],
              maps: tuple[Any, Any], prev: _SourceGate | None = None) -> _SourceGate | None:
        """A gate for a board just warped whole with ``maps`` (None when blocks would feed more than
        2 x 2 cells). The region, feeds and lattice of ``prev`` are taken over when it was made for
        the same homography object (never changed in place) and frame size."""
        if prev is not None and prev.hm is hm and prev.n == n and prev.shape == rgb.shape:
            gate = cls(prev.roi, rgb.shape, _block_means(rgb, prev.roi), prev.feeds, n, g)
            gate.lattice, gate.hm = prev.lattice, hm
            return gate
        b, size = _GATE_BLOCK, n * CELL_PX + 2 * PAD
        h, w = rgb.shape[:2]
        corners = np.array([[[0, 0], [size, 0], [size, size], [0, size]]], np.float64)
        src = cv2.perspectiveTransform(corners, np.linalg.inv(hm))[0]
        lo, hi = np.floor(src.min(axis=0)).tolist(), np.ceil(src.max(axis=0)).tolist()
        x0 = int(min(max(lo[0] - 2, 0), w))
        y0 = int(min(max(lo[1] - 2, 0), h))
        x1 = x0 + (int(min(max(hi[0] + 2, 0), w)) - x0) // b * b
        y1 = y0 + (int(min(max(hi[1] + 2, 0), h)) - y0) // b * b
        bh, bw = (y1 - y0) // b, (x1 - x0) // b
        if bh < 1 or bw < 1:
            return None
        # canonical footprint of each block, grown by one source pixel (bilinear support) and the
        # margin, as the cells it reaches (kernels/board.py)
        pts = np.empty((bh + 1, bw + 1, 2), np.float64)
        pts[..., 0] = np.arange(x0, x0 + b * bw + 1, b, dtype=np.float64)[None, :]
        pts[..., 1] = np.arange(y0, y0 + b * bh + 1, b, dtype=np.float64)[:, None]
        uv = cv2.perspectiveTransform(pts.reshape(1, -1, 2), hm)[0].reshape(bh + 1, bw + 1, 2)
        feeds, ok = gate_feeds(uv, n, b, CELL_PX, PAD, _GATE_MARGIN)
        if not ok:
            return None
        means = _block_means(rgb, (y0, y1, x0, x1))
        gate = cls((y0, y1, x0, x1), rgb.shape, means, feeds, n, g)
        # the remap table of the background lattice: the same pixels _board_bg takes from a full warp
        gate.lattice = (np.ascontiguousarray(maps[0][_BG_LATTICE]), np.ascontiguousarray(maps[1][_BG_LATTICE]))
        gate.hm = hm
        return gate

    def update(self, rgb: NDArray[np.uint8], maps: tuple[Any, Any],
               always: NDArray[np.bool_] | None) -> dict[str, Any] | None:
        """Warp again what changed (and the ``always`` cells); None = warp the whole board instead."""
        if rgb.shape != self.shape:
            return None
        n = self.n
        if always is None or always.shape != (n * n,):
            always = _NO_CELLS
        # one call (kernels/board.gate_step): moved blocks take this frame's means (in place; a gate
        # that gives up is dropped anyway); the board's colour may drift (fades, exposure), so when
        # cells are warped again it is measured again as a full warp would
        dirty = np.empty(n * n, bool)  # cells whose ink is written again (for the caller's summary)
        bg, scalar = np.empty(3), np.empty(3, np.int64)
        count, rects = gate_step(np.ascontiguousarray(rgb), *self.roi, self.means, self.last, self.runs, self.feeds,
                                 _GATE_DIFF, n, always, _GATE_MAX_SHARE * n * n, *self.lattice, CELL_PX, PAD,
                                 _GATE_MARGIN, dirty, bg, scalar, _GATE_NOISY, _GATE_PERSIST)
        if count < 0:
            return None
        if count:
            self.bg = bg
            for ya, yb, xa, xb in rects.tolist():  # OpenCV's remap: ~3x faster than a scalar loop
                patch = cv2.remap(rgb, maps[0][ya:yb, xa:xb], maps[1][ya:yb, xa:xb], cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
                ink_into(patch, scalar, self.ink[ya:yb, xa:xb])
        return {"ink": self.ink, "bg": self.bg, "score": self.score, "dirty": dirty}
