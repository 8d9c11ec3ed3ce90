"""Drawing MMGR-style Sudoku boards: grid, clue and filled digits, a passing hand, a success glow.

Geometry convention (shared with ``SudokuTruth.board_quad_px``): pixel centres sit at integer
coordinates (OpenCV's convention); the board quad is the centre line of the outer border.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]

HERSHEY: dict[str, int] = {
    "hershey_simplex": cv2.FONT_HERSHEY_SIMPLEX,
    "hershey_duplex": cv2.FONT_HERSHEY_DUPLEX,
    "hershey_complex": cv2.FONT_HERSHEY_COMPLEX,
    "hershey_triplex": cv2.FONT_HERSHEY_TRIPLEX,
}
# short name -> TrueType file shipped with matplotlib (a core dependency), so no system fonts are needed
_MPL_FONTS = {
    "dejavu": "DejaVuSans.ttf", "dejavu_bold": "DejaVuSans-Bold.ttf", "dejavu_serif": "DejaVuSerif.ttf",
    "dejavu_mono": "DejaVuSansMono.ttf", "dejavu_oblique": "DejaVuSans-Oblique.ttf",
    "stix": "STIXGeneral.ttf", "cmss": "cmss10.ttf",
}
FONT_NAMES: tuple[str, ...] = tuple(_MPL_FONTS) + tuple(HERSHEY)
SKIN: tuple[RGB, ...] = ((233, 190, 160), (205, 150, 115), (160, 110, 80), (245, 210, 185))


def font_path(name: str) -> str:
    """Resolve a font name (``FONT_NAMES``) or a ``.ttf`` path; Hershey names are returned as is."""
    if name in HERSHEY:
        return name
    if name in _MPL_FONTS:
        spec = importlib.util.find_spec("matplotlib")
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"font: expected matplotlib to be installed for {name!r}, got none")
        return str(Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / _MPL_FONTS[name])
    if Path(name).suffix.lower() in (".ttf", ".otf") and Path(name).is_file():
        return name
    raise ValueError(f"font: expected one of {FONT_NAMES} or an existing .ttf path, got {name!r}")


def _check_rgb(name: str, c: RGB) -> None:
    if len(c) != 3 or any(not 0 <= int(v) <= 255 for v in c):
        raise ValueError(f"{name}: expected an (R, G, B) triple of 0..255, got {c!r}")


@dataclass(frozen=True, slots=True)
class SudokuStyle:
    """How a board looks.

    Attributes:
        canvas: (width, height) of the frame in pixels.
        board_frac: board side as a fraction of min(width, height).
        font: a name from ``FONT_NAMES`` (TrueType shipped with matplotlib, or an OpenCV Hershey
            font) or a path to a ``.ttf`` file.
        given_color, filled_color, line_color, background: RGB colours of clues, digits the
            "model" writes, grid lines and the canvas.
        thin_px, thick_px: width of cell lines and of box/outer lines, in pixels.
        digit_frac: digit height as a fraction of the cell side.
        glow_on_success: add a green glow around the board in frames that show the solved grid.
    """

    canvas: tuple[int, int] = (640, 480)
    board_frac: float = 0.8
    font: str = "dejavu"
    given_color: RGB = (0, 0, 0)
    filled_color: RGB = (30, 80, 200)
    line_color: RGB = (0, 0, 0)
    background: RGB = (255, 255, 255)
    thin_px: int = 2
    thick_px: int = 4
    digit_frac: float = 0.6
    glow_on_success: bool = False

    def __post_init__(self) -> None:
        w, h = self.canvas
        if not (64 <= w <= 4096 and 64 <= h <= 4096):
            raise ValueError(f"canvas: expected (W, H) within 64..4096, got {self.canvas}")
        if not 0.3 <= self.board_frac <= 1.0:
            raise ValueError(f"board_frac: expected 0.3..1.0, got {self.board_frac}")
        if not 1 <= self.thin_px <= self.thick_px <= 12:
            raise ValueError(f"thin_px/thick_px: expected 1 <= thin <= thick <= 12, got {self.thin_px}/{self.thick_px}")
        if not 0.2 <= self.digit_frac <= 0.9:
            raise ValueError(f"digit_frac: expected 0.2..0.9, got {self.digit_frac}")
        for name in ("given_color", "filled_color", "line_color", "background"):
            _check_rgb(name, getattr(self, name))
        font_path(self.font)


@lru_cache(maxsize=256)
def _glyph(font: str, digit: int, cell: int, frac: float) -> NDArray[np.float32]:
    """Anti-aliased coverage mask (cell, cell) float32 in [0, 1] of one digit centred in a cell."""
    target = max(4, round(frac * cell))
    if font in HERSHEY:
        face = HERSHEY[font]
        thick = max(1, round(target / 14))
        (tw, th), _ = cv2.getTextSize(str(digit), face, 1.0, thick)
        scale = target / max(th, 1)
        (tw, th), base = cv2.getTextSize(str(digit), face, scale, thick)
        m = np.zeros((cell, cell), np.uint8)
        org = ((cell - tw) // 2, (cell + th) // 2)
        cv2.putText(m, str(digit), org, face, scale, 255, thick, cv2.LINE_AA)
        return m.astype(np.float32) / 255.0
    # TrueType: size the font so that the digit's ink height is `target` pixels
    size = target
    f = ImageFont.truetype(font_path(font), size)
    x0, y0, x1, y1 = f.getbbox(str(digit))
    size = max(4, round(size * target / max(1, y1 - y0)))
    f = ImageFont.truetype(font_path(font), size)
    x0, y0, x1, y1 = f.getbbox(str(digit))
    img = Image.new("L", (cell, cell), 0)
    ImageDraw.Draw(img).text(((cell - (x1 - x0)) / 2 - x0, (cell - (y1 - y0)) / 2 - y0), str(digit), fill=255, font=f)
    return np.asarray(img, np.float32) / 255.0


class BoardPainter:
    """Draws boards of one size in one style; geometry is computed once.

    Attributes:
        n: board side in cells. quad: (4, 2) float64 board corners TL, TR, BR, BL (pixels).
        lines: N + 1 line centre positions along each axis (pixels), relative to the canvas.
        interiors: (N, N, 4) int x0, y0, x1, y1 (exclusive) of each cell's inside, between lines.
    """

    def __init__(self, n: int, style: SudokuStyle) -> None:
        self.n, self.style = n, style
        w, h = style.canvas
        side = int(round(style.board_frac * min(w, h)))
        x0, y0 = (w - side) // 2, (h - side) // 2
        b = {4: 2, 9: 3}[n]
        pos = [int(round(i * side / n)) for i in range(n + 1)]
        widths = [style.thick_px if i % b == 0 else style.thin_px for i in range(n + 1)]
        base = np.empty((h, w, 3), np.uint8)
        base[:] = style.background
        centres, lo_edge, hi_edge = [], [], []
        for p, t in zip(pos, widths, strict=True):
            a = p - t // 2  # first pixel of the line
            centres.append(a + (t - 1) / 2)
            lo_edge.append(a)
            hi_edge.append(a + t)
        for i in range(n + 1):
            ax, ay = lo_edge[i], hi_edge[i]
            base[y0 + lo_edge[0]: y0 + hi_edge[-1], x0 + ax: x0 + ay] = style.line_color
            base[y0 + ax: y0 + ay, x0 + lo_edge[0]: x0 + hi_edge[-1]] = style.line_color
        self.base = base
        self.lines = np.array(centres, np.float64)
        self.origin = (x0, y0)
        c0, c1 = x0 + self.lines[0], x0 + self.lines[-1]
        r0, r1 = y0 + self.lines[0], y0 + self.lines[-1]
        self.quad = np.array([[c0, r0], [c1, r0], [c1, r1], [c0, r1]], np.float64)
        inter = np.zeros((n, n, 4), np.int64)
        for r in range(n):
            for c in range(n):
                inter[r, c] = (x0 + hi_edge[c], y0 + hi_edge[r], x0 + lo_edge[c + 1], y0 + lo_edge[r + 1])
        self.interiors = inter
        self.cell_px = int((inter[..., 2:] - inter[..., :2]).min())  # smallest interior side

    def draw(self, grid: NDArray[np.int8], clue_mask: NDArray[np.bool_], *, glow: bool = False) -> NDArray[np.uint8]:
        """Render one board state.

        Args:
            grid: (N, N) int8 digits, 0 = blank.
            clue_mask: (N, N) bool; True cells use ``given_color``, others ``filled_color``.
            glow: draw the success glow around the board.

        Returns:
            (H, W, 3) uint8 frame.
        """
        out = self.base.astype(np.float32)
        st = self.style
        if glow:
            out = _add_glow(out, self.quad, st)
        for r, c in zip(*np.nonzero(grid), strict=True):
            x0, y0, x1, y1 = (int(v) for v in self.interiors[r, c])
            cell = min(x1 - x0, y1 - y0)
            m = _glyph(st.font, int(grid[r, c]), cell, st.digit_frac)[..., None]
            colour = np.float32(st.given_color if clue_mask[r, c] else st.filled_color)
            ox, oy = x0 + (x1 - x0 - cell) // 2, y0 + (y1 - y0 - cell) // 2
            patch = out[oy: oy + cell, ox: ox + cell]
            out[oy: oy + cell, ox: ox + cell] = patch * (1.0 - m) + colour * m
        return np.clip(np.round(out), 0, 255).astype(np.uint8)

    def cell_coverage(self, mask: NDArray[np.bool_]) -> NDArray[np.float64]:
        """Share of each cell's interior covered by ``mask`` (H, W) bool: (N, N) float64."""
        cov = np.zeros((self.n, self.n), np.float64)
        integ = cv2.integral(mask.astype(np.uint8))
        for r in range(self.n):
            for c in range(self.n):
                x0, y0, x1, y1 = (int(v) for v in self.interiors[r, c])
                s = integ[y1, x1] - integ[y0, x1] - integ[y1, x0] + integ[y0, x0]
                cov[r, c] = s / max(1, (x1 - x0) * (y1 - y0))
        return cov


