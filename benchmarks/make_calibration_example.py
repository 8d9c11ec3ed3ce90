"""Write the bundled calibration example: ``verify/examples/calibration/{verdicts,judge}.jsonl``.

The verdicts are real: 36 synthetic maze clips (``mmgr.verify.synth.maze_cases``, H.264,
block/tile styles, easy and medium sizes) and 30 synthetic Sudoku image outputs
(``mmgr.verify.synth.sudoku``, 4x4 and 9x9) are rendered into a temporary folder and read by
the ``maze`` and ``sudoku`` tasks, plus two inputs the verifier must abstain on (a broken
video, a blank image). Each row is ``Verdict.to_dict()`` plus ``id``, ``model`` and
``strata``, as ``mmgr-verify run`` writes it, with ``media`` rewritten to a relative name (the
media themselves are not bundled, and error messages name ``media/`` instead of the
temporary folder). Rerunning the script gives the same rows except the ``sha256`` of the
videos: the encoders' output is not byte-stable from run to run.

The judge file uses MMGR's vocabulary (the paper's spelling: "Cross Wall", "Constraints
Violation"...) and imitates its reported biases from the renderers' truth: it misses 75% of
wall crossings, says the goal was reached for 30% of the clips that stop short, flags 40% of
valid Sudoku grids as violating, calls 30% of incomplete grids complete, gives a probability
for the maze "Overall", and a one-line justification. One verdict has no judge row and one
judge row has no verdict, so the report shows those cases.

Run from the repository root (about a minute): ``python benchmarks/make_calibration_example.py``,
then ``mmgr-verify calibrate --verdicts verify/examples/calibration/verdicts.jsonl
--judge verify/examples/calibration/judge.jsonl --by model,difficulty --out report/``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from mmgr.solvers.sudoku import make_puzzle, puzzle_to_string
from mmgr.verify.api import verify_media
from mmgr.verify.synth.maze_cases import build_case, write_case
from mmgr.verify.synth.media import write_image
from mmgr.verify.synth.sudoku import render_case
from mmgr.verify.types import dumps

OUT = Path(__file__).resolve().parents[1] / "verify" / "examples" / "calibration"
MAZE_KINDS = ("correct", "clip1", "backtrack", "between", "short", "teleport", "goal_moved", "duplicate",
              "correct", "clip1", "overshoot", "between")
SUDOKU_SCENARIOS = ("correct", "wrong_digit", "correct", "partial", "correct", "clue_overwritten", "correct",
                    "partial", "wrong_digit", "correct")
MODELS = ("model-a", "model-b")


def _row(verdict: Any, sid: str, media: str, model: str, strata: dict[str, str]) -> dict[str, Any]:
    d = verdict.to_dict()
    d.update(id=sid, media=media, model=model, strata=strata)
    return d


def maze_rows(tmp: Path, rng: np.random.Generator, n: int) -> tuple[list[dict], list[dict]]:
    verdicts, judge = [], []
    for k in range(n):
        sid, model = f"maze-{k:03d}", MODELS[(k // 2) % 2]
        level, size = (("easy", 4), ("medium", 6))[(k // 4) % 2]
        case = build_case(MAZE_KINDS[k % len(MAZE_KINDS)], ("block", "tile")[k % 2], seed=100 + k, size=size)
        path = write_case(case, tmp / f"{sid}.mp4", codec="h264")
        verdicts.append(_row(verify_media(path, "maze", spec=case.spec), sid, f"media/{sid}.mp4", model,
                             {"generator": ("dfs", "wilson")[(100 + k) % 2], "difficulty": level}))
        t = case.truth
        cross = t["cross_wall"] if not t["cross_wall"] else int(rng.random() >= 0.75)  # misses 75% of crossings
        changed = t["maze_changed"]
        reached = t["target_achievement"] or int(rng.random() < 0.3)  # generous on reaching the goal
        ok = int(not changed and not cross and reached)
        prob = float(np.clip(0.25 + 0.5 * ok + rng.normal(0, 0.15), 0.02, 0.98))
        judge.append({"id": sid, "Maze Changed": changed, "Cross Wall": cross, "Target Achievement": reached,
                      "Overall": round(prob, 2),
                      "justification": "the agent clips a wall" if cross else "the agent stays in the corridors"})
    bad = tmp / "maze-broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 truncated")
    verdicts.append(_row(verify_media(bad, "maze", spec=case.spec), "maze-broken", "media/maze-broken.mp4",
                         "model-a", {"generator": "dfs", "difficulty": "easy"}))
    judge.append({"id": "maze-broken", "Maze Changed": 0, "Cross Wall": 0, "Target Achievement": 1, "Overall": 0.8,
                  "justification": "looks solved"})
    return verdicts, judge


def sudoku_rows(tmp: Path, rng: np.random.Generator, n: int) -> tuple[list[dict], list[dict]]:
    verdicts, judge = [], []
    for k in range(n):
        sid, model = f"sudoku-{k:03d}", MODELS[(k // 2) % 2]
        size, level = (4, 9)[k % 2], ("easy", "medium")[(k // 4) % 2]
        puzzle, solution = make_puzzle(size, level, rng)
        path, truth = render_case(tmp / sid, puzzle, solution, SUDOKU_SCENARIOS[k % len(SUDOKU_SCENARIOS)],
                                  seed=k, media="png")
        spec = {"task": "sudoku", "size": size, "puzzle": puzzle_to_string(puzzle)}
        verdicts.append(_row(verify_media(path, "sudoku", spec=spec), sid, f"media/{sid}.png", model,
                             {"size": f"{size}x{size}", "difficulty": level}))
        t = truth.metrics
        viol = t["constraints_violation"]
        if viol == 0 and rng.random() < 0.4:  # flags 40% of valid grids
            viol = round(float(rng.choice([1, 2])) / (3 * size), 4)
        comp = 1.0 if t["completion_accuracy"] == 1 or rng.random() < 0.3 else round(t["completion_accuracy"], 3)
        clues = t["clues_changed"] if rng.random() < 0.9 else 1 - t["clues_changed"]
        ok = int(not clues and viol == 0 and comp == 1)
        judge.append({"id": sid, "Clues Changed": clues, "Constraints Violation": viol, "Completion Accuracy": comp,
                      "Overall": ok, "justification": "complete and valid" if ok else "a row or box repeats a digit"})
    blank = write_image(np.full((512, 512, 3), 255, np.uint8), tmp / "sudoku-blank.png")
    verdicts.append(_row(verify_media(blank, "sudoku", spec=spec), "sudoku-blank", "media/sudoku-blank.png",
                         "model-b", {"size": "9x9", "difficulty": "easy"}))
    return verdicts, judge


def main() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        mv, mj = maze_rows(Path(d), rng, 36)
        sv, sj = sudoku_rows(Path(d), rng, 30)
    # error messages name the temporary folder: name the bundled (absent) media folder instead
    verdicts = [json.loads(dumps(r, indent=None).replace(str(Path(d)), "media")) for r in mv + sv]
    judge = mj + sj  # sudoku-blank has no judge row
    judge.append({"id": "maze-999", "Maze Changed": 0, "Cross Wall": 0, "Target Achievement": 1, "Overall": 0.9,
                  "justification": "no verdict for this one"})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "verdicts.jsonl").write_text("".join(dumps(r, indent=None) + "\n" for r in verdicts), encoding="utf-8")
    (OUT / "judge.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in judge), encoding="utf-8")
    status = [r["status"] for r in verdicts]
    print(f"wrote {len(verdicts)} verdicts ({status.count('unscorable')} unscorable) and {len(judge)} judge rows "
          f"to {OUT}")


if __name__ == "__main__":
    main()
