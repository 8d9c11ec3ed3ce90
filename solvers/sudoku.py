"""Sudoku with OR-Tools CP-SAT: solve, prove uniqueness, and generate puzzles by clue count.

Puzzles are (N, N) int8 arrays with N in {4, 9} (boxes 2x2 / 3x3), digits 1..N, 0 = blank.

Design notes:

- Deterministic by construction: one worker, ``random_seed=0``, and ``max_deterministic_time``
  as the real limit (wall time is only a generous safety net). Same puzzle, same answer.
- Uniqueness is proven, not sampled: one CP-SAT call enumerates the puzzle's solutions and stops
  at the second; a search that ends having found one proves it the only one. (Without the
  callback API, or with a solution already known: solve, forbid the solution found with a
  no-good, solve again; ``UNSAT`` then proves it.)
- Clues that already repeat a digit in a row, column or box are reported before any model is
  built (``duplicate_clues``), so the checker can name them instead of a bare "infeasible".
- Checking a *complete* grid is counting (kernel work); this module answers existence and
  uniqueness only.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model
from ortools.sat.python import cp_model_helper as cmh

from mmgr.errors import InternalError
from mmgr.solvers.types import SolveResult, SolveStatus

__all__ = [
    "BOX", "LEVELS", "SudokuVars", "build_sudoku", "check_puzzle", "count_solutions", "duplicate_clues",
    "full_grid", "make_puzzle", "puzzle_from_string", "puzzle_to_string", "solve_sudoku", "solve_unique",
    "unit_cells",
]

BOX = {4: 2, 9: 3}  # board side -> box side
# clue-count ranges (inclusive) per size and level, in the spirit of MMGR's easy/medium/hard
LEVELS: dict[int, dict[str, tuple[int, int]]] = {
    4: {"easy": (9, 10), "medium": (7, 8), "hard": (5, 6)},
    9: {"easy": (36, 42), "medium": (30, 35), "hard": (25, 29)},
}
DEFAULT_DET_TIME = 5.0  # deterministic seconds; a 9x9 needs ~0.01


def check_puzzle(puzzle: NDArray[np.integer], name: str = "puzzle") -> NDArray[np.int8]:
    """Validate a grid and return it as a C-contiguous int8 copy.

    Args:
        puzzle: (N, N) integer array, N in {4, 9}, values 0..N (0 = blank).
        name: how the argument is named in error messages.

    Returns:
        (N, N) int8 copy.

    Raises:
        ValueError: "expected ..., got ..." when the shape, dtype or values are wrong.

    >>> check_puzzle(np.zeros((4, 4), np.int64)).dtype
    dtype('int8')
    """
    a = np.asarray(puzzle)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] not in BOX:
        raise ValueError(f"{name}: expected (4, 4) or (9, 9), got {a.shape}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name}: expected an integer array, got {a.dtype}")
    n = a.shape[0]
    if a.size and (a.min() < 0 or a.max() > n):
        raise ValueError(f"{name}: expected values 0..{n}, got {int(a.min())}..{int(a.max())}")
    return np.ascontiguousarray(a, dtype=np.int8).copy()


def puzzle_from_string(s: str, size: int | None = None) -> NDArray[np.int8]:
    """Parse ``"530070000..."`` (row-major, ``0`` or ``.`` = blank) into an (N, N) int8 grid.

    >>> puzzle_from_string("1.3.00000000.0.0").tolist()[0]
    [1, 0, 3, 0]
    """
    s = "".join(s.split())
    n = size if size is not None else {16: 4, 81: 9}.get(len(s), -1)
    if n not in BOX or len(s) != n * n:
        raise ValueError(f"puzzle string: expected 16 or 81 characters (size {size}), got {len(s)}")
    bad = [ch for ch in s if ch != "." and not ch.isdigit()]
    if bad:
        raise ValueError(f"puzzle string: expected digits or '.', got {bad[0]!r}")
    vals = [0 if ch == "." else int(ch) for ch in s]
    return check_puzzle(np.array(vals, np.int64).reshape(n, n))


def puzzle_to_string(grid: NDArray[np.integer]) -> str:
    """Row-major digits, ``0`` = blank: the spec format.

    >>> puzzle_to_string(np.array([[1, 0, 0, 0]] * 4))
    '1000100010001000'
    """
    return "".join(str(int(v)) for v in check_puzzle(grid).ravel())


def unit_cells(n: int) -> list[tuple[str, int, list[tuple[int, int]]]]:
    """The 3N units of an N x N board: ``(kind, index, cells)`` for rows, then columns, then boxes.

    >>> [(k, i) for k, i, _ in unit_cells(4)][::4]
    [('row', 0), ('col', 0), ('box', 0)]
    """
    b = BOX[n]
    rows = [("row", r, [(r, c) for c in range(n)]) for r in range(n)]
    cols = [("col", c, [(r, c) for r in range(n)]) for c in range(n)]
    boxes = [("box", k, [((k // b) * b + i, (k % b) * b + j) for i in range(b) for j in range(b)])
             for k in range(n)]
    return rows + cols + boxes


def duplicate_clues(puzzle: NDArray[np.integer]) -> list[tuple[str, int, int]]:
    """Units whose clues already repeat a digit: ``(kind, unit index, digit)``, in unit order.

    >>> p = np.zeros((4, 4), np.int8); p[0, 0] = p[0, 3] = 2
    >>> duplicate_clues(p)
    [('row', 0, 2)]
    """
    g = check_puzzle(puzzle)
    n = g.shape[0]
    names, cells = _units(n)
    counts = (g.ravel()[cells][:, :, None] == np.arange(1, n + 1, dtype=np.int8)).sum(axis=1)  # [unit, digit-1]
    units, digits = np.nonzero(counts > 1)  # by unit, then by digit
    return [(*names[u], d + 1) for u, d in zip(units.tolist(), digits.tolist(), strict=True)]


@functools.cache
def _units(n: int) -> tuple[tuple[tuple[str, int], ...], NDArray[np.intp]]:
    """``unit_cells(n)`` as ``(kind, index)`` names and a (3N, N) array of row-major cell indices
    (read-only: shared by all callers), so that ``duplicate_clues`` checks every unit in one pass."""
    units = unit_cells(n)
    cells = np.array([[r * n + c for r, c in uc] for _, _, uc in units], np.intp)
    cells.flags.writeable = False
    return tuple((kind, idx) for kind, idx, _ in units), cells


@dataclass(frozen=True, slots=True)
class SudokuVars:
    """The decision variables of a Sudoku model.

    Attributes:
        cells: N x N CP-SAT integer variables (row-major nested tuples), domain 1..N.
        n: board side.
    """

    cells: tuple[tuple[cp_model.IntVar, ...], ...]
    n: int

    @property
    def flat(self) -> list[cp_model.IntVar]:
        return [v for row in self.cells for v in row]


def build_sudoku(puzzle: NDArray[np.integer]) -> tuple[cp_model.CpModel, SudokuVars]:
    """Build the CP-SAT model of a Sudoku puzzle.

    Args:
        puzzle: (N, N) integer grid, 0 = blank.

    Returns:
        ``(model, vars)``; the model is satisfiable iff the puzzle has a solution.
    """
    g = check_puzzle(puzzle)
    n = g.shape[0]
    model = cp_model.CpModel()
    # Rule "each cell holds one digit 1..N": the variable's domain.
    cells = tuple(tuple(model.new_int_var(1, n, f"x{r}{c}") for c in range(n)) for r in range(n))
    units = unit_cells(n)
    # Rule "each row holds every digit once".
    # Rule "each column holds every digit once".
    # Rule "each box holds every digit once".
    # (N cells with N distinct values from 1..N: all-different is exactly "every digit once".)
    for _, _, uc in units:
        model.add_all_different([cells[r][c] for r, c in uc])
    # Rule "the given digits (clues) stay as given".
    for r in range(n):
        for c in range(n):
            if g[r, c]:
                model.add(cells[r][c] == int(g[r, c]))
    return model, SudokuVars(cells, n)


def _solver(max_det_time: float) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.num_workers = 1
    s.parameters.random_seed = 0
    s.parameters.max_deterministic_time = float(max_det_time)
    s.parameters.max_time_in_seconds = max(30.0, 20.0 * float(max_det_time))  # safety net only
    # no probing in presolve: it is ~15% of a 9x9 call (0.45 -> 0.39 ms), and it changes the
    # search, not what is proven (existence, the count up to a limit, a unique solution)
    s.parameters.cp_model_probing_level = 0
    return s


def _result(st: cmh.CpSolverStatus, solution: Callable[[], NDArray[np.int8]], invalid: Callable[[], str],
            max_det_time: float) -> SolveResult:
    """A CP-SAT status as a ``SolveResult``; ``solution``/``invalid`` read the answer/the complaint."""
    if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveResult(SolveStatus.SAT, solution(), "solution found")
    if st == cp_model.INFEASIBLE:
        return SolveResult(SolveStatus.UNSAT, None, "no completion satisfies the rules")
    if st == cp_model.MODEL_INVALID:
        raise InternalError(f"CP-SAT rejected the Sudoku model: {invalid()}")
    return SolveResult(SolveStatus.UNDECIDED, None, f"no answer within {max_det_time:g} deterministic seconds")


def _run(model: cp_model.CpModel, v: SudokuVars, max_det_time: float) -> SolveResult:
    solver = _solver(max_det_time)
    st = solver.solve(model)
    return _result(st, lambda: np.array([[solver.value(x) for x in row] for row in v.cells], np.int8),
                   model.validate, max_det_time)


@dataclass(frozen=True, slots=True)
class _Template:
    """What ``build_sudoku`` and the no-good add for one board size, made once by the same calls.

    ``_enumerate`` copies these protos into each model instead of building a ``CpModel`` (its
    construction alone is ~0.1 ms of Python; the whole build ~0.5 ms for a 9x9, all GIL-held, beside
    a video parse). Never written after it is built, so threads share it.

    Attributes:
        base: the N*N variables (row-major, named and bounded as ``build_sudoku`` makes them) and the
            all-different constraints of the units, in ``unit_cells`` order.
        clues: ``clues[cell * N + digit - 1]`` is the constraint ``model.add(x == digit)`` makes.
        nogood: ``add_forbidden_assignments(every cell, [])``: a no-good without its tuple.
    """

    base: cmh.CpModelProto
    clues: tuple[cmh.ConstraintProto, ...]
    nogood: cmh.ConstraintProto


# the proto API the template path needs (ortools' C++-backed protos with copy_from, and the solve
# wrapper); with a release that lacks it the model is built through CpModel, as build_sudoku does
_PROTO_API = all(hasattr(cmh, a) for a in ("CpModelProto", "ConstraintProto", "SolveWrapper")) and hasattr(
    getattr(cmh, "CpModelProto", None), "copy_from")
_TEMPLATES: dict[int, _Template] = {}
_TEMPLATES_LOCK = threading.Lock()


def _template(n: int) -> _Template:
    """The shared ``_Template`` of an N x N board, built on first use (once, under a lock)."""
    t = _TEMPLATES.get(n)
    if t is None:
        with _TEMPLATES_LOCK:
            t = _TEMPLATES.get(n)
            if t is None:
                t = _TEMPLATES[n] = _build_template(n)
    return t


def _build_template(n: int) -> _Template:
    model, v = build_sudoku(np.zeros((n, n), np.int8))
    base = cmh.CpModelProto()
    base.copy_from(model.proto)
    first = len(model.proto.constraints)
    for x in v.flat:
        for d in range(1, n + 1):
            model.add(x == d)  # the clue constraint, exactly as build_sudoku adds it
    model.add_forbidden_assignments(v.flat, [])  # the no-good, as _enumerate used to add it, minus the tuple

    def copy(i: int) -> cmh.ConstraintProto:
        ct = cmh.ConstraintProto()
        ct.copy_from(model.proto.constraints[i])
        return ct

    return _Template(base, tuple(copy(first + i) for i in range(n ** 3)), copy(first + n ** 3))


def _run_proto(proto: cmh.CpModelProto, n: int, max_det_time: float) -> SolveResult:
    """``_run`` on a bare model proto: the same parameters and outcomes; the solution is read from
    the response in one pass (variable k is cell k, row-major) instead of N*N ``value`` calls."""
    wrapper = cmh.SolveWrapper()  # what CpSolver.solve runs, without a CpModel around the proto
    wrapper.set_parameters(_solver(max_det_time).parameters)
    response = wrapper.solve(proto)
    return _result(response.status, lambda: np.array(response.solution, np.int8).reshape(n, n),
                   lambda: cmh.CpSatHelper.validate_model(proto), max_det_time)


def solve_sudoku(puzzle: NDArray[np.integer], *, max_time_s: float = DEFAULT_DET_TIME) -> SolveResult:
    """Find one completion of a puzzle.

    Args:
        puzzle: (N, N) integer grid, N in {4, 9}, 0 = blank.
        max_time_s: budget in CP-SAT *deterministic* seconds (reproducible, unlike wall time).

    Returns:
        ``SolveResult``: SAT with the (N, N) int8 solution, UNSAT (repeated clues are named in
        ``detail``), or UNDECIDED.

    Raises:
        ValueError: malformed puzzle. InternalError: CP-SAT reports MODEL_INVALID.

    >>> p = np.zeros((4, 4), np.int8); p[0] = [1, 2, 3, 4]
    >>> r = solve_sudoku(p); r.status.value, r.solution[0].tolist()
    ('sat', [1, 2, 3, 4])
    """
    g = check_puzzle(puzzle)
    dups = duplicate_clues(g)
    if dups:
        kind, idx, d = dups[0]
        return SolveResult(SolveStatus.UNSAT, None, f"clue digit {d} repeats in {kind} {idx}")
    model, v = build_sudoku(g)
    return _run(model, v, max_time_s)


def count_solutions(puzzle: NDArray[np.integer], limit: int = 2, *, max_time_s: float = DEFAULT_DET_TIME,
                    known: NDArray[np.integer] | None = None) -> tuple[int, SolveStatus]:
    """Count completions up to ``limit``, proving the count by no-goods.

    Args:
        puzzle: (N, N) integer grid, 0 = blank.
        limit: stop once this many solutions are found (``>= 1``).
        max_time_s: deterministic-seconds budget *per solver call*.
        known: a solution already known (saves the first solve), e.g. the grid a puzzle was cut from.

    Returns:
        ``(count, status)``. ``status`` SAT: ``count`` is exact when ``< limit``, else "at least
        ``limit``"; UNSAT: no solution (``count == 0``); UNDECIDED: a call ran out of budget and
        ``count`` is only a lower bound.

    >>> p = np.zeros((4, 4), np.int8); p[0] = [1, 2, 3, 4]; p[1] = [3, 4, 1, 2]; p[2, :2] = [2, 1]
    >>> count_solutions(p)[0], count_solutions(np.zeros((4, 4), np.int8))[0]
    (1, 2)
    """
    if limit < 1:
        raise ValueError(f"limit: expected >= 1, got {limit}")
    g = check_puzzle(puzzle)
    if duplicate_clues(g):
        return 0, SolveStatus.UNSAT
    found, status = _enumerate(g, limit, max_time_s, known)
    return len(found), status


def solve_unique(puzzle: NDArray[np.integer], *, max_time_s: float = DEFAULT_DET_TIME
                 ) -> tuple[SolveResult, int, SolveStatus]:
    """``solve_sudoku`` and ``count_solutions(limit=2)`` in one: one model, solved, then solved again
    with the first solution forbidden.

    Returns:
        ``(first, count, status)``: ``first`` as ``solve_sudoku`` returns it; ``count`` and
        ``status`` as ``count_solutions(puzzle, 2)`` returns them (count 1 with status SAT: the
        solution is unique).

    >>> p = np.zeros((4, 4), np.int8); p[0] = [1, 2, 3, 4]; p[1] = [3, 4, 1, 2]; p[2, :2] = [2, 1]
    >>> r, count, st = solve_unique(p); r.solution[3].tolist(), count, st.value
    ([4, 3, 2, 1], 1, 'sat')
    """
    g = check_puzzle(puzzle)
    dups = duplicate_clues(g)
    if dups:
        kind, idx, d = dups[0]
        return SolveResult(SolveStatus.UNSAT, None, f"clue digit {d} repeats in {kind} {idx}"), 0, SolveStatus.UNSAT
    found, status = _enumerate(g, 2, max_time_s, None)
    if found:
        return SolveResult(SolveStatus.SAT, found[0], "solution found"), len(found), status
    detail = ("no completion satisfies the rules" if status is SolveStatus.UNSAT
              else f"no answer within {max_time_s:g} deterministic seconds")
    return SolveResult(status, None, detail), 0, status


def _enumerate(g: NDArray[np.int8], limit: int, max_time_s: float, known: NDArray[np.integer] | None
               ) -> tuple[list[NDArray[np.int8]], SolveStatus]:
    """Up to ``limit`` distinct solutions of one model; status as in ``count_solutions``.

    With nothing known, one enumerating CP-SAT call (``_enumerate_once``); else one call per
    solution, each with the solutions found so far forbidden by no-goods."""
    if known is None and _ENUM_API:
        return _enumerate_once(g, limit, max_time_s)
    forbid, solve = _proto_model(g, max_time_s) if _PROTO_API else _cp_model(g, max_time_s)
    found = _known_first(g, known)
    while len(found) < limit:
        for sol in found[-1:]:
            forbid(sol)  # no-good: "a different solution" = not this exact assignment of every cell
        res = solve()
        if res.status is SolveStatus.UNDECIDED:
            return found, SolveStatus.UNDECIDED
        if res.status is SolveStatus.UNSAT:
            break
        assert res.solution is not None
        found.append(res.solution)
    return found, SolveStatus.SAT if found else SolveStatus.UNSAT


# the solution-callback API ``_enumerate_once`` needs beside the proto API (C++-backed since ortools 9.10)
_ENUM_API = _PROTO_API and hasattr(cmh, "SolutionCallback") and hasattr(getattr(cmh, "SolveWrapper", None),
                                                                        "add_solution_callback")


class _Collect(cmh.SolutionCallback if _ENUM_API else object):  # type: ignore[misc]
    """Keeps each solution CP-SAT reports (variable k is cell k, row-major) and stops the search
    at the ``limit``-th."""

    def __init__(self, n: int, limit: int) -> None:
        super().__init__()
        self.n, self.limit = n, limit
        self.found: list[NDArray[np.int8]] = []

    def OnSolutionCallback(self) -> None:  # noqa: N802 - CP-SAT's name for it
        self.found.append(np.array(self.Response().solution, np.int8).reshape(self.n, self.n))
        if len(self.found) >= self.limit:
            self.StopSearch()


def _enumerate_once(g: NDArray[np.int8], limit: int, max_time_s: float
                    ) -> tuple[list[NDArray[np.int8]], SolveStatus]:
    """``_enumerate`` without a known solution in one CP-SAT call: the puzzle's model (the template's,
    as ``build_sudoku`` makes it) solved with ``enumerate_all_solutions``, stopped at the ``limit``-th
    solution. About half the time of solving twice (a 9x9: ~0.5 vs ~1 ms), most of which is each
    call's set-up.

    A search that ends by itself (OPTIMAL) has listed every solution: fewer than ``limit`` is the
    exact count (one: proven unique); INFEASIBLE: none. Stopped by the callback: at least ``limit``.
    Stopped by the budget first (FEASIBLE or UNKNOWN): UNDECIDED, the solutions so far a lower bound.
    """
    return _run_enumerating(_puzzle_proto(g), g.shape[0], limit, max_time_s)


def _puzzle_proto(g: NDArray[np.int8]) -> cmh.CpModelProto:
    """The model ``build_sudoku`` makes for ``g``, put together from the size's ``_Template``."""
    n = g.shape[0]
    t = _template(n)
    proto = cmh.CpModelProto()  # one per call: nothing mutable is shared between threads
    proto.copy_from(t.base)
    # Rule "the given digits (clues) stay as given", in build_sudoku's (row-major) order.
    proto.constraints.extend([t.clues[i * n + d - 1] for i, d in enumerate(g.ravel().tolist()) if d])
    return proto


