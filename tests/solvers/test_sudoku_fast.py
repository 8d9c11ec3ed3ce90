"""The template fast path of ``_enumerate`` (solve_unique, count_solutions): it must hand CP-SAT the
very model the old ``build_sudoku`` + ``add_forbidden_assignments`` path built, byte for byte, and so
give the same answers; and it must be safe from several threads at once.

Without a known solution the solutions are enumerated in one CP-SAT call (``_enumerate_once``) on
the model of the old path's first call: the same counts and statuses, the same solution where it is
unique; where there are several, valid and distinct ones (not necessarily the old path's order)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from ortools.sat.python import cp_model_helper as cmh

from mmgr.solvers import sudoku as S
from mmgr.solvers.types import SolveResult, SolveStatus

KNOWN_9 = "530070000600195000098000060800060003400803001700020006060000280000419005000080079"


# --- the old code path, kept here as the reference --------------------------------------------

def _old_duplicate_clues(g: np.ndarray) -> list[tuple[str, int, int]]:
    out = []
    for kind, idx, cells in S.unit_cells(g.shape[0]):
        vals = [int(g[r, c]) for r, c in cells if g[r, c]]
        out += [(kind, idx, d) for d in sorted(set(vals)) if vals.count(d) > 1]
    return out


def _wire(proto: cmh.CpModelProto, path: Path) -> bytes:
    """The proto's binary serialisation (this ortools has no SerializeToString)."""
    assert cmh.CpSatHelper.write_model_to_file(proto, str(path))
    return path.read_bytes()


def _old_enumerate(g: np.ndarray, limit: int, max_time_s: float, known: np.ndarray | None,
                   wires: list[bytes], path: Path) -> tuple[list[np.ndarray], SolveStatus]:
    """``_enumerate`` as it was (build_sudoku, a no-good by add_forbidden_assignments, _run), noting
    the serialised model of each solver call in ``wires``."""
    model, v = S.build_sudoku(g)
    found: list[np.ndarray] = []
    if known is not None:
        found.append(S.check_puzzle(known, "known"))
    while len(found) < limit:
        for sol in found[-1:]:
            model.add_forbidden_assignments(v.flat, [tuple(int(x) for x in sol.ravel())])
        wires.append(_wire(model.proto, path))
        res = S._run(model, v, max_time_s)
        if res.status is SolveStatus.UNDECIDED:
            return found, SolveStatus.UNDECIDED
        if res.status is SolveStatus.UNSAT:
            break
        found.append(res.solution)
    return found, SolveStatus.SAT if found else SolveStatus.UNSAT


def _old_solve_unique(p: np.ndarray, max_time_s: float, wires: list[bytes], path: Path
                      ) -> tuple[SolveResult, int, SolveStatus]:
    g = S.check_puzzle(p)
    dups = _old_duplicate_clues(g)
    if dups:
        kind, idx, d = dups[0]
        return SolveResult(SolveStatus.UNSAT, None, f"clue digit {d} repeats in {kind} {idx}"), 0, SolveStatus.UNSAT
    found, status = _old_enumerate(g, 2, max_time_s, None, wires, path)
    if found:
        return SolveResult(SolveStatus.SAT, found[0], "solution found"), len(found), status
    detail = ("no completion satisfies the rules" if status is SolveStatus.UNSAT
              else f"no answer within {max_time_s:g} deterministic seconds")
    return SolveResult(status, None, detail), 0, status


# --- puzzles ------------------------------------------------------------------------------------

def _infeasible_9() -> np.ndarray:
    """Row 0 lacks only a 9, which column 8 already holds: no solution, yet no clue repeats."""
    p = np.zeros((9, 9), np.int8)
    p[0, :8] = np.arange(1, 9)
    p[4, 8] = 9
    return p


def _infeasible_4() -> np.ndarray:
    p = np.zeros((4, 4), np.int8)
    p[0, :2] = [1, 2]
    p[2, 2], p[3, 2] = 3, 4
    return p


