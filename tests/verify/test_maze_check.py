"""Maze rules on truth states (no pixels): planted violations -> the expected metrics and evidence.

Each state is built by hand from a known maze: the walls every frame shows, the markers and
the agent's track; ``check`` must find exactly the planted defect, at the planted frame.
"""

from __future__ import annotations

import numpy as np
import pytest

from mmgr.parsers.maze import FrameObs, Marker, MazeRef, MazeState
from mmgr.parsers.maze_grid import Grid, Palette
from mmgr.verify.registry import get_task
from mmgr.verify.tasks.maze import Params, reference_from_spec
from mmgr.verify.types import Status

# 3x3 maze, a snake: (0,0)-(0,1)-(0,2)-(1,2)-(1,1)-(1,0)-(2,0)-(2,1)-(2,2)
CONN = np.zeros((2, 3, 3), bool)
CONN[1, 0, 0] = CONN[1, 0, 1] = True
CONN[0, 0, 2] = True
CONN[1, 1, 0] = CONN[1, 1, 1] = True
CONN[0, 1, 0] = True
CONN[1, 2, 0] = CONN[1, 2, 1] = True
SNAKE = [(0, 0), (0, 1), (0, 2), (1, 2), (1, 1), (1, 0), (2, 0), (2, 1), (2, 2)]
START, GOAL = (0, 0), (2, 2)
GRID = Grid(3, 3, 10.0, 10.0, 20.0, 20.0, 1.0)
PAL = Palette((0.0, 0.0, 0.0), (255.0, 255.0, 255.0), "block")
PLUGIN = get_task("maze")


def _walls() -> np.ndarray:
    w = np.where(CONN, 0.0, 1.0).astype(np.float32)
    w[0, -1, :] = -1
    w[1, :, -1] = -1
    return w


def _mk(hue: str, cell: tuple[int, int], area: float = 0.2) -> Marker:
    return Marker(hue, cell[1] + 0.5, cell[0] + 0.5, area, (0, 0, 1, 1), (0, 0, 0))


def _centre(cell: tuple[int, int]) -> tuple[float, float]:
    return cell[1] + 0.5, cell[0] + 0.5


def _walk(cells: list[tuple[int, int]]) -> list[tuple[float, float]]:
    out = []
    for a, b in zip(cells[:-1], cells[1:], strict=True):
        (xa, ya), (xb, yb) = _centre(a), _centre(b)
        out += [(xa, ya), ((xa + xb) / 2, (ya + yb) / 2)]
    return [*out, _centre(cells[-1])]


def _state(track: list, *, walls: list | None = None, goal_markers: list | None = None,
           dups: list[int] | None = None, skipped: set[int] | None = None) -> MazeState:
    frames = []
    for i, p in enumerate(track):
        ms = [_mk("red", GOAL)] if goal_markers is None else list(goal_markers[i])
        if p is not None:
            ms.append(Marker("green", p[0], p[1], 0.2, (0, 0, 1, 1), (0, 255, 0)))
        if skipped and i in skipped:
            frames.append(FrameObs(i, None, None, (), "no maze grid found"))
            continue
        frames.append(FrameObs(i, GRID, _walls() if walls is None else walls[i], tuple(ms)))
    ref = MazeRef(CONN, START, GOAL, "green", "red", None, "spec")
    return MazeState(ref, PAL, GRID, tuple(frames), "green", "moves", tuple(track),
                     tuple(dups or [1 if p is not None else 0 for p in track]), len(track), False, _walls())


def _check(state: MazeState, **params):  # type: ignore[no-untyped-def]
    return PLUGIN.check(state, state.ref, Params(**params))


def test_clean_walk_passes() -> None:
    rep = _check(_state(_walk(SNAKE) + [_centre(GOAL)] * 2))
    assert rep.status is Status.PASS
    assert rep.metrics == {"maze_changed": 0, "cross_wall": 0, "target_achievement": 1, "action_reflection": 0,
                           "overall": 1, "ever_reached": 1}
    assert rep.details["path_length"] == 8 == rep.details["shortest_path_length"]


def test_one_frame_clip_into_wall_is_caught() -> None:
    track = _walk(SNAKE)
    track.insert(3, (1.5, 0.92))  # at (0,1), centre pushed into the closed wall below it, for one frame
    rep = _check(_state(track))
    assert rep.metrics["cross_wall"] == 1 and rep.metrics["overall"] == 0
    v = next(v for v in rep.violations if v.rule == "cross_wall")
    assert v.frame == 3 and v.where == (0, 1) and "inside the wall between (0,1) and (1,1)" in v.detail


def test_crossing_between_two_frames_is_caught() -> None:
    # (0,0) -> (1,0) is walled; the agent is on either side in consecutive frames
    track = [_centre((0, 0)), _centre((1, 0)), *_walk([(1, 0), (2, 0), (2, 1), (2, 2)])]
    rep = _check(_state(track))
    v = next(v for v in rep.violations if v.rule == "cross_wall")
    assert rep.metrics["cross_wall"] == 1 and v.frame == 1
    assert "(0, 0)->(1, 0) through a wall between frames 0 and 1" in v.detail


