"""Sudoku (MMGR): verify a solved-Sudoku image or a solving video, frame by frame.

Metrics (MMGR's names and meanings; failure modes are 1 when the failure happened):

- ``clues_changed``: a given digit was modified, removed or moved in *any* frame (0/1).
- ``constraints_violation``: share of the 3N rows/columns/boxes of the final grid that
  repeat a digit (0 = none).
- ``completion_accuracy``: share of the puzzle's empty cells that hold the correct digit in
  the final grid; an unreadable digit counts as not filled (as MMGR's annotators did).
- ``action_reflection`` (videos; None for images): cells fill step by step, without
  overwriting earlier entries.
- ``overall`` = clues_changed == 0 and constraints_violation == 0 and completion_accuracy == 1.

Design notes:

- A cell's reading only counts once it has been seen in ``min_run`` consecutive readable
  frames (``kernels.grid.stable_events``); unreadable or occluded frames neither confirm nor
  break a run. This is what makes one misread frame of a compressed video harmless, while a
  digit that stays for ``min_run`` frames is always caught.
- The final grid is the last confirmed state of each cell (a hand resting on a cell at the
  end keeps its last seen value). If the last frame holds no findable board and is not
  blank, the verdict is unscorable: the decisive frame cannot be read.
- The puzzle comes from the spec, else the input image, else frame 0 (which must then be read
  in full). Its unique solution comes from CP-SAT, which also proves uniqueness: a puzzle
  with no or several solutions makes the verdict unscorable with that reason.
"""

from __future__ import annotations

import _thread
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import ParseError, UnscorableError, UsageError
from mmgr.kernels.grid import stable_events, unit_violations
from mmgr.parsers import draw
from mmgr.parsers.sudoku import BLANK, NO_BOARD, OK, ReaderParams, SudokuFrameReader
from mmgr.parsers.types import Frame
from mmgr.solvers.sudoku import count_solutions, puzzle_from_string, puzzle_to_string, solve_unique
from mmgr.solvers.types import SolveResult, SolveStatus
from mmgr.verify.registry import register
from mmgr.verify.types import CheckReport, Status, Violation

BOX = {4: (2, 2), 9: (3, 3)}
METRICS = ("clues_changed", "constraints_violation", "completion_accuracy", "action_reflection", "overall")


@dataclass(frozen=True, slots=True)
class SudokuParams:
    """Parameters of the Sudoku task (``--param K=V``).

    Attributes:
        max_side: frames are downscaled to this longer side before parsing (pixels).
        min_frames_video: a video (or GIF) with fewer decoded frames is unscorable (checked by the
            media reader, which ``verify_media`` gives this value).
        min_run: consecutive readable frames that confirm a cell's new content (videos).
        min_hold_s: display time that also confirms it (a GIF may show a state in one long frame).
        min_conf: digit confidence below which a cell is unreadable (0.7: a misread still has to
            persist for min_run frames, and the reader is ~0.05% confidently wrong at this level).
        min_grid_score: grid-line contrast below which no board is registered.
        occlusion_delta: colour distance (8-bit levels) of a cell's background from the
            board's that marks the cell as occluded.
        max_step_fraction: action_reflection fails when one frame adds more than this share
            of all fills ("all digits at once").
        solver_time_s: CP-SAT budget in deterministic seconds.
    """

    max_side: int = 1280
    min_frames_video: int = 2
    min_run: int = 2
    min_hold_s: float = 0.2
    min_conf: float = 0.7
    min_grid_score: float = 0.03
    occlusion_delta: float = 45.0
    max_step_fraction: float = 0.5
    solver_time_s: float = 10.0

    def __post_init__(self) -> None:
        if self.min_run < 1:
            raise ValueError(f"min_run: expected >= 1, got {self.min_run}")
        if not 0.0 <= self.min_conf <= 1.0:
            raise ValueError(f"min_conf: expected a value in [0, 1], got {self.min_conf}")
        if self.max_side < 64:
            raise ValueError(f"max_side: expected >= 64, got {self.max_side}")

    def reader(self) -> ReaderParams:
        return ReaderParams(min_grid_score=self.min_grid_score, occlusion_delta=self.occlusion_delta,
                            min_conf=self.min_conf)


