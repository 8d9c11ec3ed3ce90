"""Sudoku end to end: render N synthetic outputs with truth, verify them, compare.

Prints, for a clean mix and a degraded mix: per-metric agreement with truth, false passes
(verdict pass while truth says overall = 0), abstention rate, digit-reading accuracy on cells
(per frame, visible and not occluded, unknown readings counted apart), and seconds per video
next to the decode-only time of the same files (the faster of decoding with and without the
background decoding thread, each timed). A last line says whether issue 2's targets are met on
the mixes run (the per-mix misses are named).

    python benchmarks/bench_sudoku.py --n 40 --out /tmp/bench_sudoku
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _timing import steps

from mmgr.parsers.video import decode_only
from mmgr.solvers.sudoku import make_puzzle
from mmgr.verify.api import clear_caches, verify_media
from mmgr.verify.synth.media import Degradation
from mmgr.verify.synth.sudoku import DEGRADED_MIX, SCENARIOS, render_case
from mmgr.verify.synth.sudoku_board import random_style

METRICS = ("clues_changed", "constraints_violation", "completion_accuracy", "action_reflection", "overall")


def _cases(n: int, degraded: bool, seed: int) -> list[dict]:
    """Case table: sizes, levels, scenarios, fill orders cycle; the degraded mix also draws a
    degradation preset, a random board style (font, colours, line widths, glow), the codec and the
    occluder at random."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        size = 9 if i % 3 else 4
        level = ("easy", "medium", "hard")[i % 3]
        scenario = SCENARIOS[i % len(SCENARIOS)]
        kw: dict = {"fill_order": ("row", "random", "box")[i % 3], "cells_per_step": 1 if size == 4 else 2}
        if degraded:
            media = ("h264", "h264", "h264", "hevc", "vp9", "gif")[int(rng.integers(6))]
            deg = DEGRADED_MIX[int(rng.integers(len(DEGRADED_MIX)))]
            kw["style"] = random_style(rng)
            kw["occluder"] = ("hand", "cursor")[int(rng.integers(2))]
            if media == "gif" and deg.drop_every:
                deg = Degradation(crf=deg.crf)
        else:
            media = "lossless" if i % 4 else "h264"
            deg = Degradation(crf=18)
        out.append({"i": i, "size": size, "level": level, "scenario": scenario, "media": media, "deg": deg,
                    "seed": seed * 1000 + i, "kw": kw})
    return out


def _timed(fn, *args, **kw) -> tuple[object, float, float, float]:  # noqa: ANN001
    """``fn(*args, **kw)`` and its wall, process-CPU and main-thread CPU seconds."""
    t0, c0, m0 = time.perf_counter(), time.process_time(), time.thread_time()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - m0


def run(n: int, degraded: bool, out: Path, seed: int, params: dict | None = None, repeat: int = 1) -> dict:
    agree = {m: 0 for m in METRICS}
    scored = 0
    false_pass = 0
    abstain = 0
    cells_ok = cells_total = cells_unknown = 0
    t_verify = t_decode = c_verify = c_decode = m_verify = 0.0
    failures = []
    for c in _cases(n, degraded, seed):
        rng = np.random.default_rng(c["seed"])
        puzzle, solution = make_puzzle(c["size"], c["level"], rng)
        path, truth = render_case(out / f"{'deg' if degraded else 'clean'}_{c['i']:03d}", puzzle, solution,
                                  c["scenario"], seed=c["seed"], media=c["media"], degradation=c["deg"], **c["kw"])
        dt = ct = vt = vc = vm = float("inf")
        # least of `repeat` interleaved timings, in alternating order (benchmarks/_timing.py)
        for step in steps(repeat):
            if step == "floor":
                for prefetch in (True, False):  # the floor: the faster way to only decode
                    _, a, b, _ = _timed(decode_only, path, prefetch=prefetch)
                    if a < dt:
                        dt, ct = a, b
                continue
            clear_caches()  # timed cold: no solver answer kept from the last repeat of this file
            res, a, b, m = _timed(verify_media, path, "sudoku", params=params or {}, keep_state=True)
            vt, vc, vm = min(vt, a), min(vc, b), min(vm, m)
        v, state = res  # type: ignore[misc]
        t_decode += dt
        c_decode += ct
        t_verify += vt
        c_verify += vc
        m_verify += vm
        if v.status.value == "unscorable":
            abstain += 1
            failures.append((path.name, c["scenario"], "unscorable", v.reason))
            continue
        scored += 1
        if v.status.value == "pass" and truth.metrics["overall"] == 0:
            false_pass += 1
        bad = []
        for m in METRICS:
            a, b = v.metrics[m], truth.metrics[m]
            same = (a is None and b is None) or (a is not None and b is not None and abs(float(a) - float(b)) < 1e-6)
            agree[m] += same
            if not same:
                bad.append(f"{m}: got {a} want {b}")
        if bad:
            failures.append((path.name, c["scenario"], "; ".join(bad), v.reason))
        if state is not None and state.digits.shape == truth.grids.shape:
            vis = truth.board_visible[:, None, None] & ~truth.occluded
            got = state.digits[vis]
            want = truth.grids[vis]
            cells_total += int(vis.sum())
            cells_unknown += int((got < 0).sum())
            cells_ok += int((got == want).sum())
    res = {
        "n": n, "scored": scored, "abstain_rate": abstain / n, "false_passes": false_pass,
        "agreement": {m: agree[m] / max(1, scored) for m in METRICS},
        "digit_accuracy": cells_ok / max(1, cells_total), "digit_unknown_rate": cells_unknown / max(1, cells_total),
        "digit_confidently_wrong": (cells_total - cells_ok - cells_unknown) / max(1, cells_total),
        "s_per_video": t_verify / n, "decode_s_per_video": t_decode / n, "ratio": t_verify / max(1e-9, t_decode),
        "cpu_ratio": c_verify / max(1e-9, c_decode), "main_thread_cpu_s_per_video": m_verify / n,
        "decode_cpu_s_per_video": c_decode / n,
        "failures": failures,
    }
    return res