def test_teleport_is_caught() -> None:
    track = [_centre((0, 0)), _centre((2, 2))]
    rep = _check(_state(track + [_centre(GOAL)]))
    assert rep.metrics["cross_wall"] == 1 and rep.metrics["target_achievement"] == 1
    assert any("teleport" in v.detail and v.frame == 1 for v in rep.violations)


def test_reappearing_too_far_after_a_gap_is_a_teleport() -> None:
    track = [_centre((0, 0)), None, _centre((2, 2))]
    rep = _check(_state(track))
    assert any("reappeared" in v.detail for v in rep.violations)


def test_duplicate_agent_needs_two_frames() -> None:
    track = _walk(SNAKE)
    dups = [1] * len(track)
    dups[4] = 2
    assert _check(_state(track, dups=dups)).metrics["cross_wall"] == 0
    dups[5] = 2
    rep = _check(_state(track, dups=dups))
    assert rep.metrics["cross_wall"] == 1 and any("duplicated agent" in v.detail for v in rep.violations)


def test_erased_wall_is_a_change_glitch_is_not() -> None:
    track = _walk(SNAKE)
    walls = [_walls() for _ in track]
    walls[2][0, 0, 0] = 0.0  # one-frame glitch on the wall below (0,0)
    assert _check(_state(track, walls=walls)).metrics["maze_changed"] == 0
    for w in walls[6:]:
        w[1, 0, 2 - 1] = 1.0  # nothing: (0,1)-(0,2) is open, reading it as wall is an *added* wall
    rep = _check(_state(track, walls=walls))
    assert rep.metrics["maze_changed"] == 1
    v = next(v for v in rep.violations if v.rule == "maze_changed")
    assert v.frame == 6 and v.where == (0, 1) and "added" in v.detail


def test_goal_moved_is_a_change() -> None:
    track = _walk(SNAKE)
    goals = [[_mk("red", GOAL)] if i < 2 else [_mk("red", (0, 2))] for i in range(len(track))]
    rep = _check(_state(track, goal_markers=goals))
    assert rep.metrics["maze_changed"] == 1
    assert any(v.frame == 2 and "goal marker missing" in v.detail for v in rep.violations)
    assert any("appears at (0, 2)" in v.detail for v in rep.violations)


def test_goal_turning_into_a_trophy_after_arrival_is_a_decoration() -> None:
    track = _walk(SNAKE) + [None, None]
    arrive = len(track) - 3
    goals = [[_mk("red", GOAL)] if i < arrive else [_mk("yellow", GOAL)] for i in range(len(track))]
    rep = _check(_state(track, goal_markers=goals))
    assert rep.metrics["maze_changed"] == 0 and rep.metrics["target_achievement"] == 1
    assert rep.details["decorations"] and "yellow" in rep.details["decorations"][0]
    assert rep.details["target"]["vanished_after_frame"] == arrive


def test_short_and_overshoot_fail_target() -> None:
    short = _check(_state(_walk(SNAKE[:-1])))
    assert (short.metrics["target_achievement"], short.metrics["ever_reached"]) == (0, 0)
    over = _check(_state(_walk([*SNAKE, (2, 1)])))
    assert (over.metrics["target_achievement"], over.metrics["ever_reached"], over.metrics["action_reflection"]) == (
        0, 1, 1)
    assert any(v.rule == "target_achievement" and "reached the goal before" in v.detail for v in over.violations)


def test_lost_agent_abstains() -> None:
    track = _walk(SNAKE[:4]) + [None] * 8
    rep = _check(_state(track))
    assert rep.status is Status.UNSCORABLE and "lost" in rep.reason
    assert rep.metrics["overall"] is None


def test_too_many_unregistered_frames_abstain() -> None:
    track = _walk(SNAKE)
    rep = _check(_state(track, skipped=set(range(1, len(track)))))
    assert rep.status is Status.UNSCORABLE and "could not be registered" in rep.reason


@pytest.mark.parametrize(("patch", "msg"), [({"start": [0, 0], "goal": [0, 0]}, "same cell"),
                                            ({"connections": np.ones((2, 3, 3), bool).tolist()}, "last row")])
def test_reference_validation(patch: dict, msg: str) -> None:
    from mmgr.errors import UsageError
    spec = {"task": "maze", "rows": 3, "cols": 3, "connections": CONN.tolist(), "start": [0, 0], "goal": [2, 2]}
    spec.update(patch)
    with pytest.raises(UsageError, match=msg):
        reference_from_spec(spec)


def test_maze_dataset_style_spec_is_accepted() -> None:
    from mmgr.verify.tasks.maze import spec_from_maze_dataset

    class FakeMaze:  # the attributes of maze-dataset's TargetedLatticeMaze that we use
        connection_list = CONN
        start_pos = np.array([0, 0])
        end_pos = np.array([2, 2])

    ref = reference_from_spec(spec_from_maze_dataset(FakeMaze()))
    assert ref.start == (0, 0) and ref.goal == (2, 2) and (ref.conn == CONN).all()
