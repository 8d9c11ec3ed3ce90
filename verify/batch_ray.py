"""The Ray executor of ``mmgr.verify.batch`` (``mmgr-verify run --executor ray``).

Ray is an optional extra (``pip install 'mmgr-verify[ray]'``). The driver reads the manifest,
owns the results file and writes every line; Ray workers only verify chunks of rows and
return their lines, so resuming, torn-line repair and byte-identical output work exactly as
with the local pool. On a cluster, every node needs mmgr-verify (same version) installed and
the media, specs and ``.py`` plugins at the same paths (a shared filesystem).

A worker that dies (segfault, out of memory) fails only its own task: its rows are retried
one per task, and a row whose own task dies again is recorded as ``WorkerCrash``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mmgr.errors import UsageError
from mmgr.verify.batch import ManifestRow, chunks, crash_line, run_chunk, warm_worker

__all__ = ["run_ray"]

_WARMED: set[tuple[str, ...]] = set()


def _ray_chunk(rows: Sequence[ManifestRow], plugins: tuple[str, ...],
               timeout_s: float | None) -> list[tuple[str, str]]:
    """Ray task body: warm this worker process once, then verify the chunk."""
    if plugins not in _WARMED:
        warm_worker(plugins)
        _WARMED.add(plugins)
    return run_chunk(rows, timeout_s)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise UsageError(f"--executor ray needs Ray ({exc}); install it with: pip install 'mmgr-verify[ray]'") from None
    return ray


def run_ray(todo: Sequence[ManifestRow], emit: Callable[[str, str], None], size: int, plugins: Sequence[str],
            timeout_s: float | None, address: str | None, jobs: int) -> int:
    """Verify ``todo`` on Ray, calling ``emit(id, line)`` on the driver as each chunk returns.

    Args:
        todo: rows still to verify.
        emit: writes one result line (driver side).
        size: rows per Ray task.
        plugins: extra task-plugin modules every worker imports.
        timeout_s: per-row limit (None: none).
        address: cluster to connect to; None uses the Ray already initialised in this process,
            or starts a local one with ``jobs`` CPUs (all cores when ``jobs`` is 1).
        jobs: CPUs of a local Ray started here.

    Returns:
        The number of rows recorded as ``WorkerCrash``.
    """
    ray = _import_ray()
    started = False
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=jobs if jobs > 1 else None, include_dashboard=False, log_to_driver=False)
        started = True
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_ray_chunk)
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        queue = chunks(todo, size)
        queue.reverse()
        attempts: dict[str, int] = {}
        pending: dict[Any, list[ManifestRow]] = {}
        crashed = 0
        plug = tuple(plugins)
        while queue or pending:
            while queue and len(pending) < 2 * cpus:
                chunk = queue.pop()
                pending[remote.remote(chunk, plug, timeout_s)] = chunk
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                chunk = pending.pop(ref)
                try:
                    pairs = ray.get(ref)
                except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                        ray.exceptions.OutOfMemoryError):
                    for r in chunk:
                        attempts[r.id] = attempts.get(r.id, 0) + 1
                    if len(chunk) == 1 and attempts[chunk[0].id] >= 2:
                        emit(chunk[0].id, crash_line(chunk[0]))
                        crashed += 1
                    else:
                        queue.extend([r] for r in reversed(chunk))
                    continue
                for rid, line in pairs:
                    emit(rid, line)
        return crashed
    finally:
        if started:
            ray.shutdown()
