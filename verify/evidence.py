"""``--evidence DIR``: annotated PNGs of the frames that decided each failure.

Frames are not kept in memory during verification; the few that evidence needs are decoded
again here (a second pass only when evidence was asked for). File names are
``<media-stem>_<rule>_f<frame>.png``; the task plugin draws on each frame.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from mmgr.errors import VideoReadError
from mmgr.parsers.draw import write_png
from mmgr.parsers.video import open_media
from mmgr.verify.registry import get_task
from mmgr.verify.types import Verdict, Violation


def write_evidence(verdict: Verdict, state: Any, out_dir: Path, *, max_images: int = 24) -> list[Path]:
    """Write annotated frames for the verdict's evidence; returns the files written (sorted).

    Args:
        verdict: the verdict whose evidence to draw.
        state: the task's parsed state (from ``verify_media(..., keep_state=True)``).
        out_dir: folder to write into (created).
        max_images: at most this many images per input.
    """
    if state is None:
        return []
    plugin = get_task(verdict.task)
    by_frame: dict[int, list[Violation]] = defaultdict(list)
    for v in sorted(verdict.evidence, key=Violation.sort_key):
        if v.frame is not None:
            by_frame[v.frame].append(v)
    wanted = sorted(by_frame)[:max_images]
    if not wanted:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(verdict.media).stem or "media"
    written: list[Path] = []
    try:
        reader = open_media(verdict.media, max_side=int(verdict.params.get("max_side", 1280)))
        targets = set(wanted)
        for frame in reader:
            if frame.index in targets:
                vs = by_frame[frame.index]
                rgb = plugin.annotate(frame, state, vs)
                rules = "+".join(sorted({v.rule for v in vs}))
                path = out_dir / f"{stem}_{rules}_f{frame.index:05d}.png"
                write_png(path, rgb)
                written.append(path)
                targets.discard(frame.index)
                if not targets:
                    break
    except VideoReadError:
        pass
    return sorted(written)
