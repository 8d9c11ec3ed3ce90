"""A tiny, real task plugin for the batch tests: is every frame bright?

Loaded by path (``run_batch(..., plugins=[this file])``), so that pool and Ray workers
register it too. ``overall`` is 1 when "all frames bright" equals the spec's
``expect_bright``; the spec key ``crash`` kills the worker process (to test crash isolation).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmgr.errors import UsageError
from mmgr.parsers.types import Frame
from mmgr.verify.registry import register
from mmgr.verify.types import CheckReport, Status, Violation

SPEC_KEYS = {"expect_bright", "crash"}


@register
class ToyBrightness:
    """Every frame's mean grey level must reach ``threshold``."""

    name = "toy_bright"
    version = 1

    @dataclass(frozen=True, slots=True)
    class Params:
        threshold: int = 128
        sleep_s: float = 0.0

    def load_reference(self, spec: Mapping[str, Any] | None, input_image: Any, params: Any) -> dict[str, Any]:
        spec = dict(spec or {})
        unknown = set(spec) - SPEC_KEYS
        if unknown:
            raise UsageError(f"spec: unknown key(s) {sorted(unknown)}")
        if not isinstance(spec.get("expect_bright", True), bool):
            raise UsageError(f"spec: expect_bright must be a boolean, got {spec['expect_bright']!r}")
        return spec

    def parse(self, frames: Iterable[Frame], reference: Any, params: Any) -> tuple[float, ...]:
        means = tuple(float(f.rgb.mean()) for f in frames)
        if params.sleep_s:
            time.sleep(params.sleep_s)
        if reference.get("crash"):
            os.kill(os.getpid(), signal.SIGKILL)
        return means

    def check(self, state: tuple[float, ...], reference: Any, params: Any) -> CheckReport:
        dark = [i for i, m in enumerate(state) if m < params.threshold]
        bright = int(not dark)
        overall = int(bool(bright) == reference.get("expect_bright", True))
        ev = tuple(Violation("bright", i, (), f"mean level {state[i]:.1f} < {params.threshold}") for i in dark[:3])
        return CheckReport({"bright": bright, "level": float(np.mean(state)) / 255.0, "overall": overall},
                           Status.PASS if overall else Status.FAIL, f"{len(dark)} dark frame(s)", ev)

    def annotate(self, frame: Frame, state: Any, violations: list[Violation]) -> Any:
        return frame.rgb