def _run_enumerating(proto: cmh.CpModelProto, n: int, limit: int,
                     max_det_time: float) -> tuple[list[NDArray[np.int8]], SolveStatus]:
    """One enumerating solve of ``proto`` (``_enumerate_once``'s call, apart for tests to watch)."""
    params = _solver(max_det_time).parameters
    params.enumerate_all_solutions = True
    wrapper = cmh.SolveWrapper()
    wrapper.set_parameters(params)
    collect = _Collect(n, limit)
    wrapper.add_solution_callback(collect)
    st = wrapper.solve(proto).status
    found = collect.found[:limit]
    if st == cp_model.MODEL_INVALID:
        raise InternalError(f"CP-SAT rejected the Sudoku model: {cmh.CpSatHelper.validate_model(proto)}")
    if len(found) >= limit or st == cp_model.OPTIMAL:
        return found, SolveStatus.SAT
    if st == cp_model.INFEASIBLE:
        return [], SolveStatus.UNSAT
    return found, SolveStatus.UNDECIDED


def _proto_model(g: NDArray[np.int8], max_time_s: float) -> tuple[Callable[[NDArray[np.int8]], None],
                                                                   Callable[[], SolveResult]]:
    """``_enumerate``'s model as (add a no-good, solve): the one ``build_sudoku`` makes plus the
    no-goods ``add_forbidden_assignments`` adds, proto for proto (same variables, constraints and
    order, so the same search and answers), put together from the size's ``_Template``."""
    n = g.shape[0]
    t = _template(n)
    proto = _puzzle_proto(g)

    def forbid(sol: NDArray[np.int8]) -> None:
        ct = proto.constraints.add()
        ct.copy_from(t.nogood)
        ct.table.values.extend(sol.ravel().tolist())

    return forbid, lambda: _run_proto(proto, n, max_time_s)


