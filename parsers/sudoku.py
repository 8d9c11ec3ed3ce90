"""Sudoku board parsing: find the board in a frame, register it, read every cell.

Pipeline for one frame (``SudokuFrameReader.read``):

1. *Register*: the previous registration is tried first (the camera is usually still: one
   cached remap and a grid-line contrast check); if the grid is not where it was, the board
   is searched anew: adaptive threshold (both polarities), external contours, the largest
   convex 4-gon with a plausible aspect, then the grid lines are fitted on the row/column
   ink profiles and the homography is corrected so that cells fall on a fixed lattice.
   While the camera is still, a *change gate* (``_SourceGate``) compares 4x4-pixel block means
   of the board's region (on noisy frames, means of 2 x 2 such blocks) with those of the last
   warp and warps again only the cells whose pixels moved (plus cells still unread); much
   change sends the frame back to a full warp and grid check. The readings are the same as
   with a full warp on every frame.
2. *Summarise*: one numba pass (``kernels.grid.cell_summary_update``) gives, per cell, 4x4-pixel
   block sums (the change signature), the inner ink maximum (the blank test) and the count
   of inner pixels far from the background (the occlusion test); after a gated frame only the
   cells whose ink was written again are summarised again.
3. *Occlusion*: a cell whose interior is almost entirely far from the board's background (a
   hand, a cursor, a banner) is ``occluded`` and read as -1 (unknown), never as blank.
4. *Read*: only cells whose signature changed since they were last read confidently, and
   cells still unknown (not occluded), go on: clearly blank cells are 0, the others go through
   the digit reader (``mmgr.parsers.digits``); unsure ones get a second look on their luma
   (``_luma_look``: coloured digits in 4:2:0 video), then from shifted crops, averaged over the
   frames since the cell last changed, and once unsure on two such frames, with the ink
   amplified (``_stretch_look``: thin, grey or blurred strokes; or the amplified and luma looks
   agreeing).
5. *Intrusion*: a cell read as another digit than its last sure one while something crossed
   its edge and the ring just inside it (a finger over a clue) is -1 instead (``_intruded``).

"Ink" is the per-pixel distance from the board's background colour (max over RGB), so the
same code reads black, blue, red or green digits, dark-mode boards and tinted "success glow"
frames; the luma and amplified looks only confirm the digit the ink reading ranked first, or
each other.
Nothing here decides pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.board import homography_maps
from mmgr.kernels.grid import cell_summary_update, intrusion_step, plan_cells, ring_ink
from mmgr.parsers.digits import CELL_PX, DigitReader
from mmgr.parsers.sudoku_board import _exact_score, _polyfit1, detect_size, find_board_candidates, grid_score
from mmgr.parsers.sudoku_gate import _BG_LATTICE, _GATE_MARGIN, PAD, _bg_scalar, _ink_from, _median_colour, _SourceGate

# frame status codes
OK, NO_BOARD, BLANK = 0, 1, 2
# a board whose grid contrast on the 9 x 9 lattice (``_exact_score``) reaches this is 9 x 9 without
# warping it as a 4 x 4 too. Over 474 rendered boards (random styles, fonts, degradations, the
# benchmark's): 4 x 4 boards score at most 0.097 on the 9 x 9 lattice, and 9 x 9 boards at most
# 0.230 on the 4 x 4 one, so ``detect_size`` (9 when its score is at least the 4 x 4 one) picks 9
# for every board above it as well
_SIZE_SURE = 0.3
# an unsure cell's luma look (``SudokuFrameReader._luma_look``) may only confirm a digit that had at
# least this share of the first look's probability
_LUMA_FLOOR = 0.25
# the gain of an unsure cell's amplified look (``SudokuFrameReader._stretch_look``)
_STRETCH = 3
# a cell's ring just inside its grid lines (2 to 4 pixels from the cell's edge, of CELL_PX): digit
# strokes rarely reach it; a hand or cursor reaching in from outside crosses it
_RING = (2, 5)
_RING_PX = (CELL_PX - 2 * _RING[0]) ** 2 - (CELL_PX - 2 * _RING[1]) ** 2
# the mean change of ink over a 4x4-pixel block on a cell's edge (the grid line and the pixels just
# inside it) that counts as something crossing the edge
_EDGE_LEVELS = 32


@dataclass(frozen=True, slots=True)
class BoardFit:
    """A registered board.

    Attributes:
        quad_px: (4, 2) float64 corners TL, TR, BR, BL of the board's outer border, frame pixels.
        size: 4 or 9 cells per side.
        score: grid-line contrast in [0, 1] (higher = clearer grid).
    """

    quad_px: NDArray[np.float64]
    size: int
    score: float

    def __post_init__(self) -> None:
        if self.quad_px.shape != (4, 2):
            raise ValueError(f"BoardFit.quad_px: expected (4, 2), got {self.quad_px.shape}")
        if self.size not in (4, 9):
            raise ValueError(f"BoardFit.size: expected 4 or 9, got {self.size}")


@dataclass(frozen=True, slots=True)
class FrameReading:
    """What one frame shows.

    Attributes:
        status: OK, NO_BOARD or BLANK (a near-uniform frame).
        fit: the registered board, or None.
        digits: (N, N) int8: 0 blank, 1..9, -1 unknown (occluded, illegible, unregistered).
        conf: (N, N) float32 confidence of each reading.
        occluded: (N, N) bool.
        cell_boxes_px: (N, N, 4) float64 x0, y0, x1, y1 of each cell in frame pixels (approximate).
        reused: True when no cell had to be read again (nothing changed since the last frame).
    """

    status: int
    fit: BoardFit | None
    digits: NDArray[np.int8]
    conf: NDArray[np.float32]
    occluded: NDArray[np.bool_]
    cell_boxes_px: NDArray[np.float64]
    reused: bool = False


def _warp(rgb: NDArray[np.uint8], quad: NDArray[np.float64], n: int) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    side = n * CELL_PX
    dst = np.array([[PAD, PAD], [PAD + side, PAD], [PAD + side, PAD + side], [PAD, PAD + side]], np.float32)
    hm = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    size = side + 2 * PAD
    warped = cv2.warpPerspective(rgb, hm, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return warped, hm


def _ink(warped: NDArray[np.uint8], bg: NDArray[np.float64]) -> NDArray[np.uint8]:
    """Per-pixel ink: the largest per-channel distance from the background colour."""
    return _ink_from(warped, _bg_scalar(bg))


def _cell_crops(ink: NDArray[np.uint8], n: int, idx: NDArray[np.intp]) -> NDArray[np.uint8]:
    """(len(idx), CELL_PX, CELL_PX) crops of cells ``idx`` (row-major) of an (n * CELL_PX)^2 board:
    a few cells are cut out one by one, many by one reshaped copy of the board."""
    if 4 * len(idx) > n * n:
        return ink.reshape(n, CELL_PX, n, CELL_PX).transpose(0, 2, 1, 3).reshape(n * n, CELL_PX, CELL_PX)[idx]
    out = np.empty((len(idx), CELL_PX, CELL_PX), np.uint8)
    for j, k in enumerate(idx.tolist()):
        r, c = divmod(k, n)
        out[j] = ink[r * CELL_PX:(r + 1) * CELL_PX, c * CELL_PX:(c + 1) * CELL_PX]
    return out


def _board_bg(warped: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Board background colour: per-channel median of a sparse lattice of board pixels."""
    return _median_colour(warped[_BG_LATTICE])


