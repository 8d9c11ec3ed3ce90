"""CP-SAT Sudoku: milliseconds per solve, per uniqueness proof, and per generated puzzle.

    python benchmarks/bench_solver.py --n 20

Puzzles come from ``make_puzzle`` (the same generator as ``mmgr-verify make sudoku``). Times are
wall-clock medians on this machine; the solver itself is limited by deterministic time only.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mmgr.solvers.sudoku import LEVELS, count_solutions, make_puzzle, solve_sudoku
from mmgr.solvers.types import SolveStatus


def _ms(fn, reps: int = 3) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="puzzles per size and level")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cols = ("clues", 6), ("make ms", 9), ("solve ms", 9), ("unique ms", 10), ("unique+known", 13)
    print(f"{'size':>4} {'level':<7} " + " ".join(f"{c:>{w}}" for c, w in cols))
    for size in sorted(LEVELS):
        for level in LEVELS[size]:
            rng = np.random.default_rng([a.seed, size])
            gen, solve, uniq, uniq_k, clues = [], [], [], [], []
            for _ in range(a.n):
                t0 = time.perf_counter()
                p, s = make_puzzle(size, level, rng)
                gen.append((time.perf_counter() - t0) * 1000.0)
                clues.append(int((p > 0).sum()))
                res = solve_sudoku(p)
                assert res.status is SolveStatus.SAT and np.array_equal(res.solution, s)
                assert count_solutions(p) == (1, SolveStatus.SAT)
                solve.append(_ms(lambda p=p: solve_sudoku(p)))
                uniq.append(_ms(lambda p=p: count_solutions(p, 2)))
                uniq_k.append(_ms(lambda p=p, s=s: count_solutions(p, 2, known=s)))
            med = statistics.median
            print(f"{size:>4} {level:<7} {med(clues):>6.0f} {med(gen):>9.1f} {med(solve):>9.2f} {med(uniq):>10.2f} "
                  f"{med(uniq_k):>13.2f}")


if __name__ == "__main__":
    main()
