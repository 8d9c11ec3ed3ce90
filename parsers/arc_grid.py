"""ARC grids in pixels: finding panels, finding a panel's rows and columns, reading cell colours.

Design notes:

- **Panels** (``parsers.arc_panels``) are large, nearly rectangular regions that differ from
  the page background; rotated or tilted ones are rectified. Nothing assumes where panels
  are or how large they are.
- **Rows and columns without assuming the size.** Along each axis, an edge profile counts, for
  every pixel boundary, the share of rows (columns) where the colour steps there (a local
  maximum of the colour difference above a threshold). A partition into ``n`` equal cells is
  *consistent* when no edge lies well inside a cell. The smallest consistent ``n`` is the
  answer when grid lines are visible (every boundary carries an edge); when lines are faint or
  absent, equal neighbouring cells merge and every multiple of the smallest ``n`` is equally
  consistent: the caller may then name the size it expects, which is used only if it is one
  of the consistent sizes (``GridRead.size_from_hint`` records that this happened).
- **Cells.** For a given count, the lattice is fitted to the panel's colour steps with sub-pixel
  pitch and offset (``fit_lattice``): an outline found a pixel off (blur, rescaling) would put
  4-px cells' samples on their grid lines. Each cell's colour is the Gaussian-weighted median
  about its centre, clear of its boundary (robust to a blurred line at the window's edge).
- **Colours** are assigned to the nearest entry of a palette (the ARC palette as rendered in
  this very video, see ``parsers.arc``) with a margin: a cell too far from every entry, too close to two entries,
  or not uniform, is *ambiguous* (label -1), never guessed. Small cells bleed into their
  neighbours (blur; 4:2:0 video halves the colour resolution and keeps the brightness), so a
  second read (``mixed_labels``) asks which entry, bled towards the cell's neighbours, explains
  it, in luma and chroma, and again abstains on close calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.color import cell_weighted_medians, nearest_palette
from mmgr.parsers.arc_panels import Box, Panel, background_color, find_panels

__all__ = [
    "AMBIGUOUS", "ARC_NAMES", "ARC_RGB", "EMPTY", "MARGIN", "AxisFit", "Box", "GridRead", "Panel", "background_color",
    "cell_edges", "edge_profiles", "find_panels", "fit_axis", "fit_lattice", "grid_consistent", "label_name",
    "mixed_labels", "mixing_residuals", "quantize", "read_grid", "sample_cells",
]

# The standard ARC colours 0-9 (black, blue, red, green, yellow, grey, magenta, orange, azure, maroon).
ARC_RGB: NDArray[np.int32] = np.array([
    [0, 0, 0], [0, 116, 217], [255, 65, 54], [46, 204, 64], [255, 220, 0],
    [170, 170, 170], [240, 18, 190], [255, 133, 27], [127, 219, 255], [135, 12, 37]], np.int32)
ARC_NAMES = ("black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "azure", "maroon")
EMPTY = 10  # label of a cell showing the empty-panel / page colour (no ARC colour drawn)
AMBIGUOUS = -1  # label of a cell that cannot be read with confidence

MAX_CELLS = 30  # ARC grids are 1-30 cells a side


def label_name(v: int) -> str:
    """Human name of a cell label: an ARC colour, "empty" or "ambiguous"."""
    if 0 <= v <= 9:
        return f"{v}:{ARC_NAMES[v]}"
    return "empty" if v == EMPTY else "ambiguous"


def edge_profiles(crop: NDArray[np.uint8], *, step_tol: int = 30) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Share of rows (columns) with a colour step at each pixel boundary along x (y).

    Args:
        crop: (H, W, 3) uint8 panel.
        step_tol: L1 colour difference a step must exceed (raised to 6x the 25th percentile of
            all differences, so that noise does not count as steps).

    Returns:
        px: (W + 1,) float, px[e] for the boundary between pixel columns e-1 and e (px[0] = px[W] = 0):
            the mean over rows of the step's strength there (0 = no step, 1 = a strong one).
        py: (H + 1,) likewise for rows.
    """
    out = []
    for axis in (1, 0):
        a = crop.astype(np.int32)
        # average 5 pixels across the axis (noise down, lines kept sharp)
        k = (5, 1) if axis == 0 else (1, 5)  # cv2 ksize is (width, height)
        a = cv2.blur(a.astype(np.float32), k).astype(np.float32)
        g = np.abs(np.diff(a, axis=axis)).sum(axis=2)
        if axis == 0:
            g = g.T
        # g: (L, W-1) steps along the axis for each of L lines; keep local maxima above tol
        tol = max(float(step_tol), 6.0 * float(np.percentile(g, 25))) if g.size else float(step_tol)
        left = np.pad(g, ((0, 0), (1, 0)))[:, :-1]
        right = np.pad(g, ((0, 0), (0, 1)))[:, 1:]
        e = (g > tol) & (g >= left) & (g >= right)
        # weight each kept step by its strength (strong steps = 1): ringing and blocking from
        # compression make many weak local maxima, grid lines and colour changes few strong ones
        strong = float(np.percentile(g[e], 90)) if e.any() else 1.0
        w = np.where(e, np.minimum(1.0, g / max(strong, 1.0)), 0.0)
        prof = np.zeros(g.shape[1] + 2)
        prof[1:-1] = w.mean(axis=0)
        out.append(prof)
    return out[0], out[1]


