"""ARC grids in pixels: finding panels, finding a panel's rows and columns, reading cell colours.

Design notes:

- **Panels** are large, nearly rectangular regions that differ from the page background
  (the most common colour of the frame's border). Text, arrows and specks are too small or
  too sparse to count. Nothing assumes where panels are or how large they are.
- **Rows and columns without assuming the size.** Along each axis, an edge profile counts, for
  every pixel boundary, the share of rows (columns) where the colour steps there (a local
  maximum of the colour difference above a threshold). A partition into ``n`` equal cells is
  *consistent* when no edge lies well inside a cell. The smallest consistent ``n`` is the
  answer when grid lines are visible (every boundary carries an edge); when lines are faint or
  absent, equal neighbouring cells merge and every multiple of the smallest ``n`` is equally
  consistent: the caller may then name the size it expects, which is used only if it is one
  of the consistent sizes (``GridRead.size_from_hint`` records that this happened).
- **Colours** are the mean of each cell's centre (edges and lines trimmed), assigned to the
  nearest entry of a palette (the ARC palette as rendered in this very video, see
  ``parsers.arc``) with a margin: a cell too far from every entry, too close to two entries,
  or not uniform, is *ambiguous* (label -1), never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.color import cell_means, nearest_palette

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


@dataclass(frozen=True, slots=True)
class Box:
    """A pixel rectangle, ``x0 <= x < x1``, ``y0 <= y < y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    def __post_init__(self) -> None:
        if not (self.x1 > self.x0 and self.y1 > self.y0):
            raise ValueError(f"Box: expected x1 > x0 and y1 > y0, got {(self.x0, self.y0, self.x1, self.y1)}")

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def iou(self, o: Box) -> float:
        ix = max(0, min(self.x1, o.x1) - max(self.x0, o.x0))
        iy = max(0, min(self.y1, o.y1) - max(self.y0, o.y0))
        inter = ix * iy
        return inter / float(self.w * self.h + o.w * o.h - inter)

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True, slots=True)
class Panel:
    """A panel found in a frame: its outline (possibly rotated or in perspective) and its bounding box.

    Attributes:
        box: axis-aligned bounding box in frame pixels.
        quad: (4, 2) float64 corner pixel centres (x, y): top-left, top-right, bottom-right, bottom-left.
        w, h: size of the rectified (axis-aligned) panel in pixels.
        to_frame: (3, 3) float64 homography from rectified pixel coordinates to frame coordinates.
    """

    box: Box
    quad: NDArray[np.float64]
    w: int
    h: int
    to_frame: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.quad.shape != (4, 2) or self.to_frame.shape != (3, 3):
            raise ValueError(f"Panel: expected quad (4, 2) and to_frame (3, 3), got {self.quad.shape}, "
                             f"{self.to_frame.shape}")

    @staticmethod
    def from_quad(quad: NDArray[np.float64]) -> Panel:
        q = np.asarray(quad, np.float64)
        w = int(round(max(np.hypot(*(q[1] - q[0])), np.hypot(*(q[2] - q[3]))))) + 1
        h = int(round(max(np.hypot(*(q[3] - q[0])), np.hypot(*(q[2] - q[1]))))) + 1
        dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
        hm = cv2.getPerspectiveTransform(dst.astype(np.float32), q.astype(np.float32)).astype(np.float64)
        x0, y0 = int(np.floor(q[:, 0].min())), int(np.floor(q[:, 1].min()))
        x1, y1 = int(np.floor(q[:, 0].max())) + 1, int(np.floor(q[:, 1].max())) + 1
        return Panel(Box(x0, y0, x1, y1), q, w, h, hm)

    @staticmethod
    def from_box(box: Box) -> Panel:
        return Panel.from_quad(np.array([[box.x0, box.y0], [box.x1 - 1, box.y0], [box.x1 - 1, box.y1 - 1],
                                         [box.x0, box.y1 - 1]], np.float64))

    @property
    def axis_aligned(self) -> bool:
        b = self.box
        ref = np.array([[b.x0, b.y0], [b.x1 - 1, b.y0], [b.x1 - 1, b.y1 - 1], [b.x0, b.y1 - 1]], np.float64)
        return bool(np.abs(self.quad - ref).max() < 1e-6)

    def rectify(self, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """The panel warped to an axis-aligned (h, w, 3) image (a plain crop when axis-aligned)."""
        if self.axis_aligned:
            b = self.box
            return np.ascontiguousarray(rgb[b.y0:b.y1, b.x0:b.x1])
        out = cv2.warpPerspective(rgb, self.to_frame, (self.w, self.h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REPLICATE)
        return np.ascontiguousarray(out)

    def frame_box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        """Frame-pixel bounding box of a rectangle given in rectified coordinates."""
        pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], np.float64) @ self.to_frame.T
        xy = pts[:, :2] / pts[:, 2:3]
        return (int(np.floor(xy[:, 0].min())), int(np.floor(xy[:, 1].min())),
                int(np.ceil(xy[:, 0].max())), int(np.ceil(xy[:, 1].max())))


