"""What-if diagnostic: how much of verification's wall time the reading of frames after the first
costs, and what the design would reach if that reading were cheaper or free of the GIL.

On the degraded mix of a task (rendered as its benchmark renders it), times per video, each against
the decode-only floor (``decode_floor``) timed beside it as the task benchmarks do:

- ``verify``: verification as it is;
- ``no-later``: verification with every frame after the first one read replaced by the last
  reading (decoding, frame 0, the solver and the checks stay real): the bound of this design;
- ``spin K``: the same, plus a busy loop of K ms a frame that does not hold the GIL (a stand-in
  for reading code moved into kernels at that cost);
- ``parse CPU``: the parse's own main-thread CPU time, with frames decoded beside it (as verification
  runs) and with every frame decoded before it starts. The first includes the colour conversion of
  the frames the decoding thread hands over unconverted (a few a video); the rest of the difference
  is what sharing the process with a decoding thread costs the parse (the GIL, and data and Python
  objects that move between cores).

Verdicts of the what-if modes are meaningless; only their times are. Run on a quiet machine:

    python benchmarks/bench_headroom.py --task sudoku --n 40 --spin 0.3 0.2
    python benchmarks/bench_headroom.py --task maze --n 1 --spin 0.1
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from numba import njit

from mmgr.parsers.video import decode_floor
from mmgr.verify.api import clear_caches, verify_media

sys.path.insert(0, str(Path(__file__).resolve().parent))


@njit(nogil=True, cache=False)
def _spin(n: int) -> float:  # pragma: no cover
    s = 0.0
    for k in range(n):
        s += k * 0.5
    return s


def _spin_per_ms() -> float:
    _spin(10)
    t = time.perf_counter()
    _spin(5_000_000)
    return 5_000_000 / ((time.perf_counter() - t) * 1e3)


def _sudoku_cases(n: int, out: Path, seed: int) -> list[tuple[Path, dict | None]]:
    import bench_sudoku

    from mmgr.solvers.sudoku import make_puzzle
    from mmgr.verify.synth.sudoku import render_case

    cases = []
    for c in bench_sudoku._cases(n, True, seed):
        puzzle, solution = make_puzzle(c["size"], c["level"], np.random.default_rng(c["seed"]))
        path, _ = render_case(out / f"deg_{c['i']:03d}", puzzle, solution, c["scenario"], seed=c["seed"],
                              media=c["media"], degradation=c["deg"], **c["kw"])
        cases.append((path, None))
    return cases


def _maze_cases(n: int, out: Path, seed: int) -> list[tuple[Path, dict | None]]:
    import bench_maze

    from mmgr.verify.synth.maze_cases import IMAGE_KINDS, KINDS, build_case, write_case

    rng = np.random.default_rng(seed)
    cases = []
    for rep in range(n):
        for kind in KINDS:
            for style in bench_maze.STYLES:
                case_seed = seed * 10_000 + rep * 100 + KINDS.index(kind) * 3 + bench_maze.STYLES.index(style)
                case = build_case(kind, style, case_seed, size=int(rng.integers(3, 8)),
                                  cell_px=bench_maze.CELL_PX[style], fpc=3)
                if kind in IMAGE_KINDS:
                    continue
                d, codec = bench_maze.DEGRADED[int(rng.integers(len(bench_maze.DEGRADED)))]
                path = write_case(case, out / f"deg_{rep}_{style}_{kind}", codec=codec, degradation=d, seed=case_seed)
                cases.append((path, case.spec))
    return cases


@contextmanager
def _later_frames(task: str, per_frame: Callable[[], None] | None) -> Iterator[None]:
    """Within the block, frames after the first one read reuse the last reading (after ``per_frame``)."""
    if task == "sudoku":
        from mmgr.parsers.sudoku import SudokuFrameReader

        real = SudokuFrameReader.read

        def read(self, rgb):  # noqa: ANN001, ANN202
            if self._last is None:
                return real(self, rgb)
            if per_frame:
                per_frame()
            return self._last

        SudokuFrameReader.read = read
        try:
            yield
        finally:
            SudokuFrameReader.read = real
    else:
        import mmgr.parsers.maze as pm

        real_obs = pm._observe

        def observe(frame, pal, grid0, opts, cache, planes=None):  # noqa: ANN001, ANN202
            if frame.index == 0 or cache.get("_headroom_last") is None:
                o = real_obs(frame, pal, grid0, opts, cache, planes)
                cache["_headroom_last"] = o
                return o
            if per_frame:
                per_frame()
            o = cache["_headroom_last"]
            return pm.FrameObs(frame.index, o.grid, o.walls, o.markers, o.skipped)

        pm._observe = observe
        try:
            yield
        finally:
            pm._observe = real_obs


def _time(cases: list[tuple[Path, dict | None]], task: str, repeat: int, max_side: int) -> tuple[float, float]:
    """(verification, floor) seconds a video, timed as the task benchmarks time them: the floor (the
    file decoded both ways) and the verification in alternating order (``_timing``), the least of
    ``repeat`` kept."""
    from _timing import steps

    tv = td = 0.0
    for path, spec in cases:
        bv = bd = float("inf")
        for step in steps(repeat):
            if step == "floor":
                bd = min(bd, decode_floor(path, max_side=max_side))
                continue
            clear_caches()
            t = time.perf_counter()
            verify_media(path, task, spec=spec)
            bv = min(bv, time.perf_counter() - t)
        tv += bv
        td += bd
    return tv / len(cases), td / len(cases)


class _Decoded(list):  # type: ignore[type-arg]
    """Frames decoded beforehand, with the media description the parsers look up (``info``)."""

    info: object = None


@contextmanager
def _parse_cpu(task: str, decoded_first: bool, acc: list[float]) -> Iterator[None]:
    """Within the block, each parse of ``task`` appends its main-thread CPU seconds to ``acc``; with
    ``decoded_first``, every frame is decoded before the parse starts (no decoding beside it)."""
    from mmgr.verify.registry import get_task

    cls = type(get_task(task))
    real = cls.parse

    def parse(self, frames, reference, params):  # noqa: ANN001, ANN202
        if decoded_first:
            info = getattr(frames, "info", None)
            frames = _Decoded(frames)
            frames.info = info
        c = time.thread_time()
        try:
            return real(self, frames, reference, params)
        finally:
            acc.append(time.thread_time() - c)

    cls.parse = parse
    try:
        yield
    finally:
        cls.parse = real


def _parse_cost(cases: list[tuple[Path, dict | None]], task: str, repeat: int) -> tuple[float, float]:
    """(parse CPU beside decoding, parse CPU after decoding) seconds a video, least of ``repeat`` each."""
    out = []
    for decoded_first in (False, True):
        total = 0.0
        for path, spec in cases:
            acc: list[float] = []
            with _parse_cpu(task, decoded_first, acc):
                for _ in range(repeat):
                    clear_caches()
                    verify_media(path, task, spec=spec)
            total += min(acc)
        out.append(total / len(cases))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--task", choices=("sudoku", "maze"), default="sudoku")
    ap.add_argument("--n", type=int, default=40, help="cases (sudoku) or repetitions of the case table (maze)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_headroom"))
    ap.add_argument("--repeat", type=int, default=3, help="time each file this many times and keep the least")
    ap.add_argument("--spin", type=float, nargs="*", default=[], help="GIL-free ms a later frame to try")
    a = ap.parse_args()
    out = a.out / a.task
    out.mkdir(parents=True, exist_ok=True)
    cases = (_sudoku_cases if a.task == "sudoku" else _maze_cases)(a.n, out, a.seed)
    max_side = 640 if a.task == "maze" else 1280
    verify_media(cases[0][0], a.task, spec=cases[0][1])  # warm: imports, compiled kernels
    rows = [("verify", *_time(cases, a.task, a.repeat, max_side))]
    with _later_frames(a.task, None):
        rows.append(("no-later", *_time(cases, a.task, a.repeat, max_side)))
    per_ms = _spin_per_ms()
    for ms in a.spin:
        n_iter = int(ms * per_ms)
        with _later_frames(a.task, lambda n_iter=n_iter: _spin(n_iter)):
            rows.append((f"spin {ms:g}", *_time(cases, a.task, a.repeat, max_side)))
    beside, after = _parse_cost(cases, a.task, a.repeat)
    print(f"{a.task}, degraded mix, {len(cases)} videos")
    for name, t, floor in rows:
        print(f"  {name:<10} {t * 1e3:7.2f} ms/video  {t / floor:5.2f}x the floor ({floor * 1e3:.2f} ms beside it)")
    print(f"  parse CPU  {beside * 1e3:7.2f} ms/video with decoding beside it, {after * 1e3:.2f} after it "
          f"({beside / after:.2f}x)")


if __name__ == "__main__":
    main()
