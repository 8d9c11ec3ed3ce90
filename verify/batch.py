"""Batch runs: manifests in, one resumable JSONL line per sample out, on a local pool or on Ray.

    >>> from mmgr.verify.batch import read_manifest, run_batch     # doctest: +SKIP
    >>> stats = run_batch(read_manifest("manifest.jsonl"), "results.jsonl", jobs=2)  # doctest: +SKIP

Design notes:

- *One complete line per sample.* Each result line is written with a single ``os.write`` to a
  file opened ``O_APPEND`` and fsynced before the next, so a run killed at any moment (even
  ``kill -9``) leaves only whole lines, except at most one torn tail, which the next run cuts
  away before appending. Ids already present are skipped: rerunning the same command resumes.
- *A row never stops the batch.* Any exception while verifying one row (unreadable media, a
  spec that is invalid for that row, a bug) becomes that row's ``unscorable`` line with an
  ``error`` {type, message}. A worker process that dies (segfault, OOM kill) is replaced; the
  rows it held are retried alone, and a row that kills a worker on its own is recorded as
  ``unscorable`` with ``error.type == "WorkerCrash"``.
- *Determinism.* A line is a pure function of its manifest row: same bytes whatever the
  executor, the number of jobs or the order of completion (lines are appended as samples
  finish; ``sort_results`` orders them by id). ``media`` is the path as written in the manifest.
  The optional per-row ``timeout_s`` is the one machine-dependent outcome and is off by default.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import importlib
import importlib.util
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmgr.errors import UsageError
from mmgr.verify.types import SCHEMA, dumps

__all__ = [
    "BatchStats", "ManifestRow", "ResultsFile", "load_plugins", "read_manifest", "result_line", "run_batch",
    "sort_results", "verify_row",
]

REQUIRED = ("id", "task", "media")
OPTIONAL = ("spec", "model", "strata", "input_image", "params")


@dataclass(frozen=True, slots=True)
class ManifestRow:
    """One sample to verify, as read from a manifest.

    Attributes:
        id: unique id of the sample (results are keyed and sorted by it).
        task: registered task name.
        media: the media path as written in the manifest (copied into the result line).
        media_path: ``media`` resolved against the manifest's folder.
        spec: a resolved spec path, an inline spec object, or None.
        model: the generator that produced the sample, or None.
        strata: stratum labels (``{"size": 9, "difficulty": "hard"}``), copied into the result line.
        input_image: resolved path of the puzzle image given to the generator, or None.
        params: task parameter overrides for this row.
        line: 1-based line number in the manifest (for messages).
    """

    id: str
    task: str
    media: str
    media_path: str
    spec: str | dict[str, Any] | None = None
    model: str | None = None
    strata: dict[str, Any] = field(default_factory=dict)
    input_image: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    def __post_init__(self) -> None:
        for name in ("id", "task", "media"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v:
                raise ValueError(f"ManifestRow.{name}: expected a non-empty string, got {v!r}")
        if not isinstance(self.strata, dict) or not isinstance(self.params, dict):
            raise ValueError(f"ManifestRow strata/params: expected objects, got {self.strata!r}, {self.params!r}")


@dataclass(frozen=True, slots=True)
class BatchStats:
    """What one ``run_batch`` call did.

    Attributes:
        total: rows in the manifest.
        skipped: rows whose id was already in the results file.
        written: lines written by this call.
        statuses: status -> count over all manifest rows now in the results file.
        crashed: rows recorded as ``WorkerCrash``.
    """

    total: int
    skipped: int
    written: int
    statuses: Mapping[str, int]
    crashed: int = 0

    @property
    def exit_code(self) -> int:
        """The CLI convention: 3 if any unscorable, else 1 if any fail, else 0."""
        return 3 if self.statuses.get("unscorable") else (1 if self.statuses.get("fail") else 0)


# -- manifests ----------------------------------------------------------------------------------
def _resolve(base: Path, value: str) -> str:
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else base / p)


def _json_cell(text: str, what: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: {what} is not valid JSON ({exc.msg})") from None


def _row_from_doc(doc: Any, base: Path, where: str, line: int) -> ManifestRow:
    if not isinstance(doc, dict):
        raise UsageError(f"{where}: expected a JSON object, got {type(doc).__name__}")
    missing = [k for k in REQUIRED if doc.get(k) in (None, "")]
    if missing:
        raise UsageError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
    for k in ("task", "media"):
        if not isinstance(doc[k], str):
            raise UsageError(f"{where}: {k!r} must be a string, got {type(doc[k]).__name__}")
    if isinstance(doc["id"], bool) or not isinstance(doc["id"], str | int):
        raise UsageError(f"{where}: 'id' must be a string or an integer, got {type(doc['id']).__name__}")
    spec = doc.get("spec")
    if spec is not None and not isinstance(spec, str | dict):
        raise UsageError(f"{where}: 'spec' must be a path or an object, got {type(spec).__name__}")
    for k in ("strata", "params"):
        if doc.get(k) is not None and not isinstance(doc[k], dict):
            raise UsageError(f"{where}: {k!r} must be an object, got {type(doc[k]).__name__}")
    model = doc.get("model")
    image = doc.get("input_image")
    return ManifestRow(
        id=str(doc["id"]), task=doc["task"], media=doc["media"], media_path=_resolve(base, doc["media"]),
        spec=_resolve(base, spec) if isinstance(spec, str) else spec,
        model=None if model is None else str(model), strata=dict(doc.get("strata") or {}),
        input_image=None if not image else _resolve(base, str(image)), params=dict(doc.get("params") or {}),
        line=line)


def _jsonl_docs(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as fh:
        for i, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            yield i, _json_cell(text, "the line", f"{path.name} line {i}")


def _csv_docs(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        for rec in reader:
            i = reader.line_num
            where = f"{path.name} line {i}"
            doc: dict[str, Any] = {}
            for key, val in rec.items():
                if key is None or val is None or val.strip() == "":
                    continue
                val = val.strip()
                if key in ("strata", "params"):
                    doc[key] = _json_cell(val, key, where)
                elif key.startswith(("strata.", "params.")):
                    group, sub = key.split(".", 1)
                    doc.setdefault(group, {})[sub] = val
                elif key == "spec" and val.startswith("{"):
                    doc[key] = _json_cell(val, "spec", where)
                else:
                    doc[key] = val
            yield i, doc


def read_manifest(path: str | Path) -> list[ManifestRow]:
    """Read and validate a whole manifest (JSONL, or CSV when the suffix is ``.csv``).

    Args:
        path: the manifest; relative media/spec/input_image paths resolve against its folder.

    Returns:
        The rows, in manifest order.

    Raises:
        UsageError: unreadable file, a malformed line, a row missing id/task/media (with its line
            number), or duplicate ids (all of them named).
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"manifest '{path}' does not exist or is not a file")
    base = p.resolve().parent
    docs = _csv_docs(p) if p.suffix.lower() == ".csv" else _jsonl_docs(p)
    rows = [_row_from_doc(doc, base, f"{p.name} line {i}", i) for i, doc in docs]
    counts = Counter(r.id for r in rows)
    dups = sorted(k for k, n in counts.items() if n > 1)
    if dups:
        shown = ", ".join(repr(d) for d in dups[:20]) + (f" (+{len(dups) - 20} more)" if len(dups) > 20 else "")
        raise UsageError(f"manifest '{path}' has duplicate ids: {shown}")
    return rows


