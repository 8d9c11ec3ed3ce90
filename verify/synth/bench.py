"""A synthetic benchmark with known truth: model outputs, specs, ``manifest.jsonl`` and ``truth.jsonl``.

    mmgr-verify make bench --tasks sudoku,arc --count 100 --out bench/ --seed 0 --degraded-frac 0.25
    mmgr-verify run bench/manifest.jsonl --out bench/results.jsonl --jobs 2
    mmgr-verify summarize bench/results.jsonl --by task,degraded --out bench/summary/

Each output is rendered by its task's own synthetic renderer (``mmgr.verify.synth.<task>``)
through a real encoder, from a scenario whose metrics are known (a correct solve, a wrong
digit, a clue overwritten, a wrong ARC cell, a wall crossing...); ``--degraded-frac`` of them
get a random degradation (lossy codec, rescale, blur, noise, colour shift, dropped frames).
``truth.jsonl`` holds, per id, the status and metrics the verifier should report
(``expected_status``, ``metrics``), so that results can be scored for agreement.
Same seed, same files.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mmgr.errors import UsageError

TASKS = ("sudoku", "arc", "maze")
IMAGE_MEDIA = ("png", "jpg")


@dataclass(frozen=True, slots=True)
class BenchCase:
    """One generated output: its manifest row and its truth line."""

    row: dict[str, Any]
    truth: dict[str, Any]


def add_make_arguments(parser: Any) -> None:
    """Flags of ``mmgr-verify make bench``."""
    parser.add_argument("--tasks", default="sudoku", help=f"comma-separated tasks among {', '.join(TASKS)}")
    parser.add_argument("--count", type=int, default=20, help="outputs per task (default 20)")
    parser.add_argument("--out", required=True, help="output folder (media/, specs/, manifest.jsonl, truth.jsonl)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same files)")
    parser.add_argument("--degraded-frac", type=float, default=0.25,
                        help="share of outputs given a random degradation (default 0.25)")
    parser.add_argument("--model", default="synthetic", help="model name written in the manifest")


def _degradation(rng: np.random.Generator, frac: float, mix: tuple[Any, ...]) -> tuple[Any, str]:
    """Pick a degradation from ``mix`` with probability ``frac``; name it by its non-default fields."""
    from mmgr.verify.synth.media import Degradation

    if rng.random() >= frac:
        return None, "none"
    d = mix[int(rng.integers(len(mix)))]
    clean = Degradation()
    parts = [f"{k}={v}" for k, v in asdict(d).items() if v != getattr(clean, k) and k != "extra"]
    return d, "+".join(parts) or "none"


def _deg_strata(name: str) -> dict[str, str]:
    return {"degraded": "no" if name == "none" else "yes", "degradation": name}


def _spec_file(out: Path, cid: str, spec: dict[str, Any]) -> str:
    p = out / "specs" / f"{cid}.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(spec, sort_keys=True) + "\n", encoding="utf-8")
    return p.relative_to(out).as_posix()


def _status(metrics: dict[str, Any]) -> str:
    return "pass" if metrics.get("overall") == 1 else "fail"


def _sudoku(cid: str, rng: np.random.Generator, out: Path, frac: float, model: str) -> BenchCase:
    from mmgr.solvers.sudoku import make_puzzle, puzzle_to_string
    from mmgr.verify.synth.sudoku import DEGRADED_MIX, IMAGE_SCENARIOS, SCENARIOS, render_case

    size = int(rng.choice([4, 9]))
    level = str(rng.choice(["easy", "medium", "hard"]))
    puzzle, solution = make_puzzle(size, level, rng)
    media = str(rng.choice(["h264", "h264", "h264", "png", "lossless", "gif", "jpg"]))
    scen = str(rng.choice(IMAGE_SCENARIOS if media in IMAGE_MEDIA else SCENARIOS))
    deg, dname = _degradation(rng, frac, DEGRADED_MIX)
    path, truth = render_case(out / "media" / cid, puzzle, solution, scen, seed=int(rng.integers(2**31)),
                              media=media, degradation=deg)
    spec = {"task": "sudoku", "id": cid, "size": size, "level": level, "clues": int((puzzle > 0).sum()),
            "puzzle": puzzle_to_string(puzzle), "solution": puzzle_to_string(solution)}
    strata = {"size": size, "difficulty": level, "scenario": scen, "media": media, **_deg_strata(dname)}
    return _case(cid, "sudoku", path, out, spec, model, strata, dict(truth.metrics), deg)


def _arc(cid: str, rng: np.random.Generator, out: Path, frac: float, model: str) -> BenchCase:
    from mmgr.verify.arc_data import load_task, task_ids
    from mmgr.verify.synth.arc import SCENARIOS, scenario
    from mmgr.verify.synth.arc_make import strata as arc_strata
    from mmgr.verify.synth.media import Degradation, degrade, write_image, write_video

    mix = (Degradation(crf=35), Degradation(scale=0.8), Degradation(blur_sigma=0.8),
           Degradation(noise_sigma=4.0), Degradation(scale=0.9, noise_sigma=3.0, crf=30))
    version = int(rng.choice([1, 2]))
    ids = task_ids(version)
    task = load_task(ids[int(rng.integers(len(ids)))], version)
    media = str(rng.choice(["h264", "h264", "png"]))
    names = SCENARIOS if media != "png" else tuple(s for s in SCENARIOS if s != "demo_drift")
    scen = str(rng.choice(names))
    deg, dname = _degradation(rng, frac, mix)
    frames, truth = scenario(task, scen, int(rng.integers(2**31)))
    if deg is not None:
        drng = np.random.default_rng(int(rng.integers(2**31)))
        frames = [degrade(f, deg, drng) for f in frames]
    base = out / "media" / cid
    path = write_image(frames[-1], base.with_suffix(".png")) if media == "png" else \
        write_video(frames, base, codec="h264", crf=deg.crf if deg is not None else 23)
    strata = {k: v for k, v in arc_strata(task).items() if k in ("version", "shape", "difficulty")}
    strata.update(scenario=scen, media=media, **_deg_strata(dname))
    valid = int(truth["valid_solution"])
    metrics = {"valid_solution": valid, "overall": valid}
    if media != "png":
        metrics["context_drift"] = int(truth["context_drift"])
    return _case(cid, "arc", path, out, task.to_spec(0), model, strata, metrics, deg)


def _maze(cid: str, rng: np.random.Generator, out: Path, frac: float, model: str) -> BenchCase:
    from mmgr.verify.synth.maze_cases import IMAGE_KINDS, VIDEO_KINDS, build_case, write_case
    from mmgr.verify.synth.maze_render import STYLES
    from mmgr.verify.synth.media import Degradation

    mix = (Degradation(crf=35), Degradation(scale=0.8), Degradation(blur_sigma=0.8), Degradation(noise_sigma=4.0))
    media = str(rng.choice(["h264", "h264", "lossless", "png"]))
    kind = str(rng.choice(IMAGE_KINDS if media == "png" else VIDEO_KINDS))
    size = int(rng.choice([4, 6, 8]))
    style = str(rng.choice(STYLES))
    deg, dname = _degradation(rng, frac, mix)
    case = build_case(kind, style, int(rng.integers(2**31)), size=size)
    path = write_case(case, out / "media" / cid, codec=media, degradation=deg, seed=int(rng.integers(2**31)))
    difficulty = "easy" if size <= 5 else ("medium" if size <= 9 else "hard")
    strata = {"size": size, "difficulty": difficulty, "style": style, "scenario": kind, "media": media,
              **_deg_strata(dname)}
    return _case(cid, "maze", path, out, dict(case.spec), model, strata, dict(case.truth), deg)


def _case(cid: str, task: str, path: Path, out: Path, spec: dict[str, Any], model: str, strata: dict[str, Any],
          metrics: dict[str, Any], deg: Any) -> BenchCase:
    row = {"id": cid, "task": task, "media": Path(path).relative_to(out).as_posix(),
           "spec": _spec_file(out, cid, spec), "model": model, "strata": strata}
    truth = {"id": cid, "task": task, "expected_status": _status(metrics), "metrics": metrics,
             "degradation": None if deg is None else asdict(deg)}
    return BenchCase(row, truth)


GENERATORS: dict[str, Callable[[str, np.random.Generator, Path, float, str], BenchCase]] = {
    "sudoku": _sudoku, "arc": _arc, "maze": _maze,
}


def build(tasks: list[str], count: int, out: Path, *, seed: int = 0, degraded_frac: float = 0.25,
          model: str = "synthetic", log: Callable[[str], None] | None = None) -> list[BenchCase]:
    """Render ``count`` outputs per task into ``out``; write ``manifest.jsonl`` and ``truth.jsonl``.

    Args:
        tasks: names from ``TASKS``; each must be a registered task.
        count: outputs per task.
        out: folder (created).
        seed: every random choice derives from ``(seed, task, index)``.
        degraded_frac: share of outputs given a degradation, in [0, 1].
        model: the model name of every row.
        log: called with one line per output written.

    Returns:
        The cases, in manifest order.

    Raises:
        UsageError: an unknown or unregistered task, a count below 1, a fraction outside [0, 1].
    """
    from mmgr.verify.registry import task_names

    known = task_names()
    bad = [t for t in tasks if t not in GENERATORS or t not in known]
    if bad or not tasks:
        avail = ", ".join(t for t in TASKS if t in known)
        raise UsageError(f"--tasks: cannot generate {', '.join(bad) or 'nothing'} (available: {avail})")
    if count < 1:
        raise UsageError(f"--count: expected >= 1, got {count}")
    if not 0.0 <= degraded_frac <= 1.0:
        raise UsageError(f"--degraded-frac: expected a value in [0, 1], got {degraded_frac}")
    out.mkdir(parents=True, exist_ok=True)
    cases: list[BenchCase] = []
    for task in tasks:
        for i in range(count):
            cid = f"{task}-{seed}-{i:05d}"
            rng = np.random.default_rng([seed, TASKS.index(task), i])
            cases.append(GENERATORS[task](cid, rng, out, degraded_frac, model))
            if log is not None:
                log(f"make bench: {len(cases)}/{len(tasks) * count} {cid} {cases[-1].row['strata']}")
    (out / "manifest.jsonl").write_text("".join(json.dumps(c.row, sort_keys=True) + "\n" for c in cases),
                                        encoding="utf-8")
    (out / "truth.jsonl").write_text("".join(json.dumps(c.truth, sort_keys=True) + "\n" for c in cases),
                                     encoding="utf-8")
    return cases


def make(args: Any) -> int:
    """Run ``mmgr-verify make bench``."""
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    out = Path(args.out)
    build(tasks, args.count, out, seed=args.seed, degraded_frac=args.degraded_frac, model=args.model,
          log=lambda s: print(s, file=sys.stderr))
    print(f"wrote {out / 'manifest.jsonl'} and {out / 'truth.jsonl'}; next:\n"
          f"  mmgr-verify run {out / 'manifest.jsonl'} --out {out / 'results.jsonl'} --jobs 2\n"
          f"  mmgr-verify summarize {out / 'results.jsonl'} --by task,degraded --out {out / 'summary'}")
    return 0
