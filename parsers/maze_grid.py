"""Finding a maze's grid in a frame: style, size, registration (camera), wall readings.

Two geometries cover the styles seen in real outputs:

- ``block``: a (2R+1) x (2C+1) grid of square blocks, walls are whole blocks (MMGR /
  maze-dataset pixel grid with black walls; VR-Bench tiles with light-blue walls);
- ``line``: thin wall lines on cell boundaries (maze-dataset plot style, axis labels outside).

Both map continuous cell coordinates to pixels by an axis-aligned affine map
``px = ox + sx * x``, ``py = oy + sy * y`` (``x`` in column units, cell (r, c) centred on
(c + .5, r + .5)); registering a frame means recovering (ox, oy, sx, sy), so that camera zoom,
pan and letterbox bars become a change of map, not a change of maze.

Block grids are located from the *enclosed* non-wall pixels (pixels with wall pixels on both
sides in their row and column): this ignores letterbox bars and white margins alike. Line
grids are located from the two longest dark rows and columns (the outer border).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.maze_fit import (
    block_scores,
    block_scores_sized,
    block_values,
    line_scores,
    line_scores_sized,
    line_values,
)
from mmgr.kernels.maze_walls import wall_boxes, wall_values, walls_uncovered, walls_uncovered_rows
from mmgr.parsers.maze_anchor import locate
from mmgr.parsers.maze_colour import Palette, blur3, classify, find_palette

__all__ = ["Grid", "fit_grid", "read_walls", "read_walls_many", "read_walls_uncovered", "register"]


@dataclass(frozen=True, slots=True)
class Grid:
    """A registered grid: cell coordinates -> pixels of one frame, and how well it fits.

    Attributes:
        rows, cols: maze size in cells.
        ox, oy, sx, sy: ``px = ox + sx * x``, ``py = oy + sy * y`` (pixels per cell in sx, sy).
        score: fit quality in [0, 1] (1 = every sampled block/line as expected).
    """

    rows: int
    cols: int
    ox: float
    oy: float
    sx: float
    sy: float
    score: float

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1 or self.sx <= 0 or self.sy <= 0:
            raise ValueError(f"Grid: expected positive size and scale, got {self.rows}x{self.cols} "
                             f"s=({self.sx}, {self.sy})")

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + self.sx * x, self.oy + self.sy * y

    def to_cell(self, px: float, py: float) -> tuple[float, float]:
        return (px - self.ox) / self.sx, (py - self.oy) / self.sy

    def box_px(self) -> tuple[int, int, int, int]:
        """Outer box of the maze (walls included) in pixels."""
        ext = 0.25 if self.sx > 0 else 0.0
        x0, y0 = self.to_px(-ext, -ext)
        x1, y1 = self.to_px(self.cols + ext, self.rows + ext)
        return round(x0), round(y0), round(x1), round(y1)


def _params(grids: list[Grid]) -> tuple[NDArray[np.float64], ...]:
    return tuple(np.array([getattr(g, a) for g in grids], np.float64) for a in ("ox", "oy", "sx", "sy"))


def _grid_at(anchor: tuple[float, float, float, float], shape: tuple[int, int], geometry: str, rows: int, cols: int,
             aspect: float | None) -> Grid | None:
    x0, y0, x1, y1 = anchor
    if geometry == "line":
        return Grid(rows, cols, x0, y0, (x1 - x0) / cols, (y1 - y0) / rows, 0.0)
    h, w = shape
    bw = (x1 - x0) / max(1, 2 * cols - 1)
    bh = (y1 - y0) / max(1, 2 * rows - 1)
    ox, oy = x0 - 0.5 * bw, y0 - 0.5 * bh
    if aspect is not None:  # a side cut by the frame edge: rebuild it from the other axis
        cut_x = (x0 <= 1) or (x1 >= w - 1)
        cut_y = (y0 <= 1) or (y1 >= h - 1)
        if cut_x and cut_y:
            return None
        if cut_y:
            bh = bw * aspect
            oy = (y0 - 0.5 * bh) if y0 > 1 else (y1 - (2 * rows - 1) * bh - 0.5 * bh)
        elif cut_x:
            bw = bh / aspect
            ox = (x0 - 0.5 * bw) if x0 > 1 else (x1 - (2 * cols - 1) * bw - 0.5 * bw)
    if bw <= 0 or bh <= 0:
        return None
    return Grid(rows, cols, ox, oy, 2 * bw, 2 * bh, 0.0)


def _score(integral: NDArray[np.int32], geometry: str, g: Grid,
           covered: NDArray[np.int32] | None = None, frac: float = 0.5) -> Grid:
    """Fit quality of grid ``g``; with ``covered`` (integral of the marker mask), walls under markers are not judged."""
    return _score_many(integral, geometry, [g], covered, frac)[0]


def _score_many(integral: NDArray[np.int32], geometry: str, grids: list[Grid],
                covered: NDArray[np.int32] | None = None, frac: float = 0.5) -> list[Grid]:
    """``_score`` of K grids of one size at once (sampled and scored in kernels; each score as alone)."""
    scores = _param_scores(integral, geometry, grids[0].rows, grids[0].cols, *_params(grids), covered, frac).tolist()
    return [Grid(g.rows, g.cols, g.ox, g.oy, g.sx, g.sy, sc) for g, sc in zip(grids, scores, strict=True)]


def _param_scores(integral: NDArray[np.int32], geometry: str, rows: int, cols: int, ox: NDArray[np.float64],
                  oy: NDArray[np.float64], sx: NDArray[np.float64], sy: NDArray[np.float64],
                  covered: NDArray[np.int32] | None, frac: float) -> NDArray[np.float64]:
    """Fit scores of K grids of one size given by their (K,) parameters (``_score_many`` without Grid objects)."""
    cov = integral if covered is None else covered
    if geometry == "block":
        return block_scores(block_values(integral, cov, covered is not None, rows, cols, ox, oy, sx, sy, frac))  # type: ignore[no-any-return]
    hzs, vts, h_cov, v_cov, fill = line_values(integral, cov, covered is not None, rows, cols, ox, oy, sx, sy)
    if covered is not None:  # segments on a marker -1, border ones 0 (as _line_values)
        hzs = np.where(h_cov, -1.0, hzs)
        vts = np.where(v_cov, -1.0, vts)
        hzs[:, [0, -1]] = np.maximum(hzs[:, [0, -1]], 0)
        vts[:, :, [0, -1]] = np.maximum(vts[:, :, [0, -1]], 0)
    clear = (fill < 0.15).mean(axis=(1, 2))  # cells whose centre holds (almost) no wall pixels
    return line_scores(hzs, vts) * clear  # type: ignore[no-any-return]


def _block_values(integral: NDArray[np.int32], grids: list[Grid], covered: NDArray[np.int32] | None,
                  cols: int | None = None, frac: float = 0.5) -> NDArray[np.float64]:
    """``block_values`` of K grids of one row count (``cols``: sample this many columns for all of them)."""
    cov = integral if covered is None else covered
    return block_values(integral, cov, covered is not None, grids[0].rows, grids[0].cols if cols is None else cols,
                        *_params(grids), frac)  # type: ignore[no-any-return]


def _line_values(integral: NDArray[np.int32], grids: list[Grid], covered: NDArray[np.int32] | None,
                 cols: int | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Line readings of K grids of one row count (``line_values``), segments on a marker -1 (border ones 0);
    each grid's border is its own leading C and C+1 columns when ``cols`` samples more for all of them."""
    cov = integral if covered is None else covered
    n_c = grids[0].cols if cols is None else cols
    hzs, vts, h_cov, v_cov, fill = line_values(integral, cov, covered is not None, grids[0].rows, n_c, *_params(grids))
    if covered is not None:
        hzs = np.where(h_cov, -1.0, hzs)
        vts = np.where(v_cov, -1.0, vts)
        hzs[:, [0, -1]] = np.maximum(hzs[:, [0, -1]], 0)
        if cols is None:
            vts[:, :, [0, -1]] = np.maximum(vts[:, :, [0, -1]], 0)
        else:
            vts[:, :, 0] = np.maximum(vts[:, :, 0], 0)
            for k, g in enumerate(grids):
                vts[k, :, g.cols] = np.maximum(vts[k, :, g.cols], 0)
    return hzs, vts, fill