# -- results file -------------------------------------------------------------------------------
class ResultsFile:
    """An append-only JSONL results file, repaired and locked on open.

    Opening cuts away a torn last line (left by a killed run), reads the ids already done and
    takes an exclusive lock, so that two runs cannot append to the same file at once.

    Attributes:
        path: the file.
        done: id -> status of every line already present.
        repaired_bytes: how many bytes of a torn last line were cut away (0 if none).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._fd)
            raise UsageError(f"'{path}' is being written by another run") from None
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        self.repaired_bytes = len(data) - keep
        if self.repaired_bytes:
            os.ftruncate(self._fd, keep)
            os.fsync(self._fd)
        self.done: dict[str, str] = {}
        for i, raw in enumerate(data[:keep].splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                doc = json.loads(raw)
                self.done[str(doc["id"])] = str(doc.get("status"))
            except (json.JSONDecodeError, KeyError, TypeError):
                self.close()
                raise UsageError(f"'{path}' line {i} is not a result line; is this a results file?") from None

    def write_line(self, line: str) -> None:
        """Append one complete line with one ``os.write`` (looping only on a short write), then fsync."""
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        while data:
            n = os.write(self._fd, data)
            data = data[n:]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # also releases the lock
            self._fd = -1

    def __enter__(self) -> ResultsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sort_results(path: str | Path) -> int:
    """Rewrite a results file sorted by id (atomically: temp file + rename); return the line count."""
    p = Path(path)
    lines = [ln for ln in p.read_text(encoding="utf-8").splitlines(keepends=True) if ln.endswith("\n")]
    lines.sort(key=lambda ln: str(json.loads(ln)["id"]))
    tmp = p.with_name(p.name + ".sorting")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(lines)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, p)
    return len(lines)


# -- one row ------------------------------------------------------------------------------------
class RowTimeout(Exception):
    """A row took longer than the batch's ``timeout_s``."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise RowTimeout("verification took longer than the per-row timeout")


