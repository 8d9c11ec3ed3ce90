"""Make Sudoku puzzles, their MMGR-style images, and synthetic "model outputs" with known truth.

``render_frames`` plays one scenario (a correct solve, a wrong digit, an overwritten clue...)
on a rendered board and returns the frames with a ``SudokuTruth`` describing every *output*
frame (after degradations and dropped frames); ``render_case`` writes them to a real media
file. ``expected_metrics`` computes the MMGR Sudoku metrics from the truth grids alone, as an
independent reference for the checker. ``mmgr-verify make sudoku`` is implemented here too.

Design notes:

- Two random streams, both from the case seed: ``default_rng(seed)`` drives the degradations
  (noise), ``default_rng([seed, 1])`` the scenario (fill order, which cell goes wrong...), so a
  different degradation never changes the story being told.
- Truth is about what is *shown*: a cell hidden by the hand is marked occluded, and the metric
  definitions say how an occluded cell is read (its latest visible value).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import UsageError
from mmgr.solvers.sudoku import LEVELS, check_puzzle, make_puzzle, puzzle_to_string
from mmgr.verify.synth.media import (
    Degradation,
    degrade,
    keep_frame,
    warp_points,
    write_frame_folder,
    write_gif,
    write_image,
    write_video,
)
from mmgr.verify.synth.sudoku_board import FONT_NAMES, SKIN, BoardPainter, SudokuStyle, draw_cursor, draw_hand
from mmgr.verify.synth.sudoku_metrics import expected_metrics, final_grid

__all__ = [
    "DEGRADED_MIX", "FILL_ORDERS", "IMAGE_SCENARIOS", "MEDIA", "SCENARIOS", "SudokuStyle", "SudokuTruth",
    "add_make_arguments", "expected_metrics", "final_grid", "make", "render_case", "render_frames", "warp_points",
    "FONT_NAMES",
]

SCENARIOS = ("correct", "wrong_digit", "clue_overwritten", "clue_overwritten_restored", "all_at_once",
             "overwrite_correct", "static", "blank_final", "partial", "occlusion")
IMAGE_SCENARIOS = ("correct", "wrong_digit", "partial", "clue_overwritten", "static")
FILL_ORDERS = ("row", "random", "box")
VIDEO_MEDIA = ("h264", "hevc", "vp9", "lossless", "gif", "frames")
MEDIA = VIDEO_MEDIA + ("png", "jpg")
IMAGE_CANVAS = (512, 512)
VIDEO_CANVAS = (640, 480)

# Presets spanning the degradations (H.264 quality, blur, noise, rescale, letterbox,
# rotation, perspective, colour shift, dropped frames), alone and combined.
DEGRADED_MIX: tuple[Degradation, ...] = (
    Degradation(crf=35),
    Degradation(scale=0.6),
    Degradation(scale=0.8, letterbox_px=40),
    Degradation(rotate_deg=3.0),
    Degradation(perspective=0.03),
    Degradation(blur_sigma=1.2),
    Degradation(noise_sigma=8.0),
    Degradation(color_gain=(1.12, 0.95, 0.82), brightness=-18.0),
    Degradation(drop_every=3),
    Degradation(scale=0.75, rotate_deg=-1.5, blur_sigma=0.8, noise_sigma=4.0, crf=30),
)


@dataclass(frozen=True, slots=True)
class SudokuTruth:
    """What a rendered Sudoku "model output" shows, frame by output frame.

    Attributes:
        puzzle: (N, N) int8, 0 = blank. solution: (N, N) int8. scenario: one of ``SCENARIOS``.
        grids: (T, N, N) int8 digits drawn in each output frame (0 = blank), hidden cells included.
        occluded: (T, N, N) bool, cells (partly) hidden by the hand or cursor in each frame.
        board_visible: (T,) bool; False on cut-away frames (``cutaway``), where ``grids`` still
            holds the state the solve has reached and ``board_quad_px`` the nominal position.
        metrics: the MMGR metrics of this output (``expected_metrics``).
        events: ``(frame, kind, (r, c), digit)`` in output frames; kinds: fill, wrong_fill,
            clue_change, clue_restore, overwrite, restore, erase_all (cell (-1, -1), digit 0).
        board_quad_px: (T, 4, 2) float64 board corners TL, TR, BR, BL in output pixels (centre
            line of the outer border; pixel centres at integer coordinates).
        is_video: False for single images.
    """

    puzzle: NDArray[np.int8]
    solution: NDArray[np.int8]
    scenario: str
    grids: NDArray[np.int8]
    occluded: NDArray[np.bool_]
    board_visible: NDArray[np.bool_]
    metrics: dict[str, Any]
    events: tuple[tuple[int, str, tuple[int, int], int], ...]
    board_quad_px: NDArray[np.float64]
    is_video: bool = True
    style: SudokuStyle = field(default_factory=SudokuStyle)

    def __post_init__(self) -> None:
        n = self.puzzle.shape[0]
        t = self.grids.shape[0] if self.grids.ndim == 3 else -1
        checks = (
            ("puzzle", self.puzzle, (n, n), np.int8), ("solution", self.solution, (n, n), np.int8),
            ("grids", self.grids, (t, n, n), np.int8), ("occluded", self.occluded, (t, n, n), np.bool_),
            ("board_visible", self.board_visible, (t,), np.bool_),
            ("board_quad_px", self.board_quad_px, (t, 4, 2), np.float64),
        )
        for name, arr, shape, dtype in checks:
            if not isinstance(arr, np.ndarray) or arr.shape != shape or arr.dtype != dtype:
                got = f"{getattr(arr, 'shape', None)} {getattr(arr, 'dtype', type(arr).__name__)}"
                raise ValueError(f"SudokuTruth.{name}: expected {shape} {np.dtype(dtype).name}, got {got}")
        if t < 1:
            raise ValueError(f"SudokuTruth.grids: expected at least one frame, got {t}")
        if self.scenario not in SCENARIOS:
            raise ValueError(f"SudokuTruth.scenario: expected one of {SCENARIOS}, got {self.scenario!r}")

    @property
    def n_frames(self) -> int:
        return int(self.grids.shape[0])


# -------------------------------------------------------------------------------------------- timeline

@dataclass
class _Step:
    changes: list[tuple[str, tuple[int, int], int]]
    hold: int


def _fill_cells(puzzle: NDArray[np.int8], order: str, rng: np.random.Generator) -> list[tuple[int, int]]:
    n = puzzle.shape[0]
    cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(puzzle == 0), strict=True)]
    if order == "random":
        return [cells[i] for i in rng.permutation(len(cells))]
    if order == "box":
        b = {4: 2, 9: 3}[n]
        return sorted(cells, key=lambda rc: ((rc[0] // b) * b + rc[1] // b, rc))
    return cells


def _wrong_digit(correct: int, n: int, rng: np.random.Generator) -> int:
    return int(rng.choice([d for d in range(1, n + 1) if d != correct]))


def _steps(puzzle: NDArray[np.int8], solution: NDArray[np.int8], scenario: str, rng: np.random.Generator,
           fill_order: str, cells_per_step: int, hold: int) -> list[_Step]:
    """The scenario as a list of state changes, each shown for ``hold`` frames (frame 0 excluded)."""
    n = puzzle.shape[0]
    cells = _fill_cells(puzzle, fill_order, rng)
    fills = [_Step([("fill", rc, int(solution[rc])) for rc in cells[i: i + cells_per_step]], hold)
             for i in range(0, len(cells), cells_per_step)]
    long_hold = max(3, hold)
    clue_cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(puzzle), strict=True)]
    if scenario in ("correct", "occlusion"):
        return fills
    if scenario == "static":
        return [_Step([], min(24, max(4, len(fills) * hold)))]
    if scenario == "all_at_once":
        return [_Step([ch for s in fills for ch in s.changes], hold)]
    if scenario == "partial":
        total = len(cells)
        keep = int(rng.integers(max(1, total // 4), max(2, (3 * total) // 4)))
        out, done = [], 0
        for s in fills:
            take = s.changes[: keep - done]
            if take:
                out.append(_Step(take, hold))
                done += len(take)
        return out
    if scenario == "wrong_digit":
        j = int(rng.integers(len(fills)))
        k = int(rng.integers(len(fills[j].changes)))
        _, rc, d = fills[j].changes[k]
        fills[j].changes[k] = ("wrong_fill", rc, _wrong_digit(d, n, rng))
        return fills
    if scenario in ("clue_overwritten", "clue_overwritten_restored"):
        at = int(rng.integers(1, max(2, len(fills))))
        rc = clue_cells[int(rng.integers(len(clue_cells)))]
        fills.insert(at, _Step([("clue_change", rc, _wrong_digit(int(puzzle[rc]), n, rng))], long_hold))
        if scenario.endswith("_restored"):
            fills.insert(at + 1, _Step([("clue_restore", rc, int(puzzle[rc]))], hold))
        return fills
    if scenario == "overwrite_correct":
        j = int(rng.integers(max(1, len(fills) - 1)))
        rc = fills[j].changes[0][1]
        wrong = _wrong_digit(int(solution[rc]), n, rng)
        fills.insert(j + 1, _Step([("overwrite", rc, wrong)], long_hold))
        fills.insert(j + 2, _Step([("restore", rc, int(solution[rc]))], hold))
        return fills
    if scenario == "blank_final":
        return fills + [_Step([("erase_all", (-1, -1), 0)], max(4, hold))]
    raise ValueError(f"scenario: expected one of {SCENARIOS}, got {scenario!r}")


def _timeline(puzzle: NDArray[np.int8], steps: list[_Step], hold: int
              ) -> tuple[list[NDArray[np.int8]], list[tuple[int, str, tuple[int, int], int]]]:
    """Expand steps into one grid per raw frame; the puzzle opens (>= 3 frames), the end is held >= 4."""
    grid = puzzle.copy()
    frames = [grid.copy()] * max(3, hold)
    events = []
    for s in steps:
        for kind, rc, d in s.changes:
            if kind == "erase_all":
                grid[:] = 0
            else:
                grid[rc] = d
            events.append((len(frames), kind, rc, d))
        frames += [grid.copy()] * s.hold
    last = frames[-1]
    frames += [last] * max(0, max(4, hold) - _tail_len(frames))
    return frames, events


def _tail_len(frames: list[NDArray[np.int8]]) -> int:
    k = 1
    while k < len(frames) and np.array_equal(frames[-1 - k], frames[-1]):
        k += 1
    return k


# ------------------------------------------------------------------------------------------ geometry

# ------------------------------------------------------------------------------------------- renderer

def _hand_path(painter: BoardPainter, n_frames: int, start: int, stop: int, rng: np.random.Generator
               ) -> dict[int, tuple[float, float]]:
    """Fingertip positions for frames ``start..stop-1``: a straight pass over part of the board."""
    q = painter.quad
    side = q[1, 0] - q[0, 0]
    k = max(1, stop - start)
    a = q[0] + side * rng.uniform(0.15, 0.85, 2)
    b = q[0] + side * rng.uniform(0.15, 0.85, 2)
    return {start + i: tuple(a + (b - a) * (i / max(1, k - 1))) for i in range(k) if start + i < n_frames}


def render_frames(puzzle: NDArray[np.integer], solution: NDArray[np.integer], scenario: str, *, seed: int,
                  style: SudokuStyle | None = None, fill_order: str = "row", is_video: bool = True,
                  cells_per_step: int = 1, hold: int = 2, degradation: Degradation | None = None,
                  occluder: str = "hand", cutaway: int = 0) -> tuple[list[NDArray[np.uint8]], SudokuTruth]:
    """Render one scenario as RGB frames with its truth.

    Args:
        puzzle, solution: (N, N) grids, N in {4, 9}; 0 = blank in the puzzle.
        scenario: one of ``SCENARIOS`` (see the module docs of the issue for each meaning).
        seed: the case seed (scenario choices and degradation noise).
        style: board look; default ``SudokuStyle`` with a 640x480 (video) or 512x512 (image) canvas.
        fill_order: "row", "random" or "box".
        is_video: False renders one frame, the scenario's final state (hand included for occlusion).
        cells_per_step: cells written per state change.
        hold: frames each new state is shown (the opening puzzle >= 3, the final state >= 4).
        degradation: applied per frame via ``media.degrade``; dropped frames are removed here.
        occluder: what passes over the board in the "occlusion" scenario: "hand" or "cursor".
        cutaway: replace this many frames after the opening by a plain grey frame (the board is not
            visible there: ``board_visible`` False; the solve goes on meanwhile). Videos only.

    Returns:
        ``(frames, truth)``: (H, W, 3) uint8 frames and the ``SudokuTruth`` of exactly those frames.
    """
    p, s = check_puzzle(puzzle), check_puzzle(solution, "solution")
    if p.shape != s.shape or not s.all() or np.any((p > 0) & (p != s)):
        raise ValueError("solution: expected a full grid agreeing with the puzzle's clues, got one that does not")
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario: expected one of {SCENARIOS}, got {scenario!r}")
    if fill_order not in FILL_ORDERS:
        raise ValueError(f"fill_order: expected one of {FILL_ORDERS}, got {fill_order!r}")
    if cells_per_step < 1 or hold < 1:
        raise ValueError(f"cells_per_step/hold: expected >= 1, got {cells_per_step}/{hold}")
    if occluder not in ("hand", "cursor"):
        raise ValueError(f"occluder: expected 'hand' or 'cursor', got {occluder!r}")
    if cutaway < 0 or (cutaway and not is_video):
        raise ValueError(f"cutaway: expected >= 0 frames, and 0 for images, got {cutaway}")
    if style is None:
        style = SudokuStyle(canvas=VIDEO_CANVAS if is_video else IMAGE_CANVAS)
    d = degradation or Degradation()
    srng = np.random.default_rng([seed, 1])
    steps = _steps(p, s, scenario, srng, fill_order, cells_per_step, hold)
    grids, events = _timeline(p, steps, hold)
    hand: dict[int, tuple[float, float]] = {}
    painter = BoardPainter(p.shape[0], style)
    if scenario == "occlusion":
        opening, tail = max(3, hold), max(4, hold)
        span = int(srng.integers(5, 11))
        last_ok = len(grids) - tail  # the hand is gone before the final state is held
        start = int(srng.integers(opening, max(opening + 1, last_ok - span + 1)))
        hand = _hand_path(painter, last_ok, start, min(last_ok, start + span), srng)
    skin = SKIN[int(srng.integers(len(SKIN)))]
    hand_size = 0.22 * (painter.quad[1, 0] - painter.quad[0, 0])
    if not is_video:
        last = len(grids) - 1
        grids = [grids[last]]
        events = [(0, k, rc, dg) for _, k, rc, dg in events]
        if scenario == "occlusion":
            hand = {0: tuple(painter.quad[0] + (painter.quad[1, 0] - painter.quad[0, 0]) * srng.uniform(0.2, 0.8, 2))}
    hidden: set[int] = set()
    if cutaway:
        first = max(3, hold)
        last_ok = max(first + 1, len(grids) - max(4, hold) - cutaway)
        start = int(np.random.default_rng([seed, 2]).integers(first, last_ok))
        hidden = set(range(start, min(len(grids) - max(4, hold), start + cutaway)))
    t_raw = len(grids)
    drng = np.random.default_rng(seed)
    h, w = style.canvas[1], style.canvas[0]
    frames, keep_idx, occ_list, vis_list = [], [], [], []
    for i, g in enumerate(grids):
        if not keep_frame(i, t_raw, d):
            continue
        glow = style.glow_on_success and bool(np.array_equal(g, s))
        rgb = painter.draw(g, p > 0, glow=glow)
        occ = np.zeros(p.shape, bool)
        if i in hand:
            if occluder == "hand":
                rgb, mask = draw_hand(rgb, hand[i], hand_size, skin)
            else:
                rgb, mask = draw_cursor(rgb, hand[i], 0.45 * hand_size)
            occ = painter.cell_coverage(mask) > 0.0
        if i in hidden:
            rgb = np.full_like(rgb, 128)
        vis_list.append(i not in hidden)
        frames.append(rgb if d.is_clean else degrade(rgb, d, drng))
        keep_idx.append(i)
        occ_list.append(occ)
    quad = warp_points(painter.quad, d, w, h)
    out_of = {raw: k for k, raw in enumerate(keep_idx)}
    ev_out = []
    for raw, kind, rc, dg in events:
        later = [r for r in keep_idx if r >= raw]
        if later:
            ev_out.append((out_of[later[0]], kind, rc, dg))
    g_arr = np.stack([grids[i] for i in keep_idx]).astype(np.int8)
    o_arr = np.stack(occ_list).astype(bool)
    vis = np.array(vis_list, bool)
    truth = SudokuTruth(
        puzzle=p, solution=s, scenario=scenario, grids=g_arr, occluded=o_arr, board_visible=vis,
        metrics=expected_metrics(p, s, g_arr, o_arr, vis, is_video), events=tuple(ev_out),
        board_quad_px=np.repeat(quad[None], len(keep_idx), axis=0).astype(np.float64), is_video=is_video,
        style=style,
    )
    return frames, truth


def render_case(out_path: str | Path, puzzle: NDArray[np.integer], solution: NDArray[np.integer], scenario: str, *,
                seed: int, media: str = "h264", degradation: Degradation | None = None, fps: int = 8,
                **render_kw: Any) -> tuple[Path, SudokuTruth]:
    """Render a scenario and write it as a real media file.

    Args:
        out_path: output path; its suffix is set by the media kind ("frames" writes a folder).
        media: one of ``MEDIA``: a video codec ("h264", "hevc", "vp9", "lossless"), "gif", "frames",
            or an image ("png", "jpg"; one frame, ``is_video=False``).
        degradation: damage per frame; its ``crf`` sets lossy video quality, and
            ``extra["jpeg_quality"]`` the JPEG quality (default 90).
        fps: frames per second for videos and GIFs.
        **render_kw: passed to ``render_frames`` (style, fill_order, cells_per_step, hold, occluder, cutaway).

    Returns:
        ``(path written, truth)``.
    """
    if media not in MEDIA:
        raise ValueError(f"media: expected one of {MEDIA}, got {media!r}")
    d = degradation or Degradation()
    is_video = media in VIDEO_MEDIA
    frames, truth = render_frames(puzzle, solution, scenario, seed=seed, is_video=is_video, degradation=d,
                                  **render_kw)
    out_path = Path(out_path)
    if media == "png":
        path = write_image(frames[0], out_path)
    elif media == "jpg":
        path = write_image(frames[0], out_path, jpeg_quality=int(d.extra.get("jpeg_quality", 90)))
    elif media == "gif":
        path = write_gif(frames, out_path, fps=fps)
    elif media == "frames":
        path = write_frame_folder(frames, out_path)
    else:
        path = write_video(frames, out_path, codec=media, fps=fps, crf=d.crf)
    return path, truth


# ------------------------------------------------------------------------------ mmgr-verify make sudoku

def add_make_arguments(parser: Any) -> None:
    """Flags of ``mmgr-verify make sudoku``."""
    parser.add_argument("--size", type=int, choices=sorted(LEVELS), default=9, help="board side (default 9)")
    parser.add_argument("--level", choices=("easy", "medium", "hard"), default="easy", help="clue-count level")
    parser.add_argument("--count", type=int, default=10, help="puzzles to write (default 10)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same files)")


def board_image(grid: NDArray[np.int8], puzzle: NDArray[np.int8], style: SudokuStyle | None = None
                ) -> NDArray[np.uint8]:
    """An MMGR-style board image (512x512 by default): clues in black, other digits in the filled colour."""
    st = style or SudokuStyle(canvas=IMAGE_CANVAS)
    return BoardPainter(grid.shape[0], st).draw(check_puzzle(grid), check_puzzle(puzzle) > 0)


def make(args: Any) -> int:
    """Write ``--count`` puzzles: ``<id>.json`` spec, ``<id>_input.png``, ``<id>_solution.png``, and ``index.jsonl``."""
    if args.count < 1:
        raise UsageError(f"--count: expected >= 1, got {args.count}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([args.seed, args.size, ("easy", "medium", "hard").index(args.level)])
    lines = []
    for i in range(args.count):
        puzzle, solution = make_puzzle(args.size, args.level, rng)
        pid = f"sudoku{args.size}_{args.level}_{args.seed}_{i:04d}"
        spec = {"task": "sudoku", "id": pid, "size": args.size, "level": args.level,
                "clues": int((puzzle > 0).sum()), "puzzle": puzzle_to_string(puzzle),
                "solution": puzzle_to_string(solution)}
        text = json.dumps(spec, sort_keys=True)
        (out / f"{pid}.json").write_text(text + "\n")
        write_image(board_image(puzzle, puzzle), out / f"{pid}_input.png")
        write_image(board_image(solution, puzzle), out / f"{pid}_solution.png")
        lines.append(text)
        print(f"make sudoku: {i + 1}/{args.count} {pid} ({spec['clues']} clues)", file=sys.stderr)
    (out / "index.jsonl").write_text("\n".join(lines) + "\n")
    return 0