def _cp_model(g: NDArray[np.int8], max_time_s: float) -> tuple[Callable[[NDArray[np.int8]], None],
                                                                Callable[[], SolveResult]]:
    """The same model through ``CpModel`` (for ortools releases without ``_PROTO_API``)."""
    model, v = build_sudoku(g)

    def forbid(sol: NDArray[np.int8]) -> None:
        model.add_forbidden_assignments(v.flat, [tuple(int(x) for x in sol.ravel())])

    return forbid, lambda: _run(model, v, max_time_s)


def _known_first(g: NDArray[np.int8], known: NDArray[np.integer] | None) -> list[NDArray[np.int8]]:
    """The solutions known before solving: ``known`` checked against the clues, or none."""
    if known is None:
        return []
    k = check_puzzle(known, "known")
    if k.shape != g.shape or not k.all() or np.any((g != 0) & (g != k)):
        raise ValueError("known: expected a full grid that agrees with the clues, got one that does not")
    return [k]


def full_grid(n: int, rng: np.random.Generator) -> NDArray[np.int8]:
    """A random complete N x N Sudoku grid: a base pattern under validity-preserving permutations.

    Digits are relabelled, rows are shuffled within bands and bands among themselves, columns
    within stacks and stacks among themselves, and the grid is transposed half the time.
    """
    if n not in BOX:
        raise ValueError(f"n: expected 4 or 9, got {n}")
    b = BOX[n]
    r, c = np.indices((n, n))
    base = (b * (r % b) + r // b + c) % n  # the classic shifted pattern: a valid grid, digits 0..N-1
    digits = rng.permutation(n) + 1
    rows = np.concatenate([band * b + rng.permutation(b) for band in rng.permutation(b)])
    cols = np.concatenate([stack * b + rng.permutation(b) for stack in rng.permutation(b)])
    g = digits[base[np.ix_(rows, cols)]]
    if rng.integers(2):
        g = g.T
    return np.ascontiguousarray(g, dtype=np.int8)


def make_puzzle(size: int, level: str, rng: np.random.Generator, *, max_tries: int = 50,
                max_time_s: float = DEFAULT_DET_TIME) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Generate a puzzle with a unique solution and a clue count in the level's range.

    A random full grid loses clues in random order; a clue is removed only if the puzzle stays
    uniquely solvable (proven with ``count_solutions``). Removal stops at a target drawn in the
    level's range; when every remaining clue is needed above the range, it starts over.

    Args:
        size: 4 or 9.
        level: "easy", "medium" or "hard" (see ``LEVELS``).
        rng: the only source of randomness (same seed, same puzzle).
        max_tries: fresh starts before giving up.
        max_time_s: deterministic-seconds budget per uniqueness check.

    Returns:
        ``(puzzle, solution)``, both (N, N) int8; 0 = blank in the puzzle.

    Raises:
        ValueError: unknown size/level, or no puzzle found in ``max_tries`` starts.
    """
    if size not in LEVELS or level not in LEVELS[size]:
        raise ValueError(f"size/level: expected one of {[(s, lv) for s in LEVELS for lv in LEVELS[s]]}, "
                         f"got ({size}, {level!r})")
    lo, hi = LEVELS[size][level]
    for _ in range(max_tries):
        sol = full_grid(size, rng)
        target = int(rng.integers(lo, hi + 1))
        puzzle = sol.copy()
        clues = size * size
        for idx in rng.permutation(size * size):
            if clues <= target:
                break
            r, c = divmod(int(idx), size)
            puzzle[r, c] = 0
            count, status = count_solutions(puzzle, 2, known=sol, max_time_s=max_time_s)
            if count == 1 and status is SolveStatus.SAT:
                clues -= 1
            else:
                puzzle[r, c] = sol[r, c]
        if lo <= clues <= hi:
            return puzzle, sol
    raise ValueError(f"no {size}x{size} {level} puzzle with {lo}-{hi} clues after {max_tries} tries")