@contextlib.contextmanager
def _deadline(timeout_s: float | None) -> Iterator[None]:
    armed = False
    if timeout_s:
        with contextlib.suppress(ValueError):  # not the main thread: no timeout
            old = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            armed = True
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _error_doc(row: ManifestRow, etype: str, message: str) -> dict[str, Any]:
    from mmgr.verify.api import versions
    from mmgr.verify.registry import get_task

    try:
        task_version: int | None = get_task(row.task).version
    except Exception:  # noqa: BLE001 - unknown task: the error line says so already
        task_version = None
    return {
        "schema": SCHEMA, "task": row.task, "task_version": task_version, "media": row.media, "media_info": {},
        "status": "unscorable", "reason": message, "metrics": {}, "evidence": [], "details": {},
        "params": dict(row.params), "versions": versions(), "error": {"type": etype, "message": message},
    }


def result_line(doc: dict[str, Any], row: ManifestRow) -> str:
    """A verdict document plus the row's id, model and strata (and its media as written), as one JSON line."""
    doc["id"], doc["model"], doc["strata"], doc["media"] = row.id, row.model, dict(row.strata), row.media
    return dumps(doc, indent=None)


def verify_row(row: ManifestRow, timeout_s: float | None = None) -> str:
    """Verify one manifest row and return its result line (one-line canonical JSON, no newline).

    Never raises for a problem with the row: any exception becomes an ``unscorable`` line whose
    ``error`` names its type and message. ``KeyboardInterrupt`` still stops the batch.
    """
    from mmgr.verify.api import verify_media

    try:
        with _deadline(timeout_s):
            verdict = verify_media(row.media_path, row.task, spec=row.spec, input_image=row.input_image,
                                   params=row.params)
        doc = verdict.to_dict()  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001 - one broken row must not stop the batch
        doc = _error_doc(row, type(exc).__name__, str(exc) or type(exc).__name__)
    return result_line(doc, row)


def crash_line(row: ManifestRow) -> str:
    """The result line of a row during which the worker process died on its own."""
    msg = "the worker process died while verifying this row (crash or out of memory); it was retried alone"
    return result_line(_error_doc(row, "WorkerCrash", msg), row)


# -- plugins and workers ------------------------------------------------------------------------
def load_plugins(plugins: Sequence[str]) -> None:
    """Import extra task-plugin modules (dotted names or ``.py`` paths) so that they register.

    Raises:
        UsageError: a module cannot be imported.
    """
    for spec in plugins:
        try:
            if spec.endswith(".py"):
                path = Path(spec).resolve()
                name = f"mmgr_plugin_{path.stem}"
                if name in sys.modules:
                    continue
                mod_spec = importlib.util.spec_from_file_location(name, path)
                if mod_spec is None or mod_spec.loader is None:
                    raise ImportError(f"not a Python module: {path}")
                module = importlib.util.module_from_spec(mod_spec)
                sys.modules[name] = module
                mod_spec.loader.exec_module(module)
            else:
                importlib.import_module(spec)
        except Exception as exc:  # noqa: BLE001
            sys.modules.pop(f"mmgr_plugin_{Path(spec).stem}", None)
            raise UsageError(f"cannot import plugin {spec!r}: {type(exc).__name__}: {exc}") from None