def misses(name: str, r: dict) -> list[str]:
    """Issue 2's targets that a mix's results miss: per-metric agreement >= 99.5% (clean) or
    >= 98% (degraded), abstentions <= 2%, no false pass, digit reading >= 99.9% on the clean mix's
    cells, verification <= 1.5x decode-only time.

    >>> ok = {"agreement": {"overall": 1.0}, "abstain_rate": 0.0, "false_passes": 0, "digit_accuracy": 1.0,
    ...       "ratio": 1.2}
    >>> misses("clean", ok), misses("degraded", {**ok, "ratio": 1.6, "false_passes": 1})
    ([], ['degraded: 1 false pass(es)', 'degraded: time 1.600x decode-only'])
    """
    need = 0.995 if name == "clean" else 0.98
    out = [f"{name}: {m} agreement {v:.2%}" for m, v in r["agreement"].items() if v < need]
    if r["abstain_rate"] > 0.02:
        out.append(f"{name}: abstentions {r['abstain_rate']:.1%}")
    if r["false_passes"]:
        out.append(f"{name}: {r['false_passes']} false pass(es)")
    if name == "clean" and r["digit_accuracy"] < 0.999:
        out.append(f"{name}: digit reading {r['digit_accuracy']:.3%}")
    if r["ratio"] > 1.5:
        out.append(f"{name}: time {r['ratio']:.3f}x decode-only")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_sudoku"))
    ap.add_argument("--only", choices=("clean", "degraded"))
    ap.add_argument("--param", action="append", default=[], metavar="K=V", help="Sudoku task parameter")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each file this many times (decode and verify interleaved) and keep the least")
    a = ap.parse_args()
    params = dict(kv.split("=", 1) for kv in a.param)
    verify_media  # noqa: B018  (warm-up below compiles the kernels once)
    missed: list[str] = []
    for name in ("clean", "degraded"):
        if a.only and a.only != name:
            continue
        r = run(a.n, name == "degraded", a.out, a.seed, params, a.repeat)
        print(f"== {name}: n={r['n']} scored={r['scored']} abstentions={r['abstain_rate']:.1%} "
              f"false passes={r['false_passes']}")
        for m, v in r["agreement"].items():
            print(f"   agreement {m:<22} {v:.1%}")
        print(f"   digit reading: accuracy {r['digit_accuracy']:.4%}, unknown {r['digit_unknown_rate']:.3%}, "
              f"confidently wrong {r['digit_confidently_wrong']:.4%}")
        print(f"   time: {r['s_per_video']:.4f} s/video verify vs {r['decode_s_per_video']:.4f} s decode-only "
              f"(ratio {r['ratio']:.3f}x; CPU-time ratio {r['cpu_ratio']:.2f}x, all threads)")
        print(f"   CPU: decoding {r['decode_cpu_s_per_video']:.3f} s/video; verification's main thread (parse, check; "
              f"decoding runs beside it) {r['main_thread_cpu_s_per_video']:.3f} s/video")
        for f in r["failures"][:15]:
            print("   !", *f)
        missed += misses(name, r)
    print("== targets (agreement >= 99.5% clean, >= 98% degraded; abstentions <= 2%; no false pass; digit reading "
          f">= 99.9% on clean cells; time <= 1.5x decode-only): {'NOT met: ' + '; '.join(missed) if missed else 'met'}")


if __name__ == "__main__":
    main()
