"""Render labelled Sudoku cell crops, as the digit reader receives them, for training and tests.

Each sample imitates the path a cell takes from a generated frame to the reader: a digit glyph
(TrueType fonts found on the machine, or OpenCV's Hershey fonts, upright or italic) of some
height, stroke weight, rotation and offset is drawn in a cell of native size 20..120 px with
grid-line fragments of various thickness along its edges; the frame may be blurred, noisy and
JPEG-compressed; the caller's crop may be misaligned by a few px; the crop is resampled to
``CELL_PX`` and its brightness and contrast shifted; some crops are normalised the way the
Sudoku parser does it (255 minus the distance from the background, so noise only darkens).
Labels: 0 = blank, 1..9 = digit, 10 = junk (a hand blob or a cursor over the cell, two digits
cross-fading, a smeared digit, a digit cut by the crop border).

Everything is drawn from ``np.random.default_rng(seed)``: the same arguments give the same cells.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from mmgr.parsers.digits import CELL_PX, JUNK

__all__ = ["FontSpec", "Rendered", "find_fonts", "render_cells", "MODES"]

MODES = ("clean", "degraded")
GLYPH_PX = 128  # glyphs are cached at this ink height
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_HERSHEY = (
    ("hershey_simplex", cv2.FONT_HERSHEY_SIMPLEX), ("hershey_plain", cv2.FONT_HERSHEY_PLAIN),
    ("hershey_duplex", cv2.FONT_HERSHEY_DUPLEX), ("hershey_complex", cv2.FONT_HERSHEY_COMPLEX),
    ("hershey_triplex", cv2.FONT_HERSHEY_TRIPLEX), ("hershey_complex_small", cv2.FONT_HERSHEY_COMPLEX_SMALL),
    ("hershey_script_simplex", cv2.FONT_HERSHEY_SCRIPT_SIMPLEX),
    ("hershey_script_complex", cv2.FONT_HERSHEY_SCRIPT_COMPLEX),
)


@dataclass(frozen=True, slots=True)
class FontSpec:
    """A font to draw digits with: a TrueType file or an OpenCV Hershey font id.

    Attributes:
        name: short unique name (file name without extension, or ``hershey_*[_italic]``).
        path: path of the .ttf file, or None for a Hershey font.
        hershey: OpenCV font id (with ``cv2.FONT_ITALIC`` for italics), or None for a TrueType font.
    """

    name: str
    path: str | None = None
    hershey: int | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.hershey is None):
            raise ValueError(f"expected exactly one of path and hershey, got {self.path!r} and {self.hershey!r}")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A batch of rendered cells with their truth.

    Attributes:
        cells: (n, CELL_PX, CELL_PX) uint8, light background, dark ink.
        labels: (n,) int8, 0 = blank, 1..9 = digit, 10 = junk.
        font: (n,) int16, index into the font tuple used (-1 for blanks and blob-only junk).
    """

    cells: NDArray[np.uint8]
    labels: NDArray[np.int8]
    font: NDArray[np.int16]


def _has_digits(path: str) -> bool:
    from fontTools.ttLib import TTFont  # matplotlib's dependency; only needed to list fonts

    try:
        cmap = TTFont(path, lazy=True).getBestCmap() or {}
    except Exception:  # noqa: BLE001 - a broken font file is simply skipped
        return False
    names = [cmap.get(ord("0") + d) for d in range(10)]
    return all(isinstance(nm, str) and nm.startswith(_DIGIT_NAMES[d]) for d, nm in enumerate(names))