def _puzzles() -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = [("known9", S.puzzle_from_string(KNOWN_9)),
                                         ("empty4", np.zeros((4, 4), np.int8)),
                                         ("empty9", np.zeros((9, 9), np.int8)),
                                         ("infeasible4", _infeasible_4()), ("infeasible9", _infeasible_9())]
    for seed, (size, level) in enumerate([(4, "easy"), (4, "hard"), (9, "medium"), (9, "hard")]):
        out.append((f"make{size}{level}", S.make_puzzle(size, level, np.random.default_rng(seed))[0]))
    rng = np.random.default_rng(2024)
    for i in range(24):  # blanked full grids: unique, few or very many solutions
        n = (4, 9)[i % 2]
        g = S.full_grid(n, rng)
        g[rng.random((n, n)) < rng.uniform(0.3, 0.9)] = 0
        out.append((f"blank{n}_{i}", g))
    for i in range(16):  # random clues without repeats: mostly contradictory
        n = (4, 9)[i % 2]
        g = np.zeros((n, n), np.int8)
        for _ in range(40 if n == 9 else 6):
            r, c = rng.integers(n, size=2)
            old, g[r, c] = g[r, c], rng.integers(1, n + 1)
            if _old_duplicate_clues(g):
                g[r, c] = old
        out.append((f"random{n}_{i}", g))
    return out


PUZZLES = _puzzles()


def _same_result(a: tuple[SolveResult, int, SolveStatus], b: tuple[SolveResult, int, SolveStatus]) -> bool:
    (ra, ca, sa), (rb, cb, sb) = a, b
    same_sol = (ra.solution is None and rb.solution is None) or (
        ra.solution is not None and rb.solution is not None and ra.solution.dtype == rb.solution.dtype
        and np.array_equal(ra.solution, rb.solution))
    return (ra.status, ra.detail, ca, sa) == (rb.status, rb.detail, cb, sb) and same_sol


