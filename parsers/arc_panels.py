"""ARC panels in a frame: page colour, the panel outlines (rotated or tilted ones rectified).

Panels are large, nearly rectangular regions that differ from the page background (the most
common colour near the frame's border). Text, arrows and specks are too small or too sparse
to count. Nothing assumes where panels are or how large they are. A panel whose outline is a
rotated or tilted quadrilateral is warped back to an upright rectangle before its cells are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray


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

    def rectify(self, rgb: NDArray[np.uint8], margin: int = 0) -> NDArray[np.uint8]:
        """The panel warped to an axis-aligned (h, w, 3) image (a plain crop when axis-aligned).

        ``margin`` pixels of the surroundings are kept on every side ((h + 2m, w + 2m, 3); the frame's
        border pixels repeat where the margin leaves the frame), so that the panel's outline is seen.
        """
        m = int(margin)
        if self.axis_aligned:
            b = self.box
            fh, fw = rgb.shape[:2]
            y0, y1, x0, x1 = max(0, b.y0 - m), min(fh, b.y1 + m), max(0, b.x0 - m), min(fw, b.x1 + m)
            out = rgb[y0:y1, x0:x1]
            if m and (y0, x0, y1, x1) != (b.y0 - m, b.x0 - m, b.y1 + m, b.x1 + m):
                out = cv2.copyMakeBorder(out, y0 - (b.y0 - m), b.y1 + m - y1, x0 - (b.x0 - m), b.x1 + m - x1,
                                         cv2.BORDER_REPLICATE)
            return np.ascontiguousarray(out)
        hm = self.to_frame @ np.array([[1.0, 0.0, -m], [0.0, 1.0, -m], [0.0, 0.0, 1.0]])
        out = cv2.warpPerspective(rgb, hm, (self.w + 2 * m, self.h + 2 * m),
                                  flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
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


def find_panels(rgb: NDArray[np.uint8], *, min_side: int = 6, bg_tol: int = 48) -> list[Panel]:
    """The grid-like panels of a frame, in reading order (top to bottom, left to right).

    Args:
        rgb: (H, W, 3) uint8 frame.
        min_side: smallest panel side in pixels (a 30x1 grid drawn in a 216-px box is 8 px wide).
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