@lru_cache(maxsize=1)
def find_fonts() -> tuple[FontSpec, ...]:
    """All fonts on this machine that draw the digits 0-9, in a fixed order.

    DejaVu fonts under /usr/share/fonts/truetype/dejavu, matplotlib's bundled .ttf files (DejaVu,
    STIX, Computer Modern; duplicates by file name skipped; symbol-only fonts skipped because
    their cmap does not map '0'..'9' to digit glyphs) and the eight Hershey fonts, upright and italic.
    """
    import matplotlib

    dirs = ["/usr/share/fonts/truetype/dejavu",
            os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")]
    seen: set[str] = set()
    fonts: list[FontSpec] = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.ttf"))):
            name = os.path.splitext(os.path.basename(path))[0]
            if name in seen or not _has_digits(path):
                continue
            seen.add(name)
            fonts.append(FontSpec(name=name, path=path))
    for name, fid in _HERSHEY:
        fonts.append(FontSpec(name=name, hershey=fid))
        fonts.append(FontSpec(name=name + "_italic", hershey=fid | cv2.FONT_ITALIC))
    return tuple(fonts)


def _crop_ink(a: NDArray[np.float32]) -> NDArray[np.float32]:
    ys, xs = np.nonzero(a > 0.02)
    return a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _to_height(a: NDArray[np.float32], h: int) -> NDArray[np.float32]:
    w = max(1, round(a.shape[1] * h / a.shape[0]))
    interp = cv2.INTER_AREA if h < a.shape[0] else cv2.INTER_CUBIC
    return np.clip(cv2.resize(a, (w, h), interpolation=interp), 0.0, 1.0)


@lru_cache(maxsize=8192)
def _glyph(font: FontSpec, digit: int, weight: int = 0) -> NDArray[np.float32]:
    """Alpha mask (0..1) of one digit, cropped to its ink and scaled to GLYPH_PX high.

    ``weight`` thickens (> 0) or thins (< 0) the strokes by that many px at GLYPH_PX;
    Hershey fonts are drawn with a thickness that grows with it instead.
    """
    ch = str(digit)
    if font.path is not None:
        pil = ImageFont.truetype(font.path, 200)
        img = Image.new("L", (420, 420), 0)
        ImageDraw.Draw(img).text((110, 80), ch, font=pil, fill=255)
        a = np.asarray(img, np.float32) / 255.0
    else:
        assert font.hershey is not None
        a8 = np.zeros((420, 420), np.uint8)
        thick = int(np.clip(9 + 2 * weight, 3, 30))
        cv2.putText(a8, ch, (90, 300), font.hershey, 6.0, 255, thick, cv2.LINE_AA)
        a = a8.astype(np.float32) / 255.0
    a = _to_height(_crop_ink(a), GLYPH_PX)
    if font.path is not None and weight != 0:
        r = abs(weight)
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        pad = np.pad(a, r + 1)
        b = cv2.dilate(pad, k) if weight > 0 else cv2.erode(pad, k)
        if b.sum() > 0.45 * a.sum():  # never erase a thin font away
            a = _to_height(_crop_ink(b), GLYPH_PX)
    a.setflags(write=False)
    return a


def _place(canvas_w: int, glyph: NDArray[np.float32], height: float, angle: float, shear: float,
           cx: float, cy: float) -> NDArray[np.float32]:
    """Draw ``glyph`` scaled to ``height`` px, rotated/sheared, centred at (cx, cy), on a blank canvas."""
    h = max(2, round(height))
    small = _to_height(glyph, h) if h < glyph.shape[0] else glyph
    k = height / small.shape[0]
    gh, gw = small.shape
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ np.array([[1.0, shear], [0.0, 1.0]]) * k
    c_src = np.array([(gw - 1) / 2.0, (gh - 1) / 2.0])
    off = np.array([cx, cy]) - rot @ c_src
    m = np.hstack([rot, off[:, None]]).astype(np.float64)
    return cv2.warpAffine(small, m, (canvas_w, canvas_w), flags=cv2.INTER_LINEAR, borderValue=0.0)


def _coverage(n: int, a: float, b: float) -> NDArray[np.float32]:
    """Share of each of n unit pixels covered by the interval [a, b]."""
    r = np.arange(n, dtype=np.float32)
    return np.clip(np.minimum(r + 1, b) - np.maximum(r, a), 0.0, 1.0)


def _blob(rng: np.random.Generator, w: int, cx: float, cy: float, size: float) -> NDArray[np.float32]:
    """A soft, hand-like blob (union of 1-3 ellipses), alpha in 0..1."""
    m = np.zeros((w, w), np.uint8)
    for _ in range(int(rng.integers(1, 4))):
        ax = (max(2, int(size * rng.uniform(0.35, 0.8))), max(2, int(size * rng.uniform(0.25, 0.6))))
        c = (int(cx + rng.uniform(-0.3, 0.3) * size), int(cy + rng.uniform(-0.3, 0.3) * size))
        cv2.ellipse(m, c, ax, float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
    a = m.astype(np.float32) / 255.0
    return cv2.GaussianBlur(a, (0, 0), max(0.5, size * 0.04))


def _cursor(rng: np.random.Generator, w: int, tip: tuple[float, float], size: float) -> tuple[NDArray, NDArray]:
    """A mouse-pointer arrow (fill alpha, outline alpha) with its tip at ``tip``."""
    base = np.array([[0, 0], [0, 1.0], [0.27, 0.74], [0.45, 1.1], [0.58, 1.04], [0.41, 0.68], [0.73, 0.68]])
    t = rng.uniform(-0.6, 0.6)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pts = (base @ rot.T) * size + np.array(tip)
    p = np.round(pts * 4).astype(np.int32).reshape(-1, 1, 2)
    fill = np.zeros((w, w), np.uint8)
    line = np.zeros((w, w), np.uint8)
    cv2.fillPoly(fill, [p], 255, cv2.LINE_AA, shift=2)
    cv2.polylines(line, [p], True, 255, max(1, round(size * 0.08)), cv2.LINE_AA, shift=2)
    return fill.astype(np.float32) / 255.0, line.astype(np.float32) / 255.0


def _glyph_alpha(rng: np.random.Generator, fonts: tuple[FontSpec, ...], fi: int, digit: int, s: float, w: int,
                 c0: float, degraded: bool, cut: bool = False) -> NDArray[np.float32]:
    font = fonts[fi]
    weight = int(rng.choice([-3, -2, -1, 0, 0, 0, 1, 2, 3, 4, 6]))
    g = _glyph(font, digit, weight)
    height = s * rng.uniform(0.33, 0.85)
    angle = rng.uniform(-8, 8) if degraded else 0.0
    shear = rng.uniform(-0.12, 0.12) if degraded and rng.random() < 0.3 else 0.0
    gw = g.shape[1] * height / g.shape[0]
    room_x = max(0.0, (s - gw) / 2 - 0.06 * s)
    room_y = max(0.0, (s - height) / 2 - 0.06 * s)
    dx = rng.uniform(-1, 1) * min(room_x, 0.09 * s)
    dy = rng.uniform(-1, 1) * min(room_y, 0.09 * s)
    if cut:  # push the glyph so that 45-65% of it lies outside the cell
        side = int(rng.integers(4))
        f = rng.uniform(0.45, 0.65)
        if side < 2:
            dx = (1 if side else -1) * (s / 2 - gw / 2 + f * gw)
        else:
            dy = (1 if side == 3 else -1) * (s / 2 - height / 2 + f * height)
    cc = c0 + s / 2
    return _place(w, g, height, angle, shear, cc + dx, cc + dy)


def _render_one(rng: np.random.Generator, fonts: tuple[FontSpec, ...], label: int, degraded: bool) -> tuple[
        NDArray[np.uint8], int]:
    """One cell crop for ``label`` (0..10); returns (cell, font index or -1)."""
    s = float(np.exp(rng.uniform(np.log(20), np.log(120))))  # native cell size in px
    unit = s / CELL_PX  # native px per reader px
    w = int(np.ceil(s * 1.4)) + 8
    c0 = (w - s) / 2  # cell spans [c0, c0 + s]
    bg = rng.uniform(185, 255)
    img = np.full((w, w), bg, np.float32)
    if rng.random() < 0.3:  # light tint gradient
        ramp = np.linspace(-1, 1, w, dtype=np.float32)
        img += rng.uniform(-8, 8) * ramp[None, :] + rng.uniform(-8, 8) * ramp[:, None]
    # grid-line fragments: one per edge, thin (1-3 px) or thick (3-5 px) at reader scale
    if rng.random() < 0.92:
        level = rng.uniform(0, 120) if rng.random() < 0.8 else rng.uniform(100, 170)
        for side in range(4):
            t = (rng.uniform(1, 3) if rng.random() < 0.65 else rng.uniform(3, 5.5)) * unit
            t = max(t, 0.8)
            pos = c0 + (s if side % 2 else 0.0)
            cov = _coverage(w, pos - t / 2, pos + t / 2)
            a = cov[:, None] if side < 2 else cov[None, :]
            img = img * (1 - a) + level * a
    fi = -1
    contrast = rng.uniform(60, 255)
    ink_level = max(bg - contrast, 0.0)
    kind = "digit" if 1 <= label <= 9 else "blank" if label == 0 else str(
        rng.choice(["occlude", "occlude", "cover", "cursor", "fade", "fade", "smear", "cut"]))
    alpha = np.zeros((w, w), np.float32)
    if kind == "digit":
        fi = int(rng.integers(len(fonts)))
        alpha = _glyph_alpha(rng, fonts, fi, label, s, w, c0, degraded)
    elif kind in ("occlude", "cursor") and rng.random() < 0.7 or kind in ("smear", "cut"):
        fi = int(rng.integers(len(fonts)))
        d = int(rng.integers(2 if kind in ("smear", "cut") else 1, 10))  # a cut or smeared 1 is still a 1
        alpha = _glyph_alpha(rng, fonts, fi, d, s, w, c0, degraded, cut=kind == "cut")
        if kind == "smear":
            length = max(3, int(s * rng.uniform(0.4, 0.8)))
            ker = np.zeros((length, length), np.float32)
            ker[length // 2, :] = 1.0 / length
            rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
            ker = cv2.warpAffine(ker, rot, (length, length))
            alpha = np.clip(cv2.filter2D(alpha, -1, ker / max(ker.sum(), 1e-6)) * rng.uniform(1.0, 1.8), 0, 1)
    elif kind == "fade":
        fi = int(rng.integers(len(fonts)))
        d1, d2 = rng.choice(np.arange(1, 10), 2, replace=False)
        fj = fi if rng.random() < 0.5 else int(rng.integers(len(fonts)))
        mix = rng.uniform(0.35, 0.65)
        alpha = (mix * _glyph_alpha(rng, fonts, fi, int(d1), s, w, c0, degraded)
                 + (1 - mix) * _glyph_alpha(rng, fonts, fj, int(d2), s, w, c0, degraded))
    img = img * (1 - alpha) + ink_level * alpha
    cc = c0 + s / 2
    ink = float(alpha.sum())
    if kind in ("occlude", "cover"):
        tex = cv2.resize(rng.normal(0, 1, (4, 4)).astype(np.float32), (w, w), interpolation=cv2.INTER_CUBIC)
        if kind == "cover":  # a hand over the whole cell, darker than any board background
            level = rng.uniform(60, 150) + rng.uniform(0, 12) * tex
            b = _blob(rng, w, cc, cc, s * 1.6)
            b = np.maximum(b, _coverage(w, c0 - 2, c0 + s + 2)[:, None] * _coverage(w, c0 - 2, c0 + s + 2)[None, :])
        else:  # a blob visibly darker than the background over >= 35% of the digit (>= 20% of a blank cell)
            level = np.maximum(bg - rng.uniform(35, 120) + rng.uniform(0, 12) * tex, 20.0)
            for attempt in range(20):
                jitter = 0.5 if attempt < 19 else 0.0  # the last try sits on the centre
                b = _blob(rng, w, cc + rng.uniform(-jitter, jitter) * s, cc + rng.uniform(-jitter, jitter) * s,
                          s * (rng.uniform(0.5, 1.0) if attempt < 19 else 1.0))
                if ink > 0 and (alpha * b).sum() / ink >= 0.35:
                    break
                if ink == 0 and b[int(c0):int(c0 + s), int(c0):int(c0 + s)].mean() >= 0.2:
                    break
        img = img * (1 - b) + level * b
    elif kind == "cursor":  # a pointer hiding >= 25% of the digit (or >= 8% of a blank cell)
        for attempt in range(10):
            jitter = 1.0 if attempt < 9 else 0.0  # the last try points at the centre
            tip = (cc + rng.uniform(-0.25, 0.15) * s * jitter, cc + rng.uniform(-0.25, 0.15) * s * jitter)
            fill, line = _cursor(rng, w, tip, s * rng.uniform(0.45, 0.8))
            if ink > 0 and (alpha * fill).sum() / ink >= 0.25:
                break
            if ink == 0 and fill[int(c0):int(c0 + s), int(c0):int(c0 + s)].mean() >= 0.08:
                break
        img = img * (1 - fill) + rng.uniform(235, 255) * fill
        img = img * (1 - line) + rng.uniform(0, 60) * line
    if degraded and rng.random() < 0.7:  # lens / compression blur, sigma up to 1.5 reader px
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.2, 1.5) * unit)
    if degraded and rng.random() < 0.4:
        img = img + rng.normal(0, rng.uniform(0, 6), img.shape).astype(np.float32)
    img8 = np.clip(np.round(img), 0, 255).astype(np.uint8)
    if degraded and rng.random() < 0.35:
        img8 = _jpeg(img8, int(rng.integers(20, 96)))
    # the caller's crop: misaligned by up to 3 reader px, scale off by up to 3%
    side = s * (1 + (rng.uniform(-0.03, 0.03) if rng.random() < 0.5 else 0.0))
    ox = c0 + rng.uniform(-3, 3) * unit
    oy = c0 + rng.uniform(-3, 3) * unit
    step = side / CELL_PX
    src = img8.astype(np.float32)
    if step > 1.15 and rng.random() < 0.75:  # area-like prefilter before downsampling (sometimes none)
        src = cv2.GaussianBlur(src, (0, 0), 0.45 * step)
    m = np.array([[step, 0, ox + 0.5 * step - 0.5], [0, step, oy + 0.5 * step - 0.5]])
    interp = cv2.INTER_CUBIC if step < 1 and rng.random() < 0.5 else cv2.INTER_LINEAR
    out = cv2.warpAffine(src, m, (CELL_PX, CELL_PX), flags=interp | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REPLICATE)
    bg_out = bg
    if degraded:
        gain, shift = rng.uniform(0.8, 1.12), rng.uniform(-15, 15)
        out = (out - 128.0) * gain + 128.0 + shift
        bg_out = (bg - 128.0) * gain + 128.0 + shift
        if rng.random() < 0.6:
            out = out + rng.normal(0, rng.uniform(0, 12), out.shape)
    if rng.random() < 0.35:  # a caller's normalisation: 255 - distance from the background (max over RGB)
        out = 255.0 - np.abs(out - bg_out) * rng.uniform(1.0, 1.3)
    cell = np.clip(np.round(out), 0, 255).astype(np.uint8)
    if degraded and rng.random() < 0.25:
        cell = _jpeg(cell, int(rng.integers(20, 96)))
    return cell, fi


def _jpeg(img: NDArray[np.uint8], quality: int) -> NDArray[np.uint8]:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else img


def render_cells(n: int, seed: int, mode: str = "degraded", p_blank: float = 0.12, p_junk: float = 0.0,
                 fonts: tuple[FontSpec, ...] | None = None, labels: NDArray[np.integer] | None = None) -> Rendered:
    """Render n labelled cells.

    Args:
        n: number of cells.
        seed: seed of ``np.random.default_rng``; equal arguments give equal cells.
        mode: ``"clean"`` (upright glyphs, no blur/noise/compression/brightness shift; still any font,
            height 33-85%, stroke weight, ink contrast 60-255, grid lines, crop offsets and resampling
            from 20-120 px) or ``"degraded"`` (all of the above plus rotation +-8 deg, shear, blur,
            noise, JPEG, brightness/contrast shifts).
        p_blank, p_junk: share of blank and junk cells (the rest are digits 1..9, uniformly).
        fonts: fonts to draw from (default: ``find_fonts()``).
        labels: (n,) labels to render instead of drawing them (0..10).

    Returns:
        Rendered cells, labels and font indices.
    """
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    if not (0 <= p_blank and 0 <= p_junk and p_blank + p_junk <= 1):
        raise ValueError(f"expected p_blank, p_junk >= 0 with a sum <= 1, got {p_blank} and {p_junk}")
    fonts = find_fonts() if fonts is None else fonts
    rng = np.random.default_rng(seed)
    if labels is None:
        u = rng.random(n)
        lab = np.where(u < p_blank, 0, np.where(u < p_blank + p_junk, JUNK, rng.integers(1, 10, n)))
    else:
        lab = np.asarray(labels)
        if lab.shape != (n,) or lab.min(initial=0) < 0 or lab.max(initial=0) > JUNK:
            raise ValueError(f"labels: expected ({n},) ints in 0..{JUNK}, got {lab.shape} {lab.dtype}")
    cells = np.empty((n, CELL_PX, CELL_PX), np.uint8)
    font = np.empty(n, np.int16)
    for i in range(n):
        cells[i], font[i] = _render_one(rng, fonts, int(lab[i]), mode == "degraded")
    return Rendered(cells, lab.astype(np.int8), font)
