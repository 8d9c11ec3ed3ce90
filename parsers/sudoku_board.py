"""Finding a Sudoku board in a frame and fitting its grid lines (used by ``mmgr.parsers.sudoku``).

``find_board_candidates`` proposes quadrilaterals from the frame's line ink; on a board warped
to the canonical lattice, ``detect_size`` chooses 4 or 9 cells per side, ``grid_score`` fits
the grid lines and ``_exact_score`` measures the grid contrast where the lines should be.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.board import exact_score, ink_profiles, line_peaks
from mmgr.parsers.digits import CELL_PX

PAD = CELL_PX // 4


def _order_quad(pts: NDArray[np.float64]) -> NDArray[np.float64]:
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float64)


def _line_mask(gray: NDArray[np.uint8], dark_lines: bool) -> NDArray[np.uint8]:
    h, w = gray.shape
    block = max(11, (min(h, w) // 30) | 1)
    src = gray if dark_lines else 255 - gray
    return cv2.adaptiveThreshold(src, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10)


def find_board_candidates(rgb: NDArray[np.uint8], max_candidates: int = 3) -> list[NDArray[np.float64]]:
    """Candidate board quadrilaterals (TL, TR, BR, BL), largest first.

    Args:
        rgb: (H, W, 3) uint8 frame.
        max_candidates: at most this many.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    out: list[tuple[float, NDArray[np.float64]]] = []
    for dark in (True, False):
        mask = _line_mask(gray, dark)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in sorted(contours, key=cv2.contourArea, reverse=True)[:6]:
            area = cv2.contourArea(c)
            if area < 0.02 * h * w:
                break
            hull = cv2.convexHull(c)
            peri = cv2.arcLength(hull, True)
            approx = None
            for eps in (0.02, 0.04, 0.06):
                a = cv2.approxPolyDP(hull, eps * peri, True)
                if len(a) == 4:
                    approx = a
                    break
            if approx is None:
                continue
            q = _order_quad(approx.reshape(4, 2).astype(np.float64))
            sides = np.linalg.norm(q - np.roll(q, -1, axis=0), axis=1)
            if sides.min() < 0.4 * sides.max():
                continue
            out.append((area, q))
        if out:
            break
    out.sort(key=lambda t: -t[0])
    return [q for _, q in out[:max_candidates]]


def _line_positions(profile: NDArray[np.float64], n: int) -> tuple[NDArray[np.float64], float]:
    """Locate n+1 grid-line centres near their expected places on an ink profile.

    Returns the fitted positions and a contrast score (mean line ink minus mean mid-cell ink, /255).
    """
    expected = PAD + CELL_PX * np.arange(n + 1, dtype=np.float64)
    win = max(3, CELL_PX // 5)
    # centroid of the part of each peak above half its height (kernels/board.py, numpy twin)
    found, peaks = line_peaks(np.ascontiguousarray(profile, np.float64), expected, win)
    # robust straight-line fit position = a + b * i
    i = np.arange(n + 1, dtype=np.float64)
    b, a = _polyfit1(i, found)
    fitted = a + b * i
    resid = np.abs(found - fitted)
    good = resid < 3
    if good.sum() >= max(3, (n + 1) // 2) and not good.all():
        b, a = _polyfit1(i[good], found[good])
        fitted = a + b * i
    mids = []
    for k in range(n):
        m = int(round(0.5 * (fitted[k] + fitted[k + 1])))
        mids.append(float(profile[max(0, m - win): m + win + 1].max()))
    score = (_median(peaks.tolist()) - _median(mids)) / 255.0
    return fitted, float(score)


_LINE_FITS: dict[bytes, tuple[NDArray[np.float64], NDArray[np.float64], float]] = {}


def _polyfit1(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.polyfit(x, y, 1)``: the same least-squares call on the same scaled design matrix,
    which is kept per x (the fits here use a handful of distinct x: polyfit's set-up costs more
    than its solve)."""
    x = np.asarray(x, np.float64)
    key = x.tobytes()
    hit = _LINE_FITS.get(key)
    if hit is None:
        lhs = np.vander(x + 0.0, 2)
        scale = np.sqrt((lhs * lhs).sum(axis=0))
        lhs /= scale
        hit = (lhs, scale, len(x) * np.finfo(np.float64).eps)
        if len(_LINE_FITS) < 256:
            _LINE_FITS[key] = hit
    lhs, scale, rcond = hit
    c = np.linalg.lstsq(lhs, np.asarray(y) + 0.0, rcond)[0]
    return (c.T / scale).T


def _median(values: list[float]) -> float:
    """``np.median`` of a few finite floats (the middle value or the mean of the two middle ones,
    added to 0.0 as numpy's sum does)."""
    s = sorted(values)
    k = len(s) // 2
    return (0.0 + s[k]) if len(s) % 2 else (0.0 + (s[k - 1] + s[k])) / 2.0


def grid_score(warped_ink: NDArray[np.uint8], n: int) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Grid-line contrast of a rectified board for an n x n hypothesis, and the line positions."""
    colp, rowp = ink_profiles(np.ascontiguousarray(warped_ink))  # the float64 means of columns and rows
    xs, sx = _line_positions(colp, n)
    ys, sy = _line_positions(rowp, n)
    return min(sx, sy), xs, ys


def detect_size(warped_ink9: NDArray[np.uint8], warped_ink4: NDArray[np.uint8]) -> tuple[int, float]:
    """Choose 4 or 9 cells per side from the grid-line contrast of both hypotheses."""
    s9 = _exact_score(warped_ink9, 9)
    s4 = _exact_score(warped_ink4, 4)
    return (9, s9) if s9 >= s4 else (4, s4)


def _exact_score(ink: NDArray[np.uint8], n: int) -> float:
    """Grid contrast at the exact canonical line positions: line ink minus mid-cell ink, / 255
    (kernels/board.py: profiles over every 3rd row and column, max over +-3 px windows)."""
    return exact_score(ink, n, CELL_PX, PAD)
