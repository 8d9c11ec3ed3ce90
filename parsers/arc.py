"""Reading an ARC model output: the layout of frame 0 against the task, drift, the final answer grid.

Design notes:

- **Layout from frame 0 against the spec.** Every panel of frame 0 is tried against every
  grid the task has (demonstration inputs/outputs, test input) by *structure*: at the grid's
  size, cells that hold the same value must look alike and cells that differ must not. This
  needs no palette, so it survives colour casts and renderers with other colours. The best
  pairs are assigned greedily; a second pass re-scores the pairs by exact colours under the
  palette the first pass taught (two grids of the same shape but other colours no longer
  collide), and a demonstration counts only with its partner. The panels found say where
  each grid is, never fixed pixels; demonstrations the image does not show are simply absent.
- **The palette is learnt from the video itself**: each ARC colour as it appears in the matched
  panels (the median cell colour); colours the task never shows come from the standard palette
  through a per-channel affine fit. The empty-panel and page colours read as "empty".
- **The output slot** is predicted from the demonstrations: where each demonstration output
  sits relative to its input, placed about the test input. The answer is the panel of the
  final frame that is not a known panel, preferably inside that slot (see ``_pick_answer``);
  an answer drawn elsewhere is read and noted.
- **Context drift**: every frame's known panels are read at their frame-0 geometry; a cell
  whose confident colour differs from frame 0 is drift.
- **Final stable frames**: the answer is read in the last ``stable_frames`` frames at the
  final frame's geometry; cells whose confident colour changes there are reported as flicker.
  Each cell's colour is pooled over those frames that show it alike (``parsers.arc_bleed``):
  their compression noise is independent, the drawn colour is not. The cells on the answer's
  outline are also sampled clear of it (``ANSWER_EDGE_INSET``, ``edge_clear_samples``): the
  outline, its blur and the page's chroma (4:2:0 video shares it between neighbouring pixels)
  wash out their outer side.
- **Washed-out cells**: where the strict read of the final frame cannot tell, the neighbour-mixing
  read (``mixed_labels``: which colour, bled towards the cell's neighbours, explains it) fills
  an ambiguous cell, makes a loose read it contradicts ambiguous, and makes an inner cell's loose
  read it confirms by a wide margin strict.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import ParseError
from mmgr.parsers.arc_bleed import edge_clear_samples, pooled_samples, wide_residuals
from mmgr.parsers.arc_grid import (
    AMBIGUOUS,
    ARC_RGB,
    EMPTY,
    MARGIN,
    Box,
    GridRead,
    Panel,
    background_color,
    edge_profiles,
    find_panels,
    grid_consistent,
    mixed_labels,
    quantize,
    read_grid,
    sample_cells,
)
from mmgr.parsers.types import Frame

# share of a pitch on the panel's outline left out of the answer's edge cells' second sampling windows; on the
# 60,680 edge cells of the degraded benchmark mix (final frame), the strict read's unreadable cells fell from 589
# to 124 and the plain read's misreads from 6 to 0, with no strict misread either way
ANSWER_EDGE_INSET = 0.2


@dataclass(frozen=True, slots=True)
class KnownPanel:
    """A task grid located in frame 0.

    Attributes:
        role: "E1-in", "E1-out", ..., "T1-in".
        grid: (h, w) int8 the spec's values.
        read: its cells in frame 0 (geometry reused in every frame).
        labels0: (h, w) int8 labels read in frame 0 (the drift reference).
        agreement: share of cells consistent with the grid's structure in frame 0.
    """

    role: str
    grid: NDArray[np.int8]
    read: GridRead
    labels0: NDArray[np.int8]
    agreement: float


@dataclass(frozen=True, slots=True)
class DriftEvent:
    """First frame where a known panel differed from frame 0.

    Attributes:
        role: the panel.
        frame: the frame index.
        cells: number of cells that differed in that frame.
        cell: (row, col) of the first such cell; box_px its pixel box; seen/was its labels.
    """

    role: str
    frame: int
    cells: int
    cell: tuple[int, int]
    box_px: tuple[int, int, int, int]
    seen: int
    was: int


@dataclass(frozen=True, slots=True)
class ArcParse:
    """What was read from one ARC output.

    Attributes:
        n_frames: frames decoded.
        panels: known panels of frame 0, in role order.
        palette: (K, 3) int32 palette used for quantisation; palette_labels (K,) int8 its labels.
        slot: the predicted output slot region (x0, y0, x1, y1) in pixels, or None.
        answer: the answer panel read in the final frame, or None when none was found.
        answer_labels: (rows, cols) int8 final labels (0-9, 10 empty, -1 ambiguous), or None.
        answer_in_slot: whether the answer panel lies inside the predicted slot.
        answer_frame: index of the final frame.
        flicker: (row, col) cells whose colour changed within the final stable frames.
        drift_frames: frames in which any known panel differed from frame 0.
        drift_events: first drift per panel.
        notes: human sentences about what was assumed or seen.
        answer_strict: (rows, cols) int8 labels of the final frame under stricter margins (a
            nearest colour at most half as far as any other label's, centre >= 60% uniform; or the
            plain read confirmed by the neighbour-mixing model at half the next label's residual);
            a cell is called *wrong* only when this strict read disagrees (see ``check_arc``).
        answer_mix_residuals: (rows, cols, 11) float64, per label 0-10, how far the final frame's cell
            colour is from that label's colour bled towards its neighbours (``mixing_residuals``; inf
            where the palette lacks the label): a read that the expected colour explains about as well
            is not called wrong.
        answer_wide_residuals: (rows, cols, 11) float64, per label 0-10, how far the cell is from what that
            label explains under the widest plausible bleed (``parsers.arc_bleed.wide_residuals``): a cell
            far from the expected label's is not the expected colour, whatever colour it is.
    """

    n_frames: int
    panels: tuple[KnownPanel, ...]
    palette: NDArray[np.int32]
    palette_labels: NDArray[np.int8]
    slot: tuple[int, int, int, int] | None
    answer: GridRead | None
    answer_labels: NDArray[np.int8] | None
    answer_in_slot: bool
    answer_frame: int
    flicker: tuple[tuple[int, int], ...] = ()
    drift_frames: tuple[int, ...] = ()
    drift_events: tuple[DriftEvent, ...] = ()
    notes: tuple[str, ...] = field(default=())
    answer_strict: NDArray[np.int8] | None = None
    answer_mix_residuals: NDArray[np.float64] | None = None
    answer_wide_residuals: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        if self.n_frames < 1:
            raise ValueError(f"ArcParse.n_frames: expected >= 1, got {self.n_frames}")
        if self.answer is not None and self.answer_labels is not None \
                and self.answer_labels.shape != (self.answer.rows, self.answer.cols):
            raise ValueError(f"ArcParse.answer_labels: expected {(self.answer.rows, self.answer.cols)}, "
                             f"got {self.answer_labels.shape}")


def structure_agreement(means: NDArray[np.int32], grid: NDArray[np.int8]) -> float:
    """Share of cells whose colour is nearest to the typical colour of their own value.

    >>> g = np.array([[0, 1], [1, 0]], np.int8)
    >>> m = np.array([[[5, 5, 5], [200, 10, 10]], [[190, 20, 0], [0, 9, 3]]], np.int32)
    >>> structure_agreement(m, g)
    1.0
    """
    vals = np.unique(grid)
    cents = np.stack([np.median(means[grid == v], axis=0) for v in vals]).astype(np.float64)
    d = ((means[:, :, None, :].astype(np.float64) - cents[None, None]) ** 2).sum(axis=3)
    pred = vals[np.argmin(d, axis=2)]
    return float((pred == grid).mean())


def _fit_palette(panels: Sequence[tuple[NDArray[np.int8], NDArray[np.int32], NDArray[np.int32]]]
                 ) -> NDArray[np.int32]:
    """The ARC colours 0-9 as rendered: medians of matched cells, affine fill-in for unseen ones."""
    pal = ARC_RGB.astype(np.float64).copy()
    seen: dict[int, NDArray[np.float64]] = {}
    for v in range(10):
        # the most uniform cells first: small or blurred cells mix in their neighbours and lines
        for min_u in (90, 55):
            cols = [m[(g == v) & (u >= min_u)] for g, m, u in panels]
            allc = np.concatenate(cols) if cols else np.zeros((0, 3))
            if len(allc):
                seen[v] = np.median(allc, axis=0)
                break
    if seen:
        src = np.stack([ARC_RGB[v] for v in seen]).astype(np.float64)
        dst = np.stack(list(seen.values()))
        for ch in range(3):
            if len(seen) >= 3 and np.ptp(src[:, ch]) > 60:
                a, b = np.polyfit(src[:, ch], dst[:, ch], 1)
            else:
                a, b = 1.0, float(np.mean(dst[:, ch] - src[:, ch]))
            pal[:, ch] = a * ARC_RGB[:, ch] + b
        for v, c in seen.items():
            pal[v] = c
    return np.clip(np.round(pal), 0, 255).astype(np.int32)


def _slot(panels: dict[str, Box], frame_shape: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """Union of the demonstration output boxes, each moved as its input is moved onto the test input."""
    t = panels.get("T1-in")
    if t is None:
        return None
    tcx, tcy = t.center
    boxes = []
    for role, b in panels.items():
        if role.endswith("-out") and role.replace("-out", "-in") in panels:
            icx, icy = panels[role.replace("-out", "-in")].center
            boxes.append((b.x0 - icx + tcx, b.y0 - icy + tcy, b.x1 - icx + tcx, b.y1 - icy + tcy))
    if not boxes:
        # no demonstration pair located: assume the output sits right of the input, like ARC viewers
        boxes.append((t.x1 + 0.1 * t.w, t.y0, t.x1 + 1.1 * t.w, t.y1))
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    ex, ey = 0.25 * (x1 - x0), 0.25 * (y1 - y0)
    h, w = frame_shape
    return (int(max(0, x0 - ex)), int(max(0, y0 - ey)), int(min(w, x1 + ex)), int(min(h, y1 + ey)))


def _inside(box: Box, region: tuple[int, int, int, int] | None) -> bool:
    if region is None:
        return False
    cx, cy = box.center
    return region[0] <= cx <= region[2] and region[1] <= cy <= region[3]


@dataclass(frozen=True, slots=True)
class _Frame0:
    panels: tuple[KnownPanel, ...]
    palette: NDArray[np.int32]
    labels: NDArray[np.int8]
    slot: tuple[int, int, int, int] | None
    notes: tuple[str, ...]
    others: tuple[Box, ...] = ()  # frame-0 panels outside the slot that matched no task grid


def _assign(scored: Sequence[tuple[float, int, int, GridRead]], roles: Sequence[tuple[str, NDArray[np.int8]]],
            test_first: bool = False) -> dict[int, tuple[float, int, GridRead]]:
    """Greedy one-to-one role <-> panel assignment by score (optionally the test input first); a
    demonstration needs its partner too.

    Returns:
        role index -> (score, panel index, read).
    """
    used_p: set[int] = set()
    chosen: dict[int, tuple[float, int, GridRead]] = {}
    # with exact colours, the test input first: a demonstration the image does not show may be
    # shaped like it and would otherwise take its panel
    t_idx = next((i for i, (r, _) in enumerate(roles) if r == "T1-in"), None)
    # (equal scores: the later panel in reading order, as the test row follows the demonstrations)
    t_best = sorted((s for s in scored if s[1] == t_idx), key=lambda s: (-s[0], -s[2])) if test_first else []
    if t_best:
        a, ri, pi, gr = t_best[0]
        used_p.add(pi)
        chosen[ri] = (a, pi, gr)
    for a, ri, pi, gr in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if ri in chosen or pi in used_p:
            continue
        used_p.add(pi)
        chosen[ri] = (a, pi, gr)
    names = {roles[ri][0]: ri for ri in chosen}
    for name in list(names):
        if name.startswith("E"):
            partner = name.rsplit("-", 1)[0] + ("-out" if name.endswith("-in") else "-in")
            if partner not in names:
                del chosen[names[name]]
    return chosen


def read_layout(rgb: NDArray[np.uint8], roles: Sequence[tuple[str, NDArray[np.int8]]], *,
                min_agreement: float = 0.75) -> _Frame0:
    """Locate the task's grids in frame 0 and learn the palette (raise ``ParseError`` if T1 is missing)."""
    found = find_panels(rgb)
    crops = [p.rectify(rgb, MARGIN) for p in found]
    profiles = [edge_profiles(c[MARGIN:c.shape[0] - MARGIN, MARGIN:c.shape[1] - MARGIN]) for c in crops]
    scores: list[tuple[float, int, int, NDArray[np.int32], NDArray[np.int32], GridRead]] = []
    for ri, (_role, g) in enumerate(roles):
        h, w = g.shape
        for pi, panel in enumerate(found):
            if not grid_consistent(profiles[pi], h, w):
                continue
            gr = read_grid(rgb, panel, size=(h, w), crop=crops[pi])
            a = structure_agreement(gr.means, g)
            if a >= min_agreement:
                # a tie-breaker only (<= 0.01): closeness to the standard ARC colours, so that two
                # grids of one shape but other colours do not swap panels before the palette is known
                near = float(np.sqrt(((gr.means - ARC_RGB[g]) ** 2).sum(axis=2)).mean())
                a += 0.01 * (1.0 - min(1.0, near / 200.0))
                scores.append((a, ri, pi, gr.means, gr.uniform, gr))
    # pass 1, colour-blind: structure agreement; pass 2: exact colours under the palette pass 1 taught
    chosen = _assign([(a, ri, pi, gr) for a, ri, pi, _m, _u, gr in scores], roles)
    palette10 = _fit_palette([(roles[ri][1], gr.means, gr.uniform) for ri, (_a, _pi, gr) in chosen.items()])
    pal_tmp = np.concatenate([palette10, background_color(rgb)[None], np.array([[255, 255, 255]], np.int32)])
    lab_tmp = np.array(list(range(10)) + [EMPTY, EMPTY], np.int8)
    rescored = []
    for _a, ri, pi, _m, _u, gr in scores:
        lab = quantize(gr.means, gr.uniform, pal_tmp, lab_tmp)
        readable = lab != AMBIGUOUS
        # unreadable cells (blur, rotation) neither confirm nor refute; at least half must be read
        la = float((lab == roles[ri][1]).sum()) / max(1, int(readable.sum()))
        if readable.mean() >= 0.5 and la >= min_agreement:
            rescored.append((la, ri, pi, gr))
    chosen = _assign(rescored, roles, test_first=True)
    used_p = {pi for _a, pi, _gr in chosen.values()}
    t_idx = next((i for i, (r, _) in enumerate(roles) if r == "T1-in"), None)
    if t_idx is None or t_idx not in chosen:
        raise ParseError(f"the test input grid was not found in frame 0 ({len(found)} panels seen, "
                         f"{len(chosen)} matched the task)")
    notes = [f"frame 0: {len(found)} panels, {len(chosen)} matched the task's {len(roles)} shown grids"]
    palette10 = _fit_palette([(roles[ri][1], gr.means, gr.uniform) for ri, (_a, _pi, gr) in chosen.items()])
    boxes = {roles[ri][0]: gr.box for ri, (_a, _pi, gr) in chosen.items()}
    slot = _slot(boxes, rgb.shape[:2])
    # empty colours: the page, white, and the cells of an empty output panel in frame 0
    empties = [background_color(rgb), np.array([255, 255, 255], np.int32)]
    for pi, panel in enumerate(found):
        if pi not in used_p and _inside(panel.box, slot):
            gr = read_grid(rgb, panel, crop=crops[pi])
            if gr.rows and gr.cols:
                m = gr.means.reshape(-1, 3)[gr.uniform.reshape(-1) >= 55]
                # near-white cells that are no ARC colour (an answer may already be drawn there)
                far = np.sqrt(((m[:, None, :] - palette10[None].astype(np.float64)) ** 2).sum(axis=2)).min(axis=1)
                light = m[(m.min(axis=1) >= 200) & (far > 60)]
                if len(light):
                    empties.append(np.median(light, axis=0).astype(np.int32))
                    notes.append(f"frame 0: empty output panel {gr.rows}x{gr.cols} at {panel.box.as_tuple()}")
    palette = np.concatenate([palette10, np.stack(empties).astype(np.int32)])
    labels = np.array(list(range(10)) + [EMPTY] * len(empties), np.int8)
    panels = []
    for ri in sorted(chosen):
        a, _pi, gr = chosen[ri]
        lab0 = quantize(gr.means, gr.uniform, palette, labels)
        panels.append(KnownPanel(roles[ri][0], roles[ri][1], gr, lab0, a))
        if not np.array_equal(lab0, roles[ri][1]):
            diff = int(((lab0 != roles[ri][1]) & (lab0 != AMBIGUOUS)).sum())
            if diff:
                notes.append(f"frame 0: {roles[ri][0]} differs from the spec in {diff} cells")
    missing = [r for i, (r, _) in enumerate(roles) if i not in chosen]
    if missing:
        notes.append(f"frame 0: not shown or not found: {', '.join(missing)}")
    others = tuple(p.box for pi, p in enumerate(found) if pi not in used_p and not _inside(p.box, slot))
    return _Frame0(tuple(panels), palette, labels, slot, tuple(notes), others)


