"""The local executor of ``mmgr.verify.batch``: a process pool with crash isolation.

Workers come from a ``forkserver`` context (``spawn`` where there is none) that has imported
the task plugins once; each worker then imports the ``--plugin`` modules and lets each task
warm its kernels (``warm_worker``), and verifies chunks of rows. The parent process owns the
results file and writes every line as a chunk returns.

A worker that dies (segfault, OOM kill) breaks the whole ``ProcessPoolExecutor``: every row in
flight becomes a suspect, the pool is replaced, and suspects are retried one at a time with
nothing else in flight, so that a second death names the culprit exactly; that row is then
recorded as ``WorkerCrash``. Workers that die on start-up abort the run instead (no row is
to blame).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from mmgr.errors import InternalError
from mmgr.verify.batch import ManifestRow, chunks, crash_line, run_chunk, warm_worker

__all__ = ["run_pool"]


def _ping() -> int:
    return os.getpid()


def _check_pool(pool: Any) -> None:
    """Raise if fresh workers die before doing anything (so that rows are not blamed for it)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        pool.submit(_ping).result()
    except BrokenProcessPool:
        raise InternalError("worker processes die on start-up (a plugin that fails to import? a script "
                            "calling run_batch without an `if __name__ == '__main__':` guard?)") from None


def run_pool(todo: Sequence[ManifestRow], emit: Callable[[str, str], None], size: int, plugins: Sequence[str],
              timeout_s: float | None, jobs: int) -> int:
    """Local process pool with crash isolation; returns the number of rows recorded as crashes.

    After a worker dies, every row that was in flight becomes a suspect: suspects are retried
    one at a time with nothing else in flight, so a second death names the culprit exactly.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        # Workers fork from a server that has imported the tasks once (no effect if it already runs).
        ctx.set_forkserver_preload(["mmgr.verify.batch", "mmgr.verify.batch_pool", "mmgr.verify.api",
                                    "mmgr.verify.tasks"])
    queue: list[list[ManifestRow]] = chunks(todo, size)
    queue.reverse()  # pop() from the end keeps manifest order
    suspects: list[ManifestRow] = []
    crashed = 0

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=warm_worker,
                                   initargs=(tuple(plugins),))

    pool = new_pool()
    solo = False  # the only chunk in flight is one suspect row
    inflight: dict[Future[list[tuple[str, str]]], list[ManifestRow]] = {}

    def submit(chunk: list[ManifestRow]) -> bool:
        try:
            inflight[pool.submit(run_chunk, chunk, timeout_s)] = chunk
        except BrokenProcessPool:  # a worker died since the last wait: the pool takes no more work
            return False
        return True

    try:
        while queue or suspects or inflight:
            refused = False
            if suspects and not queue:
                if not inflight:  # a suspect runs alone
                    chunk = [suspects.pop()]
                    solo = submit(chunk)
                    if not solo:
                        suspects.append(chunk[0])
                        refused = True
            else:
                while queue and len(inflight) < 2 * jobs:
                    chunk = queue.pop()
                    if not submit(chunk):
                        queue.append(chunk)
                        refused = True
                        break
            broken: list[list[ManifestRow]] = []
            if not refused:
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    chunk = inflight.pop(fut)
                    try:
                        pairs = fut.result()
                    except BrokenProcessPool:
                        broken.append(chunk)
                        continue
                    for rid, line in pairs:
                        emit(rid, line)
            if broken or refused:
                # Every future of a broken pool ends (some may still have finished); collect them all,
                # then start a fresh pool.
                for fut, chunk in inflight.items():
                    try:
                        for rid, line in fut.result():
                            emit(rid, line)
                    except BrokenProcessPool:
                        broken.append(chunk)
                inflight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool()
                _check_pool(pool)
                if solo and broken:
                    emit(broken[0][0].id, crash_line(broken[0][0]))
                    crashed += 1
                else:
                    suspects.extend(r for chunk in reversed(broken) for r in reversed(chunk))
            solo = False
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return crashed