@dataclass(frozen=True, slots=True)
class SudokuReference:
    """The puzzle a sample is judged against.

    Attributes:
        size: 4 or 9.
        puzzle: (N, N) int8, 0 = blank.
        solution: (N, N) int8 or None (computed by CP-SAT when None).
        source: "spec" or "input_image".
    """

    size: int
    puzzle: NDArray[np.int8]
    solution: NDArray[np.int8] | None
    source: str


@dataclass(frozen=True, slots=True)
class SudokuState:
    """Everything read from the frames.

    Attributes:
        size: N.
        digits: (T, N, N) int8 per-frame readings, 0 blank, -1 unknown.
        conf: (T, N, N) float32.
        occluded: (T, N, N) bool.
        status: (T,) int8 frame status (OK, NO_BOARD, BLANK of ``parsers.sudoku``).
        quads: (T, 4, 2) float64 board corners in frame pixels (zeros when unregistered).
        boxes: (T, N, N, 4) float32 cell boxes x0, y0, x1, y1 in frame pixels.
        is_video: False for single images.
        reused: (T,) bool, frames whose reading was copied from an unchanged earlier frame.
        dur_ms: (T,) int32 display time of each frame in milliseconds.
    """

    size: int
    digits: NDArray[np.int8]
    conf: NDArray[np.float32]
    occluded: NDArray[np.bool_]
    status: NDArray[np.int8]
    quads: NDArray[np.float64]
    boxes: NDArray[np.float32]
    is_video: bool
    reused: NDArray[np.bool_]
    dur_ms: NDArray[np.int32]

    def __post_init__(self) -> None:
        t = self.status.shape[0]
        n = self.size
        if self.digits.shape != (t, n, n) or self.digits.dtype != np.int8:
            raise ValueError(f"SudokuState.digits: expected ({t}, {n}, {n}) int8, got {self.digits.shape} "
                             f"{self.digits.dtype}")

    @property
    def n_frames(self) -> int:
        return int(self.status.shape[0])


def _parse_spec(spec: Mapping[str, Any]) -> SudokuReference:
    size = spec.get("size")
    if size not in (4, 9):
        raise UsageError(f"sudoku spec: 'size' must be 4 or 9, got {size!r}")
    puz = spec.get("puzzle")
    if not isinstance(puz, str):
        raise UsageError(f"sudoku spec: 'puzzle' must be a string of {size * size} digits, got {type(puz).__name__}")
    try:
        puzzle = puzzle_from_string(puz, size)
    except ValueError as exc:
        raise UsageError(f"sudoku spec: {exc}") from None
    solution = None
    if spec.get("solution") not in (None, ""):
        try:
            solution = puzzle_from_string(str(spec["solution"]), size)
        except ValueError as exc:
            raise UsageError(f"sudoku spec: solution: {exc}") from None
        if not solution.all() or np.any((puzzle > 0) & (puzzle != solution)):
            raise UsageError("sudoku spec: 'solution' must be a full grid that keeps every clue of 'puzzle'")
        bh, bw = BOX[size]
        if unit_violations(solution, bh, bw).any():
            raise UsageError("sudoku spec: 'solution' breaks a row, column or box rule")
    return SudokuReference(size, puzzle, solution, "spec")


