"""``verify_media``: one input in, one ``Verdict`` out (the library entry point).

    >>> from mmgr.verify.api import verify_media            # doctest: +SKIP
    >>> v = verify_media("out.mp4", "sudoku")               # doctest: +SKIP
    >>> v.status, v.metrics["overall"]                      # doctest: +SKIP
    (<Status.PASS: 'pass'>, 1)

Errors in the *input* (unreadable media, no board found) become ``unscorable`` verdicts;
errors in the *request* (unknown task, bad param, invalid spec) raise ``UsageError``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import sys
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from threadpoolctl import ThreadpoolController

from mmgr.errors import UnscorableError, UsageError, VideoReadError
from mmgr.parsers.video import open_media, opencv_threads, read_frames
from mmgr.verify.registry import get_task, make_params
from mmgr.verify.types import CheckReport, Status, Verdict

__all__ = ["clear_caches", "load_spec", "verify_media", "versions"]


@functools.lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    """Versions of mmgr-verify and of every library that can change a verdict."""
    out: dict[str, str] = {}
    for dist in ("mmgr-verify", "numpy", "numba", "ortools", "opencv-python-headless", "av"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            if dist == "opencv-python-headless":
                try:
                    out[dist] = metadata.version("opencv-python")
                except metadata.PackageNotFoundError:
                    out[dist] = "absent"
            else:
                out[dist] = "absent"
    return out


def load_spec(spec: str | Path | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Read a spec from a JSON file path or take an inline mapping; raise ``UsageError`` if invalid."""
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return dict(spec)
    p = Path(spec)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read spec '{spec}': {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise UsageError(f"spec '{spec}' is not valid JSON ({where}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise UsageError(f"spec '{spec}' must hold a JSON object, got {type(doc).__name__}")
    return doc


def _media_info(reader: Any) -> dict[str, Any]:
    info = reader.info
    return {
        "kind": info.kind, "sha256": info.sha256, "width": info.width, "height": info.height,
        "codec": info.codec, "container": info.container,
        "fps": None if info.avg_rate is None else float(info.avg_rate),
        "scale": info.scale, "frames_decoded": reader.frames_decoded,
    }


def _unscorable(task: str, version: int, media: str, info: dict[str, Any], params: Any,
                exc: Exception) -> Verdict:
    reason = str(exc)
    return Verdict(task, version, media, info, Status.UNSCORABLE, reason, {}, (), {},
                   dataclasses.asdict(params), versions(),
                   {"type": type(exc).__name__, "message": reason})


_POOLS: ThreadpoolController | None = None
_SWITCH_S = 0.0002  # the GIL switch interval while a task runs (see _one_thread)


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """One BLAS thread and one OpenCV thread while a task runs (the decoder keeps its own threads),
    and a 0.2 ms GIL switch interval.

    The thread pools are looked up once per process (a lookup costs milliseconds, as much as
    parsing a short clip). The decoding thread needs the GIL for a moment after each FFmpeg call;
    with CPython's default 5 ms interval it can wait that long behind the parse's Python code
    (measured: 3-8% of the time on small videos); 1 ms left ~1.3% of the Sudoku light streams'
    time to gain (0.2 ms: 25.66 -> 25.32 ms a video; heavy streams 65.71 -> 65.43 ms).
    Results do not depend on any of this; speed does.
    """
    global _POOLS
    if _POOLS is None:
        _POOLS = ThreadpoolController()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_S))
    try:
        with _POOLS.limit(limits=1, user_api="blas"), opencv_threads(1):
            yield
    finally:
        sys.setswitchinterval(interval)


def clear_caches() -> None:
    """Forget what was kept from earlier inputs: solver answers per puzzle, colour tables per maze
    palette, resize tables per frame size, wall-sample boxes per grid.

    The next verification then costs what a first one in a fresh process costs, less imports and
    compiled kernels. Verdicts never depend on these caches (they hold pure functions' results);
    the benchmarks call this before each timed run, so that repeats of one file are not timed warm.
    """
    from mmgr.parsers import maze, maze_colour, maze_grid
    from mmgr.verify.tasks import sudoku

    for fn in (sudoku._solver_answer, maze._area_tables, maze_colour._lut, maze_colour._floor_offsets,
               maze_grid._read_boxes):
        fn.cache_clear()


def verify_media(media: str | Path, task: str, *, spec: str | Path | Mapping[str, Any] | None = None,
                 input_image: str | Path | None = None, params: Mapping[str, Any] | None = None,
                 keep_state: bool = False) -> Verdict | tuple[Verdict, Any]:
    """Verify one media input against a task's rules.

    Args:
        media: video, GIF, image or folder of frames.
        task: registered task name (``"sudoku"``...).
        spec: reference as a JSON path or mapping (authoritative when given).
        input_image: the puzzle image given to the generator (for image outputs).
        params: task parameter overrides (strings are coerced to the field types).
        keep_state: also return the parsed state (for evidence images).

    Returns:
        The ``Verdict`` (and the parsed state, or None, when ``keep_state``).

    Raises:
        UsageError: unknown task or param, unreadable or invalid spec or input image.
    """
    plugin = get_task(task)
    p = make_params(plugin, params or {})
    spec_doc = load_spec(spec)
    if spec_doc is not None and spec_doc.get("task", task) != task:
        raise UsageError(f"spec is for task {spec_doc.get('task')!r}, not {task!r}")
    image = None
    if input_image is not None:
        try:
            image = read_frames(input_image, max_side=getattr(p, "max_side", 1280)).rgb[0]
        except VideoReadError as exc:
            raise UsageError(f"--input-image: {exc}") from None
    media_s = str(media)
    info: dict[str, Any] = {}
    state = None
    try:
        # One BLAS thread: small matrix products (digit and colour models) are ~8x faster without
        # thread hand-offs on a busy machine, and a fixed summation order keeps results identical;
        # one OpenCV thread: frames are small, and the decoder already runs on another core.
        with _one_thread():
            reference = plugin.load_reference(spec_doc, image, p)
            reader = open_media(media_s, max_side=getattr(p, "max_side", 1280),
                                min_frames=getattr(p, "min_frames_video", 1))
            info = _media_info(reader)
            state = plugin.parse(reader, reference, p)
            info = _media_info(reader)
            report: CheckReport = plugin.check(state, reference, p)
    except UnscorableError as exc:
        v = _unscorable(plugin.name, plugin.version, media_s, info, p, exc)
        return (v, state) if keep_state else v
    verdict = Verdict(plugin.name, plugin.version, media_s, info, report.status, report.reason,
                      report.metrics, report.violations, report.details, dataclasses.asdict(p), versions())
    return (verdict, state) if keep_state else verdict