def _add_glow(out: NDArray[np.float32], quad: NDArray[np.float64], st: SudokuStyle) -> NDArray[np.float32]:
    """A soft green halo outside the board border (what some generators add on success)."""
    h, w = out.shape[:2]
    m = np.zeros((h, w), np.float32)
    side = quad[1, 0] - quad[0, 0]
    pad = max(4, int(side * 0.03))
    x0, y0 = int(quad[0, 0]) - pad, int(quad[0, 1]) - pad
    x1, y1 = int(quad[2, 0]) + pad, int(quad[2, 1]) + pad
    cv2.rectangle(m, (x0, y0), (x1, y1), 1.0, max(2, pad))
    m = cv2.GaussianBlur(m, (0, 0), pad * 0.8)
    m = np.clip(m / max(1e-6, float(m.max())), 0, 1) * 0.85
    inside = np.zeros((h, w), bool)
    inside[int(quad[0, 1]) - st.thick_px: int(quad[2, 1]) + st.thick_px + 1,
           int(quad[0, 0]) - st.thick_px: int(quad[2, 0]) + st.thick_px + 1] = True
    m[inside] = 0.0  # the glow stays outside the board: cells and lines are untouched
    green = np.float32((60, 220, 90))
    return out * (1.0 - m[..., None]) + green * m[..., None]