def _labels_at(rgb: NDArray[np.uint8], gr: GridRead, f0: _Frame0) -> NDArray[np.int8]:
    return _labels_of(gr.panel.rectify(rgb, MARGIN), gr, f0)


def _labels_of(crop: NDArray[np.uint8], gr: GridRead, f0: _Frame0) -> NDArray[np.int8]:
    """Cell labels of a panel's rectified crop (``Panel.rectify(rgb, MARGIN)``)."""
    _ys, _xs, means, near = sample_cells(crop, gr.rows, gr.cols, margin=MARGIN)
    return quantize(means, near, f0.palette, f0.labels)


def _pick_answer(rgb: NDArray[np.uint8], cands: Sequence[Panel], f0: _Frame0, expected_hw: tuple[int, int] | None,
                 known: Sequence[Box], video: bool) -> tuple[GridRead | None, bool]:
    """The answer panel among the final frame's unknown panels, and whether it is in the slot.

    In order: a drawn panel (some ARC colour) in the slot, nearest its centre; else a slot panel
    whose cells cannot be delimited (the caller abstains); else a drawn panel elsewhere that is
    grid-sized (at least a tenth of the median known panel: not text) and, in a video, was not
    there in frame 0; else a blank panel in the slot (a confident "nothing drawn").
    """
    sx, sy = ((f0.slot[0] + f0.slot[2]) / 2, (f0.slot[1] + f0.slot[3]) / 2) if f0.slot else (0.0, 0.0)
    big = 0.1 * float(np.median([k.w * k.h for k in known]))
    drawn_in, drawn_out, blank_in, unread_in = [], [], [], []
    for p in cands:
        gr = read_grid(rgb, p, hint=expected_hw)
        ins = _inside(p.box, f0.slot)
        dist = (p.box.center[0] - sx) ** 2 + (p.box.center[1] - sy) ** 2
        if not (gr.rows and gr.cols):
            if ins:
                unread_in.append((dist, gr))
            continue
        lab = _labels_at(rgb, gr, f0)
        drawn = bool(((lab >= 0) & (lab <= 9)).any())
        if ins:
            (drawn_in if drawn else blank_in).append((dist, gr))
        elif drawn and p.box.w * p.box.h >= big and not (video and any(p.box.iou(b) > 0.5 for b in f0.others)):
            drawn_out.append((-p.box.w * p.box.h, gr))
    for group, ins in ((drawn_in, True), (unread_in, True), (drawn_out, False), (blank_in, True)):
        if group:
            return min(group, key=lambda t: t[0])[1], ins
    return None, False