@register
class SudokuTask:
    """The Sudoku task plugin (see the module docstring for the rules)."""

    name: ClassVar[str] = "sudoku"
    version: ClassVar[int] = 1
    Params: ClassVar[type] = SudokuParams

    # -- reference -----------------------------------------------------------------------
    def load_reference(self, spec: Mapping[str, Any] | None, input_image: NDArray[np.uint8] | None,
                       params: SudokuParams) -> SudokuReference | None:
        if spec is not None:
            return _parse_spec(spec)
        if input_image is None:
            return None
        reading = SudokuFrameReader(None, params.reader()).read(input_image)
        if reading.status != OK:
            raise ParseError("no Sudoku board found in the input image")
        unknown = np.argwhere(reading.digits < 0)
        if unknown.size:
            r, c = unknown[0]
            raise ParseError(f"input image: {len(unknown)} cell(s) cannot be read, first ({r}, {c})")
        assert reading.fit is not None
        return SudokuReference(reading.fit.size, reading.digits.copy(), None, "input_image")

    # -- parse -----------------------------------------------------------------------------
    def parse(self, frames: Iterable[Frame], reference: SudokuReference | None,
              params: SudokuParams) -> SudokuState:
        reader = SudokuFrameReader(reference.size if reference else None, params.reader())
        rows: list[Any] = []
        times: list[tuple[Any, Any]] = []
        info = getattr(frames, "info", None)
        kind = info.kind if info is not None else "video"
        solver: _Background | _InDecoder | None = None
        for frame in frames:
            rows.append(reader.read(frame.rgb))
            times.append((frame.t_s, frame.dur_s))
            if len(rows) == 1:
                solver = _start_solver(rows[0], reference, kind, params, frames)
        if solver is not None:
            solver.join()  # its answer waits in _solver_answer's cache for the check
        is_video = kind in ("video", "gif") or (kind == "frames" and len(rows) > 1)
        n = reader.size or (reference.size if reference else None)
        if n is None:
            raise ParseError("no Sudoku board found in any frame")
        t = len(rows)
        digits = np.full((t, n, n), -1, np.int8)
        conf = np.zeros((t, n, n), np.float32)
        occ = np.zeros((t, n, n), bool)
        status = np.zeros(t, np.int8)
        quads = np.zeros((t, 4, 2))
        boxes = np.zeros((t, n, n, 4), np.float32)
        reused = np.zeros(t, bool)
        ours: list[int] = []
        for i, r in enumerate(rows):
            status[i] = r.status
            reused[i] = r.reused
            if r.status == OK and r.fit is not None and r.digits.shape == (n, n):
                ours.append(i)
            elif r.status == OK:
                status[i] = NO_BOARD  # a board of another size: not ours
        if ours:  # one copy per field rather than one per frame and field
            sel = [rows[i] for i in ours]
            digits[ours] = np.stack([r.digits for r in sel])
            conf[ours] = np.stack([r.conf for r in sel])
            occ[ours] = np.stack([r.occluded for r in sel])
            quads[ours] = np.stack([r.fit.quad_px for r in sel])
            boxes[ours] = np.stack([r.cell_boxes_px for r in sel])
        rate = getattr(info, "avg_rate", None)
        return SudokuState(n, digits, conf, occ, status, quads, boxes, is_video, reused, _durations_ms(times, rate))

    # -- check -----------------------------------------------------------------------------
    def check(self, state: SudokuState, reference: SudokuReference | None, params: SudokuParams) -> CheckReport:
        return _check(state, reference, params)

    # -- evidence --------------------------------------------------------------------------
    def annotate(self, frame: Frame, state: SudokuState, violations: list[Violation]) -> NDArray[np.uint8]:
        i = frame.index
        img = frame.rgb
        if i < state.n_frames and state.status[i] == OK:
            img = draw.polygon(img, state.quads[i], draw.GREEN, 2)
            n = state.size
            for r in range(n):
                for c in range(n):
                    x0, y0, x1, y1 = state.boxes[i, r, c]
                    d = int(state.digits[i, r, c])
                    label = "?" if d < 0 else ("" if d == 0 else str(d))
                    if label:
                        img = draw.text(img, label, (x0 + 2, y0 + 12), draw.BLUE, 0.4, 1)
        for v in violations:
            if v.box_px is not None:
                img = draw.box(img, v.box_px, draw.RED, 2)
        lines = [f"frame {i}: {v.rule}: {v.detail}" for v in violations[:4]]
        if len(violations) > 4:
            lines.append(f"... and {len(violations) - 4} more")
        return draw.banner(draw.upscale_to(img, 360), lines)


