"""ARC-AGI verifier benchmark: exact recovery over every task, the degradation mix, scenarios, timing, real videos.

    nice python benchmarks/bench_arc.py --part exact            # every ARC-AGI-1 + ARC-AGI-2 test pair
    nice python benchmarks/bench_arc.py --part degraded --n 60   # Sudoku's degradation mix, H.264 videos
    nice python benchmarks/bench_arc.py --part scenarios --n 12  # synthetic defects with truth (H.264 videos)
    nice python benchmarks/bench_arc.py --part timing            # time per output vs the decode floor
    nice python benchmarks/bench_arc.py --part real              # the Sora-2 videos in ../shared/realmedia

Parts:

- exact: every test pair of every task (ARC-AGI-1 train + eval, ARC-AGI-2 train + eval) is drawn
  as a clean model-output image (the solved layout, in memory) and verified against its own
  spec: it must pass; with one cell changed it must fail.
- degraded: a seeded sample of tasks; each degradation of ``mmgr.verify.synth.sudoku.DEGRADED_MIX``
  applied to a 3-frame video (input image, then the drawn answer) encoded with H.264 at the
  degradation's CRF and verified through ``verify_media``; correct and one-wrong-cell answers.
  Reports agreement with the truth, false passes and abstentions.
- scenarios: every scenario of ``mmgr.verify.synth.arc.SCENARIOS`` as an H.264 video.
- timing: seconds per video vs ``decode_floor`` (the faster of decoding with and without the
  background decoding thread).
- real: the two Sora-2 ARC-AGI-2 videos (skipped when absent): task found by matching frame 0
  against every ARC-AGI-2 task, then verified.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from fractions import Fraction
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from mmgr.errors import ParseError
from mmgr.parsers.arc import parse_arc, read_layout
from mmgr.parsers.arc_grid import find_panels
from mmgr.parsers.types import Frame
from mmgr.parsers.video import decode_floor, open_media
from mmgr.verify.api import clear_caches, verify_media
from mmgr.verify.arc_data import load_task, task_ids
from mmgr.verify.synth.arc import SCENARIOS, render_task, scenario
from mmgr.verify.synth.media import Degradation, degrade, keep_frame, write_video
from mmgr.verify.tasks.arc import check_arc, reference_from_spec

REAL = Path(__file__).resolve().parents[2] / "shared" / "realmedia"


def _mix() -> tuple[Degradation, ...]:
    try:
        from mmgr.verify.synth.sudoku import DEGRADED_MIX
        return tuple(DEGRADED_MIX)
    except ImportError:  # the Sudoku renderer's mix, as documented there
        return (Degradation(crf=35), Degradation(scale=0.6), Degradation(scale=0.8, letterbox_px=40),
                Degradation(rotate_deg=3.0), Degradation(perspective=0.03), Degradation(blur_sigma=1.2),
                Degradation(noise_sigma=8.0), Degradation(color_gain=(1.12, 0.95, 0.82), brightness=-18.0),
                Degradation(drop_every=3),
                Degradation(scale=0.75, rotate_deg=-1.5, blur_sigma=0.8, noise_sigma=4.0, crf=30))


def _status(img: np.ndarray, ref) -> str:  # type: ignore[no-untyped-def]
    try:
        st = parse_arc([Frame(0, Fraction(0), img)], ref.roles(4), ref.expected.shape)
        return check_arc(st, ref).status.value
    except ParseError:
        return "unscorable"


def _exact_one(item: tuple[int, str, int]) -> tuple[str, str, str, float]:
    version, tid, ti = item
    task = load_task(tid, version)
    ref = reference_from_spec(task.to_spec(ti))
    exp = ref.expected
    t0 = time.perf_counter()
    img, _ = render_task(task, ti, answer=exp)
    s_ok = _status(img, ref)
    rng = np.random.default_rng([version, int(tid, 16) % (2**31), ti])
    bad = exp.copy()
    r, c = int(rng.integers(exp.shape[0])), int(rng.integers(exp.shape[1]))
    bad[r, c] = (int(bad[r, c]) + 1 + int(rng.integers(9))) % 10
    img2, _ = render_task(task, ti, answer=bad)
    s_bad = _status(img2, ref)
    return f"v{version}/{tid}/{ti}", s_ok, s_bad, (time.perf_counter() - t0) / 2


def part_exact(limit: int | None, jobs: int) -> dict:
    items = []
    for v in (1, 2):
        ids = task_ids(v)
        for tid in ids[:limit] if limit else ids:
            items += [(v, tid, ti) for ti in range(len(load_task(tid, v).test))]
    t0 = time.perf_counter()
    with Pool(jobs) as pool:
        rows = pool.map(_exact_one, items, chunksize=8)
    out = {"pairs": len(rows), "clean_pass": sum(r[1] == "pass" for r in rows),
           "one_cell_fail": sum(r[2] == "fail" for r in rows),
           "clean_not_pass": [r[:2] for r in rows if r[1] != "pass"][:20],
           "one_cell_not_fail": [(r[0], r[2]) for r in rows if r[2] != "fail"][:20],
           "mean_s_per_image": round(float(np.mean([r[3] for r in rows])), 4),
           "wall_s": round(time.perf_counter() - t0, 1)}
    for v in (1, 2):
        sub = [r for r in rows if r[0].startswith(f"v{v}/")]
        out[f"v{v}"] = {"pairs": len(sub), "clean_pass": sum(r[1] == "pass" for r in sub),
                        "one_cell_fail": sum(r[2] == "fail" for r in sub)}
    return out


def _video(frames: list[np.ndarray], d: Degradation, seed: int, path: Path) -> Path:
    rng = np.random.default_rng(seed)
    kept = [degrade(f, d, rng) for i, f in enumerate(frames) if keep_frame(i, len(frames), d)]
    return write_video(kept, path, codec="h264", fps=8, crf=d.crf)


def part_degraded(n: int, seed: int, tmp: Path) -> dict:
    rng = np.random.default_rng(seed)
    pool = [(v, t) for v in (1, 2) for t in task_ids(v)]
    pick = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    mix = _mix()
    rows = []
    for k, (v, tid) in enumerate(pick):
        task = load_task(tid, v)
        spec = task.to_spec(0)
        exp = task.test_output(0)
        for di, d in enumerate(mix):
            for wrong in (0, 1):
                ans = exp.copy()
                if wrong:
                    r, c = int(rng.integers(exp.shape[0])), int(rng.integers(exp.shape[1]))
                    ans[r, c] = (int(ans[r, c]) + 1 + int(rng.integers(9))) % 10
                f0, _ = render_task(task, 0)
                f1, _ = render_task(task, 0, answer=ans)
                path = _video([f0, f1, f1, f1], d, k * 100 + di, tmp / f"d_{k}_{di}_{wrong}")
                verdict = verify_media(path, "arc", spec=spec)
                rows.append((tid, di, wrong, verdict.status.value, verdict.reason))
    truth = {0: "pass", 1: "fail"}
    agree = sum(r[3] == truth[r[2]] for r in rows)
    false_pass = [r for r in rows if r[2] == 1 and r[3] == "pass"]
    false_fail = [r for r in rows if r[2] == 0 and r[3] == "fail"]
    abst = [r for r in rows if r[3] == "unscorable"]
    per = {}
    for di in range(len(mix)):
        sub = [r for r in rows if r[1] == di]
        per[di] = {"agree": sum(r[3] == truth[r[2]] for r in sub), "n": len(sub),
                   "unscorable": sum(r[3] == "unscorable" for r in sub)}
    decided = len(rows) - len(abst)
    return {"videos": len(rows), "agreement": round(agree / len(rows), 4),
            "agreement_decided": round(sum(r[3] == truth[r[2]] for r in rows if r[3] != "unscorable")
                                       / max(1, decided), 4),
            "false_passes": len(false_pass), "false_fails": len(false_fail),
            "abstentions": len(abst), "abstention_rate": round(len(abst) / len(rows), 4), "per_degradation": per,
            "false_fail_cases": [r[:3] + (r[4][:100],) for r in false_fail[:10]],
            "abstention_cases": [r[:3] + (r[4][:100],) for r in abst[:10]]}


def part_scenarios(n: int, seed: int, tmp: Path) -> dict:
    rng = np.random.default_rng(seed)
    pool = [(v, t) for v in (1, 2) for t in task_ids(v)]
    pick = [pool[i] for i in rng.choice(len(pool), size=n, replace=False)]
    rows = []
    for k, (v, tid) in enumerate(pick):
        task = load_task(tid, v)
        for name in SCENARIOS:
            frames, truth = scenario(task, name, seed=k)
            path = write_video(frames, tmp / f"s_{k}_{name}", codec="h264", fps=8, crf=23)
            vd = verify_media(path, "arc", spec=task.to_spec(0))
            ok = (vd.metrics.get("valid_solution") == truth["valid_solution"]
                  and vd.metrics.get("context_drift") == truth["context_drift"])
            rows.append((tid, name, ok, vd.status.value, vd.reason))
    per = {s: f"{sum(r[2] for r in rows if r[1] == s)}/{sum(r[1] == s for r in rows)}" for s in SCENARIOS}
    return {"videos": len(rows), "correct": sum(r[2] for r in rows), "per_scenario": per,
            "misses": [(r[0], r[1], r[3], r[4][:100]) for r in rows if not r[2]][:10]}


def part_timing(tmp: Path) -> dict:
    task = load_task("007bbfb7", 1)
    frames, _ = scenario(task, "exact", seed=0, n_frames=48)
    path = write_video(frames, tmp / "timing", codec="h264", fps=24, crf=23)
    out = {"synthetic_48_frames": _time_one(path, {"spec": task.to_spec(0)})}
    for name, tid in (("cr1", "29c11459"), ("wr7", "b7249182")):
        p = REAL / f"twv_arcagi2_{name}_sora2.mp4"
        if p.exists():
            out[f"real_{name}_300_frames"] = _time_one(p, {"spec": {"task": "arc", "arc_task": tid, "arc_version": 2}})
    return out


def _time_one(path: Path, kw: dict) -> dict:
    floor = decode_floor(path)
    clear_caches()
    t0 = time.perf_counter()
    verify_media(path, "arc", **kw)
    total = time.perf_counter() - t0
    return {"verify_s": round(total, 3), "decode_floor_s": round(floor, 3), "ratio": round(total / floor, 2)}


def identify(rgb: np.ndarray, version: int = 2) -> list[tuple[int, float, str, int]]:
    """Tasks whose grids appear in this frame 0: (grids matched, mean agreement, id, test index), best first."""
    aspects = [p.w / p.h for p in find_panels(rgb)]
    out = []
    for tid in task_ids(version):
        task = load_task(tid, version)
        for ti, (gi, _go) in enumerate(task.test):
            if not all(any(abs(g.shape[1] / g.shape[0] - a) / (g.shape[1] / g.shape[0]) < 0.06 for a in aspects)
                       for g in (gi, task.train[0][0])):
                continue
            ref = reference_from_spec(task.to_spec(ti))
            try:
                lay = read_layout(rgb, ref.roles())
            except ParseError:
                continue
            out.append((len(lay.panels), float(np.mean([k.agreement for k in lay.panels])), tid, ti))
    return sorted(out, reverse=True)


def part_real() -> dict:
    out: dict = {}
    for name in ("cr1", "wr7"):
        p = REAL / f"twv_arcagi2_{name}_sora2.mp4"
        if not p.exists():
            out[name] = "absent (skipped)"
            continue
        t0 = time.perf_counter()
        f0 = next(iter(open_media(p))).rgb
        cands = identify(f0, 2)
        if not cands:
            out[name] = "no ARC-AGI-2 task matches frame 0"
            continue
        _n, _a, tid, ti = cands[0]
        vd = verify_media(p, "arc", spec={"task": "arc", "arc_task": tid, "arc_version": 2, "test_index": ti})
        out[name] = {"task": tid, "test_index": ti, "runner_up": cands[1][2:] if len(cands) > 1 else None,
                     "identify_s": round(time.perf_counter() - t0, 2), "status": vd.status.value,
                     "reason": vd.reason, "metrics": dict(vd.metrics),
                     "read_size": vd.details.get("read_size"), "expected_size": vd.details.get("expected_size"),
                     "drift_frames": vd.details.get("drift_frame_count")}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("exact", "degraded", "scenarios", "timing", "real", "all"), default="all")
    ap.add_argument("--limit", type=int, default=None, help="exact: only the first N task ids of each version")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--n", type=int, default=40, help="tasks sampled for degraded / scenarios")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    parts = ("exact", "degraded", "scenarios", "timing", "real") if a.part == "all" else (a.part,)
    res = {}
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        for part in parts:
            t0 = time.perf_counter()
            if part == "exact":
                res[part] = part_exact(a.limit, a.jobs)
            elif part == "degraded":
                res[part] = part_degraded(a.n, a.seed, tmp)
            elif part == "scenarios":
                res[part] = part_scenarios(a.n, a.seed, tmp)
            elif part == "timing":
                res[part] = part_timing(tmp)
            else:
                res[part] = part_real()
            res[part]["part_wall_s"] = round(time.perf_counter() - t0, 1)
            print(json.dumps({part: res[part]}, indent=1, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