def parse_arc(frames: Iterable[Frame], roles: Sequence[tuple[str, NDArray[np.int8]]],
              expected_hw: tuple[int, int] | None, *, stable_frames: int = 4) -> ArcParse:
    """Read an ARC output (image or video): layout, drift in every frame, the final answer.

    Args:
        frames: decoded frames (a single-pass iterator is fine).
        roles: the task grids shown in the input image, as (role, grid) pairs: "E1-in", "E1-out",
            ..., "T1-in" (only those the renderer showed need be found).
        expected_hw: the expected output size, used only to resolve an ambiguous cell count.
        stable_frames: how many final frames must agree (flicker is reported, not fatal).

    Raises:
        ParseError: no frame, no test input in frame 0, or no answer grid in the final frame.
    """
    f0: _Frame0 | None = None
    window: deque[Frame] = deque(maxlen=max(1, stable_frames))
    drift_frames: list[int] = []
    events: dict[str, DriftEvent] = {}
    last_read: dict[int, tuple[NDArray[np.uint8], NDArray[np.int8]]] = {}
    n = 0
    for fr in frames:
        n += 1
        window.append(fr)
        if f0 is None:
            f0 = read_layout(fr.rgb, roles)
            continue
        drifted = False
        for pi, kp in enumerate(f0.panels):
            # a panel whose pixels are those of the last frame (static regions of a video often
            # decode bit for bit alike) has the same labels: only changed crops are read again
            crop = kp.read.panel.rectify(fr.rgb, MARGIN)
            seen = last_read.get(pi)
            if seen is not None and np.array_equal(seen[0], crop):
                lab = seen[1]
            else:
                lab = _labels_of(crop, kp.read, f0)
                last_read[pi] = (crop, lab)
            diff = (lab != kp.labels0) & (lab != AMBIGUOUS) & (kp.labels0 != AMBIGUOUS)
            if diff.any():
                drifted = True
                if kp.role not in events:
                    r, c = (int(v) for v in np.argwhere(diff)[0])
                    events[kp.role] = DriftEvent(kp.role, fr.index, int(diff.sum()), (r, c), kp.read.cell_box(r, c),
                                                 int(lab[r, c]), int(kp.labels0[r, c]))
        if drifted:
            drift_frames.append(fr.index)
    if f0 is None:
        raise ParseError("no frame decoded")
    last = window[-1]
    notes = list(f0.notes)
    known = [kp.read.box for kp in f0.panels]
    # a panel of the final frame that is none of the known ones (nor text: far smaller than any grid)
    min_area = 0.015 * float(np.median([k.w * k.h for k in known]))
    cands = [p for p in find_panels(last.rgb)
             if all(p.box.iou(k) < 0.5 for k in known) and p.box.w * p.box.h >= min_area]
    answer: GridRead | None = None
    in_slot = False
    if cands:
        answer, in_slot = _pick_answer(last.rgb, cands, f0, expected_hw, known, n > 1)
        if answer is not None and not in_slot:
            notes.append(f"answer drawn outside the output slot, at {answer.box.as_tuple()}")
    if answer is None:
        raise ParseError(f"no answer grid found in the final frame {last.index} "
                         f"(every panel there is a demonstration or the test input)")
    if answer.rows == 0 or answer.cols == 0:
        raise ParseError(f"the answer panel at {answer.box.as_tuple()} in frame {last.index} has no consistent "
                         f"rows/columns partition")
    if answer.size_from_hint:
        notes.append("grid lines absent: the answer's size was taken as the expected one among equally "
                     "consistent sizes")
    samples = []
    for fr in window:
        m, nr = edge_clear_samples(answer.panel.rectify(fr.rgb, MARGIN), answer.rows, answer.cols, margin=MARGIN,
                                   inset=ANSWER_EDGE_INSET)
        samples.append((m, nr))
    reads = np.stack([quantize(m, nr, f0.palette, f0.labels) for m, nr in samples])
    # every read below takes each cell's colour pooled over the final frames that show it alike
    # (``pooled_samples``): compression wobbles from frame to frame, the drawn colour does not
    means, near, _count = pooled_samples(samples)
    final = quantize(means, near, f0.palette, f0.labels)
    crop = answer.panel.rectify(last.rgb, MARGIN)
    ring = np.concatenate([crop[:MARGIN].reshape(-1, 3), crop[-MARGIN:].reshape(-1, 3),
                           crop[:, :MARGIN].reshape(-1, 3), crop[:, -MARGIN:].reshape(-1, 3)])
    outside = ring.astype(np.float64).mean(axis=0)
    strict = quantize(means, near, f0.palette, f0.labels, ratio=0.5, min_uniform=60)
    # the neighbourhood (blur, chroma bleeding): a cell the plain read leaves ambiguous takes the colour
    # that, bled towards its neighbours, clearly explains it (see ``mixed_labels``); a loose read (the
    # strict read cannot tell) that this model contradicts is ambiguous
    mixed, mix_res = mixed_labels(means, near, f0.palette, f0.labels, outside=outside)
    flicker: list[tuple[int, int]] = []
    for r in range(answer.rows):
        for c in range(answer.cols):
            conf = reads[:, r, c][reads[:, r, c] != AMBIGUOUS]
            if len(np.unique(conf)) > 1:
                flicker.append((r, c))
            if final[r, c] == AMBIGUOUS and len(conf) * 2 >= len(window):
                vals, cnt = np.unique(conf, return_counts=True)
                final[r, c] = vals[np.argmax(cnt)]
    unsure = strict == AMBIGUOUS
    fill = unsure & (final == AMBIGUOUS) & (mixed >= 0) & (mixed <= 9)  # never a blank from the model (that decides)
    final = np.where(fill, mixed, final).astype(np.int8)
    final[unsure & (mixed != AMBIGUOUS) & (final != mixed)] = AMBIGUOUS  # loose read and model disagree
    # a loose read of an inner cell that the model confirms with a wide margin (at most 0.4 of the next
    # label's residual) is sure; edge cells also bleed into the outline and the page, less predictably
    ranked = np.sort(mix_res, axis=-1)
    inner = np.zeros(strict.shape, bool)
    inner[1:-1, 1:-1] = True
    sure = unsure & inner & (quantize(means, near, f0.palette, f0.labels) == mixed) & (mixed >= 0) & (mixed <= 9) \
        & (ranked[..., 0] <= 0.4 * ranked[..., 1])
    strict = np.where(sure, mixed, strict).astype(np.int8)
    wide = wide_residuals(means, near, f0.palette, f0.labels, outside)
    return ArcParse(n, f0.panels, f0.palette, f0.labels, f0.slot, answer, final, in_slot, last.index,
                    tuple(flicker), tuple(drift_frames), tuple(events[k] for k in sorted(events)), tuple(notes),
                    strict, mix_res, wide)
