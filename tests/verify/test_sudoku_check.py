"""Sudoku checker: truth states with planted violations -> the right metrics and evidence.

No pixels here: states are built from grids, as the parser would produce them.
"""

import numpy as np
import pytest

from mmgr.parsers.sudoku import BLANK, NO_BOARD, OK
from mmgr.verify.tasks.sudoku import SudokuParams, SudokuReference, SudokuState, _check
from mmgr.verify.types import Status, dumps

SOL = np.array([[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 1]], np.int8)
PUZ = SOL.copy()
PUZ[[0, 0, 1, 2, 3, 3], [1, 3, 2, 0, 1, 2]] = 0  # 6 empty cells; unique (checked below)
EMPTY = list(zip(*np.nonzero(PUZ == 0), strict=True))


def _state(grids, *, status=None, occluded=None, is_video=True):
    g = np.asarray(grids, np.int8)
    t = g.shape[0]
    st = np.full(t, OK, np.int8) if status is None else np.asarray(status, np.int8)
    occ = np.zeros(g.shape, bool) if occluded is None else np.asarray(occluded, bool)
    d = np.where(occ, -1, g).astype(np.int8)
    d[st != OK] = -1
    return SudokuState(4, d, np.ones(g.shape, np.float32), occ, st, np.zeros((t, 4, 2)),
                       np.zeros((t, 4, 4, 4), np.float32), is_video, np.zeros(t, bool),
                       np.full(t, 125, np.int32))


def _solve_frames(order=EMPTY, hold=2, start=None):
    cur = PUZ.copy() if start is None else start.copy()
    frames = [cur.copy()] * 3
    for r, c in order:
        cur[r, c] = SOL[r, c]
        frames += [cur.copy()] * hold
    return frames + [cur.copy()] * 2


REF = SudokuReference(4, PUZ, None, "spec")
P = SudokuParams()


def test_correct_stepwise_solve_passes():
    rep = _check(_state(_solve_frames()), REF, P)
    assert rep.status is Status.PASS
    assert rep.metrics == {"clues_changed": 0, "constraints_violation": 0.0, "completion_accuracy": 1.0,
                           "action_reflection": 1, "overall": 1}
    assert rep.details["fills"] == 6 and rep.details["fill_frames"] == 6


def test_puzzle_read_from_frame0_when_no_reference():
    rep = _check(_state(_solve_frames()), None, P)
    assert rep.status is Status.PASS and rep.details["puzzle_source"] == "frame0"


def test_wrong_digit_fails_completion_and_constraints():
    frames = _solve_frames()
    r, c = EMPTY[0]
    for f in frames[-6:]:
        f[r, c] = SOL[r, c] % 4 + 1  # another digit, repeats in its row
    rep = _check(_state(frames), REF, P)
    assert rep.status is Status.FAIL
    assert rep.metrics["completion_accuracy"] == pytest.approx(5 / 6)
    assert rep.metrics["constraints_violation"] > 0
    bad = [v for v in rep.violations if v.rule == "completion_accuracy"]
    assert [v.where for v in bad] == [(r, c)] and bad[0].expected == str(SOL[r, c])


def test_clue_overwritten_then_restored_is_still_a_change():
    frames = _solve_frames()
    for f in frames[5:8]:
        f[0, 0] = 3
    rep = _check(_state(frames), REF, P)
    assert rep.metrics["clues_changed"] == 1 and rep.metrics["overall"] == 0
    v = next(v for v in rep.violations if v.rule == "clues_changed")
    assert (v.frame, v.where, v.seen, v.expected) == (5, (0, 0), "3", "1")


def test_one_frame_misread_of_a_clue_is_not_a_change():
    frames = _solve_frames()
    frames[6] = frames[6].copy()
    frames[6][0, 0] = 3
    rep = _check(_state(frames), REF, P)
    assert rep.metrics["clues_changed"] == 0 and rep.status is Status.PASS


def test_all_at_once_fails_action_reflection_only():
    frames = [PUZ.copy()] * 3 + [SOL.copy()] * 4
    rep = _check(_state(frames), REF, P)
    assert rep.metrics["action_reflection"] == 0 and rep.metrics["overall"] == 1


def test_overwrite_of_a_correct_entry_fails_action_reflection():
    frames = _solve_frames()
    r, c = EMPTY[2]
    for f in frames[-4:-1]:
        f[r, c] = SOL[r, c] % 4 + 1
    frames.append(frames[-1].copy())
    frames.append(frames[-1].copy())
    rep = _check(_state(frames), REF, P)
    assert rep.metrics["action_reflection"] == 0
    assert any(v.rule == "action_reflection" and v.where == (r, c) for v in rep.violations)