@pytest.fixture
def fast_wires(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[bytes]:
    """The serialised model of every solver call the fast path makes, in order."""
    wires: list[bytes] = []
    run_proto, run_enum = S._run_proto, S._run_enumerating

    def spy(proto: cmh.CpModelProto, n: int, max_det_time: float) -> SolveResult:
        wires.append(_wire(proto, tmp_path / "fast.pb"))
        return run_proto(proto, n, max_det_time)

    def spy_enum(proto: cmh.CpModelProto, n: int, limit: int, max_det_time: float
                 ) -> tuple[list[np.ndarray], SolveStatus]:
        wires.append(_wire(proto, tmp_path / "fast.pb"))
        return run_enum(proto, n, limit, max_det_time)

    monkeypatch.setattr(S, "_run_proto", spy)
    monkeypatch.setattr(S, "_run_enumerating", spy_enum)
    return wires


def _completes(p: np.ndarray, sol: np.ndarray) -> bool:
    """``sol`` is an int8 grid that keeps the clues of ``p`` and holds every digit once per unit."""
    n = p.shape[0]
    if sol.dtype != np.int8 or sol.shape != p.shape or np.any((p != 0) & (p != sol)):
        return False
    return all(sorted(int(sol[r, c]) for r, c in cells) == list(range(1, n + 1)) for _, _, cells in S.unit_cells(n))


def _same_answer(p: np.ndarray, got: tuple[SolveResult, int, SolveStatus],
                 want: tuple[SolveResult, int, SolveStatus]) -> bool:
    """``_same_result``, except that with several solutions any valid one may come first."""
    if want[1] < 2:
        return _same_result(got, want)
    (rg, cg, sg), (rw, cw, sw) = got, want
    return (rg.status, rg.detail, cg, sg) == (rw.status, rw.detail, cw, sw) and rg.solution is not None and \
        _completes(p, rg.solution)


# --- tests --------------------------------------------------------------------------------------

def test_puzzle_set_covers_every_outcome(tmp_path: Path) -> None:
    """The cases below are only worth something if they hold each kind of answer."""
    counts = {_old_solve_unique(p, S.DEFAULT_DET_TIME, [], tmp_path / "m.pb")[1] for _, p in PUZZLES}
    assert counts == {0, 1, 2}
    assert {n for _, p in PUZZLES for n in [p.shape[0]]} == {4, 9}


@pytest.mark.parametrize("name,p", PUZZLES, ids=[name for name, _ in PUZZLES])
def test_solve_unique_same_models_and_answers(name: str, p: np.ndarray, fast_wires: list[bytes],
                                              tmp_path: Path) -> None:
    old_wires: list[bytes] = []
    want = _old_solve_unique(p, S.DEFAULT_DET_TIME, old_wires, tmp_path / "old.pb")
    got = S.solve_unique(p)
    assert _same_answer(p, got, want)
    if not S.duplicate_clues(S.check_puzzle(p)):
        # one call, on the model of the old path's first call
        assert len(old_wires) in (1, 2) and fast_wires == old_wires[:1]
    else:
        assert fast_wires == old_wires == []  # repeated clues: no model at all


@pytest.mark.parametrize("name,p", PUZZLES[::3], ids=[name for name, _ in PUZZLES[::3]])
@pytest.mark.parametrize("limit", [1, 3])
def test_count_solutions_same_models_and_answers(name: str, p: np.ndarray, limit: int, fast_wires: list[bytes],
                                                 tmp_path: Path) -> None:
    old_wires: list[bytes] = []
    found, st = _old_enumerate(S.check_puzzle(p), limit, S.DEFAULT_DET_TIME, None, old_wires, tmp_path / "o.pb")
    assert S.count_solutions(p, limit) == (len(found), st)
    assert fast_wires == old_wires[:1]  # one enumerating call on the old path's first model
    if found:  # with a known first solution (as make_puzzle asks): the no-good comes first
        fast_wires.clear()
        old_wires.clear()
        found_k, st_k = _old_enumerate(S.check_puzzle(p), limit + 1, S.DEFAULT_DET_TIME, found[0], old_wires,
                                       tmp_path / "o.pb")
        assert S.count_solutions(p, limit + 1, known=found[0]) == (len(found_k), st_k)
        assert fast_wires == old_wires


def test_enumerate_returns_distinct_valid_solutions(tmp_path: Path) -> None:
    """As many solutions as the old path finds, each valid, no two alike, the same on every call."""
    many = [p for name, p in PUZZLES if name.startswith("blank9") and (p == 0).sum() > 60][0]
    for p in (np.zeros((4, 4), np.int8), np.zeros((9, 9), np.int8), many):
        g = S.check_puzzle(p)
        want, st = _old_enumerate(g, 6, S.DEFAULT_DET_TIME, None, [], tmp_path / "o.pb")
        got, st2 = S._enumerate(g, 6, S.DEFAULT_DET_TIME, None)
        assert st2 is st and len(got) == len(want) == 6
        assert all(_completes(g, a) for a in got)
        assert len({a.tobytes() for a in got}) == len(got)
        again, _ = S._enumerate(g, 6, S.DEFAULT_DET_TIME, None)
        assert all(np.array_equal(a, b) for a, b in zip(got, again, strict=True))


def test_enumerate_counts_exactly_below_the_limit() -> None:
    """A search that ends by itself has seen every solution: 4x4 boards with exactly k of them."""
    rng = np.random.default_rng(5)
    seen = set()
    for _ in range(400):
        g = S.full_grid(4, rng)
        g[rng.random((4, 4)) < 0.6] = 0
        k, st = S.count_solutions(g, 50)
        if k < 50:
            old, _ = _old_enumerate(S.check_puzzle(g), 50, S.DEFAULT_DET_TIME, None, [], Path("/dev/null"))
            assert (k, st) == (len(old), SolveStatus.SAT)
            seen.add(k)
    assert len(seen) >= 4  # several different exact counts were checked


def test_a_tiny_budget_is_undecided_never_wrong(fast_wires: list[bytes], tmp_path: Path) -> None:
    """No budget: undecided, as before. A small one: undecided or the full answer, never another
    (the budget now covers the one call that both solves and proves)."""
    for p in (np.zeros((9, 9), np.int8), S.puzzle_from_string(KNOWN_9)):
        full = S.solve_unique(p)
        want0 = _old_solve_unique(p, 0.0, [], tmp_path / "o.pb")
        assert _same_result(S.solve_unique(p, max_time_s=0.0), want0) and want0[2] is SolveStatus.UNDECIDED
        for budget in (1e-4, 3e-3):
            got = S.solve_unique(p, max_time_s=budget)
            assert got[2] is SolveStatus.UNDECIDED or _same_answer(p, got, full)


def test_duplicate_clues_same_as_before() -> None:
    rng = np.random.default_rng(9)
    seen = 0
    for i in range(3000):
        n = (4, 9)[i % 2]
        g = S.full_grid(n, rng)
        g[rng.random((n, n)) < rng.random()] = 0
        for _ in range(int(rng.integers(0, 6))):
            g[rng.integers(n), rng.integers(n)] = rng.integers(0, n + 1)
        want = _old_duplicate_clues(g)
        got = S.duplicate_clues(g)
        assert got == want
        assert [tuple(map(type, t)) for t in got] == [(str, int, int)] * len(got)  # plain ints, not numpy's
        seen += len(want) > 1
    assert seen > 100


def test_templates_stay_untouched_and_build_sudoku_stays_fresh() -> None:
    """Solving never writes into the shared template; a caller's build_sudoku model is its own."""
    model, v = S.build_sudoku(S.puzzle_from_string(KNOWN_9))
    model.add(v.cells[0][2] == 4)  # the caller's model, changed: nothing else may see it
    for _, p in PUZZLES[:12]:
        S.solve_unique(p)
    for n in (4, 9):
        empty, _ = S.build_sudoku(np.zeros((n, n), np.int8))
        assert str(S._template(n).base) == str(empty.proto)
        assert len(S._template(n).nogood.table.values) == 0
        fresh = S._build_template(n)
        assert [str(c) for c in S._template(n).clues] == [str(c) for c in fresh.clues]
        assert str(S._template(n).nogood) == str(fresh.nogood)
    assert S.solve_unique(S.puzzle_from_string(KNOWN_9))[1:] == (1, SolveStatus.SAT)
    m2, _ = S.build_sudoku(S.puzzle_from_string(KNOWN_9))
    assert len(m2.proto.constraints) == len(model.proto.constraints) - 1


def test_solve_unique_from_four_threads_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four threads (templates built by whichever comes first) answer as one thread does."""
    puzzles = [p for _, p in PUZZLES]
    want = [S.solve_unique(p) for p in puzzles]
    monkeypatch.setattr(S, "_TEMPLATES", {})  # the first calls race to build them
    start = threading.Barrier(4)
    got: dict[int, list[tuple[SolveResult, int, SolveStatus]]] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            start.wait()
            order = list(range(k, len(puzzles))) + list(range(k))  # each thread on a different puzzle
            got[k] = [None] * len(puzzles)  # type: ignore[list-item]
            for _ in range(2):
                for i in order:
                    got[k][i] = S.solve_unique(puzzles[i])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(4):
        assert all(_same_result(a, b) for a, b in zip(got[k], want, strict=True))


def test_without_the_proto_api_the_model_path_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ortools release without C++-backed protos falls back to building the model through CpModel."""
    fast = [(S.solve_unique(p), S.count_solutions(p, 3)) for _, p in PUZZLES[::4]]
    calls: list[int] = []
    run = S._run

    def spy(*args: object) -> SolveResult:
        calls.append(1)
        return run(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(S, "_PROTO_API", False)
    monkeypatch.setattr(S, "_ENUM_API", False)  # (it needs the proto API)
    monkeypatch.setattr(S, "_run", spy)
    for (_, p), (unique, count) in zip(PUZZLES[::4], fast, strict=True):
        assert _same_answer(p, S.solve_unique(p), unique) and S.count_solutions(p, 3) == count
    assert calls  # the CpModel path did the solving
    full = S.puzzle_from_string(KNOWN_9)
    with pytest.raises(ValueError, match="known"):
        S.count_solutions(full, 2, known=np.zeros((9, 9), np.int8))


def test_without_the_callback_api_the_two_call_path_answers_the_same(monkeypatch: pytest.MonkeyPatch,
                                                                     fast_wires: list[bytes], tmp_path: Path) -> None:
    """An ortools release with C++-backed protos but no solution callback solves, forbids, solves
    again: the old path's models, byte for byte, and its answers."""
    monkeypatch.setattr(S, "_ENUM_API", False)
    for _, p in PUZZLES[::3]:
        fast_wires.clear()
        old_wires: list[bytes] = []
        want = _old_solve_unique(p, S.DEFAULT_DET_TIME, old_wires, tmp_path / "o.pb")
        assert _same_result(S.solve_unique(p), want)
        assert fast_wires == old_wires


def test_presolve_probing_changes_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver runs without presolve probing (faster); with CP-SAT's default probing every
    puzzle gets the same count, status and (where unique) solution."""
    ours = [S.solve_unique(p) for _, p in PUZZLES]
    make = S._solver

    def probing(max_det_time: float):  # noqa: ANN202
        s = make(max_det_time)
        s.parameters.cp_model_probing_level = 2
        return s

    monkeypatch.setattr(S, "_solver", probing)
    assert S._solver(1.0).parameters.cp_model_probing_level == 2
    for (_, p), mine in zip(PUZZLES, ours, strict=True):
        assert _same_answer(p, S.solve_unique(p), mine)
