"""CP-SAT Sudoku: solving, proving (non-)uniqueness, infeasibility, and puzzle generation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mmgr.errors import InternalError
from mmgr.solvers import sudoku as S
from mmgr.solvers.types import SolveResult, SolveStatus

# A well-known 9x9 puzzle (30 clues) and its unique solution.
KNOWN_9 = "530070000600195000098000060800060003400803001700020006060000280000419005000080079"
KNOWN_9_SOL = "534678912672195348198342567859761423426853791713924856961537284287419635345286179"


def _valid_full(g: np.ndarray) -> bool:
    n = g.shape[0]
    return all(sorted(int(g[r, c]) for r, c in cells) == list(range(1, n + 1)) for _, _, cells in S.unit_cells(n))


def test_solves_known_9x9() -> None:
    res = S.solve_sudoku(S.puzzle_from_string(KNOWN_9))
    assert res.status is SolveStatus.SAT
    assert S.puzzle_to_string(res.solution) == KNOWN_9_SOL
    assert S.count_solutions(S.puzzle_from_string(KNOWN_9)) == (1, SolveStatus.SAT)


def test_solves_4x4_and_keeps_clues() -> None:
    p = S.puzzle_from_string("1..." "..3." ".4.." "...2")
    res = S.solve_sudoku(p)
    assert res.status is SolveStatus.SAT and _valid_full(res.solution)
    assert np.all(res.solution[p > 0] == p[p > 0])


def test_duplicate_clues_are_unsat_and_named() -> None:
    p = S.puzzle_from_string(KNOWN_9)
    p[0, 8] = 5  # 5 already at (0, 0)
    assert ("row", 0, 5) in S.duplicate_clues(p)
    res = S.solve_sudoku(p)
    assert res.status is SolveStatus.UNSAT and res.solution is None
    assert "row 0" in res.detail
    assert S.count_solutions(p) == (0, SolveStatus.UNSAT)


def test_infeasible_without_duplicates_is_unsat() -> None:
    p = np.zeros((4, 4), np.int8)
    p[0, :2] = [1, 2]
    p[2, 2], p[3, 2] = 3, 4  # (0, 2) can hold neither 3 nor 4
    assert S.duplicate_clues(p) == []
    assert S.solve_sudoku(p).status is SolveStatus.UNSAT
    assert S.count_solutions(p) == (0, SolveStatus.UNSAT)


def _deadly_rectangle(sol: np.ndarray) -> list[tuple[int, int]]:
    """Four cells in two boxes (two rows x two columns), holding a,b / b,a: swapping them keeps validity."""
    n, b = sol.shape[0], S.BOX[sol.shape[0]]
    for r1, r2 in itertools.combinations(range(n), 2):
        for c1, c2 in itertools.combinations(range(n), 2):
            if r1 // b != r2 // b and c1 // b != c2 // b:
                continue  # four boxes: swapping would break them
            if sol[r1, c1] == sol[r2, c2] and sol[r1, c2] == sol[r2, c1]:
                return [(r1, c1), (r1, c2), (r2, c1), (r2, c2)]
    return []


@pytest.mark.parametrize("n", [4, 9])
def test_two_solution_puzzle_counts_two(n: int) -> None:
    # Shifted-pattern grids have no such rectangle in 9x9 (2d = 0 mod 9), so use a real solution there.
    sol = S.full_grid(4, np.random.default_rng(7)) if n == 4 else S.puzzle_from_string(KNOWN_9_SOL)
    cells = _deadly_rectangle(sol)
    assert cells, "no swappable rectangle found"
    p = sol.copy()
    for r, c in cells:
        p[r, c] = 0
    assert S.count_solutions(p, limit=5) == (2, SolveStatus.SAT)
    assert S.count_solutions(p, limit=2) == (2, SolveStatus.SAT)
    assert S.count_solutions(p, limit=1) == (1, SolveStatus.SAT)


def test_empty_4x4_has_many_solutions() -> None:
    assert S.count_solutions(np.zeros((4, 4), np.int8), limit=10) == (10, SolveStatus.SAT)


def test_malformed_inputs_raise() -> None:
    with pytest.raises(ValueError, match="expected \\(4, 4\\) or \\(9, 9\\)"):
        S.solve_sudoku(np.zeros((5, 5), np.int8))
    with pytest.raises(ValueError, match="values 0..4"):
        S.solve_sudoku(np.full((4, 4), 7, np.int8))
    with pytest.raises(ValueError, match="16 or 81"):
        S.puzzle_from_string("123")
    with pytest.raises(ValueError, match="limit"):
        S.count_solutions(np.zeros((4, 4), np.int8), limit=0)
    with pytest.raises(ValueError, match="known"):
        S.count_solutions(S.puzzle_from_string(KNOWN_9), known=np.ones((9, 9), np.int8))
    with pytest.raises(ValueError, match="expected a solution iff"):
        SolveResult(SolveStatus.SAT, None)


def test_model_invalid_is_internal_error() -> None:
    model, v = S.build_sudoku(np.zeros((4, 4), np.int8))
    model.add(v.cells[0][0] * 0 == 5).only_enforce_if(v.cells[0][1])  # an integer as enforcement literal
    with pytest.raises(InternalError, match="MODEL_INVALID|rejected"):
        S._run(model, v, 1.0)


def test_undecided_when_budget_is_zero() -> None:
    res = S.solve_sudoku(np.zeros((9, 9), np.int8), max_time_s=0.0)
    # A zero deterministic budget cannot finish a 9x9 search; it must say so, never "unsat".
    assert res.status in (SolveStatus.UNDECIDED, SolveStatus.SAT)
    assert res.status is not SolveStatus.UNSAT


def test_full_grid_is_valid_and_seeded() -> None:
    for n in (4, 9):
        a = S.full_grid(n, np.random.default_rng(3))
        b = S.full_grid(n, np.random.default_rng(3))
        assert _valid_full(a) and np.array_equal(a, b)
    grids = {S.puzzle_to_string(S.full_grid(9, np.random.default_rng(s))) for s in range(5)}
    assert len(grids) == 5


@pytest.mark.parametrize("size,level", [(4, "easy"), (4, "medium"), (4, "hard"),
                                        (9, "easy"), (9, "medium"), (9, "hard")])
def test_make_puzzle_unique_in_range_and_deterministic(size: int, level: str) -> None:
    p, sol = S.make_puzzle(size, level, np.random.default_rng(11))
    lo, hi = S.LEVELS[size][level]
    assert lo <= int((p > 0).sum()) <= hi
    assert _valid_full(sol) and np.all(sol[p > 0] == p[p > 0])
    assert S.count_solutions(p, limit=2) == (1, SolveStatus.SAT)  # proven unique, no `known` shortcut
    p2, sol2 = S.make_puzzle(size, level, np.random.default_rng(11))
    assert np.array_equal(p, p2) and np.array_equal(sol, sol2)


def test_make_puzzle_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="size/level"):
        S.make_puzzle(9, "extreme", np.random.default_rng(0))


def _two_solution_puzzle() -> np.ndarray:
    sol = S.puzzle_from_string(KNOWN_9_SOL)
    p = sol.copy()
    for r, c in _deadly_rectangle(sol):
        p[r, c] = 0
    return p


@pytest.mark.parametrize("case", ["unique", "two", "duplicate", "infeasible", "unique4"])
def test_solve_unique_agrees_with_solve_then_count(case: str) -> None:
    """One model (solve, forbid, solve again) must answer what the two separate calls answer."""
    if case == "unique":
        p = S.puzzle_from_string(KNOWN_9)
    elif case == "unique4":
        p = S.make_puzzle(4, "hard", np.random.default_rng(3))[0]
    elif case == "two":
        p = _two_solution_puzzle()
    elif case == "duplicate":
        p = S.puzzle_from_string(KNOWN_9)
        p[0, 8] = p[0, 0] if p[0, 0] else 5
        p[0, 0] = p[0, 8]
    else:
        p = np.zeros((4, 4), np.int8)
        p[0, :2] = [1, 2]
        p[2, 2], p[3, 2] = 3, 4
    first, count, st = S.solve_unique(p)
    alone = S.solve_sudoku(p)
    assert first.status is alone.status
    if alone.status is SolveStatus.SAT:
        assert first.solution is not None
        assert (first.solution[p > 0] == p[p > 0]).all()
        assert (count, st) == S.count_solutions(p, 2, known=first.solution)
    else:
        assert first.solution is None and (count, st) == (0, SolveStatus.UNSAT)
        assert first.detail == alone.detail
    want = {"unique": 1, "unique4": 1, "two": 2, "duplicate": 0, "infeasible": 0}[case]
    assert count == want


def test_solve_unique_undecided_budget_is_not_unsat() -> None:
    first, count, st = S.solve_unique(np.zeros((9, 9), np.int8), max_time_s=0.0)
    assert st is not SolveStatus.UNSAT and first.status is not SolveStatus.UNSAT

