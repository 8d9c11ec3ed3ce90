"""``mmgr-verify run MANIFEST --out results.jsonl``: verify a whole manifest, resumably.

Each manifest row (JSONL or CSV) names an id, a task, a media file and optionally a spec,
a model, strata, an input image and params; each result line is the verdict plus ``id``,
``model`` and ``strata``. Rerunning the same command skips the ids already in ``--out``.
Progress goes to stderr (a bar on a terminal, a line every few seconds otherwise); the
final tally goes to stdout. The exit code follows ``mmgr-verify``: 3 if any row is
unscorable, else 1 if any fails, else 0 (``--exit-zero``: 0 whenever the run completed).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from mmgr.verify.batch import read_manifest, run_batch, sort_results

EPILOG = """\
manifest rows (JSONL; CSV with the same columns, strata as JSON text or strata.KEY columns):
  {"id": "veo3-sudoku-0001-s1", "task": "sudoku", "media": "videos/0001_s1.mp4",
   "spec": "specs/0001.json", "model": "veo3", "strata": {"size": 9, "difficulty": "hard"}}
relative paths resolve against the manifest's folder.

examples:
  mmgr-verify run manifest.jsonl --out results.jsonl --jobs 2
  mmgr-verify run manifest.jsonl --out results.jsonl --executor ray --ray-address auto
  mmgr-verify summarize results.jsonl --by model,task,difficulty --out summary/
"""


class PlainProgress:
    """Progress as plain stderr lines (``[run] 120/200 done, 3.1/s, eta 25s``), at most every ``every_s``."""

    def __init__(self, stream: TextIO, every_s: float = 10.0) -> None:
        self.stream = stream
        self.every_s = every_s
        self.t0 = time.monotonic()
        self.last = -1e9

    def __call__(self, finished: int, todo: int) -> None:
        now = time.monotonic()
        if finished == 0:
            self.t0 = now
            print(f"[run] {todo} to verify", file=self.stream, flush=True)
            self.last = now
            return
        if finished < todo and now - self.last < self.every_s:
            return
        self.last = now
        rate = finished / max(now - self.t0, 1e-9)
        eta = (todo - finished) / rate if rate > 0 else 0.0
        print(f"[run] {finished}/{todo} done, {rate:.1f}/s, eta {eta:.0f}s", file=self.stream, flush=True)


class BarProgress:
    """Progress as a tqdm bar (rate and ETA) on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Any = None
        self.n = 0

    def __call__(self, finished: int, todo: int) -> None:
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=todo, file=self.stream, unit="out", desc="run", dynamic_ncols=True)
        self.bar.update(finished - self.n)
        self.n = finished

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("manifest", help="JSONL (or .csv) manifest: one row per sample")
    parser.add_argument("--out", "-o", required=True, help="JSONL results file (appended to; ids in it are skipped)")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1: in this process)")
    parser.add_argument("--executor", choices=("local", "ray"), default="local",
                        help="local process pool, or Ray (pip install 'mmgr-verify[ray]')")
    parser.add_argument("--ray-address", help="existing Ray cluster ('auto', 'ray://HOST:10001'); default: start one")
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="extra task-plugin module (dotted name or .py path) imported in every worker")
    parser.add_argument("--timeout", type=float, metavar="S",
                        help="per-row limit in seconds; a row over it is unscorable (machine-dependent, default off)")
    parser.add_argument("--chunk-size", type=int, metavar="N", help="rows per worker task (default: automatic)")
    parser.add_argument("--sort", action="store_true", help="when done, rewrite --out sorted by id (atomically)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 whenever the run completed")


def run(args: Any) -> int:
    rows = read_manifest(args.manifest)
    progress: Any = None
    if not args.quiet:
        progress = BarProgress(sys.stderr) if sys.stderr.isatty() else PlainProgress(sys.stderr)
    try:
        stats = run_batch(rows, args.out, jobs=args.jobs, executor=args.executor, ray_address=args.ray_address,
                          plugins=args.plugin, timeout_s=args.timeout, chunk_size=args.chunk_size,
                          progress=progress)
    finally:
        if isinstance(progress, BarProgress):
            progress.close()
    if args.sort:
        sort_results(args.out)
    tally = ", ".join(f"{stats.statuses.get(k, 0)} {k}" for k in ("pass", "fail", "unscorable"))
    extra = f" ({stats.skipped} already done)" if stats.skipped else ""
    crashes = f"; {stats.crashed} worker crash(es)" if stats.crashed else ""
    print(f"{args.out}: {stats.total} rows{extra}: {tally}{crashes}")
    return 0 if args.exit_zero else stats.exit_code