def _score_sizes(integral: NDArray[np.int32], geometry: str, grids: list[Grid],
                 covered: NDArray[np.int32] | None) -> list[float]:
    """``_score(...).score`` of grids of one row count and different column counts, sampled in one batch.

    Every grid is sampled over the widest grid's columns; its own values are the leading
    columns, element for element those of ``_score`` alone, and are scored exactly as there.
    """
    cols = np.array([g.cols for g in grids], np.int64)
    cmax = int(cols.max())
    if geometry == "block":
        vals = _block_values(integral, grids, covered, cols=cmax)
        return block_scores_sized(np.ascontiguousarray(vals, np.float64), cols).tolist()  # type: ignore[no-any-return]
    hzs, vts, fill = _line_values(integral, grids, covered, cols=cmax)
    return line_scores_sized(*(np.ascontiguousarray(a, np.float64) for a in (hzs, vts, fill)),  # type: ignore[no-any-return]
                             cols).tolist()


@functools.lru_cache(maxsize=4)
def _shifts(reach: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Every (d0, d1) in -reach..reach, in the order of two nested loops (d0 outer), as two arrays."""
    d = np.arange(-reach, reach + 1)
    d0s, d1s = np.repeat(d, d.size), np.tile(d, d.size)
    d0s.flags.writeable = False
    d1s.flags.writeable = False
    return d0s, d1s


def _refine(integral: NDArray[np.int32], geometry: str, g: Grid, reach: int = 2,
            covered: NDArray[np.int32] | None = None) -> Grid:
    """Nudge each edge of the grid by up to ``reach`` pixels (x edges, then y edges) to maximise the fit.

    Returns the nudged grid unscored (score 0): only the geometry of ``g`` is used, and callers
    score the grid they keep (``_score``), once.
    """
    best = g
    d0s, d1s = _shifts(reach)
    for axis in ("x", "y"):
        base = best
        n = 2 * base.cols if axis == "x" else 2 * base.rows  # pixel span between the outer block centres
        if geometry == "line":
            n = base.cols if axis == "x" else base.rows
        o0 = base.ox if axis == "x" else base.oy
        s0 = base.sx if axis == "x" else base.sy
        per = n / 2 if geometry == "block" else n
        lo, hi = o0, o0 + s0 * per
        # every shift's grid as parameter arrays (the same float64 operations as one by one)
        span = (hi + d1s) - (lo + d0s)
        keep = span > 4
        k0, k1 = d0s[keep], d1s[keep]
        start, scale = lo + k0, span[keep] / per
        same_o = np.full(k0.size, base.oy if axis == "x" else base.ox)  # the other axis, unchanged
        same_s = np.full(k0.size, base.sy if axis == "x" else base.sx)
        params = (start, same_o, scale, same_s) if axis == "x" else (same_o, start, same_s, scale)
        scores = _param_scores(integral, geometry, base.rows, base.cols, *params, covered, 0.7).tolist()
        cands = list(zip(scores, k0.tolist(), k1.tolist(), strict=True))
        top = max(scores)
        plateau = [c for c in cands if c[0] >= top - 1e-9]  # equally good offsets: take the middle one
        # np.mean's values: small whole-number sums, exact either way, then one correctly rounded division
        m0 = sum(c[1] for c in plateau) / len(plateau)
        m1 = sum(c[2] for c in plateau) / len(plateau)
        _, d0, d1 = min(plateau, key=lambda c: (c[1] - m0) ** 2 + (c[2] - m1) ** 2)
        s = ((hi + d1) - (lo + d0)) / per
        best = (Grid(base.rows, base.cols, lo + d0, base.oy, s, base.sy, 0.0) if axis == "x"
                else Grid(base.rows, base.cols, base.ox, lo + d0, base.sx, s, 0.0))
    return best  # one of the candidates: score 0


def register(wall: NDArray[np.uint8], geometry: str, rows: int, cols: int,
             aspect: float | None = None, cache: dict | None = None,
             exclude: NDArray[np.uint8] | None = None) -> Grid | None:
    """Locate a grid of known size in a wall mask; None when no grid can be anchored.

    Args:
        wall: (H, W) uint8 0/1 wall mask (``masks``).
        geometry: "block" or "line".
        rows, cols: maze size in cells.
        aspect: expected ``sy / sx`` (from frame 0); used when one side of the maze is cut off.
        cache: a dict kept across the frames of one video: when the anchor (box or border) has
            not moved by more than half a pixel, the previous frame's grid is reused unscored. A
            caller that knows the rows where ``wall`` may differ from the last call's mask (the same
            array, updated in place) sets ``cache["wall_rows"] = (first, end)``: block grids open
            again only the rows a change reaches, line grids sum again only those rows; and
            ``cache["exclude_rows"]`` those where ``exclude`` (the same array) may differ (absent: inside
            ``wall_rows``).
        exclude: marker mask; markers do not count as corridor when locating a block grid.

    Returns:
        The grid with its fit ``score`` (callers decide the threshold), or None.
    """
    anchor = locate(wall, geometry, exclude, cache)
    if anchor is None:
        return None
    if cache is not None and cache.get("anchor") is not None and cache.get("shape") == wall.shape:
        (a0, a1, a2, a3), (b0, b1, b2, b3) = anchor, cache["anchor"]  # finite: box edges or line means
        if abs(a0 - b0) <= 0.5 and abs(a1 - b1) <= 0.5 and abs(a2 - b2) <= 0.5 and abs(a3 - b3) <= 0.5:
            return cache["grid"]  # type: ignore[no-any-return]
    g = _grid_at(anchor, wall.shape, geometry, rows, cols, aspect)
    if g is None:
        return None
    integral = cv2.integral(wall, sdepth=cv2.CV_32S)
    g = _score(integral, geometry, _refine(integral, geometry, g))
    if cache is not None:
        cache.update(anchor=anchor, shape=wall.shape, grid=g)
    return g


def fit_grid(rgb: NDArray[np.uint8], rows: int | None = None, cols: int | None = None,
             max_size: int = 25, keep: dict | None = None) -> tuple[Palette, Grid] | None:
    """Find palette, size and grid of the maze in one frame (frame 0 or the input image).

    Tries every candidate palette and, when the size is not given, every size up to
    ``max_size``; returns the best fit, or None when nothing scores above 0.5. ``keep``: a dict
    that receives ``planes``, the best palette's ``classify(rgb, palette)`` planes, ``rgb`` (the
    parse reads frame 0 with them instead of classifying it again) and ``located``, what locating
    its wall mask kept (``register``'s cache entries: the opened mask or the border sums).
    """
    scored: list[tuple[float, Palette, Grid, NDArray[np.int32], NDArray[np.uint8], NDArray[np.int32]]] = []
    planes: dict[Palette, tuple[NDArray[np.uint8], ...]] = {}
    located: dict[Palette, dict] = {}  # what locating each palette's walls kept (opened mask, border sums)
    blurred: NDArray[np.uint8] | None = None  # shared by the block palettes
    for pal in find_palette(rgb):
        if pal.geometry == "block" and blurred is None:
            blurred = blur3(rgb)
        planes[pal] = classify(rgb, pal, blurred=blurred)
        wall, marker = planes[pal][:2]
        anchor = locate(wall, pal.geometry, cache=located.setdefault(pal, {}))
        if anchor is None:
            continue
        covered = cv2.integral(marker, sdepth=cv2.CV_32S)
        integral = cv2.integral(wall, sdepth=cv2.CV_32S)
        sizes_r = [rows] if rows else list(range(2, max_size + 1))
        sizes_c = [cols] if cols else list(range(2, max_size + 1))
        for r in sizes_r:
            row: list[Grid] = []
            for c in sizes_c:
                g0 = _grid_at(anchor, wall.shape, pal.geometry, r, c, None)
                if g0 is None or min(g0.sx, g0.sy) < 4:
                    continue
                if not (rows and cols) and not 0.6 <= g0.sx / g0.sy <= 1 / 0.6:
                    continue  # size search: cells are drawn roughly square
                row.append(g0)
            if row:  # one batch per row count (same order as one by one)
                for sc, g0 in zip(_score_sizes(integral, pal.geometry, row, covered), row, strict=True):
                    scored.append((sc, pal, g0, integral, wall, covered))
        if rows and cols and any(t[0] >= 1.0 for t in scored):
            break  # scores are at most 1 and ties keep the first: no later palette can be the one refined
    scored.sort(key=lambda t: -t[0])
    best: tuple[float, Palette, Grid] | None = None
    finalists = scored[: 1 if rows and cols else 6]  # refine the likeliest only
    for _, pal, g0, integral, wall, covered in finalists:
        g = _refine(integral, pal.geometry, g0, covered=covered)
        g = _refine(integral, pal.geometry, g, reach=1, covered=covered)  # again, around the first plateau's middle
        g = _score(integral, pal.geometry, g, covered)
        key = g.score - 1e-3 * (g.rows + g.cols)  # prefer the smallest grid among equal fits
        if len(finalists) == 1:  # nothing to rank it against: the tree check would not change the pick
            best = (key, pal, g)
            break
        if g.score > 0.5 and _tree_compatible(read_walls(wall, pal.geometry, g), read_walls(covered, pal.geometry, g,
                                                                                            is_integral=True)):
            key += 0.05  # MMGR mazes are perfect: R*C - 1 openings, all cells connected
        if best is None or key > best[0]:
            best = (key, pal, g)
    if best is None or best[2].score < 0.5:
        return None
    if keep is not None:
        keep.update(planes=planes[best[1]], rgb=rgb, located=located[best[1]])
    return best[1], best[2]


def _tree_compatible(walls: NDArray[np.float32], covered: NDArray[np.float32]) -> bool:
    """Whether the walls can be a perfect maze: open + unseen (under markers) >= R*C - 1 >= open, all connected."""
    rows, cols = walls.shape[1:]
    unseen = covered > 0.02
    down = (walls[0, :-1, :] >= 0) & (walls[0, :-1, :] < 0.5) & ~unseen[0, :-1, :]
    right = (walls[1, :, :-1] >= 0) & (walls[1, :, :-1] < 0.5) & ~unseen[1, :, :-1]
    n_open = int(down.sum() + right.sum())
    n_unseen = int(unseen[0, :-1, :].sum() + unseen[1, :, :-1].sum())
    if not n_open <= rows * cols - 1 <= n_open + n_unseen:
        return False
    down |= unseen[0, :-1, :]
    right |= unseen[1, :, :-1]
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r, c in zip(*np.nonzero(down), strict=True):
        parent[find(r * cols + c)] = find((r + 1) * cols + c)
    for r, c in zip(*np.nonzero(right), strict=True):
        parent[find(r * cols + c)] = find(r * cols + c + 1)
    return len({find(k) for k in range(rows * cols)}) == 1


def read_walls(wall: NDArray, geometry: str, grid: Grid, is_integral: bool = False) -> NDArray[np.float32]:
    """Wall-ness of every inner wall: (2, R, C) float32 in [0, 1], -1 where not applicable.

    ``[0, r, c]`` is the wall below (r, c) (last row: -1), ``[1, r, c]`` the wall right of
    (r, c) (last column: -1); same layout as the spec's connections (1 = wall, 0 = open).
    ``wall``: a 0/1 mask, or (``is_integral``) its ``cv2.integral``.
    """
    return read_walls_many((wall,), geometry, grid, is_integral)[0]


def read_walls_many(masks_: tuple[NDArray, ...], geometry: str, grid: Grid,
                    is_integral: bool = False) -> list[NDArray[np.float32]]:
    """``read_walls`` of several masks of one frame (same grid): the sample boxes are shared."""
    shape = (masks_[0].shape[0] - is_integral, masks_[0].shape[1] - is_integral)
    ya, yb, xa, xb, ok, area, per, target = _read_boxes(shape, geometry, grid)
    if not is_integral:
        return [wall_values(np.ascontiguousarray(m), ya, yb, xa, xb, ok, area, per, target, grid.rows, grid.cols)
                for m in masks_]
    outs = []
    for m in masks_:  # whole-number sums: exact in float64, the same values as the kernel's
        s = m[yb, xb] - m[ya, xb] - m[yb, xa] + m[ya, xa]
        v = np.where(ok, s / area, -1.0) if per == 1 else (s >= 1).reshape(-1, per).sum(axis=1) / per
        out = np.full(2 * grid.rows * grid.cols, -1.0, np.float32)
        out[target] = v
        outs.append(out.reshape(2, grid.rows, grid.cols))
    return outs


def read_walls_uncovered(wall: NDArray[np.uint8], marker: NDArray[np.uint8], geometry: str, grid: Grid,
                         cover_max: float = 0.02, prev: NDArray[np.float32] | None = None,
                         rows: tuple[int, int] | None = None) -> NDArray[np.float32]:
    """``read_walls(wall)`` with -1 (not read) where ``read_walls(marker)`` is above ``cover_max``: one kernel call a
    frame. The threshold is compared in float32, as numpy compares the float32 readings with a Python float.

    ``prev``, ``rows``: this reading of masks that differed from these only in rows (first, end) on
    the same grid; only the walls whose boxes meet those rows are read again (a new array).
    """
    ya, yb, xa, xb, ok, area, per, target = _read_boxes(wall.shape, geometry, grid)
    wall, marker = np.ascontiguousarray(wall), np.ascontiguousarray(marker)
    if prev is not None and rows is not None:
        return walls_uncovered_rows(wall, marker, ya, yb, xa, xb, ok, area, per, target, grid.rows,  # type: ignore[no-any-return]
                                    grid.cols, np.float32(cover_max), prev, rows[0], rows[1])
    return walls_uncovered(wall, marker, ya, yb, xa, xb, ok, area, per, target, grid.rows, grid.cols,  # type: ignore[no-any-return]
                           np.float32(cover_max))


@functools.lru_cache(maxsize=8)
def _read_boxes(shape: tuple[int, int], geometry: str, grid: Grid) -> tuple:  # type: ignore[type-arg]
    """Sample boxes of ``read_walls`` for one grid in one frame size (``wall_boxes``), kept while the camera is still:
    ``ya, yb, xa, xb, ok, area, per, target`` (``per``: boxes a wall, 1 in block grids, 9 in line grids)."""
    block = geometry == "block"
    ya, yb, xa, xb, ok, area, target = wall_boxes(shape[0], shape[1], block, grid.rows, grid.cols, float(grid.ox),
                                                  float(grid.oy), float(grid.sx), float(grid.sy))
    for a in (ya, yb, xa, xb, ok, area, target):
        a.flags.writeable = False  # shared between calls
    return ya, yb, xa, xb, ok, area, 1 if block else 9, target