def _order_quad(pts: NDArray[np.float64]) -> NDArray[np.float64]:
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float64)


def _bars(rgb: NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """Thickness of uniform dark bars (letterbox / pillarbox) on the top, bottom, left and right."""
    def run(lines: NDArray[np.uint8]) -> int:
        k = 0
        for line in lines:
            f = line.astype(np.int32)
            if f.max() > 60 or np.ptp(f) > 30:
                break
            k += 1
        return k if k < len(lines) // 3 else 0
    return run(rgb), run(rgb[::-1]), run(rgb.transpose(1, 0, 2)), run(rgb.transpose(1, 0, 2)[::-1])


def background_color(rgb: NDArray[np.uint8]) -> NDArray[np.int32]:
    """The page colour: the most common (16-level quantised) colour of 2-px rings at the frame's
    border and a little inside it (3% and 8% of the short side), within any letterbox bars."""
    t, b, left, r = _bars(rgb)
    rgb = rgb[t:rgb.shape[0] - b, left:rgb.shape[1] - r]
    # rings at a few insets: the outermost pixels may be the fill of a rotation or a crop
    parts = []
    for k in sorted({0, int(0.03 * min(rgb.shape[:2])), int(0.08 * min(rgb.shape[:2]))}):
        sub = rgb[k:rgb.shape[0] - k, k:rgb.shape[1] - k]
        if min(sub.shape[:2]) >= 4:
            parts += [sub[:2].reshape(-1, 3), sub[-2:].reshape(-1, 3), sub[:, :2].reshape(-1, 3),
                      sub[:, -2:].reshape(-1, 3)]
    ring = np.concatenate(parts).astype(np.int32)
    q = ring // 16
    keys = q[:, 0] * 256 + q[:, 1] * 16 + q[:, 2]
    vals, counts = np.unique(keys, return_counts=True)
    top = vals[np.argmax(counts)]
    return np.median(ring[keys == top], axis=0).astype(np.int32)


def _refine_quad(mask: NDArray[np.bool_], hull: NDArray[np.int32]) -> NDArray[np.float64]:
    """Corners of a (rotated or tilted) quadrilateral component: lines fitted to each side's boundary."""
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(approx) == 4:
        q = _order_quad(approx.astype(np.float64))
    else:
        q = _order_quad(cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float64))
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return q
    c = max(contours, key=len).reshape(-1, 2).astype(np.float64)
    for band in (4.0, 2.0):  # twice: the polygon's corners may sit a few pixels off the sides
        nq = _fit_sides(c, q, band)
        if nq is None:
            break
        q = nq
    return q