@functools.lru_cache(maxsize=1024)
def _solver_answer(puzzle: bytes, solution: bytes | None, n: int,
                   time_s: float) -> tuple[SolveResult, int, SolveStatus]:
    """What the check asks CP-SAT: with a known solution, how many solutions (up to 2); without
    one, ``solve_unique``. Kept per puzzle (the one cache of solver answers), so the answer computed
    beside the parse is found here, and a batch with several samples of one prompt solves it once.
    Callers copy ``solution`` before writing into it."""
    grid = np.frombuffer(puzzle, np.int8).reshape(n, n)
    if solution is None:
        return solve_unique(grid, max_time_s=time_s)
    known = np.frombuffer(solution, np.int8).reshape(n, n)
    count, st = count_solutions(grid, 2, max_time_s=time_s, known=known)
    return SolveResult(SolveStatus.SAT, known.copy(), "given"), count, st


def _solver_key(puzzle: NDArray[np.integer], solution: NDArray[np.integer] | None) -> tuple[bytes, bytes | None, int]:
    def as_bytes(a: NDArray[np.integer]) -> bytes:
        return np.ascontiguousarray(a, np.int8).tobytes()

    return as_bytes(puzzle), None if solution is None else as_bytes(solution), int(puzzle.shape[0])


class _Background:
    """A call running in its own thread; ``join`` waits for it to end and raises what it raised.

    Started with ``_thread.start_new_thread``: ``threading.Thread.start`` waits until the new
    thread is running, and on a machine whose cores are busy with decoding and parsing that wait
    was ~0.9 ms of the parse's time for every video (the new thread holds the GIL from its start
    until the solver releases it, and the parse gets it back only at the next switch interval).
    """

    def __init__(self, fn: Any) -> None:
        self._done = _thread.allocate_lock()
        self._done.acquire()
        self._error: BaseException | None = None

        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001 - handed to join
                self._error = exc
            finally:
                self._done.release()

        _thread.start_new_thread(run, ())

    def join(self) -> None:
        with self._done:
            pass
        if self._error is not None:
            raise self._error


def _start_solver(first: Any, reference: SudokuReference | None, kind: str, params: SudokuParams,
                  frames: Any = None) -> _Background | _InDecoder | None:
    """Start the check's solver call beside the parse once its puzzle is known (from the spec, or
    frame 0 when it reads completely), so that CP-SAT runs while the other frames are parsed.

    Where the frames are decoded in a thread of their own, that thread makes the call once it is
    ahead of the parse (``MediaReader.when_ahead``), a pause that costs the parse nothing; in a
    thread of its own started at frame 0 it took CPU from decoding and parsing (on 2 cores: ~1 ms
    a video of the degraded benchmark mix, 3%). Else it gets a thread of its own.
    The answer is the same whenever it is computed (deterministic, one worker, fixed seed)."""
    if reference is not None:
        puzzle, solution = reference.puzzle, reference.solution
    elif kind in ("video", "gif") and first.status == OK and (first.digits >= 0).all():
        puzzle, solution = first.digits, None  # what _opening_puzzle returns when frame 0 reads whole
    else:
        return None
    args = (*_solver_key(puzzle, solution), params.solver_time_s)

    def run() -> None:
        try:
            _solver_answer(*args)
        except Exception:  # noqa: BLE001 - the check asks again and reports it
            pass

    later = _InDecoder(run)
    ahead = getattr(frames, "when_ahead", None)
    if ahead is not None and ahead(later.run):
        return later
    return _Background(run)


class _InDecoder:
    """A call that the decoding thread makes (``MediaReader.when_ahead``); ``join`` waits until it
    has been made."""

    def __init__(self, fn: Any) -> None:
        self._fn = fn
        self._done = _thread.allocate_lock()
        self._done.acquire()

    def run(self) -> None:
        try:
            self._fn()
        finally:
            self._done.release()

    def join(self) -> None:
        with self._done:
            pass


def _image_without_puzzle(state: SudokuState, details: dict[str, Any]) -> CheckReport:
    """A single image is the answer itself: without the puzzle, clue changes and completion cannot
    be judged, so the verdict abstains; the rule check of the grid shown is still reported."""
    n = state.size
    grid = state.digits[0]
    bh, bw = BOX[n]
    viol = unit_violations(np.where(grid < 0, 0, grid).astype(np.int8), bh, bw)
    details["grid_read"] = _grid_str(grid)
    details["grid_full"] = bool((grid > 0).all())
    return _unscorable("a single image is the answer itself: give --input-image or --spec so that clues and "
                       "completion can be judged", details, {"constraints_violation": float(viol.sum()) / (3 * n)})


