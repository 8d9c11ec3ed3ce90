"""ARC-AGI: exact-match verification of a drawn test output, with context drift (task "arc").

MMGR counts an ARC sample solved only when the drawn grid equals the expected test output
cell for cell. Metrics (binary unless noted):

- ``grid_integrity``: the answer grid has the expected rows x columns and every cell holds
  an ARC colour (no blank or unreadable cells).
- ``color_accuracy``: every cell has the expected colour (requires the right size).
- ``valid_solution`` = ``overall``: exact cell-wise match (status pass iff 1).
- ``cell_accuracy`` (fraction): cells matching the expected output, over the expected cell
  count (top-left aligned when the size differs).
- ``context_drift``: 1 when a demonstration or the test-input panel differs from frame 0 in
  any frame (MMGR has no such metric; its main video failure).
- ``pattern_recognition``: None (the judge's opinion; no rule decides it).

The task comes from ``--spec`` (an ARC task JSON) or ``--arc-task ID --arc-version 1|2``;
``--input-image`` is not used (the layout is read from frame 0 of the output itself).

Abstention: when the test input cannot be found in frame 0, no answer panel is found in the
final frame, or the answer has unreadable cells while every readable cell is right, the
verdict is ``unscorable`` with the reason; likewise when the answer's size differs from the
expected one but neither grid lines nor cell edges make that clear. A single confidently
wrong cell, a blank cell or a clear wrong size decides ``fail`` even when other cells are
unreadable. A cell read as another colour is not confidently wrong when the expected colour,
bled towards the cell's neighbours (``parsers.arc_grid.mixing_residuals``), explains its
colour nearly as well: a washed-out lone cell is unreadable, never a guessed fail. Conversely a
cell whose colour not even the widest plausible bleed of the expected colour explains
(``parsers.arc_bleed.wide_residuals``) is wrong even when which colour it is stays unsure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import UsageError
from mmgr.parsers import draw
from mmgr.parsers.arc import ArcParse, parse_arc
from mmgr.parsers.arc_grid import AMBIGUOUS, EMPTY, label_name
from mmgr.parsers.types import Frame
from mmgr.verify.arc_data import ArcTask, load_task, task_from_json
from mmgr.verify.registry import register
from mmgr.verify.types import CheckReport, Status, Violation

MAX_CELL_EVIDENCE = 40
MIX_DOUBT = 0.7  # see check_arc: a read this close to the expected colour's bled explanation is unsure
# see check_arc: a cell this far from anything the expected colour explains under the widest bleed is not that
# colour (on the 1200-video degraded mix, no correct cell of the right size came within 31 of this)
FAR_FROM_EXPECTED = 100.0


@dataclass(frozen=True, slots=True)
class ArcParams:
    """Parameters of the ARC task.

    Attributes:
        test_index: which test pair is asked for (None: the spec's ``test_index``, else 0).
        stable_frames: number of final frames the answer is read in (flicker is reported).
        max_side: frames are downscaled so that their longer side is at most this.
        max_demos: the input image shows at most the first this many demonstration pairs
            (MMGR shows E1-E4); later ones are not looked for (they could take the answer's panel).
    """

    test_index: int | None = None
    stable_frames: int = 4
    max_side: int = 1280
    max_demos: int = 4

    def __post_init__(self) -> None:
        if self.test_index is not None and self.test_index < 0:
            raise ValueError(f"test_index: expected >= 0, got {self.test_index}")
        if self.stable_frames < 1:
            raise ValueError(f"stable_frames: expected >= 1, got {self.stable_frames}")
        if self.max_side < 64:
            raise ValueError(f"max_side: expected >= 64, got {self.max_side}")
        if self.max_demos < 1:
            raise ValueError(f"max_demos: expected >= 1, got {self.max_demos}")


@dataclass(frozen=True, slots=True)
class ArcReference:
    """The task and which test pair is asked for.

    Attributes:
        task: the validated ARC task.
        test_index: the test pair whose output must be drawn.
    """

    task: ArcTask
    test_index: int

    def __post_init__(self) -> None:
        if not 0 <= self.test_index < len(self.task.test):
            raise ValueError(f"test_index: expected 0..{len(self.task.test) - 1}, got {self.test_index}")

    @property
    def expected(self) -> NDArray[np.int8]:
        return self.task.test_output(self.test_index)

    def roles(self, max_demos: int | None = None) -> list[tuple[str, NDArray[np.int8]]]:
        """The grids the input image may show: the demonstration pairs (the first ``max_demos``), then the test
        input."""
        out: list[tuple[str, NDArray[np.int8]]] = []
        for i, (gi, go) in enumerate(self.task.train[:max_demos]):
            out += [(f"E{i + 1}-in", gi), (f"E{i + 1}-out", go)]
        out.append(("T1-in", self.task.test[self.test_index][0]))
        return out


def _int(v: Any, what: str) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        raise UsageError(f"ARC spec: {what} must be an integer, got {v!r}") from None


def reference_from_spec(spec: Mapping[str, Any], test_index: int | None = None) -> ArcReference:
    """Build the reference from a spec: an ARC task JSON, or ``{"arc_task": ID, "arc_version": 1|2}``."""
    version = _int(spec.get("arc_version", 0) or 0, "arc_version")
    tid = str(spec.get("arc_task", "") or "")
    if "train" not in spec and "test" not in spec:
        if not tid:
            raise UsageError("ARC spec: expected 'train'/'test' pairs or an 'arc_task' id")
        task = load_task(tid, version or 2)
    else:
        task = task_from_json(spec, task_id=tid, version=version if version in (1, 2) else 0,
                              split=str(spec.get("arc_split", "") or ""))
    ti = test_index if test_index is not None else _int(spec.get("test_index", 0), "test_index")
    if not 0 <= ti < len(task.test):
        raise UsageError(f"ARC spec: test_index {ti} out of range (the task has {len(task.test)} test pairs)")
    task.test_output(ti)  # raises UsageError when the spec lacks the answer
    return ArcReference(task, ti)


@register
class ArcTaskPlugin:
    """ARC-AGI plugin (see the module docstring)."""

    name = "arc"
    version = 1
    Params = ArcParams

    def load_reference(self, spec: Mapping[str, Any] | None, input_image: NDArray[np.uint8] | None,
                       params: ArcParams) -> ArcReference:
        if spec is None:
            raise UsageError("task 'arc' needs the task: --spec task.json or --arc-task ID [--arc-version 1|2]")
        return reference_from_spec(spec, params.test_index)

    def parse(self, frames: Iterable[Frame], reference: ArcReference, params: ArcParams) -> ArcParse:
        return parse_arc(frames, reference.roles(params.max_demos), reference.expected.shape,
                         stable_frames=params.stable_frames)

    def check(self, state: ArcParse, reference: ArcReference, params: ArcParams) -> CheckReport:
        return check_arc(state, reference)

    def annotate(self, frame: Frame, state: ArcParse, violations: list[Violation]) -> NDArray[np.uint8]:
        rgb = frame.rgb
        for kp in state.panels:
            rgb = draw.box(rgb, kp.read.box.as_tuple(), draw.GREEN, 1)
        if state.slot is not None:
            rgb = draw.box(rgb, state.slot, draw.YELLOW, 1)
        if state.answer is not None and frame.index == state.answer_frame:
            rgb = draw.box(rgb, state.answer.box.as_tuple(), draw.BLUE, 2)
        for v in violations:
            if v.box_px is not None:
                rgb = draw.box(rgb, v.box_px, draw.RED if v.rule != "note" else draw.MAGENTA, 2)
        lines = [f"{v.rule} {tuple(v.where)}: {v.detail}"[:90] for v in violations[:4]]
        return draw.banner(draw.upscale_to(rgb, 256), lines or [f"frame {frame.index}"])


def _drift_evidence(state: ArcParse) -> list[Violation]:
    out = []
    for e in state.drift_events:
        out.append(Violation("context_drift", e.frame, e.cell, f"{e.role} changed from frame 0: {e.cells} cells "
                             f"differ in frame {e.frame}, first at {e.cell} ({label_name(e.was)} -> "
                             f"{label_name(e.seen)})", e.box_px, label_name(e.seen), label_name(e.was)))
    return out


def check_arc(state: ArcParse, ref: ArcReference) -> CheckReport:
    """Apply the exact-match rule to the parsed answer (pure: no pixels)."""
    exp = ref.expected
    lab = state.answer_labels
    ans = state.answer
    assert lab is not None and ans is not None  # parse raises otherwise
    f = state.answer_frame
    size_ok = lab.shape == exp.shape
    # a cell that disagrees with the expected colour is *wrong* only when the strict read agrees
    # that it is another colour; a disagreement that only the looser read sees is unreadable
    strict = state.answer_strict if state.answer_strict is not None and state.answer_strict.shape == lab.shape \
        else lab
    weak = (strict == AMBIGUOUS) & (lab != AMBIGUOUS)
    if lab.shape == exp.shape:
        lab = np.where(weak & (lab != exp), AMBIGUOUS, lab).astype(np.int8)
        res = state.answer_mix_residuals
        if res is not None and res.shape[:2] == lab.shape:
            # a washed-out cell next to others: when the expected colour, bled towards the neighbours,
            # explains it nearly as well as the colour read, the disagreement is unreadable, not wrong
            r_read = np.take_along_axis(res, np.clip(lab, 0, None).astype(np.int64)[..., None], axis=-1)[..., 0]
            r_exp = np.take_along_axis(res, exp.astype(np.int64)[..., None], axis=-1)[..., 0]
            doubt = (lab != exp) & (lab != AMBIGUOUS) & (r_read > MIX_DOUBT * r_exp)
            lab = np.where(doubt, AMBIGUOUS, lab).astype(np.int8)
    # the other direction: a cell that not even the widest bleed of the expected colour towards its
    # neighbours explains is not the expected colour, though which colour it is may stay unsure
    far = np.zeros(lab.shape, bool)
    wide = state.answer_wide_residuals
    if lab.shape == exp.shape and wide is not None and wide.shape[:2] == lab.shape:
        far = (np.take_along_axis(wide, exp.astype(np.int64)[..., None], axis=-1)[..., 0] > FAR_FROM_EXPECTED) \
            & (lab != exp)
    amb = (lab == AMBIGUOUS) & ~far
    violations = _drift_evidence(state)
    # cells compared over the top-left aligned overlap
    hh, ww = min(lab.shape[0], exp.shape[0]), min(lab.shape[1], exp.shape[1])
    sub, esub = lab[:hh, :ww], exp[:hh, :ww]
    wrong = ((sub != esub) & (sub != AMBIGUOUS)) | far[:hh, :ww]
    n_wrong, n_amb = int(wrong.sum()), int(amb.sum())
    for r, c in np.argwhere(wrong)[:MAX_CELL_EVIDENCE]:
        r, c = int(r), int(c)
        e_name = label_name(int(esub[r, c]))
        if sub[r, c] == AMBIGUOUS:
            violations.append(Violation("color_accuracy", f, (r, c), f"cell ({r}, {c}) is no shade of {e_name} "
                                        "(nor that colour bled towards its neighbours), though its own colour is "
                                        "unsure", ans.cell_box(r, c), f"not {e_name}", e_name))
            continue
        violations.append(Violation("color_accuracy", f, (r, c), f"cell ({r}, {c}) reads {label_name(int(sub[r, c]))}, "
                                    f"expected {e_name}", ans.cell_box(r, c), label_name(int(sub[r, c])), e_name))
    for r, c in np.argwhere(amb)[:MAX_CELL_EVIDENCE]:
        r, c = int(r), int(c)
        violations.append(Violation("note", f, (r, c), f"cell ({r}, {c}) is unreadable (ambiguous colour)",
                                    ans.cell_box(r, c), "ambiguous", None))
    if not size_ok:
        violations.append(Violation("grid_integrity", f, (), f"answer grid is {lab.shape[0]}x{lab.shape[1]}, expected "
                                    f"{exp.shape[0]}x{exp.shape[1]}", ans.box.as_tuple(),
                                    f"{lab.shape[0]}x{lab.shape[1]}", f"{exp.shape[0]}x{exp.shape[1]}"))
    if state.flicker:
        r, c = state.flicker[0]
        violations.append(Violation("note", f, (r, c), f"{len(state.flicker)} answer cells flicker in the final "
                                    "frames", ans.cell_box(r, c)))
    if not state.answer_in_slot:
        violations.append(Violation("note", f, (), "answer drawn outside the predicted output slot",
                                    ans.box.as_tuple()))
    # a size other than the expected one decides "fail" only on clear evidence: grid lines on every
    # boundary, or edges that the expected partition would put inside cells; else abstain
    size_clear = size_ok or ans.lines >= 0.9 or (ans.hint_inside is not None and ans.hint_inside > 0.3)
    drift = 1 if state.drift_frames else 0
    blank = bool((lab == EMPTY).any())
    if not size_clear:
        integrity: int | None = None
    elif not size_ok or blank:
        integrity = 0
    else:
        # a cell known not to be the expected colour but not read either may be blank: integrity unknown
        integrity = None if n_amb or (far & (lab == AMBIGUOUS)).any() else 1
    if not size_clear:
        valid: int | None = None
    elif (not size_ok) or n_wrong > 0:
        valid = 0
    elif n_amb:
        valid = None
    else:
        valid = 1
    metrics: dict[str, float | int | None] = {
        "grid_integrity": integrity,
        "color_accuracy": valid,
        "valid_solution": valid,
        "overall": valid,
        "cell_accuracy": None if not size_clear or (n_amb and size_ok and not n_wrong) else
        round(float(((sub == esub) & (sub != AMBIGUOUS)).sum()) / exp.size, 6),
        "context_drift": drift,
        "pattern_recognition": None,
    }
    if valid == 1:
        status, reason = Status.PASS, f"answer {exp.shape[0]}x{exp.shape[1]} matches the expected output exactly"
    elif valid == 0:
        status = Status.FAIL
        reason = (f"answer is {lab.shape[0]}x{lab.shape[1]}, expected {exp.shape[0]}x{exp.shape[1]}" if not size_ok
                  else f"{n_wrong} of {exp.size} cells differ from the expected output")
    elif not size_clear:
        status = Status.UNSCORABLE
        reason = (f"answer size unclear: its edges suggest {lab.shape[0]}x{lab.shape[1]}, expected "
                  f"{exp.shape[0]}x{exp.shape[1]}, but no grid lines confirm it")
    else:
        status = Status.UNSCORABLE
        reason = f"{n_amb} answer cells are unreadable and every readable cell is right"
    if drift:
        reason += f"; context drift in {len(state.drift_frames)} frames (first {state.drift_frames[0]})"
    details = {
        "task_id": ref.task.task_id, "arc_version": ref.task.version, "test_index": ref.test_index,
        "expected_size": list(exp.shape), "read_size": list(lab.shape), "grid_read": lab.tolist(),
        "wrong_cells": n_wrong, "ambiguous_cells": n_amb, "grid_lines": round(ans.lines, 3),
        "size_from_hint": ans.size_from_hint,
        "expected_size_inside_edges": None if ans.hint_inside is None else round(ans.hint_inside, 3),
        "answer_box_px": list(ans.box.as_tuple()),
        "answer_in_slot": state.answer_in_slot, "answer_frame": f, "frames": state.n_frames,
        "flicker_cells": [list(x) for x in state.flicker[:50]], "drift_frames": list(state.drift_frames[:100]),
        "drift_frame_count": len(state.drift_frames),
        "panels": {kp.role: {"box_px": list(kp.read.box.as_tuple()), "agreement": round(kp.agreement, 4)}
                   for kp in state.panels},
        "slot_px": None if state.slot is None else list(state.slot), "notes": list(state.notes),
    }
    return CheckReport(metrics, status, reason, tuple(violations), details)