def draw_hand(rgb: NDArray[np.uint8], tip_xy: tuple[float, float], size_px: float, skin: RGB,
              angle_deg: float = 45.0) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """Draw a pointing hand (palm and index finger) whose fingertip is at ``tip_xy``.

    Args:
        rgb: (H, W, 3) uint8 frame (not modified).
        tip_xy: fingertip position in pixels.
        size_px: palm length in pixels.
        skin: RGB skin colour.
        angle_deg: direction from the fingertip to the wrist in image axes, degrees (0 = right, 90 = down).

    Returns:
        (new frame, (H, W) bool mask of the pixels the hand covers).
    """
    h, w = rgb.shape[:2]
    a = np.deg2rad(angle_deg)
    d = np.array([np.cos(a), np.sin(a)])  # unit vector from the fingertip towards the wrist
    tip = np.array(tip_xy, np.float64)
    finger_len, finger_w = 0.75 * size_px, 0.22 * size_px
    knuckle = tip + d * finger_len
    palm_c = knuckle + d * 0.45 * size_px
    m = np.zeros((h, w), np.uint8)
    cv2.line(m, tuple(int(v) for v in tip), tuple(int(v) for v in knuckle), 255, max(2, int(finger_w)), cv2.LINE_8)
    cv2.circle(m, tuple(int(v) for v in tip), max(1, int(finger_w / 2)), 255, -1)
    ang = float(np.degrees(np.arctan2(d[1], d[0])))
    cv2.ellipse(m, (int(palm_c[0]), int(palm_c[1])), (int(0.6 * size_px), int(0.42 * size_px)), ang, 0, 360, 255, -1)
    wrist = palm_c + d * 1.4 * size_px
    cv2.line(m, (int(palm_c[0]), int(palm_c[1])), (int(wrist[0]), int(wrist[1])), 255, int(0.7 * size_px))
    mask = m > 0
    out = rgb.copy()
    # a little shading so the hand is not a flat colour blob
    yy, xx = np.nonzero(mask)
    shade = 0.85 + 0.15 * np.cos((xx - tip[0]) / max(1.0, size_px) * 1.3)
    out[yy, xx] = np.clip(np.float32(skin)[None, :] * shade[:, None], 0, 255).astype(np.uint8)
    return out, mask


