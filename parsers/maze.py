"""Reading maze videos and images into symbols: the grid, walls, markers, the agent's track.

``parse_maze(frames, ref, opts)`` registers every decoded frame to the input maze (frame 0
or the spec), reads every inner wall and every coloured marker in maze coordinates, and
identifies the agent as the marker class that moves (or the spec's agent colour). It never
decides pass or fail: ``mmgr.verify.tasks.maze`` applies the rules to the ``MazeState``.

Design notes:

- Markers are connected components of "colourful" pixels (far from the wall-floor colour
  line), split by hue class (red, yellow, green, blue, magenta), so that a red agent on a green
  goal stays two markers.
- A frame whose grid cannot be registered (cut off, faded, replaced by a non-maze) is skipped
  and recorded with its reason; walls under markers are not read (the agent is masked out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.errors import ParseError
from mmgr.kernels.maze_markers import marker_blobs_rows
from mmgr.kernels.maze_pixels import changed_band
from mmgr.parsers.maze_anchor import anchor_of
from mmgr.parsers.maze_colour import HUE_EDGES, HUES, Palette, classify, classify_rows
from mmgr.parsers.maze_grid import Grid, fit_grid, read_walls, read_walls_uncovered, register
from mmgr.parsers.maze_scale import (
    _area_tables,  # noqa: F401 (verify.api clears maze._area_tables)
    shrink,
    shrink_changed,
    work_size,
)
from mmgr.parsers.types import Frame
from mmgr.parsers.video import MediaReader

__all__ = ["HUES", "FrameObs", "MazeRef", "MazeState", "Marker", "ParseOptions", "hue_class", "parse_maze"]


def hue_class(rgb: tuple[float, float, float] | list[int]) -> str:
    """Hue class of one colour.

    >>> hue_class((0, 0, 255)), hue_class((20, 160, 230)), hue_class((240, 190, 20)), hue_class((230, 10, 10))
    ('blue', 'blue', 'yellow', 'red')
    """
    px = np.uint8([[list(np.clip(np.round(rgb), 0, 255))]])
    h = int(cv2.cvtColor(px, cv2.COLOR_RGB2HSV)[0, 0, 0])
    return next(name for edge, name in HUE_EDGES if h < edge)


@dataclass(frozen=True, slots=True)
class MazeRef:
    """The input maze: the authority every frame is judged against.

    Attributes:
        conn: (2, R, C) bool, ``[0, r, c]`` open to (r + 1, c), ``[1, r, c]`` open to (r, c + 1).
        start, goal: (row, col) cells, row 0 at the top; None when unknown (read later).
        agent_hue, goal_hue, path_hue: hue classes from the spec, or None (found from the frames).
        source: "spec", "input_image" or "frame0".
    """

    conn: NDArray[np.bool_]
    start: tuple[int, int] | None
    goal: tuple[int, int] | None
    agent_hue: str | None = None
    goal_hue: str | None = None
    path_hue: str | None = None
    source: str = "spec"

    def __post_init__(self) -> None:
        c = self.conn
        if not isinstance(c, np.ndarray) or c.dtype != np.bool_ or c.ndim != 3 or c.shape[0] != 2:
            raise ValueError(f"MazeRef.conn: expected (2, R, C) bool, got {getattr(c, 'shape', None)} "
                             f"{getattr(c, 'dtype', type(c).__name__)}")
        for name in ("start", "goal"):
            v = getattr(self, name)
            if v is not None and not (0 <= v[0] < c.shape[1] and 0 <= v[1] < c.shape[2]):
                raise ValueError(f"MazeRef.{name}: expected a cell inside {c.shape[1]}x{c.shape[2]}, got {list(v)}")
        for name in ("agent_hue", "goal_hue", "path_hue"):
            v = getattr(self, name)
            if v is not None and v not in HUES:
                raise ValueError(f"MazeRef.{name}: expected one of {HUES}, got {v!r}")

    @property
    def rows(self) -> int:
        return int(self.conn.shape[1])

    @property
    def cols(self) -> int:
        return int(self.conn.shape[2])


@dataclass(frozen=True, slots=True)
class Marker:
    """One coloured blob in one frame.

    Attributes:
        hue: hue class; x, y: centroid in cell coordinates; area: in cells (1 = one cell's area
        in the line geometry, a quarter of the 2x2 blocks in the block geometry);
        box_px: (x0, y0, x1, y1) in frame pixels; rgb: mean colour.
    """

    hue: str
    x: float
    y: float
    area: float
    box_px: tuple[int, int, int, int]
    rgb: tuple[int, int, int]

    @property
    def cell(self) -> tuple[int, int]:
        return math.floor(self.y), math.floor(self.x)  # as int(np.floor(v)), without a numpy call


@dataclass(frozen=True, slots=True)
class FrameObs:
    """What one frame shows, in maze coordinates.

    Attributes:
        index: decoded frame index.
        grid: the registration of this frame, or None when skipped.
        walls: (2, R, C) float32 wall-ness in [0, 1] (-1 = not read: masked or not applicable).
        markers: coloured blobs.
        skipped: reason the frame could not be read, or None.
        path_cover: (R, C) share of each cell's centre covered by the path colour (images only).
        path_on_walls: (2, R, C) path-colour share on each inner wall's sample region (images only).
        replaced: the frame does not register, but holds a different maze (redrawn or replaced).
    """

    index: int
    grid: Grid | None
    walls: NDArray[np.float32] | None
    markers: tuple[Marker, ...]
    skipped: str | None = None
    path_cover: NDArray[np.float32] | None = None
    path_on_walls: NDArray[np.float32] | None = None
    replaced: bool = False


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """Tuning of the parser (from the task's Params)."""

    min_grid_score: float = 0.6
    marker_dist: float = 70.0
    min_marker_area: float = 0.008
    replace_tries: int = 3  # unregistered frames searched for a replacement maze (each costs a full fit)
    work_cell_px: float = 40.0  # analysis scale: cells this wide (block mazes; line mazes 60% more)


@dataclass(frozen=True, slots=True)
class MazeState:
    """The parse of one input.

    Attributes:
        ref: the input maze (spec, input image or frame 0), start/goal filled in.
        palette: wall/floor colours and geometry found in frame 0.
        grid0: the registration of frame 0 (or of the input image).
        frames: one ``FrameObs`` per decoded frame.
        agent_hue: hue class of the agent (None when no marker could be identified).
        agent_how: how it was identified ("spec", "moves", "static at start", "none").
        track: per frame, the agent's (x, y) in cell coordinates, or None when not seen.
        duplicates: per frame, how many agent-like blobs were seen (> 1 = duplicated agent).
        n_frames: number of decoded frames; is_image: a single-frame input.
        frame0_walls: (2, R, C) wall-ness read in frame 0 (vs the spec, when one is given).
    """

    ref: MazeRef
    palette: Palette
    grid0: Grid
    frames: tuple[FrameObs, ...]
    agent_hue: str | None
    agent_how: str
    track: tuple[tuple[float, float] | None, ...]
    duplicates: tuple[int, ...]
    n_frames: int
    is_image: bool
    frame0_walls: NDArray[np.float32] = field(default_factory=lambda: np.zeros((2, 0, 0), np.float32))


def _markers(rgb: NDArray[np.uint8], hue: NDArray[np.uint8], grid: Grid, opts: ParseOptions,
             memo: dict | None = None, last_blobs: tuple | None = None,  # type: ignore[type-arg]
             rows: tuple[int, int] | None = None) -> tuple[list[Marker], tuple]:  # type: ignore[type-arg]
    """Coloured blobs, one hue class at a time, each searched only inside that class's bounding box; and the
    blob state to pass to the next frame's call.

    ``marker_blobs`` opens each class with a 3x3 square (removes one-pixel colour fringes and seams)
    and splits it into 8-connected blobs; small and thin sprawling ones are dropped here. ``memo``:
    a dict kept across the frames of one video; a blob with the same pixel statistics as one of the
    last frame's, on the same grid, is the same marker (a still goal, a resting agent) and is not
    built again. ``last_blobs``, ``rows``: the last frame's blob state, and the rows where ``rgb`` and
    ``hue`` differ from that frame's (a class whose crop lies outside them keeps its blobs).
    """
    cell_area = grid.sx * grid.sy
    big = 1.5 * max(grid.sx, grid.sy)
    n = len(HUES)
    if last_blobs is None or rows is None:
        last_blobs, rows = (np.empty((0, 13), np.int64), np.zeros((n + 1, 6), np.int64)), (0, 0)
    state = marker_blobs_rows(np.ascontiguousarray(hue), np.ascontiguousarray(rgb), n, opts.min_marker_area * cell_area,
                              last_blobs[0], last_blobs[1], rows[0], rows[1])
    blobs = state[0]
    last: dict = {} if memo is None or memo.get("grid") is not grid else memo["markers"]
    seen: dict = {}
    out: list[tuple[tuple[str, float, float], Marker]] = []
    for row in map(tuple, blobs.tolist()):
        hit = last.get(row)
        if hit is None:
            hit = _marker(row, grid, opts, cell_area, big)
        seen[row] = hit
        if hit[1] is not None:
            out.append(hit)
    if memo is not None:
        memo.update(grid=grid, markers=seen)
    out.sort(key=lambda km: km[0])  # stable: ties keep the blob order
    return [m for _, m in out], state


def _marker(row: tuple[int, ...], grid: Grid, opts: ParseOptions, cell_area: float,
            big: float) -> tuple[tuple[str, float, float], Marker | None]:
    """(sort key, marker) of one ``marker_blobs`` row; None when the blob is dropped (too small, a thin sprawl)."""
    k, ox, oy, x0, y0, bw, bh, px, sum_x, sum_y, r, g, b = row
    area = px / cell_area
    if area < opts.min_marker_area:
        return ("", 0.0, 0.0), None
    if px / max(1, bw * bh) < 0.15 and max(bw, bh) > big:
        return ("", 0.0, 0.0), None  # a thin sprawling structure (grid seams, a drawn path), not a marker
    cx, cy = grid.to_cell(ox + sum_x / px, oy + sum_y / px)  # centroids as OpenCV's: exact sums / area
    mk = Marker(HUES[k - 1], cx, cy, float(area), (ox + x0, oy + y0, ox + x0 + bw, oy + y0 + bh),
                (round(r / px), round(g / px), round(b / px)))
    return (mk.hue, round(mk.y, 3), round(mk.x, 3)), mk


def _path_reads(hue_map: NDArray[np.uint8], hue: str, pal: Palette,
                grid: Grid) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(cell cover (R, C), share on each inner wall (2, R, C)) of the path-coloured pixels."""
    pm = (hue_map == HUES.index(hue) + 1).astype(np.uint8)
    on_walls = read_walls(pm, pal.geometry, grid)
    if pal.geometry == "line":  # a path crosses a wall line in one or two of its nine cross-sections
        on_walls = np.where(on_walls >= 0, np.clip(on_walls * 3.0, 0, 1), on_walls).astype(np.float32)
    integral = cv2.integral(pm, sdepth=cv2.CV_32S)  # whole-number sums, exact
    h, w = pm.shape
    # the central 24% of every cell (rounded half to even, clipped to the frame), all cells at once
    c, r = np.arange(grid.cols), np.arange(grid.rows)
    xa = np.clip(np.rint(grid.ox + grid.sx * (c + 0.38)), 0, w).astype(int)[None, :]
    xb = np.clip(np.rint(grid.ox + grid.sx * (c + 0.62)), 0, w).astype(int)[None, :]
    ya = np.clip(np.rint(grid.oy + grid.sy * (r + 0.38)), 0, h).astype(int)[:, None]
    yb = np.clip(np.rint(grid.oy + grid.sy * (r + 0.62)), 0, h).astype(int)[:, None]
    s = integral[yb, xb] - integral[ya, xb] - integral[yb, xa] + integral[ya, xa]
    area = (yb - ya) * (xb - xa)
    ok = (xb > xa) & (yb > ya)
    cover = np.where(ok, s / np.where(ok, area, 1), 0.0).astype(np.float32)
    return cover, on_walls


def _union(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    """The rows (first, end) spanning two ranges of rows, either of them empty ((0, 0))."""
    if a[1] <= a[0]:
        return b
    return a if b[1] <= b[0] else (min(a[0], b[0]), max(a[1], b[1]))


def _observe(frame: Frame, pal: Palette, grid0: Grid, opts: ParseOptions, cache: dict,
             planes: tuple[NDArray[np.uint8], ...] | None = None) -> FrameObs:
    """Register one frame (frame 0 is the reference) and read its walls and markers.

    ``planes``: the frame's ``classify`` planes when the caller has them (frame 0).
    """
    wall, marker, hue_map = planes or classify(frame.rgb, pal, opts.marker_dist)
    # the last frame's walls and blobs, valid while the planes are read frame after frame (any frame not read
    # drops them)
    last_walls = cache.pop("walls", None)
    last_blobs = cache.pop("blobs", None)
    # rows where the pixels may differ from the last frame's (markers), and where its walls or markers do (walls);
    # register uses them up
    rows = cache.get("band_rows") if planes is not None else None
    wall_rows = None if rows is None else _union(cache["wall_rows"], cache["exclude_rows"])
    if frame.index == 0:
        grid: Grid | None = grid0
    else:
        grid = register(wall, pal.geometry, grid0.rows, grid0.cols, aspect=grid0.sy / grid0.sx, cache=cache,
                        exclude=marker)
        if grid is None:
            return FrameObs(frame.index, None, None, (), "no maze grid found (cut off, faded or replaced)")
        if grid.score < opts.min_grid_score:
            return FrameObs(frame.index, None, None, (), f"maze grid fits poorly (score {grid.score:.2f})")
    assert grid is not None
    # not under markers: the agent, the goal, a path; on the last frame's grid, only the walls in changed rows
    same = last_walls is not None and last_walls[0] is grid and rows is not None
    walls = read_walls_uncovered(wall, marker, pal.geometry, grid, prev=last_walls[1] if same else None,
                                 rows=wall_rows if same else None)
    cache["walls"] = (grid, walls)
    mks, cache["blobs"] = _markers(frame.rgb, hue_map, grid, opts, cache.setdefault("marker_memo", {}), last_blobs,
                                   rows)
    return FrameObs(frame.index, grid, walls, tuple(mks), None)


def _work_scale(rgb: NDArray[np.uint8], pal: Palette, grid: Grid, opts: ParseOptions,
                keep: dict | None = None, choose: Callable | None = None) -> tuple[float, Palette, Grid]:
    """Scale at which cells are ``opts.work_cell_px`` wide, and the palette and grid found at that scale.

    Analysing a 640 px frame of a 3x3 maze at full size costs ~30x more than at 40 px a cell and
    reads nothing more; the frame-0 fit is repeated at the working scale and kept only if it is good.
    ``keep`` (``fit_grid``'s, of ``rgb``): when a smaller scale is taken, it receives the shrunk
    frame as ``small`` and that fit's ``planes``. ``choose``: the reader's ``size_after_first``
    choice, told the size taken (frames after the first then come from the decoder at that scale,
    frame 0 too, converted again; None: they are shrunk here).
    """
    target = opts.work_cell_px * (1.6 if pal.geometry == "line" else 1.0)  # thin lines, small flags
    cell = min(grid.sx, grid.sy)
    if cell <= 1.25 * target:
        if choose is not None:
            choose(None)
        return 1.0, pal, grid
    work = target / cell
    small: dict = {}
    first = None if choose is None else choose(lambda w, h: work_size(w, h, work))
    fit = fit_grid(shrink(rgb, work) if first is None else first, grid.rows, grid.cols, keep=small)
    if fit is None or fit[1].score < max(0.8, grid.score - 0.1) or fit[0].geometry != pal.geometry:
        if choose is not None:
            choose(None)
        return 1.0, pal, grid
    if keep is not None:
        keep.update(planes=small["planes"], small=small["rgb"], located=small["located"])
    return work, fit[0], fit[1]


def _unscale_grid(g: Grid, work: float) -> Grid:
    if work >= 1:
        return g
    return Grid(g.rows, g.cols, (g.ox + 0.5) / work - 0.5, (g.oy + 0.5) / work - 0.5, g.sx / work, g.sy / work, g.score)


def _unscale(o: FrameObs, work: float) -> FrameObs:
    """Map a frame's registration and marker boxes from the working scale back to decoded pixels."""
    if work >= 1:
        return o
    mks = tuple(Marker(m.hue, m.x, m.y, m.area, tuple(int(round(v / work)) for v in m.box_px), m.rgb)  # type: ignore[misc]
                for m in o.markers)
    grid = None if o.grid is None else _unscale_grid(o.grid, work)
    return FrameObs(o.index, grid, o.walls, mks, o.skipped, o.path_cover, o.path_on_walls, o.replaced)


def _replaced(frame: Frame, o: FrameObs, conn: NDArray[np.bool_]) -> FrameObs:
    """A frame that does not register: is there another maze in it (redrawn, replaced)?"""
    fit = fit_grid(frame.rgb)
    if fit is None or fit[1].score < 0.8:
        return o
    pal, g = fit
    walls = read_walls(classify(frame.rgb, pal)[0], pal.geometry, g)
    if (g.rows, g.cols) != conn.shape[1:]:
        x0, y0, x1, y1 = g.box_px()
        h, w = frame.rgb.shape[:2]
        if x0 < 2 or y0 < 2 or x1 > w - 2 or y1 > h - 2:
            return o  # a partial view (zoom, crop) can look like another maze: not claimed
        why = f"maze replaced: a {g.rows}x{g.cols} maze, the input is {conn.shape[1]}x{conn.shape[2]}"
    else:
        seen = walls >= 0
        diff = int((seen & ((walls < 0.5) != conn)).sum())
        if diff == 0:
            return o
        why = f"maze replaced: a {g.rows}x{g.cols} maze with {diff} walls different from the input"
    return FrameObs(o.index, None, None, (), why, replaced=True)


def parse_maze(frames: Iterable[Frame], ref: MazeRef | None, opts: ParseOptions | None = None) -> MazeState:
    """Read every frame of a maze output.

    Args:
        frames: decoded frames (single pass).
        ref: the input maze from a spec or input image, or None (read it from frame 0).
        opts: parser tuning.

    Raises:
        ParseError: no maze grid in frame 0, or no frames.
    """
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # frames are small: OpenCV's thread pool costs more than it saves here
    try:
        return _parse(frames, ref, opts or ParseOptions())
    finally:
        cv2.setNumThreads(threads)


def _parse(frames: Iterable[Frame], ref: MazeRef | None, opts: ParseOptions) -> MazeState:
    from mmgr.parsers.maze_track import identify_agent  # the second half of the parse

    obs: list[FrameObs] = []
    pal: Palette | None = None
    grid0: Grid | None = None
    first_rgb: NDArray[np.uint8] | None = None
    cache: dict = {}  # registration of the previous frame, reused while the maze does not move
    raw0: NDArray[np.float32] | None = None
    planes0: tuple[NDArray[np.uint8], ...] | None = None  # frame 0's classify planes (wall, marker, hue)
    tries: list[int] = []
    # the last frame read: decoded pixels, working-scale frame, classify planes, reading (None for frame 0)
    last: tuple[NDArray[np.uint8], Frame, tuple[NDArray[np.uint8], ...], FrameObs | None] | None = None
    work = 1.0  # frames are analysed at this scale (cells of ~40 px), results mapped back to decoded pixels
    # a reader converts the frames after the first at the working scale (its decoder's scaler, on the decoding
    # thread); ``pre``: they come so
    choose = frames.size_after_first() if isinstance(frames, MediaReader) else None
    pre = False
    for frame in frames:
        if pal is None:
            keep: dict = {}  # the fit's planes of frame 0 (and the frame shrunk), not computed twice
            fit = fit_grid(frame.rgb, ref.rows if ref else None, ref.cols if ref else None, keep=keep)
            if fit is None:
                raise ParseError("no maze grid found in frame 0 (neither a block grid nor a line grid)")
            pal, grid0 = fit
            work, pal, grid0 = _work_scale(frame.rgb, pal, grid0, opts, keep, choose)
            pre = choose is not None and work < 1
            first_rgb = keep["small"] if work < 1 else frame.rgb
            # the fit classifies with the default marker distance
            planes0 = keep["planes"] if float(opts.marker_dist) == 70.0 else classify(first_rgb, pal, opts.marker_dist)
            wall0, marker0 = planes0[0], planes0[1]
            raw0 = read_walls(wall0, pal.geometry, grid0)
            if planes0 is keep["planes"]:  # the fit located these walls: its opened mask or border sums hold
                cache.update(keep["located"], wall_rows=(0, 0))
            anchor0 = anchor_of(wall0, pal.geometry, marker0, cache)  # frame 1's planes are frame 0's, updated
            cache.update(anchor=anchor0, shape=wall0.shape, grid=grid0)  # still camera
        assert grid0 is not None and raw0 is not None
        band = None  # first and one past the last row that differ from the last frame read
        if last is not None and last[0].shape == frame.rgb.shape:
            band = changed_band(np.ascontiguousarray(frame.rgb), last[0])
        h = frame.rgb.shape[0]
        if band is not None and last is not None and last[3] is not None and band[0] == h:
            # the same pixels as the previous frame read the same (and leave the registration cache as it is)
            wf, p = Frame(frame.index, frame.t_s, last[1].rgb), last[3]
            o = FrameObs(frame.index, p.grid, p.walls, p.markers, p.skipped)
        else:
            wf = frame
            if work < 1 and not (pre and last is not None):  # the frame and its changed band at the working scale
                small, band = (first_rgb, None) if last is None else shrink_changed(frame.rgb, work, band,
                                                                                      last[1].rgb)
                wf = Frame(frame.index, frame.t_s, small)
            hw = wf.rgb.shape[0]
            for key in ("wall_rows", "exclude_rows", "band_rows"):  # unknown: the registration opens the whole mask
                cache.pop(key, None)
            if frame.index == 0 and planes0 is not None:
                planes = planes0
            elif band is not None and last is not None and band[1] - band[0] <= hw * 4 // 5:
                # pixels are classified one by one (block walls: +-2 rows): re-read only where the frame changed
                # (up to 4/5 of the rows: past that a whole classify costs about as much). The last frame's
                # planes are updated in place: nothing reads them again (frame 0's serve images only).
                if band[0] == hw:
                    planes = last[2]
                    cache.update(wall_rows=(0, 0), exclude_rows=(0, 0), band_rows=(0, 0))
                else:
                    # the rows where the planes may differ from those the last registration saw (block walls: +-2),
                    # narrowed to those where the walls and the markers do differ (a moving agent leaves the walls)
                    changed: list = []
                    planes = classify_rows(wf.rgb, band[0], band[1], last[2], pal, opts.marker_dist, in_place=True,
                                           changed=changed)
                    cache.update(wall_rows=changed[0], exclude_rows=changed[1],
                                 band_rows=(max(0, band[0] - 2), min(hw, band[1] + 2)))
            else:
                planes = classify(wf.rgb, pal, opts.marker_dist)
            o = _observe(wf, pal, grid0, opts, cache, planes)
            # frame 0 is read on grid0 without registering: its reading is never reused for a later frame
            last = (np.ascontiguousarray(wf.rgb if pre else frame.rgb), wf, planes, o if frame.index != 0 else None)
        if o.skipped and len(tries) < opts.replace_tries and (not tries or frame.index - tries[-1] >= 5):
            tries.append(frame.index)
            o = _replaced(wf, o, ref.conn if ref else (raw0 < 0.5) & (raw0 >= 0))
        obs.append(_unscale(o, work))
    if pal is None or grid0 is None or first_rgb is None or raw0 is None or planes0 is None:
        raise ParseError("no frames")
    if len(obs) == 1:  # an image: read the drawn path too
        hue = (ref.path_hue if ref and ref.path_hue else "blue")
        o = obs[0]
        cover, on_walls = _path_reads(planes0[2], hue, pal, grid0)
        obs[0] = FrameObs(o.index, o.grid, o.walls, o.markers, o.skipped, cover, on_walls)
    return identify_agent(obs, ref, pal, _unscale_grid(grid0, work), raw0)