def test_static_video():
    rep = _check(_state([PUZ] * 6), REF, P)
    assert rep.metrics["completion_accuracy"] == 0 and rep.metrics["action_reflection"] == 0
    assert rep.status is Status.FAIL


def test_image_has_no_action_reflection():
    rep = _check(_state([SOL], is_video=False), REF, P)
    assert rep.metrics["action_reflection"] is None and rep.status is Status.PASS


def test_unreadable_final_cell_counts_as_not_filled():
    frames = _solve_frames()
    occ = np.zeros((len(frames), 4, 4), bool)
    r, c = EMPTY[-1]
    # never seen filled: occluded from the frame it was written on
    occ[-4:, r, c] = True
    frames2 = [f.copy() for f in frames]
    for f in frames2[-4:]:
        f[r, c] = 0
    rep = _check(_state(frames2, occluded=occ), REF, P)
    assert rep.metrics["completion_accuracy"] == pytest.approx(5 / 6)


def test_occlusion_at_the_end_keeps_last_seen_values():
    frames = _solve_frames()
    occ = np.zeros((len(frames), 4, 4), bool)
    occ[-2:, :2, :2] = True  # a hand over the top-left box in the last two frames
    rep = _check(_state(frames, occluded=occ), REF, P)
    assert rep.status is Status.PASS


def test_blank_final_frame_fails():
    frames = _solve_frames() + [np.zeros((4, 4), np.int8)] * 3
    st = [OK] * (len(frames) - 3) + [BLANK] * 3
    rep = _check(_state(frames, status=st), REF, P)
    assert rep.status is Status.FAIL and rep.metrics["clues_changed"] == 1
    assert rep.metrics["completion_accuracy"] == 0


def test_unfindable_final_frame_is_unscorable():
    frames = _solve_frames() + [np.zeros((4, 4), np.int8)]
    st = [OK] * (len(frames) - 1) + [NO_BOARD]
    rep = _check(_state(frames, status=st), REF, P)
    assert rep.status is Status.UNSCORABLE and "final frame" in rep.reason
    assert all(v is None for v in rep.metrics.values())


def test_no_board_anywhere_is_unscorable():
    rep = _check(_state([PUZ] * 3, status=[NO_BOARD] * 3), None, P)
    assert rep.status is Status.UNSCORABLE and "no Sudoku board" in rep.reason


def test_unreadable_frame0_without_spec_is_unscorable():
    occ = np.zeros((3, 4, 4), bool)
    occ[:, 1, 1] = True
    rep = _check(_state([PUZ] * 3, occluded=occ), None, P)
    assert rep.status is Status.UNSCORABLE and "(1, 1)" in rep.reason


def test_cell_unreadable_in_frame0_is_read_in_the_opening_frames():
    frames = _solve_frames()
    occ = np.zeros((len(frames), 4, 4), bool)
    occ[0, 1, 1] = True
    rep = _check(_state(frames, occluded=occ), None, P)
    assert rep.status is Status.PASS and rep.details["puzzle"] == "".join(str(v) for v in PUZ.ravel())


def test_opening_ends_with_the_first_write():
    """A cell unreadable until after the first write is not guessed from later frames."""
    frames = _solve_frames()
    occ = np.zeros((len(frames), 4, 4), bool)
    occ[:4, 1, 1] = True  # hidden during the opening (frames 0-2) and the first written frame
    rep = _check(_state(frames, occluded=occ), None, P)
    assert rep.status is Status.UNSCORABLE


def test_puzzle_with_two_solutions_is_unscorable():
    two = np.zeros((4, 4), np.int8)
    two[0] = [1, 2, 3, 4]
    rep = _check(_state([two] * 3), SudokuReference(4, two, None, "spec"), P)
    assert rep.status is Status.UNSCORABLE and "more than one solution" in rep.reason


def test_puzzle_is_unique():
    from mmgr.solvers.sudoku import count_solutions
    assert count_solutions(PUZ)[0] == 1


def test_image_without_puzzle_abstains_but_reports_the_rule_check():
    bad = SOL.copy()
    bad[0, 0] = 2  # repeats 2 in row 0, column 0 and box 0
    rep = _check(_state([bad], is_video=False), None, P)
    assert rep.status is Status.UNSCORABLE and "--input-image" in rep.reason
    assert rep.metrics["constraints_violation"] == pytest.approx(3 / 12)
    assert rep.metrics["overall"] is None and rep.metrics["clues_changed"] is None