def warm_worker(plugins: Sequence[str] = ()) -> None:
    """Prepare a worker once: one thread for decoding and OpenCV, import plugins and tasks, and let
    each task warm its kernels.

    A task plugin may define ``warmup()`` (e.g. run its numba kernels on a tiny input so that
    the compiled code is loaded from the cache before the first real row).
    """
    from mmgr.parsers.video import single_threaded
    from mmgr.verify.registry import get_task, task_names

    single_threaded()  # one core per worker: workers scale, instead of contending for every core
    load_plugins(plugins)
    for name in task_names():
        warm = getattr(get_task(name), "warmup", None)
        if callable(warm):
            with contextlib.suppress(Exception):
                warm()


def run_chunk(rows: Sequence[ManifestRow], timeout_s: float | None) -> list[tuple[str, str]]:
    """Verify a chunk of rows in a worker; return ``(id, line)`` pairs."""
    return [(r.id, verify_row(r, timeout_s)) for r in rows]


# -- the batch ----------------------------------------------------------------------------------
def chunks(rows: Sequence[ManifestRow], size: int) -> list[list[ManifestRow]]:
    """Consecutive chunks of ``size`` rows (the last may be shorter)."""
    return [list(rows[i:i + size]) for i in range(0, len(rows), size)]


def auto_chunk_size(n: int, jobs: int) -> int:
    """Rows per task: small enough to balance uneven rows, large enough to amortise the IPC.

    >>> auto_chunk_size(200, 2), auto_chunk_size(10, 2), auto_chunk_size(100000, 8)
    (3, 1, 4)
    """
    return max(1, min(4, n // (jobs * 32)))


def run_batch(rows: Sequence[ManifestRow], out: str | Path, *, jobs: int = 1, executor: str = "local",
              ray_address: str | None = None, plugins: Sequence[str] = (), timeout_s: float | None = None,
              chunk_size: int | None = None, progress: Callable[[int, int], None] | None = None) -> BatchStats:
    """Verify every row not already in ``out`` and append one line per row as each finishes.

    Args:
        rows: manifest rows (``read_manifest``); ids must be unique.
        out: JSONL results file (created, repaired and resumed as needed).
        jobs: worker processes (1 = in this process; local executor only).
        executor: ``"local"`` (a process pool) or ``"ray"``.
        ray_address: an existing Ray cluster (``"auto"``, ``"ray://host:10001"``); None starts a local one.
        plugins: extra task-plugin modules to import in every worker (names or ``.py`` paths).
        timeout_s: per-row limit in seconds (None: no limit); a row over it is ``unscorable``.
        chunk_size: rows per task sent to a worker (None: ``auto_chunk_size``).
        progress: called as ``progress(finished, todo)``: once with 0 before the first row, then after
            each line (``finished`` counts this call's lines; ``todo`` excludes rows already done).

    Returns:
        ``BatchStats`` of the whole results file for these rows.

    Raises:
        UsageError: bad jobs/executor, a plugin that does not import, Ray not installed, or the
            results file is locked by another run or is not a results file.
    """
    if jobs < 1:
        raise UsageError(f"--jobs: expected >= 1, got {jobs}")
    if executor not in ("local", "ray"):
        raise UsageError(f"--executor: expected 'local' or 'ray', got {executor!r}")
    load_plugins(plugins)
    with ResultsFile(out) as results:
        if results.repaired_bytes:
            print(f"[run] {out}: cut away a torn last line ({results.repaired_bytes} bytes)", file=sys.stderr)
        todo = [r for r in rows if r.id not in results.done]
        skipped = len(rows) - len(todo)
        crashed = 0
        written = 0

        def emit(rid: str, line: str) -> None:
            nonlocal written
            results.write_line(line)
            results.done[rid] = json.loads(line)["status"]
            written += 1
            if progress is not None:
                progress(written, len(todo))

        if progress is not None:
            progress(0, len(todo))
        if todo:
            size = chunk_size or auto_chunk_size(len(todo), jobs)
            if executor == "ray":
                from mmgr.verify.batch_ray import run_ray  # Ray is an optional extra
                crashed = run_ray(todo, emit, size, plugins, timeout_s, ray_address, jobs)
            elif jobs == 1:
                warm_worker(plugins)
                for r in todo:
                    emit(r.id, verify_row(r, timeout_s))
            else:
                from mmgr.verify.batch_pool import run_pool
                crashed = run_pool(todo, emit, size, plugins, timeout_s, jobs)
        ids = {r.id for r in rows}
        statuses = Counter(s for rid, s in results.done.items() if rid in ids)
    return BatchStats(len(rows), skipped, written, dict(statuses), crashed)
