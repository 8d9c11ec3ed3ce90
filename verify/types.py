"""The verdict: what ``mmgr-verify`` returns for one input, and its JSON wire shape.

Design notes:

- ``unscorable`` is not ``fail``. When the frames a decision needs cannot be read with
  confidence, the verdict abstains (``status="unscorable"``, ``reason`` says why) and its
  metrics that could not be decided are ``None`` -- never NaN, never a guess.
- A verdict is a pure function of the input bytes, the spec and the params: no wall clock,
  no paths other than the one the user typed, no unordered containers. ``to_json`` sorts
  keys and rounds floats to 6 decimals, so two runs give byte-identical output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any

from mmgr.errors import InternalError, MmgrVerifyError, ParseError, UnscorableError, UsageError, VideoReadError

SCHEMA = "mmgr-verify/verdict@1"

__all__ = [
    "SCHEMA", "CheckReport", "InternalError", "MmgrVerifyError", "ParseError", "Status",
    "UnscorableError", "UsageError", "Verdict", "VideoReadError", "Violation", "jsonable", "dumps",
]


class Status(str, Enum):
    """Outcome of one verification."""

    PASS = "pass"
    FAIL = "fail"
    UNSCORABLE = "unscorable"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Violation:
    """One piece of evidence: a rule that failed (or a note), where and when.

    Attributes:
        rule: the metric or rule id (``"clues_changed"``, ``"cross_wall"``...).
        frame: decoded frame index where it was first seen, or None for whole-video facts.
        where: task coordinates, e.g. ``(row, col)`` of a cell; empty when not applicable.
        detail: one human sentence: what was seen and what was expected.
        box_px: (x0, y0, x1, y1) pixel box in the decoded frame, or None.
        seen, expected: short machine-readable values (a digit, a colour name...).
    """

    rule: str
    frame: int | None
    where: tuple[int, ...]
    detail: str
    box_px: tuple[int, int, int, int] | None = None
    seen: str | None = None
    expected: str | None = None

    def sort_key(self) -> tuple[int, str, tuple[int, ...]]:
        return (-1 if self.frame is None else self.frame, self.rule, self.where)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "frame": self.frame, "where": list(self.where), "detail": self.detail,
            "box_px": None if self.box_px is None else list(self.box_px),
            "seen": self.seen, "expected": self.expected,
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What a task's ``check`` returns: metrics, the outcome and its evidence.

    Attributes:
        metrics: metric name -> value in [0, 1] (ints for binary metrics), or None when undecidable.
        status: pass / fail / unscorable.
        reason: one sentence explaining the status.
        violations: evidence, in any order (the verdict sorts them).
        details: task-specific, JSON-serialisable extras (grids read, paths, counts).
    """

    metrics: Mapping[str, float | int | None]
    status: Status
    reason: str
    violations: tuple[Violation, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for k, v in self.metrics.items():
            if v is not None and (not isinstance(v, int | float) or isinstance(v, bool) or math.isnan(v)):
                raise ValueError(f"metric {k!r}: expected int, float or None, got {v!r}")
            if v is not None and not 0.0 <= float(v) <= 1.0:
                raise ValueError(f"metric {k!r}: expected a value in [0, 1], got {v!r}")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result for one input (the JSON document of ``--json``).

    Attributes:
        task, task_version: which task plugin decided, and its rule version.
        media: the path as given.
        media_info: kind, sha256, size, codec, fps, frames decoded...
        status, reason, metrics, evidence, details: see ``CheckReport``.
        params: the effective task parameters.
        versions: versions of mmgr-verify and the libraries that can change a verdict.
        error: for unscorable inputs that raised: ``{"type", "message"}``.
    """

    task: str
    task_version: int
    media: str
    media_info: Mapping[str, Any]
    status: Status
    reason: str
    metrics: Mapping[str, float | int | None]
    evidence: tuple[Violation, ...]
    details: Mapping[str, Any]
    params: Mapping[str, Any]
    versions: Mapping[str, str]
    error: Mapping[str, str] | None = None

    @property
    def exit_code(self) -> int:
        return {Status.PASS: 0, Status.FAIL: 1, Status.UNSCORABLE: 3}[self.status]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "task": self.task,
            "task_version": self.task_version,
            "media": self.media,
            "media_info": dict(self.media_info),
            "status": self.status.value,
            "reason": self.reason,
            "metrics": dict(self.metrics),
            "evidence": [v.to_dict() for v in sorted(self.evidence, key=Violation.sort_key)],
            "details": dict(self.details),
            "params": dict(self.params),
            "versions": dict(self.versions),
        }
        if self.error is not None:
            d["error"] = dict(self.error)
        return jsonable(d)


def jsonable(obj: Any) -> Any:
    """Convert to plain JSON types: floats rounded to 6 dp, NaN/inf refused, tuples to lists."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float | Fraction):
        f = float(obj)
        if not math.isfinite(f):
            raise ValueError(f"non-finite float {f!r} cannot go into a verdict")
        r = round(f, 6)
        return 0.0 if r == 0 else r
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return jsonable(obj.tolist())
    raise TypeError(f"cannot serialise {type(obj).__name__} into a verdict")


def dumps(doc: Any, *, indent: int | None = 2) -> str:
    """Canonical JSON text: sorted keys, no NaN, 6-dp floats."""
    return json.dumps(jsonable(doc), sort_keys=True, allow_nan=False, indent=indent, ensure_ascii=False)
