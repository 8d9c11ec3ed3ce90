"""ARC-AGI task images in an MMGR-like layout, synthetic model outputs with known truth, ``make arc``.

Layout (one row per pair, top to bottom): label ("E1".."E4", "T1"), input panel, arrow,
output panel. Every panel is fitted into a square box of ``box_px`` pixels with an integer
cell pitch; grid lines are 1 px (``lines``: "present", "faint" or "absent"). The test row's
output panel is an empty white grid (``output_panel="empty"``), or missing ("absent").

A *scenario* is a video (list of frames) or image of a model "solving" the task, with the
truth the verifier must report: ``exact``, ``wrong_cells_1..3``, ``wrong_size``,
``palette_shift`` (the whole video colour-cast: still correct), ``no_grid_lines`` (answer
drawn without lines: still correct), ``answer_elsewhere`` (answer drawn below the test row:
still correct, noted), ``demo_drift`` (a demonstration changes mid-video: correct answer,
``context_drift`` = 1).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.parsers.arc_grid import ARC_RGB
from mmgr.verify.arc_data import ArcTask

BG = (240, 240, 240)
LINE = (85, 85, 85)
EMPTY_CELL = (255, 255, 255)
EMPTY_LINE = (160, 160, 160)
SCENARIOS = ("exact", "wrong_cells_1", "wrong_cells_2", "wrong_cells_3", "wrong_size", "palette_shift",
             "no_grid_lines", "answer_elsewhere", "demo_drift")


@dataclass(frozen=True, slots=True)
class Style:
    """How a task image is drawn.

    Attributes:
        box_px: side of the square box each panel is fitted into.
        lines: grid lines "present" (grey), "faint" (25% contrast) or "absent".
        max_demos: at most this many demonstration pairs are shown (MMGR shows E1-E4).
        output_panel: the test output panel in the input image: "empty" (white grid) or "absent".
        palette: (10, 3) int RGB of the ARC colours (the standard palette by default).
    """

    box_px: int = 216
    lines: str = "present"
    max_demos: int = 4
    output_panel: str = "empty"
    palette: tuple[tuple[int, int, int], ...] = tuple(tuple(int(v) for v in c) for c in ARC_RGB)

    def __post_init__(self) -> None:
        if self.lines not in ("present", "faint", "absent"):
            raise ValueError(f"Style.lines: expected present/faint/absent, got {self.lines!r}")
        if self.output_panel not in ("empty", "absent"):
            raise ValueError(f"Style.output_panel: expected empty/absent, got {self.output_panel!r}")
        if self.box_px < 40 or self.max_demos < 1:
            raise ValueError(f"Style: expected box_px >= 40 and max_demos >= 1, got {self.box_px}, {self.max_demos}")


def pitch_for(grid_hw: tuple[int, int], box_px: int) -> int:
    """Integer cell pitch that fits an (h, w) grid plus its 1-px border into the box."""
    return max(2, (box_px - 1) // max(grid_hw))


def draw_grid(canvas: NDArray[np.uint8], grid: NDArray[np.int8], x0: int, y0: int, p: int, style: Style, *,
              lines: str | None = None, empty: bool = False, filled_rows: int | None = None,
              ) -> tuple[int, int, int, int]:
    """Draw a grid with its top-left corner at (x0, y0); returns its pixel box (x0, y0, x1, y1).

    ``empty`` draws a blank (white) grid; ``filled_rows`` leaves the rows from that one on blank.
    """
    lines = style.lines if lines is None else lines
    h, w = grid.shape
    pal = np.asarray(style.palette, np.uint8)
    cells = np.full((h, w, 3), EMPTY_CELL, np.uint8) if empty else pal[grid]
    if filled_rows is not None:
        cells[filled_rows:] = EMPTY_CELL
    img = np.repeat(np.repeat(cells, p, axis=0), p, axis=1)
    img = np.concatenate([img, img[-1:]], axis=0)
    img = np.concatenate([img, img[:, -1:]], axis=1)
    if lines != "absent":
        lc = np.asarray(EMPTY_LINE if empty else LINE, np.float64)
        mask = np.zeros(img.shape[:2], bool)
        mask[::p, :] = True
        mask[:, ::p] = True
        if lines == "faint" and not empty:
            img[mask] = np.round(0.75 * img[mask] + 0.25 * lc).astype(np.uint8)
        else:
            img[mask] = lc.astype(np.uint8)
    canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = img
    return (x0, y0, x0 + img.shape[1], y0 + img.shape[0])


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each panel of a rendered task image is (truth for the parser tests).

    Attributes:
        size: (height, width) of the image in pixels.
        slots: role -> (x0, y0, x1, y1) of the box each panel is fitted into ("E1-in", "T1-out"...).
        panels: role -> pixel box of the drawn grid (for the panels drawn).
    """

    size: tuple[int, int]
    slots: dict[str, tuple[int, int, int, int]]
    panels: dict[str, tuple[int, int, int, int]]


