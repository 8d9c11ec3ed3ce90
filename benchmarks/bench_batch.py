"""Batch machinery at benchmark scale: throughput with 1 and 2 workers, peak memory, overhead.

    python benchmarks/bench_batch.py --count 100 --tasks sudoku,arc --workdir /tmp/bench_batch

Builds (or reuses) a synthetic benchmark of ``--count`` outputs per task with ``make bench``,
then measures, on the same rows:

1. ``loop``: ``verify_media`` called in a plain loop in this process (the verification time);
2. ``run_batch(jobs=1)``: the same in this process plus the batch machinery (row wrapping,
   canonical JSON, one fsynced ``os.write`` per line);
3. ``run_batch(jobs=N)`` for each N in ``--jobs`` (a forkserver pool, workers warmed once).

It prints outputs/minute, the 1 -> 2 worker speed-up (target >= 1.7x), the peak RSS of every
worker process (``VmHWM`` from /proc, sampled while the pool runs; target <= 1.5 GB), the
per-output overhead of the machinery against the plain loop (target <= 5%, wall and CPU), and
the agreement of the verdicts with the truth. CPU times are reported as well as wall times
because a shared machine makes wall-clock ratios noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from mmgr.verify.api import verify_media
from mmgr.verify.batch import ResultsFile, read_manifest, result_line, run_batch, warm_worker
from mmgr.verify.registry import task_names
from mmgr.verify.summarize import agreement, load_results


def _descendants(root: int) -> list[int]:
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parent[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def _hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for ln in fh:
                if ln.startswith("VmHWM:"):
                    return int(ln.split()[1])
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class PeakSampler(threading.Thread):
    """Records the peak RSS (VmHWM) and the CPU time of every descendant process (the workers)."""

    def __init__(self, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every_s = every_s
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            for pid in _descendants(me):
                kb, cpu = _hwm_kb(pid), _cpu_s(pid)
                if kb is not None:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), kb)
                if cpu is not None:
                    self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu)
            self.stop.wait(self.every_s)


def _timed(fn: Any) -> tuple[float, float, Any]:
    w0, c0 = time.perf_counter(), time.process_time()
    r = fn()
    return time.perf_counter() - w0, time.process_time() - c0, r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=100, help="outputs per task (default 100)")
    ap.add_argument("--tasks", default="sudoku,arc", help="tasks to include (those registered are used)")
    ap.add_argument("--jobs", default="2", help="comma-separated worker counts to measure besides 1 (default 2)")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "mmgr_bench_batch"))
    ap.add_argument("--degraded-frac", type=float, default=0.25)
    ap.add_argument("--json", help="also write the numbers to this JSON file")
    args = ap.parse_args()

    work = Path(args.workdir)
    tasks = [t for t in args.tasks.split(",") if t in task_names()]
    man = work / "manifest.jsonl"
    if not man.exists():
        from mmgr.verify.synth.bench import build
        t0 = time.perf_counter()
        build(tasks, args.count, work, seed=0, degraded_frac=args.degraded_frac)
        print(f"built {len(tasks) * args.count} outputs ({','.join(tasks)}) in {time.perf_counter() - t0:.0f}s")
    rows = read_manifest(man)
    n = len(rows)
    print(f"{n} outputs from {man}")
    warm_worker()
    for r in rows[:2]:  # load caches (numba, weights) before timing
        verify_media(r.media_path, r.task, spec=r.spec)

    verdicts: list[tuple[Any, Any]] = []

    def loop() -> None:
        for r in rows:
            try:
                verdicts.append((r, verify_media(r.media_path, r.task, spec=r.spec, input_image=r.input_image,
                                                 params=r.params)))
            except Exception:  # noqa: BLE001 - a broken row costs what it costs in the batch too
                pass

    def machinery() -> None:
        """Exactly the per-output work run_batch adds to verify_media: wrap, serialise, write, fsync."""
        out = work / "results" / "machinery.jsonl"
        out.unlink(missing_ok=True)
        with ResultsFile(out) as rf:
            for r, v in verdicts:
                line = result_line(v.to_dict(), r)
                rf.write_line(line)
                json.loads(line)

    res: dict[str, Any] = {"outputs": n, "tasks": tasks, "cpu_count": os.cpu_count(),
                           "loadavg_before": os.getloadavg()}
    w_loop, c_loop, _ = _timed(loop)
    res["loop"] = {"wall_s": w_loop, "cpu_s": c_loop, "per_min": 60 * n / w_loop}
    print(f"loop      : {w_loop:7.1f}s wall {c_loop:7.1f}s cpu  {60 * n / w_loop:7.1f} outputs/min")
    outs = work / "results"
    outs.mkdir(exist_ok=True)
    for f in outs.glob("*.jsonl"):
        f.unlink()
    w_m, c_m, _ = _timed(machinery)
    res["machinery"] = {"wall_s": w_m, "cpu_s": c_m, "ms_per_output": 1000 * w_m / max(1, len(verdicts)),
                        "share_of_verification_wall": w_m / w_loop, "share_of_verification_cpu": c_m / c_loop}
    print(f"machinery : {w_m:7.2f}s wall {c_m:7.2f}s cpu  {1000 * w_m / max(1, len(verdicts)):.1f} ms/output = "
          f"{100 * w_m / w_loop:.2f}% of verification wall, {100 * c_m / c_loop:.2f}% cpu (isolated; target <= 5%)")
    w1, c1, _ = _timed(lambda: run_batch(rows, outs / "jobs1.jsonl", jobs=1))
    res["jobs1"] = {"wall_s": w1, "cpu_s": c1, "per_min": 60 * n / w1,
                    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    res["overhead_wall"] = (w1 - w_loop) / w_loop
    res["overhead_cpu"] = (c1 - c_loop) / c_loop
    res["overhead_ms_per_output"] = 1000 * (w1 - w_loop) / n
    print(f"jobs=1    : {w1:7.1f}s wall {c1:7.1f}s cpu  {60 * n / w1:7.1f} outputs/min, "
          f"peak RSS {res['jobs1']['peak_rss_mb']:.0f} MB (this process)")
    print(f"overhead  : {100 * res['overhead_wall']:+.1f}% wall, {100 * res['overhead_cpu']:+.1f}% cpu, "
          f"{res['overhead_ms_per_output']:+.1f} ms/output (end to end; wall is noisy on a shared machine)")
    for j in [int(x) for x in args.jobs.split(",") if x.strip()]:
        sampler = PeakSampler()
        sampler.start()
        wj, _, _ = _timed(lambda j=j: run_batch(rows, outs / f"jobs{j}.jsonl", jobs=j))
        sampler.stop.set()
        sampler.join()
        workers = sorted((kb / 1024 for kb in sampler.peaks.values()), reverse=True)[:j]
        busiest = sorted(sampler.cpu.values(), reverse=True)[:j]
        # On a saturated machine wall time measures the neighbours; CPU time does not: with j free
        # cores the pool would take as long as its busiest worker's CPU time.
        cpu_speedup = c1 / busiest[0] if busiest and busiest[0] > 0 else None
        same = sorted((outs / f"jobs{j}.jsonl").read_bytes().splitlines()) == \
            sorted((outs / "jobs1.jsonl").read_bytes().splitlines())
        res[f"jobs{j}"] = {"wall_s": wj, "per_min": 60 * n / wj, "speedup_vs_jobs1": w1 / wj,
                           "worker_peak_rss_mb": workers, "worker_cpu_s": busiest,
                           "cpu_bound_speedup": cpu_speedup, "same_lines_as_jobs1": same}
        print(f"jobs={j}    : {wj:7.1f}s wall           {60 * n / wj:7.1f} outputs/min, speed-up {w1 / wj:.2f}x "
              f"(target >= 1.7x for 2), worker peak RSS {', '.join(f'{m:.0f}' for m in workers)} MB "
              f"(target <= 1536), same lines as jobs=1: {same}")
        print(f"            worker CPU {', '.join(f'{c:.1f}' for c in busiest)} s vs {c1:.1f} s at jobs=1: "
              f"speed-up on {j} free cores ~ {cpu_speedup or 0:.2f}x")
    res["loadavg_after"] = os.getloadavg()
    docs, _ = load_results([outs / "jobs1.jsonl"])
    truths, _ = load_results([work / "truth.jsonl"], key="expected_status")
    for a in agreement(docs, truths, ("task", "degraded"))[0]:
        print(f"agreement {'/'.join(a.group):12s}: n={a.n} unscorable={a.unscorable} status agree "
              f"{a.agree}/{a.n - a.unscorable} false_pass={a.false_pass} false_fail={a.false_fail}")
        res.setdefault("agreement", []).append({"group": a.group, "n": a.n, "unscorable": a.unscorable,
                                                "agree": a.agree, "false_pass": a.false_pass,
                                                "false_fail": a.false_fail})
    print(f"load average before/after: {res['loadavg_before']} / {res['loadavg_after']} on {os.cpu_count()} cores")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