def _opening_puzzle(state: SudokuState) -> NDArray[np.int8]:
    """The puzzle as frame 0 shows it; a cell frame 0 cannot read is taken from the opening frames.

    The opening lasts while every cell frame 0 could read still reads the same (nothing has been
    written yet); an unreadable cell takes its most frequent confident reading there (-1 if none).
    """
    first = state.digits[0]
    known = first >= 0
    out = first.copy()
    if known.all():
        return out
    t_end = 1
    while t_end < state.n_frames:
        d = state.digits[t_end]
        if state.status[t_end] == OK and np.any(known & (d >= 0) & (d != first)):
            break
        t_end += 1
    for r, c in np.argwhere(~known).tolist():
        vals = [int(v) for v in state.digits[1:t_end, r, c] if v >= 0]
        if vals:
            counts = np.bincount(vals, minlength=10)
            out[r, c] = int(np.argmax(counts))
    return out


def _durations_ms(times: list[tuple[Any, Any]], rate: Any) -> NDArray[np.int32]:
    """Display time of each frame: the container's duration, else the gap to the next frame."""
    t = len(times)
    out = np.zeros(t, np.int32)
    default = 1000.0 / float(rate) if rate else 1000.0
    for i, (ts, dur) in enumerate(times):
        if dur is not None and dur > 0:
            ms = float(dur) * 1000
        elif i + 1 < t and times[i + 1][0] > ts:
            ms = float(times[i + 1][0] - ts) * 1000
        else:
            ms = default
        out[i] = max(1, int(round(ms)))
    return out


def _box(state: SudokuState, frame: int, r: int, c: int) -> tuple[int, int, int, int] | None:
    if frame < 0 or frame >= state.n_frames or state.status[frame] != OK:
        return None
    x0, y0, x1, y1 = (int(round(float(v))) for v in state.boxes[frame, r, c])
    return (x0, y0, x1, y1)


def _fmt(d: int) -> str:
    return "blank" if d == 0 else ("unreadable" if d < 0 else str(d))


def _grid_str(g: NDArray[np.int8]) -> str:
    return "".join("?" if v < 0 else str(int(v)) for v in g.ravel())


def _unscorable(reason: str, details: dict[str, Any], metrics: dict[str, Any] | None = None) -> CheckReport:
    m: dict[str, Any] = {k: None for k in METRICS}
    if metrics:
        m.update(metrics)
    return CheckReport(m, Status.UNSCORABLE, reason, (), details)


