"""Write the bundled calibration example: ``verify/examples/calibration/{verdicts,judge}.jsonl``.

The verdict rows have the exact shape ``mmgr-verify run`` writes (``Verdict.to_dict()`` plus
``id``, ``model``, ``strata``); their metrics are drawn from a seeded simulation of two
generators on maze and Sudoku (not decoded from media, so that the example stays small and
needs no video files). The judge file uses MMGR's vocabulary (the paper's spelling, e.g.
"Cross Wall", "Constraints Violation") and MMGR's biases: it misses 75% of wall crossings,
flags 40% of valid Sudoku grids as violating, gives a probability for "Overall" and a
one-line justification. Two verdicts are unscorable, one id has no judge row and one judge
row has no verdict, so the report shows each of those cases.

Run from the repository root: ``python benchmarks/make_calibration_example.py``, then
``mmgr-verify calibrate --verdicts verify/examples/calibration/verdicts.jsonl
--judge verify/examples/calibration/judge.jsonl --by model,difficulty --out report/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mmgr.verify.types import Status, Verdict, Violation, dumps

OUT = Path(__file__).resolve().parents[1] / "verify" / "examples" / "calibration"
VERSIONS = {"mmgr-verify": "0.1.0"}


def _verdict(task: str, media: str, metrics: dict[str, float | int | None], status: Status, reason: str,
             evidence: tuple[Violation, ...] = ()) -> dict:
    v = Verdict(task, 1, media, {"kind": "video", "frames_decoded": 48}, status, reason, metrics, evidence, {}, {},
                VERSIONS)
    return v.to_dict()


def maze_rows(rng: np.random.Generator, n: int) -> tuple[list[dict], list[dict]]:
    verdicts, judge = [], []
    for k in range(n):
        model = "model-a" if k % 2 == 0 else "model-b"
        diff = ["easy", "medium", "hard"][k % 3]
        sid = f"maze-{k:03d}"
        changed = int(rng.random() < 0.1)
        crossed = int(rng.random() < (0.5 if model == "model-a" else 0.7))
        reached = int(rng.random() < 0.7)
        overall = int(not changed and not crossed and reached)
        ev = (Violation("cross_wall", int(rng.integers(5, 40)), (2, 3), "agent overlaps a wall"),) if crossed else ()
        m = {"maze_changed": changed, "cross_wall": crossed, "target_achievement": reached,
             "action_reflection": int(rng.random() < 0.3), "ever_reached": max(reached, int(rng.random() < 0.2)),
             "overall": overall}
        status = Status.PASS if overall else Status.FAIL
        row = _verdict("maze", f"media/{sid}.mp4", m, status, "solved" if overall else "rule broken", ev)
        if k == 7:
            row = _verdict("maze", f"media/{sid}.mp4", {}, Status.UNSCORABLE, "cannot read 'media/maze-007.mp4': "
                           "no video stream")
            row["error"] = {"type": "VideoReadError", "message": row["reason"]}
        row.update(id=sid, model=model, strata={"generator": ["dfs", "wilson"][k % 2], "difficulty": diff})
        verdicts.append(row)
        j_cross = crossed if not crossed else int(rng.random() < 0.25)  # misses 75% of crossings
        j_changed = changed if rng.random() < 0.9 else 1 - changed
        j_reached = reached if rng.random() < 0.85 else 1 - reached
        j_overall = int(not j_changed and not j_cross and j_reached)
        prob = float(np.clip(0.25 + 0.5 * j_overall + rng.normal(0, 0.15), 0.02, 0.98))
        judge.append({"id": sid, "Maze Changed": j_changed, "Cross Wall": j_cross, "Target Achievement": j_reached,
                      "Overall": round(prob, 2),
                      "justification": "agent stays in corridors" if not j_cross else "agent clips a wall"})
    return verdicts, judge


def sudoku_rows(rng: np.random.Generator, n: int) -> tuple[list[dict], list[dict]]:
    verdicts, judge = [], []
    for k in range(n):
        model = "model-a" if k % 2 == 0 else "model-b"
        size, diff = ["4x4", "9x9"][k % 2], ["easy", "medium", "hard"][(k // 2) % 3]
        sid = f"sudoku-{k:03d}"
        clues = int(rng.random() < 0.15)
        viol = 0.0 if rng.random() < 0.6 else float(rng.choice([1, 2, 3])) / 27
        comp = 1.0 if viol == 0 and rng.random() < 0.7 else float(rng.integers(3, 10)) / 10
        overall = int(not clues and viol == 0 and comp == 1)
        m = {"clues_changed": clues, "constraints_violation": viol, "completion_accuracy": comp,
             "action_reflection": None, "overall": overall}
        row = _verdict("sudoku", f"media/{sid}.png", m, Status.PASS if overall else Status.FAIL,
                       "solved" if overall else "rule broken")
        if k == 11:
            row = _verdict("sudoku", f"media/{sid}.png", {}, Status.UNSCORABLE, "no Sudoku board found in frame 0")
            row["error"] = {"type": "ParseError", "message": row["reason"]}
        row.update(id=sid, model=model, strata={"size": size, "difficulty": diff})
        verdicts.append(row)
        j_viol = viol if viol > 0 else (round(float(rng.choice([1, 2])) / 27, 4) if rng.random() < 0.4 else 0.0)
        j_comp = 1.0 if comp == 1 or rng.random() < 0.3 else comp
        j_clues = clues if rng.random() < 0.9 else 1 - clues
        j_overall = int(not j_clues and j_viol == 0 and j_comp == 1)
        judge.append({"id": sid, "Clues Changed": j_clues, "Constraints Violation": j_viol,
                      "Completion Accuracy": j_comp, "Overall": j_overall,
                      "justification": "grid complete and valid" if j_overall else "row or box repeats a digit"})
    return verdicts, judge


def main() -> None:
    rng = np.random.default_rng(0)
    mv, mj = maze_rows(rng, 36)
    sv, sj = sudoku_rows(rng, 36)
    verdicts = mv + sv
    judge = [r for r in mj + sj if r["id"] != "sudoku-020"]  # one verdict without a judge row
    judge.append({"id": "maze-999", "Maze Changed": 0, "Cross Wall": 0, "Target Achievement": 1, "Overall": 0.9,
                  "justification": "no verdict for this one"})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "verdicts.jsonl").write_text("".join(dumps(r, indent=None) + "\n" for r in verdicts), encoding="utf-8")
    (OUT / "judge.jsonl").write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in judge), encoding="utf-8")
    print(f"wrote {len(verdicts)} verdicts and {len(judge)} judge rows to {OUT}")


if __name__ == "__main__":
    main()