@pytest.mark.parametrize("with_spec", [False, True])
def test_solver_runs_beside_the_parse_and_the_check_uses_its_answer(with_spec):
    """Once frame 0 (or the spec) gives the puzzle, CP-SAT runs in a thread while frames are parsed;
    the check then finds the answer kept per puzzle, and the verdict is what a cold check gives."""
    from pathlib import Path

    from mmgr.verify import api
    from mmgr.verify.tasks import sudoku as T

    examples = Path(api.__file__).resolve().parent / "examples"
    spec = examples / "sudoku_solve.json" if with_spec else None
    T._solver_answer.cache_clear()
    seen: list[str] = []
    original_check = T._check

    def check_spy(state, reference, params):
        info = T._solver_answer.cache_info()
        seen.append(f"{info.currsize}/{info.hits}")  # computed during the parse, not asked yet
        return original_check(state, reference, params)

    T._check = check_spy
    try:
        warm = api.verify_media(examples / "sudoku_solve.mp4", "sudoku", spec=spec)
    finally:
        T._check = original_check
    assert seen == ["1/0"]
    assert T._solver_answer.cache_info().hits == 1
    T._solver_answer.cache_clear()
    T._start_solver, started = (lambda *a: None), T._start_solver
    try:
        cold = api.verify_media(examples / "sudoku_solve.mp4", "sudoku", spec=spec)
    finally:
        T._start_solver = started
    assert dumps(warm.to_dict()) == dumps(cold.to_dict())
    assert warm.status is Status.PASS


@pytest.mark.parametrize("prefetch", [True, False])
def test_the_solver_call_is_made_by_the_decoding_thread(prefetch, monkeypatch):
    """With frames decoded in a thread of their own, that thread makes the solver call (once it is
    ahead of the parse, or at its end); without one, the call runs in a thread of its own."""
    import threading
    from pathlib import Path

    from mmgr.parsers import video as V
    from mmgr.verify import api
    from mmgr.verify.tasks import sudoku as T

    examples = Path(api.__file__).resolve().parent / "examples"
    T._solver_answer.cache_clear()
    where: list[tuple[str, int]] = []
    readers: list[V.MediaReader] = []
    answer, opened = T._solver_answer, V.MediaReader.__init__

    def spy(*a):
        where.append((threading.current_thread().name, readers[0].frames_decoded))
        return answer(*a)

    def keep(self, *a, **k):
        opened(self, *a, **k)
        self.prefetch = prefetch
        readers.append(self)

    spy.cache_clear = answer.cache_clear  # type: ignore[attr-defined]
    monkeypatch.setattr(T, "_solver_answer", spy)
    monkeypatch.setattr(V.MediaReader, "__init__", keep)
    monkeypatch.setattr(V, "_PREFETCH", 8)  # (as imported: an earlier test may have made this process single-threaded)
    v = api.verify_media(examples / "sudoku_solve.mp4", "sudoku")
    total = readers[0].frames_decoded
    assert v.status is Status.PASS and total > 10
    beside, check = where  # the call beside the parse, then the check's (answered from the cache)
    if prefetch:
        assert beside[0] == "mmgr-decode" and beside[1] <= total
    else:
        assert beside[0] not in ("mmgr-decode", threading.current_thread().name)  # a thread of its own
    assert check == (threading.current_thread().name, total)


def test_background_call_is_joined_after_it_ends_and_hands_on_its_error():
    import threading
    import time

    from mmgr.verify.tasks import sudoku as T

    gate, log = threading.Event(), []

    def slow() -> None:
        gate.wait(5)
        time.sleep(0.05)
        log.append("done")

    job = T._Background(slow)
    gate.set()
    job.join()
    assert log == ["done"]
    job.join()  # a second join returns at once

    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        T._Background(failing).join()


def test_verification_restores_the_gil_switch_interval():
    import sys
    from pathlib import Path

    from mmgr.verify import api

    examples = Path(api.__file__).resolve().parent / "examples"
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.004)
    try:
        v = api.verify_media(examples / "sudoku_solve.mp4", "sudoku")
        assert sys.getswitchinterval() == pytest.approx(0.004)
    finally:
        sys.setswitchinterval(before)
    assert v.status is Status.PASS


def test_clear_caches_forgets_solver_answers():
    from pathlib import Path

    from mmgr.verify import api
    from mmgr.verify.tasks import sudoku as T

    examples = Path(api.__file__).resolve().parent / "examples"
    api.verify_media(examples / "sudoku_solve.mp4", "sudoku")
    assert T._solver_answer.cache_info().currsize >= 1
    api.clear_caches()
    assert T._solver_answer.cache_info().currsize == 0
