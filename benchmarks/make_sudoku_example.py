"""Regenerate the bundled Sudoku example that the README runs (deterministic).

    python benchmarks/make_sudoku_example.py

Writes verify/examples/sudoku_solve.mp4 (a 9x9 solve, H.264), sudoku_solve.json (its spec) and
sudoku_clue_changed.mp4 (the same solve where a clue is overwritten: a failing example).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mmgr.solvers.sudoku import make_puzzle, puzzle_to_string
from mmgr.verify.synth.media import Degradation
from mmgr.verify.synth.sudoku import render_case

OUT = Path(__file__).resolve().parents[1] / "verify" / "examples"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    puzzle, solution = make_puzzle(9, "medium", np.random.default_rng(2026))
    spec = {"task": "sudoku", "size": 9, "puzzle": puzzle_to_string(puzzle), "solution": puzzle_to_string(solution)}
    (OUT / "sudoku_solve.json").write_text(json.dumps(spec, indent=1) + "\n")
    for name, scenario in (("sudoku_solve", "correct"), ("sudoku_clue_changed", "clue_overwritten")):
        path, truth = render_case(OUT / name, puzzle, solution, scenario, seed=7, media="h264",
                                  degradation=Degradation(crf=26), cells_per_step=3, fill_order="random")
        print(path, path.stat().st_size, "bytes", truth.metrics)


if __name__ == "__main__":
    main()