def _check(state: SudokuState, reference: SudokuReference | None, params: SudokuParams) -> CheckReport:
    n = state.size
    t = state.n_frames
    ok = state.status == OK
    details: dict[str, Any] = {
        "size": n, "frames": t, "frames_registered": int(ok.sum()),
        "frames_blank": int((state.status == BLANK).sum()), "frames_no_board": int((state.status == NO_BOARD).sum()),
        "frames_reused": int(state.reused.sum()),
        "unregistered_frames": [int(i) for i in np.nonzero(~ok)[0][:20]],
    }
    if not ok.any():
        return _unscorable("no Sudoku board found in any frame", details)
    # --- the puzzle -------------------------------------------------------------------
    if reference is not None:
        puzzle, solution, source = reference.puzzle, reference.solution, reference.source
    else:
        if not ok[0]:
            return _unscorable("no Sudoku board found in frame 0, and no --spec or --input-image was given",
                               details)
        if not state.is_video:
            return _image_without_puzzle(state, details)
        puzzle = _opening_puzzle(state)
        unknown = np.argwhere(puzzle < 0)
        if unknown.size:
            r, c = (int(x) for x in unknown[0])
            return _unscorable(f"frame 0: {len(unknown)} cell(s) cannot be read with confidence, first ({r}, {c}); "
                               "give --spec to make the puzzle authoritative", details)
        solution, source = None, "frame0"
    details["puzzle_source"] = source
    details["puzzle"] = puzzle_to_string(puzzle)
    res, count, st = _solver_answer(*_solver_key(puzzle, solution), params.solver_time_s)
    if solution is None:  # solved and uniqueness proven with one model
        if res.status is SolveStatus.UNDECIDED:
            return _unscorable(f"the solver could not decide the puzzle ({res.detail})", details)
        if res.status is SolveStatus.UNSAT:
            return _unscorable(f"the puzzle has no solution ({res.detail})", details)
        assert res.solution is not None
        solution = res.solution.copy()
    if st is SolveStatus.UNDECIDED:
        return _unscorable("the solver could not prove the solution unique", details)
    if count > 1:
        details["solution_count"] = ">=2"
        return _unscorable("the puzzle has more than one solution, so completion cannot be judged", details)
    details["solution"] = puzzle_to_string(solution)
    clue = puzzle > 0
    empty = ~clue
    # --- confirmed cell states ----------------------------------------------------------
    min_run = params.min_run if state.is_video else 1
    readings = np.where(ok[:, None], state.digits.reshape(t, n * n), -1).astype(np.int8)
    events = stable_events(readings, state.dur_ms, min_run, max(1, int(round(params.min_hold_s * 1000))))
    violations: list[Violation] = []
    # clues: any confirmed state other than the clue is a change
    clue_changed = 0
    for k, start, _old, new in events.tolist():
        r, c = divmod(k, n)
        if clue[r, c] and new != puzzle[r, c]:
            clue_changed = 1
            violations.append(Violation("clues_changed", int(start), (r, c),
                                        f"clue {puzzle[r, c]} at ({r}, {c}) shows {_fmt(new)}",
                                        _box(state, start, r, c), _fmt(new), str(int(puzzle[r, c]))))
    # keep only the first change of each clue cell
    seen_cells: set[tuple[int, ...]] = set()
    first: list[Violation] = []
    for v in violations:
        if v.where not in seen_cells:
            seen_cells.add(v.where)
            first.append(v)
    violations = first
    # --- the final grid ----------------------------------------------------------------
    last_ok = int(np.nonzero(ok)[0][-1])
    final = np.full(n * n, -1, np.int8)
    for k, _start, _old, new in events.tolist():
        final[k] = new
    final = final.reshape(n, n)
    final_frame = last_ok
    if not ok[-1]:
        if state.status[-1] == BLANK:
            final[:] = 0
            final_frame = t - 1
            details["final_board_vanished_at"] = int(last_ok + 1)
            violations.append(Violation("final_grid", t - 1, (), f"the board is gone from frame {last_ok + 1} on: "
                                        "the final frame is blank"))
            if clue.any():
                clue_changed = 1
                r, c = (int(x) for x in np.argwhere(clue)[0])
                violations.append(Violation("clues_changed", last_ok + 1, (r, c),
                                            "the clues vanished with the board", None, "blank",
                                            str(int(puzzle[r, c]))))
        else:
            details["final_frame"] = last_ok
            return _unscorable(f"no Sudoku board can be found in the final frame (frames {last_ok + 1}..{t - 1})",
                               details)
    # clue cells never confirmed otherwise keep their clue
    final = np.where(clue & (final < 0), puzzle, final).astype(np.int8)
    details["final_frame"] = final_frame
    details["final_grid"] = _grid_str(final)
    unknown_final = int((final < 0).sum())
    details["final_unreadable_cells"] = unknown_final
    # --- constraints ---------------------------------------------------------------------
    bh, bw = BOX[n]
    viol = unit_violations(np.where(final < 0, 0, final).astype(np.int8), bh, bw)
    kinds = ("row", "column", "box")
    for u in np.nonzero(viol)[0].tolist():
        kind, idx = kinds[u // n], u % n
        cells = _unit_cells(kind, idx, n, bh, bw)
        vals = [int(final[r, c]) for r, c in cells]
        dup = next(v for v in vals if v > 0 and vals.count(v) > 1)
        where = [(r, c) for (r, c), v in zip(cells, vals, strict=True) if v == dup]
        violations.append(Violation("constraints_violation", final_frame, where[0],
                                    f"{kind} {idx} repeats {dup} at " + " and ".join(map(str, where)),
                                    _box(state, final_frame, *where[0]), str(dup), None))
    constraints = float(viol.sum()) / (3 * n)
    # --- completion ----------------------------------------------------------------------
    n_empty = int(empty.sum())
    correct = (final == solution) & empty
    completion = float(correct.sum()) / n_empty if n_empty else 1.0
    for r, c in np.argwhere(empty & ~correct).tolist():
        violations.append(Violation("completion_accuracy", final_frame, (r, c),
                                    f"cell ({r}, {c}) holds {_fmt(int(final[r, c]))}, "
                                    f"expected {int(solution[r, c])}",
                                    _box(state, final_frame, r, c), _fmt(int(final[r, c])),
                                    str(int(solution[r, c]))))
    # --- action reflection ---------------------------------------------------------------
    action: int | None = None
    if state.is_video:
        action, av = _action_reflection(events, clue.ravel(), n, state, params)
        violations.extend(av)
        details.update(_fill_stats(events, clue.ravel()))
    overall = int(clue_changed == 0 and constraints == 0.0 and completion == 1.0)
    metrics = {"clues_changed": clue_changed, "constraints_violation": constraints,
               "completion_accuracy": completion, "action_reflection": action, "overall": overall}
    if overall:
        reason = "solved: clues intact, every rule holds and every empty cell is correct"
    else:
        parts = []
        if clue_changed:
            parts.append("a clue changed")
        if constraints > 0:
            parts.append(f"{int(viol.sum())} unit(s) repeat a digit")
        if completion < 1:
            parts.append(f"{n_empty - int(correct.sum())} of {n_empty} empty cells are not correctly filled")
        reason = "; ".join(parts)
    return CheckReport(metrics, Status.PASS if overall else Status.FAIL, reason, tuple(violations), details)


def _unit_cells(kind: str, idx: int, n: int, bh: int, bw: int) -> list[tuple[int, int]]:
    if kind == "row":
        return [(idx, j) for j in range(n)]
    if kind == "column":
        return [(j, idx) for j in range(n)]
    br, bc = divmod(idx, n // bw)
    return [(br * bh + j // bw, bc * bw + j % bw) for j in range(n)]


def _fill_stats(events: NDArray[np.int32], clue_flat: NDArray[np.bool_]) -> dict[str, Any]:
    fills = [(s, k) for k, s, old, new in events.tolist() if not clue_flat[k] and new > 0 and old <= 0]
    frames = sorted({s for s, _ in fills})
    return {"fills": len(fills), "fill_frames": len(frames)}


def _action_reflection(events: NDArray[np.int32], clue_flat: NDArray[np.bool_], n: int, state: SudokuState,
                       params: SudokuParams) -> tuple[int, list[Violation]]:
    """Cells fill step by step without overwriting earlier entries (non-clue cells only)."""
    out: list[Violation] = []
    fills: dict[int, int] = {}
    filled: set[int] = set()
    overwrite = False
    for k, start, old, new in events.tolist():
        if clue_flat[k]:
            continue
        r, c = divmod(k, n)
        if old > 0 and new != old:
            overwrite = True
            out.append(Violation("action_reflection", int(start), (r, c),
                                 f"entry {old} at ({r}, {c}) overwritten by {_fmt(new)}",
                                 _box(state, start, r, c), _fmt(new), str(old)))
        elif new > 0 and k not in filled:
            filled.add(k)
            fills[start] = fills.get(start, 0) + 1
    total = sum(fills.values())
    if total == 0:
        out.append(Violation("action_reflection", None, (), "no empty cell was ever filled"))
        return 0, out
    ok = not overwrite
    if total >= 2:
        frame, most = max(sorted(fills.items()), key=lambda kv: kv[1])
        if len(fills) < 2 or most > params.max_step_fraction * total:
            ok = False
            out.append(Violation("action_reflection", int(frame), (),
                                 f"{most} of {total} entries appear at once in frame {frame}"))
    return int(ok), out


__all__ = ["SudokuParams", "SudokuReference", "SudokuState", "SudokuTask", "UnscorableError"]
