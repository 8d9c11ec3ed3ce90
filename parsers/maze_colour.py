"""Colours of a maze frame: wall/corridor palette, and a per-pixel wall / marker / hue lookup.

``find_palette`` proposes wall and corridor colours from the commonest colours of frame 0;
``classify`` labels every pixel with one table lookup (colours quantised to 5 bits a channel):
wall (nearer the wall colour on the wall-corridor colour line), marker (far from that line)
and, for saturated markers, a hue class (red, yellow, green, blue, magenta).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.maze_classify import block_rows
from mmgr.kernels.maze_pixels import colour_bins, colour_table, floor_offsets, split_codes

__all__ = ["HUES", "HUE_EDGES", "Palette", "blur3", "classify", "classify_rows", "find_palette", "masks"]


@dataclass(frozen=True, slots=True)
class Palette:
    """Wall and corridor colours (RGB floats) and the geometry they imply."""

    wall: tuple[float, float, float]
    floor: tuple[float, float, float]
    geometry: str  # "block" or "line"

    def __post_init__(self) -> None:
        if self.geometry not in ("block", "line"):
            raise ValueError(f"Palette.geometry: expected 'block' or 'line', got {self.geometry!r}")



HUES = ("red", "yellow", "green", "blue", "magenta")
# OpenCV hue (0..179) upper bounds of each class; red wraps around.
HUE_EDGES = ((10, "red"), (38, "yellow"), (83, "green"), (131, "blue"), (165, "magenta"), (180, "red"))


@functools.lru_cache(maxsize=16)
def _lut(pal: Palette, marker_dist: float) -> NDArray[np.uint8]:
    """Per quantised colour (5 bits a channel): bit 0 wall, bit 1 marker, bits 2-4 hue class + 1 (colourful only).

    Wall = nearer the wall colour on the wall-floor colour line and close to it, marker = far from
    the line (``colour_table``: float32, element by element). Each frame-0 palette candidate has its
    own colours, so this runs a few times an output: the table is one kernel pass, and only the
    projection ``d @ v`` stays in numpy (its summation order is BLAS's).
    """
    w, fl = np.float32(pal.wall), np.float32(pal.floor)
    v = w - fl
    d, dc = _floor_offsets(pal.floor)
    den = np.float32(max(1.0, float(v @ v)))  # numpy divides a float32 array by a Python float in float32
    thr = max(marker_dist, 0.25 * float(np.linalg.norm(v))) if pal.geometry == "block" else marker_dist
    saturated, cls = _hue_table()
    return colour_table(dc, d @ v, den, v, np.float32(thr), saturated, cls)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4)
def _floor_offsets(floor: tuple[float, float, float]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The centre colour of every quantised colour (5 bits a channel, table order) minus ``floor`` (float32), as
    (32768, 3) and channel by channel (3, 32768); shared by the palettes of one floor colour."""
    d = np.empty((32768, 3), np.float32)
    dc = np.empty((3, 32768), np.float32)
    floor_offsets(np.float32(floor), d, dc)
    d.flags.writeable = False
    dc.flags.writeable = False
    return d, dc


@functools.lru_cache(maxsize=1)
def _table_colours() -> NDArray[np.float32]:
    """Centre colour of every quantised colour (5 bits a channel), in table order: (32768, 3) float32."""
    q = np.arange(32, dtype=np.float32) * 8 + 4
    rgb = np.stack(np.meshgrid(q, q, q, indexing="ij"), axis=-1).reshape(-1, 3)
    rgb.flags.writeable = False
    return rgb


@functools.lru_cache(maxsize=1)
def _hue_table() -> tuple[NDArray[np.bool_], NDArray[np.uint8]]:
    """Per quantised colour (as in ``_lut``): saturated and bright enough to be colourful, and its hue class + 1."""
    rgb = _table_colours()
    hsv = cv2.cvtColor(np.round(rgb).astype(np.uint8)[None], cv2.COLOR_RGB2HSV)[0]
    cls = np.zeros(rgb.shape[0], np.uint8)
    lo = 0
    for edge, name in HUE_EDGES:
        cls[(hsv[:, 0] >= lo) & (hsv[:, 0] < edge)] = HUES.index(name) + 1
        lo = edge
    saturated = (hsv[:, 1] >= 80) & (hsv[:, 2] >= 50)
    saturated.flags.writeable = False  # shared by every palette's table
    cls.flags.writeable = False
    return saturated, cls


def classify(rgb: NDArray[np.uint8], pal: Palette, marker_dist: float = 70.0, blurred: NDArray[np.uint8] | None = None
             ) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """(wall, marker, hue) per pixel: wall and marker 0/1 masks; hue 0 = not a colourful marker, else HUES index + 1.

    Wall = nearer the wall colour on the wall-floor colour line; marker = far from that line.
    One table lookup per pixel (colours quantised to 5 bits a channel). ``blurred``: ``blur3(rgb)``
    when the caller has it (several palettes tried on one frame).
    """
    lut = _lut(pal, float(marker_dist))
    rgb = np.ascontiguousarray(rgb, np.uint8)
    if pal.geometry == "block":  # walls from a blurred copy: averages out GIF dithering and codec noise
        wall, marker, hue = split_codes(rgb, lut, blur3(rgb) if blurred is None else blurred, True)
        return cv2.medianBlur(wall, 3), marker, hue  # median of 0/1 values: 0/1, as of 0/255 values shifted down
    return split_codes(rgb, lut, rgb, False)  # type: ignore[no-any-return]


def blur3(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The 3x3 box blur ``classify`` reads block walls from (OpenCV's default border)."""
    return cv2.blur(np.ascontiguousarray(rgb, np.uint8), (3, 3))  # type: ignore[no-any-return]


def classify_rows(rgb: NDArray[np.uint8], y0: int, y1: int,
                  base: tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]], pal: Palette,
                  marker_dist: float = 70.0, in_place: bool = False, changed: list | None = None  # type: ignore[type-arg]
                  ) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """``classify(rgb, pal, marker_dist)``, given the planes ``base`` of an image that differs from ``rgb``
    only in rows y0..y1 (exclusive end, not empty): the same values, recomputed only in the band
    of rows a change can reach.

    The table lookups are per pixel; a block wall also depends on its rows +-2 (3x3 blur, then
    3x3 median), so the walls are recomputed two rows around the band (``block_rows``: OpenCV's
    blur and median of those rows, in one pass): every kept row sees the same neighbours (or the
    same image edge) as in a full ``classify``. ``in_place``: overwrite ``base`` (a caller done with
    it saves three copies). ``changed``: a list that receives the rows (first, end) where the walls and
    where the markers may differ from ``base``'s (block mazes: where they do; (0, 0): none).
    """
    lut = _lut(pal, float(marker_dist))
    wall, marker, hue = base if in_place else (p.copy() for p in base)
    if pal.geometry != "block":
        band = np.ascontiguousarray(rgb[y0:y1])
        wall[y0:y1], marker[y0:y1], hue[y0:y1] = split_codes(band, lut, band, False)
        if changed is not None:
            changed[:] = [(y0, y1), (y0, y1)]
        return wall, marker, hue
    # blur, codes and median in one pass
    w0, w1, m0, m1 = block_rows(np.ascontiguousarray(rgb), lut, y0, y1, wall, marker, hue)
    if changed is not None:
        changed[:] = [(int(w0), int(w1)), (int(m0), int(m1))]
    return wall, marker, hue


def masks(rgb: NDArray[np.uint8], pal: Palette,
          marker_dist: float = 70.0) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """(wall, marker) uint8 0/1 masks (see ``classify``)."""
    wall, marker, _ = classify(rgb, pal, marker_dist)
    return wall, marker


def find_palette(rgb: NDArray[np.uint8]) -> list[Palette]:
    """Candidate palettes, most likely first: frequent colour pairs (block) and dark-on-light (line)."""
    bins = colour_bins(np.ascontiguousarray(rgb, np.uint8))  # per 3-bit-a-channel colour: count, channel sums
    counts = bins[:, 0]
    top = [int(k) for k in np.argsort(counts)[::-1][:4] if counts[k] > 0.03 * rgb.shape[0] * rgb.shape[1]]
    # mean colour of each top bin: exact whole-number sums, one correctly rounded division
    cols = [tuple(int(bins[k, 1 + ch]) / int(counts[k]) for ch in range(3)) for k in top]
    lum = [0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] for c in cols]
    out: list[Palette] = []
    light = [c for c, lu in zip(cols, lum, strict=True) if lu > 150]
    floor = max(light, key=lambda c: sum(c)) if light else (255.0, 255.0, 255.0)
    for c in cols:
        if c != floor and np.linalg.norm(np.subtract(c, floor)) > 40:
            out.append(Palette(c, floor, "block"))
    out.append(Palette((0.0, 0.0, 0.0), floor, "line"))
    return out