def _consistency(prof: NDArray[np.float64], n: int, *, zone: float = 0.3, max_zone: float = 2.5,
                 shift: float = 3.0) -> tuple[float, float]:
    """(share of the edge evidence lying inside cells, share of inner boundaries carrying a line) for ``n`` cells.

    Edges within ``clip(zone * pitch, 1.5, max_zone)`` pixels of a cell boundary (or of the panel's
    outline) belong to that boundary; the rest lie inside cells. A few pixels, not a share of the
    pitch, at large pitches: a blurred 1-px line spreads its two edges about 2 px either side
    whatever the cell size, while a quarter of a 24-px cell would let stripes every third cell pass
    for lines on every boundary. Shares, not maxima, so that a few stray edges (noise, compression)
    do not veto the right partition. The grid may start and end up to ``shift`` px inside or
    outside the panel's outline, in half pixels (blur grows an outline by 1-3 px); the best such
    placement counts (ties: the one nearest the outline).
    """
    length = len(prof) - 1
    pos = np.arange(len(prof), dtype=np.float64)
    total = float(prof.sum())
    offs = np.arange(-shift, shift + 1e-9, 0.5)
    a, b = (v.ravel() for v in np.meshgrid(offs, offs, indexing="ij"))
    keep = (length + b - a) >= 0.5 * length  # tiny panels: placements that leave most of the panel
    order = np.argsort(np.abs(a[keep]) + np.abs(b[keep]), kind="stable")
    a, b = a[keep][order], b[keep][order]
    p = (length + b - a) / n
    r = np.clip(zone * p, 1.5, max(1.5, max_zone))
    d = np.abs(pos[None] - a[:, None] - np.round((pos[None] - a[:, None]) / p[:, None]) * p[:, None])
    inside = (d > r[:, None]).astype(np.float64) @ prof / total if total > 0 else np.zeros(len(a))
    i = int(np.argmin(inside))
    if n == 1:
        return float(inside[i]), 1.0
    cum = np.concatenate([[0.0], np.cumsum(prof)])
    c = a[i] + np.arange(1, n) * p[i]
    lo = np.clip(np.floor(c - r[i]).astype(np.int64), 0, len(prof))
    hi = np.clip(np.ceil(c + r[i]).astype(np.int64) + 1, 0, len(prof))
    hits = int(((cum[hi] - cum[lo]) >= 0.5).sum())
    return float(inside[i]), hits / (n - 1)


@dataclass(frozen=True, slots=True)
class AxisFit:
    """How many cells an axis holds and how sure that is.

    Attributes:
        n: number of cells, or 0 when no partition is consistent.
        lines: share of inner boundaries showing a line or step (1.0 = grid lines visible).
        from_hint: True when ``n`` is the caller's expected size chosen among equally consistent sizes.
    """

    n: int
    lines: float
    from_hint: bool