@dataclass(frozen=True, slots=True)
class ReaderParams:
    """Knobs of the frame reader (mirrored by the task's Params).

    Attributes:
        min_grid_score: grid-line contrast below which a board hypothesis is rejected.
        cell_diff: largest change of a 4x4-pixel block mean (levels) above which a cell is read again.
        occlusion_delta: colour distance from the board's background that counts as "not background".
        occlusion_share: share of a cell's interior beyond ``occlusion_delta`` that marks it occluded.
        blank_ink: a cell whose inner 60% never reaches this ink level (in 2x2-pixel means) is blank.
        shift_px: an unsure cell is read again from crops shifted by this many pixels (0 = never).
        min_conf: digit confidence below which a cell is unknown (-1).
        gate: warp again only the cells whose source pixels changed (``_SourceGate``); False warps
            the whole board on every frame (same readings, slower: kept for checking the gate).
        luma_look: an unsure cell is read again from its luma difference with the board's colour
            (``SudokuFrameReader._luma_look``).
        stretch_look: a cell unsure on two frames in a row of unchanged content is read again with its
            ink amplified (``SudokuFrameReader._stretch_look``).
        intrusion: a cell read as a digit other than its last sure digit is unknown instead when
            something crossed its edge and its ring (just inside the grid lines) has gained ink over
            more than this share since then (``SudokuFrameReader._intruded``; 0 = never).
    """

    min_grid_score: float = 0.03
    cell_diff: float = 24.0
    occlusion_delta: float = 45.0
    occlusion_share: float = 0.95
    blank_ink: float = 70.0
    shift_px: int = 3
    min_conf: float = 0.7
    gate: bool = True
    luma_look: bool = True
    stretch_look: bool = True
    intrusion: float = 0.025