def _fit_sides(c: NDArray[np.float64], q: NDArray[np.float64], band: float) -> NDArray[np.float64] | None:
    """Corners from lines fitted to the contour points within ``band`` px of each side of ``q``."""
    lines = []
    for k in range(4):
        a, b = q[k], q[(k + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 4:
            return None
        u = d / length
        rel = c - a
        t = rel @ u
        dist = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        sel = c[(dist < band) & (t > 0.1 * length) & (t < 0.9 * length)]
        if len(sel) < 5:
            return None
        vx, vy, x0, y0 = cv2.fitLine(sel.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).reshape(-1)
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = np.zeros((4, 2), np.float64)
    for k in range(4):
        (p1, d1), (p2, d2) = lines[k - 1], lines[k]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return None
        s1, _ = np.linalg.solve(m, p2 - p1)
        out[k] = p1 + s1 * d1
    return out


def find_panels(rgb: NDArray[np.uint8], *, min_side: int = 10, bg_tol: int = 48) -> list[Panel]:
    """The grid-like panels of a frame, in reading order (top to bottom, left to right).

    Args:
        rgb: (H, W, 3) uint8 frame.
        min_side: smallest panel side in pixels.
        bg_tol: L1 colour distance (sum over channels) beyond which a pixel is not background.

    Returns:
        Panels. A component counts when it is large, and either mostly fills its convex hull, or
        is framed (grid lines around it), or is a sparse lattice at least 24 px a side (an empty
        grid whose faint lines break up): text and arrows are none of these. A component whose hull
        is a clear quadrilateral that is not axis-aligned (a rotated or tilted frame) keeps
        that outline, so that it can be rectified.
    """
    bg = background_color(rgb)
    fg = (np.abs(rgb.astype(np.int32) - bg).sum(axis=2) > bg_tol).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    panels: list[Panel] = []
    fh, fw = rgb.shape[:2]
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if w < min_side or h < min_side:
            continue
        if x == 0 or y == 0 or x + w == fw or y + h == fh:
            continue  # touches the frame edge: a letterbox bar, or a panel cut off (unreadable)
        sub = lab[y:y + h, x:x + w] == i
        edge = np.concatenate([sub[0], sub[-1], sub[:, 0], sub[:, -1]])
        framed = float(edge.mean())
        fill = area / float(w * h)
        box = Box(x, y, x + w, y + h)
        pts = cv2.findNonZero(sub.astype(np.uint8))
        hull = cv2.convexHull(pts)
        hull_area = float(cv2.contourArea(hull))
        if hull_area > 0 and area / hull_area >= 0.85:
            # cut off thin attachments (an arrow tip or text touching the panel after blur)
            opened = cv2.morphologyEx(sub.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
            m, lab2, st2, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
            if m > 1:
                j = 1 + int(np.argmax(st2[1:, 4]))
                ox, oy, ow, oh = (int(v) for v in st2[j, :4])
                if ow >= min_side and oh >= min_side and (ow < w or oh < h):
                    sub = lab2[oy:oy + oh, ox:ox + ow] == j
                    x, y, w, h = x + ox, y + oy, ow, oh
                    box = Box(x, y, x + w, y + h)
                    hull = cv2.convexHull(cv2.findNonZero(sub.astype(np.uint8)))
            quad = _refine_quad(sub, hull) + np.array([x, y], np.float64)
            rect = np.array([[x, y], [x + w - 1, y], [x + w - 1, y + h - 1], [x, y + h - 1]], np.float64)
            # an upright rectangle stays a plain crop (exact pixels); anything else is rectified
            panels.append(Panel.from_box(box) if np.abs(quad - rect).max() <= 1.5 else Panel.from_quad(quad))
        elif fill >= 0.05 and (framed >= 0.8 or min(w, h) >= 24):
            # a lattice: an empty or partly drawn grid (its lines are the component)
            panels.append(Panel.from_box(box))
    panels.sort(key=lambda p: (p.box.y0 // max(1, min_side), p.box.x0))
    return panels


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


def _consistency(prof: NDArray[np.float64], n: int, *, zone: float = 0.25) -> tuple[float, float]:
    """(share of the edge evidence lying inside cells, share of inner boundaries carrying a line) for ``n`` cells.

    Edges within ``max(1.5, zone * pitch)`` pixels of a cell boundary (or of the panel's outline)
    belong to that boundary; the rest lie inside cells. Shares, not maxima, so that a few
    stray edges (noise, compression) do not veto the right partition. The grid may start and
    end up to a pixel inside or outside the panel's outline (blur moves outlines); the best
    such placement counts.
    """
    length = len(prof) - 1
    pos = np.arange(len(prof), dtype=np.float64)
    total = float(prof.sum())
    best = (np.inf, 0.0)
    for a in (-1.0, 0.0, 1.0):
        for b in (-1.0, 0.0, 1.0):
            p = (length + b - a) / n
            r = max(1.5, zone * p)
            nearest = a + np.round((pos - a) / p) * p
            interior = np.abs(pos - nearest) > r
            inside = float(prof[interior].sum()) / total if total > 0 else 0.0
            if inside < best[0]:
                hits = 0
                for k in range(1, n):
                    c = a + k * p
                    lo, hi = int(np.floor(c - r)), int(np.ceil(c + r))
                    if prof[max(0, lo):hi + 1].sum() >= 0.5:
                        hits += 1
                best = (inside, 1.0 if n == 1 else hits / (n - 1))
    return best


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
             inside_tol: float = 0.12) -> AxisFit:
    """Smallest consistent cell count along one axis (see the module notes)."""
    length = len(prof) - 1
    top = int(min(MAX_CELLS, length // min_pitch))
    ok = [n for n in range(1, top + 1) if _consistency(prof, n)[0] <= inside_tol]
    if not ok:
        # noisy edges (heavy compression, blur): no partition is clean; the expected size is
        # still taken when it fits loosely (flagged), else nothing is
        if hint is not None and 1 <= hint <= top and _consistency(prof, hint)[0] <= 2 * inside_tol:
            return AxisFit(hint, _consistency(prof, hint)[1], True)
        return AxisFit(0, 0.0, False)
    n0 = ok[0]
    lines = _consistency(prof, n0)[1]
    if lines >= 0.9 and n0 > 2:  # every one of >= 2 inner boundaries shows an edge: grid lines
        return AxisFit(n0, lines, False)
    # no visible lines: only colour steps mark boundaries, and every partition that puts them all
    # on boundaries fits; judge with a tight boundary zone (colour steps are sharp, lines are not)
    tight = [n for n in ok if _consistency(prof, n, zone=0.12)[0] <= inside_tol]
    if hint is not None and hint in tight:
        return AxisFit(hint, _consistency(prof, hint)[1], hint != tight[0])
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


def sample_cells(crop: NDArray[np.uint8], rows: int, cols: int, *, inset_pct: int = 25, tol: int = 60
                 ) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """Cell boundaries and centre statistics for a rows x cols partition of a rectified panel."""
    ys = cell_edges(0, crop.shape[0], rows)
    xs = cell_edges(0, crop.shape[1], cols)
    means, near = cell_means(np.ascontiguousarray(crop), ys, xs, inset_pct, tol)
    return ys, xs, means, near


def read_grid(rgb: NDArray[np.uint8], panel: Panel, *, hint: tuple[int, int] | None = None,
              size: tuple[int, int] | None = None, crop: NDArray[np.uint8] | None = None) -> GridRead:
    """Find the rows and columns of a panel (or take ``size``) and sample every cell.

    Args:
        rgb: (H, W, 3) uint8 frame.
        panel: the panel.
        hint: expected (rows, cols), used only to resolve an ambiguous count (see module notes).
        size: force this (rows, cols) instead of detecting it.
        crop: the rectified panel when already computed.
    """
    crop = panel.rectify(rgb) if crop is None else crop
    lines = 1.0
    from_hint = False
    hint_inside = None
    if size is None:
        px, py = edge_profiles(crop)
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
    ys, xs, means, near = sample_cells(crop, rows, cols)
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