def fit_axis(prof: NDArray[np.float64], *, hint: int | None = None, min_pitch: float = 4.0,
             inside_tol: float = 0.12, near_best: float = 0.04) -> AxisFit:
    """Smallest consistent cell count along one axis (see the module notes).

    Consistent: at most ``inside_tol`` of the edge evidence inside cells; and, of those, only the
    counts within ``near_best`` of the cleanest one, and their divisors, compete (a blur-tolerant
    boundary zone lets a count a few cells short pass loosely; the right count fits almost exactly,
    or its multiples do a little better where compression adds stray edges).
    """
    length = len(prof) - 1
    top = int(min(MAX_CELLS, length // min_pitch))
    fits = {n: _consistency(prof, n) for n in range(1, top + 1)}
    ok = [n for n in fits if fits[n][0] <= inside_tol]
    if not ok:
        # noisy edges (heavy compression, blur): no partition is clean; the expected size is
        # still taken when it fits loosely (flagged), else nothing is
        if hint is not None and 1 <= hint <= top and fits[hint][0] <= 2 * inside_tol:
            return AxisFit(hint, fits[hint][1], True)
        return AxisFit(0, 0.0, False)
    best = min(fits[n][0] for n in ok)
    near = [n for n in ok if fits[n][0] <= best + near_best]
    # (a divisor of a near-best count stays: multiples of the right count fit as well or better)
    ok = [n for n in ok if any(m % n == 0 for m in near)]
    n0 = ok[0]
    lines = fits[n0][1]
    if lines >= 0.9 and n0 > 2:  # every one of >= 2 inner boundaries shows an edge: grid lines
        return AxisFit(n0, lines, False)
    # no visible lines: only colour steps mark boundaries, and every partition that puts them all
    # on boundaries fits; judge with a tight boundary zone (colour steps are sharp, lines are not)
    tight = [n for n in ok if _consistency(prof, n, zone=0.12)[0] <= inside_tol]
    if hint is not None and hint in tight:
        return AxisFit(hint, fits[hint][1], hint != tight[0])
    return AxisFit(tight[0] if tight else n0, lines, False)


def cell_edges(start: int, length: int, n: int) -> NDArray[np.int32]:
    """Pixel boundaries of ``n`` equal cells over ``[start, start + length)``: (n + 1,) int32."""
    return (start + np.round(np.arange(n + 1) * (length / n))).astype(np.int32)


@dataclass(frozen=True, slots=True)
class GridRead:
    """One panel read into cells.

    Attributes:
        panel: the panel (its outline in the frame and the rectification).
        rows, cols: cell counts (0 when no consistent partition was found).
        ys, xs: (rows + 1,), (cols + 1,) int32 cell boundaries in rectified panel pixels.
        means: (rows, cols, 3) int32 mean colour of each cell's centre.
        uniform: (rows, cols) int32 percent of each cell's centre near its mean.
        lines: share of inner boundaries with a visible line or step (min over both axes).
        size_from_hint: True when the expected size resolved an ambiguous count (lines absent).
        hint_inside: share of the edge evidence that the expected partition would put inside
            cells (max over both axes; 0 = the expected size fits the edges perfectly), or None.
    """

    panel: Panel
    rows: int
    cols: int
    ys: NDArray[np.int32]
    xs: NDArray[np.int32]
    means: NDArray[np.int32]
    uniform: NDArray[np.int32]
    lines: float
    size_from_hint: bool
    hint_inside: float | None = None

    @property
    def box(self) -> Box:
        return self.panel.box

    def cell_box(self, r: int, c: int) -> tuple[int, int, int, int]:
        """The cell's bounding box in frame pixels."""
        return self.panel.frame_box(float(self.xs[c]), float(self.ys[r]), float(self.xs[c + 1]), float(self.ys[r + 1]))


MARGIN = 3  # pixels of surroundings kept around a rectified panel, so that its outline is seen


def _step_profile(crop: NDArray[np.uint8], axis: int) -> NDArray[np.float64]:
    """Mean colour step (L1 over channels) at each pixel boundary along ``axis`` (1 = x), smoothed.

    Returns (L + 1,) float: entry e for the boundary between pixels e-1 and e (0 at both ends).
    """
    g = np.abs(np.diff(crop.astype(np.float32), axis=axis)).sum(axis=2)
    prof = np.zeros(crop.shape[axis] + 1)
    prof[1:-1] = g.mean(axis=1 - axis)
    k = np.exp(-0.5 * (np.arange(-3, 4) / 0.8) ** 2)
    return np.convolve(prof, k / k.sum(), mode="same")


def fit_lattice(prof: NDArray[np.float64], n: int, start: float, end: float, *, span: float = 2.5,
                step: float = 0.1) -> tuple[float, float]:
    """Sub-pixel first and last cell boundary of ``n`` equal cells, near ``start`` and ``end``.

    The pair (within ``span`` px of the nominal ones, in ``step`` px) whose ``n + 1`` equally spaced
    boundaries collect the most colour-step evidence of ``prof`` (``_step_profile``); grid lines and
    colour changes both sit on boundaries. A small pull towards the nominal pair decides when the
    profile is flat (a one-colour panel). Coordinates are continuous: pixel i spans [i, i + 1).
    """
    offs = np.arange(-span, span + 1e-9, step)
    a = start + offs[:, None]
    e = end + offs[None, :]
    t = a[..., None] + np.arange(n + 1) * ((e - a) / n)[..., None]
    score = np.interp(t, np.arange(len(prof), dtype=np.float64), prof).mean(axis=-1)
    score = score / max(float(prof.max()), 1e-9) - 0.01 * (np.abs(offs)[:, None] + np.abs(offs)[None, :])
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    return float(a[i, 0]), float(e[0, j])


def _window_weights(edges: NDArray[np.float64], length: int, *, frac: float = 0.2, clear: float = 1.25
                    ) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Integer Gaussian weights of the pixels about each cell's centre along one axis.

    A cell [b_k, b_k+1] of pitch p is sampled at its centre with sigma ``max(0.5, frac * p)``, out to
    2.5 sigma but no pixel centre nearer its boundary than ``clear`` px (the grid line and the blurred
    edge; at least the pixel or two at the centre).
    Returns ``(first, weights)``: (n,) int32 first pixel of each window, (n, K) int32 weights.
    """
    n = len(edges) - 1
    firsts, rows = [], []
    for k in range(n):
        c = 0.5 * (edges[k] + edges[k + 1])
        p = float(edges[k + 1] - edges[k])
        sig = max(0.5, frac * p)
        half = max(0.6, min(2.5 * sig, 0.5 * p - clear))
        lo = max(0, int(np.ceil(c - half - 0.5)))
        hi = min(length - 1, int(np.floor(c + half - 0.5)))
        if hi < lo:  # a sliver: the pixel nearest the centre
            lo = hi = min(length - 1, max(0, int(np.floor(c))))
        d = np.arange(lo, hi + 1) + 0.5 - c
        w = np.maximum(1, np.round(1000.0 * np.exp(-0.5 * (d / sig) ** 2))).astype(np.int64)
        firsts.append(lo)
        rows.append(w)
    width = max(len(w) for w in rows)
    out = np.zeros((n, width), np.int32)
    for k, w in enumerate(rows):
        out[k, :len(w)] = w
    return np.array(firsts, np.int32), out


def sample_cells(crop: NDArray[np.uint8], rows: int, cols: int, *, margin: int = 0, tol: int = 60,
                 edge_inset: float = 0.0) -> tuple[
                     NDArray[np.int32], NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Cell boundaries and centre colours for a rows x cols partition of a rectified panel.

    Args:
        crop: (H + 2m, W + 2m, 3) uint8 panel with ``margin`` m pixels of surroundings on every side.
        rows, cols: the partition.
        edge_inset: share of a pitch at the panel's outline that the windows of edge cells leave out
            (the outline, its blur and the page's chroma bleed there; see ``parsers.arc``).

    Returns:
        ys, xs: (rows + 1,), (cols + 1,) int32 cell boundaries (rounded) in panel pixels (without margin).
        means: (rows, cols, 3) int32 Gaussian-weighted median colour about each cell's centre (robust to a
            blurred line at the window's edge); the cell lattice is fitted with sub-pixel pitch and
            offset to the panel's colour steps (``fit_lattice``).
        near: (rows, cols) int32 percent of that weight within L1 ``tol`` of the median.
    """
    m = int(margin)
    h, w = crop.shape[0] - 2 * m, crop.shape[1] - 2 * m
    # nominal outline: between a 1-px border line's centre (m + 0.5) and the panel's edge (m)
    y_a, y_e = fit_lattice(_step_profile(crop, 0), rows, m + 0.25, m + h - 0.25, span=min(2.5, m + 0.25))
    x_a, x_e = fit_lattice(_step_profile(crop, 1), cols, m + 0.25, m + w - 0.25, span=min(2.5, m + 0.25))
    yf = y_a + np.arange(rows + 1) * ((y_e - y_a) / rows)
    xf = x_a + np.arange(cols + 1) * ((x_e - x_a) / cols)
    yw, xw = yf.copy(), xf.copy()  # the sampled spans: the outer edge cells' trimmed by edge_inset
    yw[[0, -1]] += edge_inset * (y_e - y_a) / rows * np.array([1.0, -1.0])
    xw[[0, -1]] += edge_inset * (x_e - x_a) / cols * np.array([1.0, -1.0])
    y0, wy = _window_weights(yw, crop.shape[0])
    x0, wx = _window_weights(xw, crop.shape[1])
    means, near = cell_weighted_medians(np.ascontiguousarray(crop), y0, wy, x0, wx, tol)
    ys = np.clip(np.round(yf - m), 0, h).astype(np.int32)
    xs = np.clip(np.round(xf - m), 0, w).astype(np.int32)
    return ys, xs, means, near


def read_grid(rgb: NDArray[np.uint8], panel: Panel, *, hint: tuple[int, int] | None = None,
              size: tuple[int, int] | None = None, crop: NDArray[np.uint8] | None = None) -> GridRead:
    """Find the rows and columns of a panel (or take ``size``) and sample every cell.

    Args:
        rgb: (H, W, 3) uint8 frame.
        panel: the panel.
        hint: expected (rows, cols), used only to resolve an ambiguous count (see module notes).
        size: force this (rows, cols) instead of detecting it.
        crop: the rectified panel with ``MARGIN`` pixels of surroundings, when already computed.
    """
    crop = panel.rectify(rgb, MARGIN) if crop is None else crop
    lines = 1.0
    from_hint = False
    hint_inside = None
    if size is None:
        px, py = edge_profiles(crop[MARGIN:crop.shape[0] - MARGIN, MARGIN:crop.shape[1] - MARGIN])
        fy = fit_axis(py, hint=None if hint is None else hint[0])
        fx = fit_axis(px, hint=None if hint is None else hint[1])
        rows, cols, lines, from_hint = fy.n, fx.n, min(fx.lines, fy.lines), fx.from_hint or fy.from_hint
        if hint is not None:
            hint_inside = max(_consistency(py, hint[0])[0], _consistency(px, hint[1])[0])
    else:
        rows, cols = size
    if rows == 0 or cols == 0:
        z = np.zeros(0, np.int32)
        return GridRead(panel, rows, cols, z, z, np.zeros((0, 0, 3), np.int32), np.zeros((0, 0), np.int32),
                        0.0, False, hint_inside)
    ys, xs, means, near = sample_cells(crop, rows, cols, margin=MARGIN)
    return GridRead(panel, rows, cols, ys, xs, means, near, lines, from_hint, hint_inside)


def grid_consistent(profiles: tuple[NDArray[np.float64], NDArray[np.float64]], rows: int, cols: int, *,
                    tol: float = 0.3) -> bool:
    """Whether a rows x cols partition puts no colour step inside a cell.

    Args:
        profiles: ``edge_profiles`` of the panel (px, py).
        rows, cols: the partition to test.
    """
    px, py = profiles
    if (len(px) - 1) / cols < 2.0 or (len(py) - 1) / rows < 2.0:
        return False
    return _consistency(px, cols)[0] <= tol and _consistency(py, rows)[0] <= tol


def quantize(means: NDArray[np.int32], uniform: NDArray[np.int32], palette: NDArray[np.int32],
             labels: NDArray[np.int8] | None = None, *, max_dist: float = 80.0, ratio: float = 0.7,
             min_uniform: int = 30) -> NDArray[np.int8]:
    """Labels of cells from their mean colours, abstaining on ambiguous cells.

    Args:
        means: (R, C, 3) int32 cell colours.
        uniform: (R, C) int32 percent of each cell near its mean.
        palette: (K, 3) int32 entries: ARC colours 0-9 as rendered, then empty colours.
        labels: (K,) int8 label of each entry (default: its index); entries sharing a label
            (two shades of "empty") do not make each other ambiguous.
        max_dist: a colour farther than this (Euclidean RGB) from every entry is ambiguous.
        ratio: ambiguous when the distance to the nearest entry exceeds this share of the
            distance to the nearest entry of another label (a dead band about the bisector).
        min_uniform: ambiguous when fewer than this percent of the centre pixels are near the mean.

    Returns:
        (R, C) int8 labels: 0-9 ARC colours, 10 empty, -1 ambiguous.
    """
    r, c = means.shape[:2]
    if r * c == 0:
        return np.zeros((r, c), np.int8)
    flat = np.ascontiguousarray(means.reshape(-1, 3), dtype=np.int32)
    idx, d1, _ = nearest_palette(flat, np.ascontiguousarray(palette, dtype=np.int32))
    dist = np.sqrt(d1.astype(np.float64))
    labels = np.arange(len(palette), dtype=np.int8) if labels is None else np.asarray(labels, np.int8)
    lab = labels[idx].astype(np.int8)
    # distance to the nearest entry that would give another label
    d_all = np.sqrt(((flat[:, None, :].astype(np.float64) - palette[None].astype(np.float64)) ** 2).sum(axis=2))
    d_all[labels[None, :] == lab[:, None]] = np.inf
    other = d_all.min(axis=1)
    bad = (dist > max_dist) | (dist > ratio * other) | (uniform.reshape(-1) < min_uniform)
    lab[bad] = AMBIGUOUS
    return lab.reshape(r, c)


def _ycc(rgb: NDArray[np.float64]) -> NDArray[np.float64]:
    """(..., 3) RGB -> (..., 3) luma and the two chroma differences (BT.601, full range)."""
    y = rgb @ np.array([0.299, 0.587, 0.114])
    return np.stack([y, 0.564 * (rgb[..., 2] - y), 0.713 * (rgb[..., 0] - y)], axis=-1)


def mixing_residuals(obs: NDArray[np.int32], nbr: NDArray[np.float64], palette: NDArray[np.int32], *,
                     luma_mix: float = 0.35, chroma_mix: float = 0.6) -> NDArray[np.float64]:
    """How far each observed cell colour is from each palette entry bled towards its neighbours.

    Blur mixes a small cell's colour with its neighbours'; 4:2:0 video keeps its luma but averages
    its chroma with theirs, so a lone azure cell among black ones comes out a pale, washed-out
    azure that plain nearest-colour puts halfway to grey. An entry ``c`` explains an observation
    ``o`` next to neighbours of mean colour ``n`` when, in luma/chroma coordinates, ``o``'s luma
    lies between ``c``'s and ``c + luma_mix * (n - c)`` and its chroma on the segment from ``c``'s
    towards ``c + chroma_mix * (n - c)``.

    Args:
        obs: (N, 3) int32 observed RGB. nbr: (N, 3) mean RGB of each cell's neighbours.
        palette: (K, 3) int32 RGB entries.

    Returns:
        (N, K) float64 distance (luma and chroma levels) from each observation to what each entry explains.

    A washed-out azure cell among black ones: azure explains it, grey does not.

    >>> mixing_residuals(np.array([[157, 199, 215]], np.int32), np.zeros((1, 3)),
    ...                  np.array([[128, 216, 252], [167, 167, 165]], np.int32)).round(0)
    array([[ 0., 35.]])
    """
    o = _ycc(obs.astype(np.float64))[:, None, :]
    n = _ycc(np.asarray(nbr, np.float64))[:, None, :]
    c = _ycc(palette.astype(np.float64))[None, :, :]
    # luma: distance to the interval [c, c + luma_mix * (n - c)]
    y_lo = np.minimum(c[..., 0], c[..., 0] + luma_mix * (n[..., 0] - c[..., 0]))
    y_hi = np.maximum(c[..., 0], c[..., 0] + luma_mix * (n[..., 0] - c[..., 0]))
    ry = np.maximum(0.0, np.maximum(y_lo - o[..., 0], o[..., 0] - y_hi))
    # chroma: distance to the segment c -> c + chroma_mix * (n - c)
    d = chroma_mix * (n[..., 1:] - c[..., 1:])
    dd = (d ** 2).sum(axis=-1)
    t = np.clip(((o[..., 1:] - c[..., 1:]) * d).sum(axis=-1) / np.maximum(dd, 1e-9), 0.0, 1.0)
    rc = np.sqrt(((o[..., 1:] - c[..., 1:] - t[..., None] * d) ** 2).sum(axis=-1))
    return np.sqrt(ry ** 2 + rc ** 2)


def _neighbour_means(means: NDArray[np.int32], outside: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """(R, C, 3) mean colour of each cell's 4-neighbours (the cell itself when it has none); a cell on
    the panel's edge counts ``outside`` (the colour around the panel) as its neighbour beyond the edge."""
    m = means.astype(np.float64)
    tot = np.zeros_like(m)
    cnt = np.zeros(m.shape[:2])
    if outside is not None:
        o = np.asarray(outside, np.float64)
        for sl in ((0, slice(None)), (-1, slice(None)), (slice(None), 0), (slice(None), -1)):
            tot[sl] += o
            cnt[sl] += 1
    tot[1:] += m[:-1]
    cnt[1:] += 1
    tot[:-1] += m[1:]
    cnt[:-1] += 1
    tot[:, 1:] += m[:, :-1]
    cnt[:, 1:] += 1
    tot[:, :-1] += m[:, 1:]
    cnt[:, :-1] += 1
    return np.where(cnt[..., None] > 0, tot / np.maximum(cnt, 1)[..., None], m)


def mixed_labels(means: NDArray[np.int32], uniform: NDArray[np.int32], palette: NDArray[np.int32],
                 labels: NDArray[np.int8], *, outside: NDArray[np.float64] | None = None, max_res: float = 25.0,
                 ratio: float = 0.6, min_uniform: int = 30) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """Cell labels under the neighbour-mixing model (``mixing_residuals``), abstaining on close calls.

    Args:
        means: (R, C, 3) int32 cell colours; uniform: (R, C) int32 percent near the colour.
        palette: (K, 3) int32 entries; labels: (K,) int8 their labels (0-9, 10 empty).
        max_res: a cell no entry explains within this distance is ambiguous.
        ratio: ambiguous unless the best label's residual is at most this share of any other label's.
        min_uniform: ambiguous when fewer than this percent of the centre pixels are near the colour.

    Returns:
        lab: (R, C) int8 labels, -1 ambiguous.
        res: (R, C, 11) float64 the smallest residual of each label 0-10 (inf: no entry has it).
    """
    r, c = means.shape[:2]
    res = np.full((r, c, EMPTY + 1), np.inf)
    if r * c == 0:
        return np.zeros((r, c), np.int8), res
    nbr = _neighbour_means(means, outside).reshape(-1, 3)
    per = mixing_residuals(means.reshape(-1, 3), nbr, palette).reshape(r, c, -1)
    labels = np.asarray(labels, np.int64)
    for v in np.unique(labels):
        res[..., v] = per[..., labels == v].min(axis=-1)
    order = np.argsort(res, axis=-1, kind="stable")
    best = np.take_along_axis(res, order[..., :1], axis=-1)[..., 0]
    second = np.take_along_axis(res, order[..., 1:2], axis=-1)[..., 0]
    lab = order[..., 0].astype(np.int8)
    bad = (best > max_res) | (best > ratio * second) | (uniform < min_uniform)
    lab[bad] = AMBIGUOUS
    return lab, res