def _layout_slots(n_demos: int, style: Style, extra_row: bool) -> tuple[tuple[int, int], dict[str, Any]]:
    b, gap, label_w, arrow_w, margin = style.box_px, 16, 44, 56, 48
    rows = n_demos + 1 + (1 if extra_row else 0)
    width = margin + label_w + b + arrow_w + b + margin
    height = margin + rows * (b + gap) - gap + margin
    slots: dict[str, Any] = {}
    for i in range(n_demos + 1 + (1 if extra_row else 0)):
        y = margin + i * (b + gap)
        name = f"E{i + 1}" if i < n_demos else ("T1" if i == n_demos else "X")
        slots[f"{name}-in"] = (margin + label_w, y, margin + label_w + b, y + b)
        slots[f"{name}-out"] = (margin + label_w + b + arrow_w, y, margin + label_w + 2 * b + arrow_w, y + b)
        slots[f"{name}-label"] = (margin, y + b // 2)
        slots[f"{name}-arrow"] = (margin + label_w + b + 8, y + b // 2)
    return (height, width), slots


def _place(canvas: NDArray[np.uint8], grid: NDArray[np.int8], slot: tuple[int, int, int, int], style: Style,
           **kw: Any) -> tuple[int, int, int, int]:
    p = pitch_for(grid.shape, style.box_px)
    gw, gh = grid.shape[1] * p + 1, grid.shape[0] * p + 1
    x0 = slot[0] + (slot[2] - slot[0] - gw) // 2
    y0 = slot[1] + (slot[3] - slot[1] - gh) // 2
    return draw_grid(canvas, grid, x0, y0, p, style, **kw)


def render_task(task: ArcTask, test_index: int = 0, *, style: Style | None = None,
                answer: NDArray[np.int8] | None = None, answer_lines: str | None = None,
                answer_elsewhere: bool = False, demo_override: dict[int, NDArray[np.int8]] | None = None,
                answer_rows: int | None = None, extra_row: bool = False) -> tuple[NDArray[np.uint8], Layout]:
    """Render a task image, optionally with an answer drawn into (or beside) the output panel.

    Args:
        task: the ARC task.
        test_index: which test pair is shown as T1.
        style: drawing style (defaults to ``Style()``).
        answer: a grid to draw as the model's answer (None: the input image).
        answer_lines: grid lines of the answer ("present"/"faint"/"absent"; default: the style's).
        answer_elsewhere: draw the answer in an extra row below T1 instead of the output slot.
        demo_override: demo index -> grid replacing that demonstration's *output* (context drift).
        answer_rows: draw only this many rows of the answer (the rest blank), as while drawing.
        extra_row: leave room for a row below T1 (where ``answer_elsewhere`` draws), so that
            every frame of a video has the same size.
    """
    style = style or Style()
    demos = task.train[: style.max_demos]
    (hgt, wid), slots = _layout_slots(len(demos), style, answer_elsewhere or extra_row)
    canvas = np.full((hgt, wid, 3), BG, np.uint8)
    panels: dict[str, tuple[int, int, int, int]] = {}
    rows: list[tuple[str, NDArray[np.int8], NDArray[np.int8] | None]] = [
        (f"E{i + 1}", gi, (demo_override or {}).get(i, go)) for i, (gi, go) in enumerate(demos)]
    rows.append(("T1", task.test[test_index][0], None))
    for name, gi, go in rows:
        panels[f"{name}-in"] = _place(canvas, gi, slots[f"{name}-in"], style)
        if go is not None:
            panels[f"{name}-out"] = _place(canvas, go, slots[f"{name}-out"], style)
        lx, ly = slots[f"{name}-label"]
        cv2.putText(canvas, name, (lx, ly + 6), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 2, cv2.LINE_AA)
        ax, ay = slots[f"{name}-arrow"]
        cv2.arrowedLine(canvas, (ax, ay), (ax + 38, ay), (40, 40, 40), 2, cv2.LINE_AA, tipLength=0.3)
    expected = task.test[test_index][1]
    target = "X-in" if answer_elsewhere else "T1-out"
    if answer is None or answer_elsewhere:
        if style.output_panel == "empty" and expected is not None:
            panels["T1-out"] = _place(canvas, expected, slots["T1-out"], style, empty=True)
    if answer is not None:
        panels["answer"] = _place(canvas, answer, slots[target], style, lines=answer_lines, filled_rows=answer_rows)
    return canvas, Layout((hgt, wid), {k: v for k, v in slots.items() if len(v) == 4}, panels)


def perturb_cells(grid: NDArray[np.int8], k: int, rng: np.random.Generator) -> NDArray[np.int8]:
    """A copy of ``grid`` with ``k`` distinct cells changed to a different colour."""
    out = grid.copy()
    flat = rng.choice(grid.size, size=min(k, grid.size), replace=False)
    for f in flat:
        r, c = divmod(int(f), grid.shape[1])
        out[r, c] = (int(out[r, c]) + 1 + int(rng.integers(0, 9))) % 10
    return out


def wrong_size(grid: NDArray[np.int8], rng: np.random.Generator) -> NDArray[np.int8]:
    """``grid`` with one row or column added (or removed, when it is at the 30-cell limit)."""
    axis = int(rng.integers(0, 2))
    if grid.shape[axis] >= 30 or (grid.shape[axis] > 1 and rng.random() < 0.5):
        return np.delete(grid, grid.shape[axis] - 1, axis=axis)
    return np.concatenate([grid, np.take(grid, [-1], axis=axis)], axis=axis)


def scenario(task: ArcTask, name: str, seed: int, *, test_index: int = 0, n_frames: int = 12,
             style: Style | None = None) -> tuple[list[NDArray[np.uint8]], dict[str, Any]]:
    """Frames of a synthetic model output and the truth the verifier must report.

    The answer appears row by row over the first two thirds of the video and then holds.
    Returns ``(frames, truth)`` with truth keys ``valid_solution``, ``context_drift``,
    ``answer_size`` and ``scenario``.
    """
    if name not in SCENARIOS:
        raise ValueError(f"scenario: expected one of {SCENARIOS}, got {name!r}")
    rng = np.random.default_rng(seed)
    style = style or Style()
    expected = task.test_output(test_index)
    answer = expected
    if name.startswith("wrong_cells_"):
        answer = perturb_cells(expected, int(name[-1]), rng)
    elif name == "wrong_size":
        answer = wrong_size(expected, rng)
    lines = "absent" if name == "no_grid_lines" else None
    frames: list[NDArray[np.uint8]] = []
    fill_until = max(1, (2 * n_frames) // 3)
    drift_from = n_frames // 2
    demo_change = None
    if name == "demo_drift":
        go = task.train[0][1]
        demo_change = {0: perturb_cells(go, max(1, go.size // 4), rng)}
    for t in range(n_frames):
        if t == 0:
            img, _ = render_task(task, test_index, style=style, extra_row=name == "answer_elsewhere")
        else:
            rows_shown = min(answer.shape[0], int(np.ceil(answer.shape[0] * t / fill_until)))
            img, _ = render_task(task, test_index, style=style, answer=answer, answer_lines=lines,
                                 answer_elsewhere=name == "answer_elsewhere", answer_rows=rows_shown,
                                 demo_override=demo_change if t >= drift_from else None)
        frames.append(img)
    if name == "palette_shift":
        gain = np.array([1.08, 0.93, 1.05], np.float32)
        frames = [np.clip(np.round(f.astype(np.float32) * gain - 6), 0, 255).astype(np.uint8) for f in frames]
    truth = {"scenario": name, "valid_solution": int(np.array_equal(answer, expected)),
             "context_drift": int(name == "demo_drift"), "answer_size": list(answer.shape)}
    return frames, truth


# ``mmgr-verify make arc`` lives in a sibling module to keep this one about drawing.
def add_make_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``mmgr-verify make arc``."""
    from mmgr.verify.synth.arc_make import add_make_arguments as add
    add(parser)


def make(args: Any) -> int:
    """Run ``mmgr-verify make arc``."""
    from mmgr.verify.synth.arc_make import make as run
    return run(args)