class SudokuFrameReader:
    """Stateful per-video reader: call ``read`` on each frame in order.

    Args:
        size: 4 or 9 when known (from a spec); None = detect on the first board found, then keep.
        params: ReaderParams.
        reader: digit reader (default: shipped weights).
    """

    def __init__(self, size: int | None = None, params: ReaderParams | None = None,
                 reader: DigitReader | None = None) -> None:
        self.size = size
        self.p = params or ReaderParams()
        self.digits = reader or DigitReader.load()
        self._last: FrameReading | None = None
        self._ref_cells: NDArray[np.int32] | None = None  # (N*N, S/4, S/4) block sums at last reading
        # geometry of the current registration: quad, size, refined homography (frame -> canonical)
        self._geom: tuple[NDArray[np.float64], int, NDArray[np.float64]] | None = None
        self._map_key: tuple[Any, ...] | None = None
        # running class probabilities of unsure cells (see _accumulate)
        self._acc_sum: NDArray[np.float32] | None = None
        self._acc_n: NDArray[np.int32] = np.zeros(0, np.int32)
        self._acc_sig: NDArray[np.int32] = np.zeros(0, np.int32)
        self._map: tuple[Any, Any] = (None, None)
        self._gate: _SourceGate | None = None  # source-space change gate of the current registration
        self._summary: tuple[Any, Any, Any] | None = None  # cell summary of the kept canonical ink
        # per cell: the last sure reading and its ring's ink count (see _intruded), on this registration
        self._sure: tuple[NDArray[np.int8], NDArray[np.int32]] | None = None
        self.full_warps = 0  # frames whose whole board was warped (the others went through the gate)

    # ------------------------------------------------------------------------------------
    def _refine(self, rgb: NDArray[np.uint8], quad: NDArray[np.float64]) -> tuple[int, NDArray[np.float64]] | None:
        """Register a candidate quad: choose N, fit the grid lines, return (N, refined homography)."""
        n = self.size
        if n is None:
            w9, h9 = _warp(rgb, quad, 9)
            ink, hm = _ink(w9, _board_bg(w9)), h9
            if _exact_score(ink, 9) >= _SIZE_SURE:
                n = 9  # as detect_size decides: no 4 x 4 board scores this on the 9 x 9 lattice
            else:
                w4, h4 = _warp(rgb, quad, 4)
                ink4 = _ink(w4, _board_bg(w4))
                n, _ = detect_size(ink, ink4)
                if n == 4:
                    ink, hm = ink4, h4
        else:
            warped, hm = _warp(rgb, quad, n)
            ink = _ink(warped, _board_bg(warped))
        score, xs, ys = grid_score(ink, n)
        if score < self.p.min_grid_score:
            return None
        bx, ax = _polyfit1(np.arange(n + 1), xs)
        by, ay = _polyfit1(np.arange(n + 1), ys)
        if min(bx, by) < 0.5 * CELL_PX:
            return None
        # affine correction so that fitted line i lands exactly on PAD + i * CELL_PX
        a = np.array([[CELL_PX / bx, 0, PAD - ax * CELL_PX / bx],
                      [0, CELL_PX / by, PAD - ay * CELL_PX / by],
                      [0, 0, 1]], np.float64)
        return n, a @ hm

    def _canonical(self, rgb: NDArray[np.uint8], n: int, hm: NDArray[np.float64]) -> dict[str, Any] | None:
        """Warp with a refined homography and check that the grid is still there."""
        self.full_warps += 1
        warped = cv2.remap(rgb, *self._maps(n, hm, rgb.shape), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bg = _board_bg(warped)
        ink = _ink(warped, bg)
        score = _exact_score(ink, n)
        if score < self.p.min_grid_score:
            return None
        return {"warped": warped, "ink": ink, "bg": bg, "score": score}

    def _accumulate(self, idx: NDArray[np.intp], probs: NDArray[np.float32], cur: NDArray[np.int32],
                    n: int) -> NDArray[np.float32]:
        """Mean class probabilities of each unsure cell over the frames since its content last changed.

        Compression noise differs from frame to frame, so a digit that no single frame reads with
        confidence often comes out clearly in the average; any change of the cell restarts it.
        """
        if self._acc_sum is None or self._acc_sum.shape[0] != n * n:
            self._acc_sum = np.zeros((n * n, probs.shape[1]), np.float32)
            self._acc_n = np.zeros(n * n, np.int32)
            self._acc_sig = np.zeros_like(cur)
        moved = np.abs(cur[idx] - self._acc_sig[idx]).reshape(len(idx), -1).max(axis=1) > 16 * self.p.cell_diff
        restart = moved | (self._acc_n[idx] == 0)
        self._acc_sum[idx[restart]] = 0.0
        self._acc_n[idx[restart]] = 0
        self._acc_sig[idx[restart]] = cur[idx[restart]]
        self._acc_sum[idx] += probs
        self._acc_n[idx] += 1
        return self._acc_sum[idx] / self._acc_n[idx][:, None]

    def _read_shifted(self, ink_padded: NDArray[np.uint8], idx: NDArray[np.intp], probs0: NDArray[np.float32],
                      n: int) -> NDArray[np.float32]:
        """Second look at unsure cells: the mean class probabilities of the crop and of four crops
        shifted by ``shift_px`` (a registration error of a few pixels puts a grid line in the crop)."""
        sh = int(self.p.shift_px)
        crops = []
        for dy, dx in ((-sh, 0), (sh, 0), (0, -sh), (0, sh)):
            for k in idx.tolist():
                r, c = divmod(k, n)
                y0, x0 = PAD + r * CELL_PX + dy, PAD + c * CELL_PX + dx
                crops.append(255 - ink_padded[y0:y0 + CELL_PX, x0:x0 + CELL_PX])
        p = self.digits.predict_proba(np.ascontiguousarray(np.stack(crops)).astype(np.uint8))
        return (p.reshape(4, len(idx), -1).sum(axis=0) + probs0) / 5.0

    def _luma_look(self, idx: NDArray[np.intp], probs0: NDArray[np.float32], n: int, hm: NDArray[np.float64],
                   rgb: NDArray[np.uint8], bg: NDArray[np.float64]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
        """Second look at unsure cells ``idx`` (row-major) on their luma difference from the board's
        colour (OpenCV's RGB-to-gray of the warped cell and of the colour): (digit, confidence) per
        cell where it reads with confidence the digit (1..n) that the first look (``probs0``) ranked
        first among the digits, with at least ``_LUMA_FLOOR`` of its probability; else -1 and 0.

        The largest-channel ink the reader is given elsewhere serves digits of any colour on any
        board, but around a coloured digit in a 4:2:0 video (colour at half resolution) it shows a
        halo that the reader takes for junk (a smeared or covered digit); the luma has sharp strokes.
        Asking for the first look's own digit keeps a cell that is junk (a cursor, a hand) unknown.
        """
        best = _top_digit(probs0, n)
        cand = np.flatnonzero(probs0[np.arange(len(idx)), best] >= _LUMA_FLOOR)
        d_out = np.full(len(idx), -1, np.int8)
        c_out = np.zeros(len(idx), np.float32)
        if cand.size:
            res = self.digits.read(self._luma_crops(idx[cand], n, hm, rgb, bg), max_digit=n, min_conf=self.p.min_conf)
            hit = res.digit == best[cand]
            d_out[cand[hit]] = res.digit[hit]
            c_out[cand[hit]] = res.conf[hit]
        return d_out, c_out

    def _luma_crops(self, idx: NDArray[np.intp], n: int, hm: NDArray[np.float64], rgb: NDArray[np.uint8],
                    bg: NDArray[np.float64]) -> NDArray[np.uint8]:
        """(len(idx), CELL_PX, CELL_PX) luma difference of cells ``idx`` from the board's colour, as the
        reader wants them (dark on light)."""
        mx, my = self._maps(n, hm, rgb.shape)
        bg_gray = int(cv2.cvtColor(_bg_scalar(bg).astype(np.uint8).reshape(1, 1, 3), cv2.COLOR_RGB2GRAY)[0, 0])
        crops = np.empty((len(idx), CELL_PX, CELL_PX), np.uint8)
        for j, k in enumerate(idx.tolist()):
            r, c = divmod(k, n)
            y0, x0 = PAD + r * CELL_PX, PAD + c * CELL_PX
            ys, xs = slice(y0, y0 + CELL_PX), slice(x0, x0 + CELL_PX)
            cell = cv2.remap(rgb, mx[ys, xs], my[ys, xs], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            gray = cv2.cvtColor(cell, cv2.COLOR_RGB2GRAY)
            crops[j] = 255 - cv2.absdiff(gray, np.full_like(gray, bg_gray))
        return crops

    def _stretch_look(self, crops: NDArray[np.uint8], probs0: NDArray[np.float32], idx: NDArray[np.intp], n: int,
                      hm: NDArray[np.float64], rgb: NDArray[np.uint8],
                      bg: NDArray[np.float64]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
        """Another look at unsure cells ``idx``, their ink (``crops``) amplified ``_STRETCH`` times:
        (digit, confidence) per cell where it reads with confidence the digit (1..n) that the earlier
        looks (``probs0``, their mean over the frames) ranked first among the digits, however small
        its share, or else the digit the luma look (with ``luma_look``) reads with confidence too
        (the lesser confidence is kept); else -1 and 0.

        A thin stroke (a light font, resampled) or a grey or blurred one reaches the reader as faint
        ink, and it gives the digit anything from 0.7 down to under 0.01 of its probability, the rest
        to junk (bench degraded mix: 7s at seeds 5 and 8, a blurred blue 5 in the n=200 set);
        amplified, the strokes are as dark as the reader knows them. At such probabilities the
        ranking can be wrong too (a blurred blue 3 on a tinted board in VP9: 3 at 0.002 under 4 at
        0.015, junk 0.97, while the luma look reads the 3 at 0.99): two views of the cell that agree
        then stand in for it. The caller asks only for cells unsure on two frames of unchanged
        content (not a hand or a digit being written in passing).
        """
        best = _top_digit(probs0, n)
        amp = np.minimum(crops.astype(np.uint16) * _STRETCH, 255).astype(np.uint8)
        res = self.digits.read(255 - amp, max_digit=n, min_conf=self.p.min_conf)
        ok = res.digit == best
        d_out = np.where(ok, res.digit, -1).astype(np.int8)
        c_out = np.where(ok, res.conf, 0.0).astype(np.float32)
        rest = np.flatnonzero(~ok & (res.digit >= 1))
        if rest.size and self.p.luma_look:
            luma = self.digits.read(self._luma_crops(idx[rest], n, hm, rgb, bg), max_digit=n, min_conf=self.p.min_conf)
            agree = luma.digit == res.digit[rest]
            d_out[rest[agree]] = luma.digit[agree]
            c_out[rest[agree]] = np.minimum(luma.conf[agree], res.conf[rest[agree]])
        return d_out, c_out

    def _intruded(self, idx: NDArray[np.intp], crops: NDArray[np.uint8], digits: NDArray[np.int8],
                  conf: NDArray[np.float32], n: int, cur: NDArray[np.int32], ref: NDArray[np.int32]) -> None:
        """Unread (-1) the cells ``idx`` newly read as another digit while something reaches into them.

        A finger over a corner of a clue can turn its digit into another one that the reader is sure
        of (a 1 with a fingertip at its foot reads 3). Whatever reaches in from outside the cell
        crosses its edge (the grid line and the pixels just inside it) and the ring just inside that,
        where digit strokes rarely go. A digit rewritten in place changes neither the edge nor, much,
        the ring. So a cell whose reading goes from one digit to another is unknown when, since its
        last sure reading, the ink of some 4x4-pixel block on its edge (``cur``, ``ref``: block sums
        now and then) changed by over ``_EDGE_LEVELS`` a pixel and its ring gained pixels beyond
        ``occlusion_delta`` over ``intrusion`` of the ring. It is read again on the next frames. A
        blank cell being filled is not judged. ``digits``, ``conf`` (all cells) are updated in place;
        ``crops``: the cells' ink.
        """
        if self._sure is None or self._sure[0].shape[0] != n * n:
            self._sure = (np.full(n * n, -1, np.int8), np.zeros(n * n, np.int32))
        ring = ring_ink(crops, _RING[0], _RING[1], int(self.p.occlusion_delta))
        intrusion_step(idx.astype(np.int64, copy=False), ring, digits, conf, self._sure[0], self._sure[1], cur, ref,
                       self.p.intrusion * _RING_PX, 16 * _EDGE_LEVELS)

    def _maps(self, n: int, hm: NDArray[np.float64], shape: tuple[int, ...]) -> tuple[Any, Any]:
        """Fixed-point remap tables for a homography (cached: the camera rarely moves)."""
        if self._map_key is not None and self._map_key[3] is hm and self._map_key[0] == n and self._map_key[2] == shape:
            return self._map  # the same homography object as last time: nothing to compare
        key = (n, hm.tobytes(), shape, hm)
        if self._map_key is None or self._map_key[:3] != key[:3]:
            mx, my = homography_maps(np.linalg.inv(hm), n * CELL_PX + 2 * PAD)
            self._map = cv2.convertMaps(mx, my, cv2.CV_16SC2)
        self._map_key = key  # (homographies are never changed in place)
        return self._map

    def _register(self, rgb: NDArray[np.uint8]) -> tuple[int, NDArray[np.float64], NDArray[np.float64],
                                                         dict[str, Any], bool] | None:
        """Returns (N, quad, refined homography, canonical images, geometry changed)."""
        if self._geom is not None:
            quad, n, hm = self._geom
            g = self._gate.update(rgb, self._maps(n, hm, rgb.shape), self._unsure()) if self._gate else None
            if g is None:
                g = self._canonical(rgb, n, hm)
                self._gate = self._start_gate(rgb, n, hm, g)
            if g is not None:
                return n, quad, hm, g, False
        best = None
        for q in find_board_candidates(rgb):
            r = self._refine(rgb, q)
            if r is None:
                continue
            g = self._canonical(rgb, r[0], r[1])
            if g is None:
                continue
            sc = g["score"]
            if best is None or sc > best[0]:
                best = (sc, r[0], q, r[1], g)
        if best is None:
            self._gate = None
            return None
        self._gate = self._start_gate(rgb, best[1], best[3], best[4])
        return best[1], best[2], best[3], best[4], True

    def _start_gate(self, rgb: NDArray[np.uint8], n: int, hm: NDArray[np.float64],
                    g: dict[str, Any] | None) -> _SourceGate | None:
        if g is None or not self.p.gate or self.p.shift_px >= _GATE_MARGIN:  # shifted crops must stay in the margin
            return None
        return _SourceGate.start(rgb, n, hm, g, self._maps(n, hm, rgb.shape), self._gate)

    def _unsure(self) -> NDArray[np.bool_] | None:
        """Cells of the last reading that are unknown but not occluded: they are read on every frame
        (their evidence accumulates), so the gate warps them whether or not the source changed."""
        last = self._last
        if last is None or last.status != OK:
            return None
        return ((last.digits < 0) & ~last.occluded).reshape(-1)

    def _as_last(self, n: int, dirty: NDArray[np.bool_] | None) -> bool:
        """Whether a frame the gate took over unchanged reads as the last one did: no cell's ink
        was written again (``dirty``) and no cell of the last reading is unsure (those are read on
        every frame; the gate writes them again anyway, so this is a guard). Every cell's summary is
        then the last frame's, so its plan is too (no cell moved, none to read: ``plan_cells``), and
        so is the reading; ``read`` skips the plan (tests: the same readings without this)."""
        last = self._last
        return (dirty is not None and last is not None and last.status == OK and last.fit is not None
                and self._ref_cells is not None and self._summary is not None
                and self._summary[0].shape[0] == n * n and last.digits.shape == (n, n) and not dirty.any()
                and not ((last.digits < 0) & ~last.occluded).any())

    def _empty(self, n: int, status: int, fit: BoardFit | None = None) -> FrameReading:
        return FrameReading(status, fit, np.full((n, n), -1, np.int8), np.zeros((n, n), np.float32),
                            np.zeros((n, n), bool), np.zeros((n, n, 4)))

    def read(self, rgb: NDArray[np.uint8]) -> FrameReading:
        """Read one frame (frames must come in order)."""
        reg = self._register(rgb)
        if reg is None:
            self._gate = None
            n = self.size or 9
            blank = float(rgb[::4, ::4].std()) < 4.0
            out = self._empty(n, BLANK if blank else NO_BOARD)
            self._last, self._geom, self._ref_cells = out, None, None
            return out
        n, quad, hm, g, changed = reg
        if changed:
            self._acc_sum = None  # new geometry: earlier evidence is about other pixels
            self._sure = None
        if self.size is None:
            self.size = n
        self._geom = (quad, n, hm)
        fit = self._last.fit if self._last is not None and not changed else None
        if fit is None or fit.quad_px is not quad or fit.size != n or fit.score != g["score"]:
            fit = BoardFit(quad, n, g["score"])  # (frozen: a still board shares one between frames)
        dirty = g.get("dirty")  # cells whose ink the gate wrote again (None: all of it is new)
        if not changed and self._as_last(n, dirty):
            last = self._last
            assert last is not None
            if self._sure is not None:
                self._sure[0][last.digits.reshape(-1) == 0] = 0  # (as below: cells found blank)
            out = FrameReading(OK, fit, last.digits, last.conf, last.occluded, last.cell_boxes_px, True)
            self._last = out
            return out
        side = n * CELL_PX
        ink = g["ink"][PAD:PAD + side, PAD:PAD + side]
        m = CELL_PX // 5
        if dirty is None or changed or self._summary is None or self._summary[0].shape[0] != n * n:
            self._summary = (np.empty((n * n, CELL_PX // 4, CELL_PX // 4), np.int32), np.empty(n * n, np.int32),
                             np.empty(n * n, np.int32))
            dirty = np.ones(n * n, bool)
        blocks, inner_max2, occ_count = self._summary
        if dirty.any():
            # the summary of the other cells still holds: their pixels were not written again
            cell_summary_update(g["ink"], PAD, n, CELL_PX, m, int(self.p.occlusion_delta), np.flatnonzero(dirty),
                                blocks, inner_max2, occ_count)
        # change signature: 4x4-pixel block sums (noise-tolerant), compared with the last reading
        cur = blocks
        prev = self._last if (self._last is not None and self._last.status == OK and not changed
                              and self._ref_cells is not None) else None
        if prev is None or self._ref_cells is None:
            digits = np.full(n * n, -1, np.int8)
            conf = np.zeros(n * n, np.float32)
            ref = cur.copy()
            was_occ = np.zeros(n * n, bool)
        else:
            ref = self._ref_cells
            digits = prev.digits.reshape(-1).copy()
            conf = prev.conf.reshape(-1).copy()
            was_occ = prev.occluded.reshape(-1)  # a cell that was occluded and is not now is read again
        # occluded: most of the cell's interior is far from the board's background colour (-1);
        # clearly blank cells (no ink in the cell's inner 60%) need no classifier (0)
        q = (CELL_PX - 2 * m) // 2
        occ_flat, todo, moved = plan_cells(cur, ref, digits, conf, was_occ, occ_count, inner_max2,
                                           self.p.occlusion_share * q * q, 16 * self.p.cell_diff,
                                           4 * self.p.blank_ink, prev is None)
        unchanged = prev is not None and moved == 0
        if self._sure is not None:
            self._sure[0][digits == 0] = 0  # cells found blank without the classifier
        if todo.size:
            # the reader wants dark ink on a light background; only the cells to read are converted
            crops = _cell_crops(ink, n, todo)
            res = self.digits.read(255 - crops, max_digit=n, min_conf=self.p.min_conf)
            digits[todo] = res.digit
            conf[todo] = res.conf
            unsure = res.digit < 0
            if unsure.any() and self.p.luma_look:
                # a second look on the luma (coloured digits in 4:2:0 video: see _luma_look)
                uidx = todo[unsure]
                d2, c2 = self._luma_look(uidx, res.probs[unsure], n, hm, rgb, g["bg"])
                ok = d2 >= 0
                if ok.any():
                    digits[uidx[ok]] = d2[ok]
                    conf[uidx[ok]] = c2[ok]
                    unsure[np.flatnonzero(unsure)[ok]] = False
            if unsure.any():
                sel = np.flatnonzero(unsure)
                uidx = todo[sel]
                probs = res.probs[sel]
                if self.p.shift_px > 0:
                    probs = self._read_shifted(g["ink"], uidx, probs, n)
                acc = self._accumulate(uidx, probs, cur, n)
                d2, c2 = _decide(acc, n, self.p.min_conf)
                # a cell still unsure on two frames in a row of unchanged content gets a look with its
                # ink amplified (thin or grey strokes: see _stretch_look); a cell in passing (a digit
                # being written, a hand going by) does not
                again = np.flatnonzero((d2 < 0) & (self._acc_n[uidx] >= 2)) if self.p.stretch_look else sel[:0]
                if again.size:
                    d2[again], c2[again] = self._stretch_look(crops[sel[again]], acc[again], uidx[again], n, hm, rgb,
                                                              g["bg"])
                digits[uidx] = d2
                conf[uidx] = c2
            if self.p.intrusion > 0:
                self._intruded(todo, crops, digits, conf, n, cur, ref)
            res_digit = digits[todo]
            # an unreadable cell keeps its old reference, so it is read again on the next frame
            sure = todo[res_digit >= 0]
            ref[sure] = cur[sure]
            if self._acc_sum is not None:
                self._acc_n[sure] = 0
        if changed or self._last is None or self._last.fit is None or self._last.status != OK:
            boxes = _cell_boxes(n, np.linalg.inv(hm))
        else:
            boxes = self._last.cell_boxes_px
        out = FrameReading(OK, fit, digits.reshape(n, n), conf.reshape(n, n), occ_flat.reshape(n, n), boxes,
                           unchanged)
        self._last, self._ref_cells = out, ref
        return out


def _top_digit(probs: NDArray[np.float32], n: int) -> NDArray[np.intp]:
    """The digit (1..n) that each cell's class probabilities rank first among the digits."""
    return 1 + np.argmax(probs[:, 1:n + 1], axis=1)


def _decide(probs: NDArray[np.float32], max_digit: int, min_conf: float) -> tuple[NDArray[np.int8],
                                                                                NDArray[np.float32]]:
    """The reader's rule on (averaged) class probabilities: blank/1..max_digit above min_conf, else -1."""
    win = probs.argmax(axis=1)
    p_win = probs[np.arange(probs.shape[0]), win]
    ok = (win <= max_digit) & (p_win >= min_conf)
    return np.where(ok, win, -1).astype(np.int8), np.where(ok, p_win, 0.0).astype(np.float32)


def _cell_boxes(n: int, inv_hm: NDArray[np.float64]) -> NDArray[np.float64]:
    """(n, n, 4) frame-pixel boxes x0, y0, x1, y1 around the mapped corners of each canonical cell."""
    pts = _CELL_CORNERS.get(n)
    if pts is None:  # the canonical corners of every cell (the same for every board of n cells)
        k = np.arange(n, dtype=np.float64)
        x0 = PAD + k * CELL_PX
        xx0, yy0 = np.meshgrid(x0, x0)
        boxes_w = np.stack([xx0, yy0, xx0 + CELL_PX, yy0 + CELL_PX], axis=-1).reshape(-1, 4)
        pts = _CELL_CORNERS[n] = _box_corners(boxes_w)
    return _corners_to_boxes(pts, inv_hm).reshape(n, n, 4)


_CELL_CORNERS: dict[int, NDArray[np.float64]] = {}


def _box_corners(boxes_w: NDArray[np.float64]) -> NDArray[np.float64]:
    pts = np.stack([boxes_w[:, [0, 1]], boxes_w[:, [2, 1]], boxes_w[:, [2, 3]], boxes_w[:, [0, 3]]], axis=1)
    return np.ascontiguousarray(pts.reshape(-1, 1, 2).astype(np.float64))


def _corners_to_boxes(pts: NDArray[np.float64], inv_hm: NDArray[np.float64]) -> NDArray[np.float64]:
    flat = cv2.perspectiveTransform(pts, inv_hm).reshape(-1, 4, 2)
    return np.concatenate([flat.min(axis=1), flat.max(axis=1)], axis=1)