def draw_cursor(rgb: NDArray[np.uint8], tip_xy: tuple[float, float], size_px: float
                ) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """Draw a mouse-pointer arrow (black, white outline) whose tip is at ``tip_xy``.

    Returns:
        (new frame, (H, W) bool mask of the pixels the cursor covers).
    """
    h, w = rgb.shape[:2]
    shape = np.array([[0, 0], [0, 1.0], [0.27, 0.76], [0.45, 1.12], [0.58, 1.06], [0.40, 0.70], [0.72, 0.70]])
    pts = np.round(np.asarray(tip_xy) + shape * size_px).astype(np.int32).reshape(-1, 1, 2)
    m = np.zeros((h, w), np.uint8)
    cv2.fillPoly(m, [pts], 255)
    outline = max(1, int(size_px / 14))
    cv2.polylines(m, [pts], True, 255, outline * 2)
    out = rgb.copy()
    out[m > 0] = 255
    inner = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inner, [pts], 255)
    out[inner > 0] = 0
    cv2.polylines(out, [pts], True, (255, 255, 255), outline)
    return out, m > 0


def random_style(rng: np.random.Generator, canvas: tuple[int, int] = (640, 480)) -> SudokuStyle:
    """A plausible generator look drawn at random: font, colours, line widths, board size, glow."""
    font = FONT_NAMES[int(rng.integers(len(FONT_NAMES)))]
    filled = ((30, 80, 200), (200, 30, 30), (20, 130, 40), (90, 90, 90), (120, 40, 160), (0, 0, 0))
    thin = int(rng.integers(1, 4))
    return SudokuStyle(
        canvas=canvas, board_frac=float(rng.uniform(0.7, 0.9)), font=font,
        given_color=(0, 0, 0) if rng.random() < 0.8 else (40, 40, 60),
        filled_color=filled[int(rng.integers(len(filled)))],
        background=(255, 255, 255) if rng.random() < 0.7 else tuple(int(v) for v in rng.integers(225, 256, 3)),
        thin_px=thin, thick_px=thin + int(rng.integers(1, 4)), digit_frac=float(rng.uniform(0.5, 0.72)),
        glow_on_success=bool(rng.random() < 0.3),
    )
