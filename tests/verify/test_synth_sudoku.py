"""The synthetic Sudoku renderer: scenario truth, metric definitions, geometry, media files, make CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mmgr.parsers.video import read_frames
from mmgr.solvers.sudoku import count_solutions, make_puzzle, puzzle_from_string
from mmgr.solvers.types import SolveStatus
from mmgr.verify.cli import main
from mmgr.verify.synth import sudoku as V
from mmgr.verify.synth.media import Degradation, degrade
from mmgr.verify.synth.sudoku_board import BoardPainter, random_style

P4, S4 = make_puzzle(4, "easy", np.random.default_rng(1))
P9, S9 = make_puzzle(9, "easy", np.random.default_rng(2))
SMALL = V.SudokuStyle(canvas=(240, 200))  # for tests about timelines, not pixels

# scenario -> metrics every rendering of it must have (None = not pinned: depends on the draw)
EXPECTED = {
    "correct": dict(clues_changed=0, constraints_violation=0.0, completion_accuracy=1.0, action_reflection=1,
                    overall=1),
    "wrong_digit": dict(clues_changed=0, action_reflection=1, overall=0),
    "clue_overwritten": dict(clues_changed=1, overall=0),
    "clue_overwritten_restored": dict(clues_changed=1, constraints_violation=0.0, completion_accuracy=1.0,
                                      action_reflection=1, overall=0),
    "all_at_once": dict(clues_changed=0, completion_accuracy=1.0, action_reflection=0, overall=1),
    "overwrite_correct": dict(clues_changed=0, completion_accuracy=1.0, action_reflection=0, overall=1),
    "static": dict(clues_changed=0, constraints_violation=0.0, completion_accuracy=0.0, action_reflection=0,
                   overall=0),
    "blank_final": dict(clues_changed=1, constraints_violation=0.0, completion_accuracy=0.0, action_reflection=0,
                        overall=0),
    "partial": dict(clues_changed=0, constraints_violation=0.0, action_reflection=1, overall=0),
    "occlusion": dict(clues_changed=0, constraints_violation=0.0, completion_accuracy=1.0, action_reflection=1,
                      overall=1),
}


def _ink(frame: np.ndarray, painter: BoardPainter) -> np.ndarray:
    """(N, N) bool: some pixel inside the cell differs clearly from the background."""
    out = np.zeros((painter.n, painter.n), bool)
    bg = np.array(painter.style.background, np.int16)
    for r in range(painter.n):
        for c in range(painter.n):
            x0, y0, x1, y1 = painter.interiors[r, c]
            out[r, c] = bool((np.abs(frame[y0:y1, x0:x1].astype(np.int16) - bg).max(axis=2) > 80).any())
    return out


@pytest.mark.parametrize("scenario", V.SCENARIOS)
@pytest.mark.parametrize("size", [4, 9])
def test_scenario_truth(scenario: str, size: int) -> None:
    p, s = (P4, S4) if size == 4 else (P9, S9)
    frames, t = V.render_frames(p, s, scenario, seed=5, fill_order="random")
    assert len(frames) == t.n_frames and t.scenario == scenario
    for k, v in EXPECTED[scenario].items():
        assert t.metrics[k] == v, (k, t.metrics)
    # frame 0 is the untouched puzzle, held >= 3 frames; the final state is held >= 4 frames
    assert all(np.array_equal(t.grids[i], p) for i in range(3))
    assert all(np.array_equal(t.grids[-i], t.grids[-1]) for i in range(1, 5))
    assert not t.occluded[-4:].any()
    assert t.metrics == V.expected_metrics(p, s, t.grids, t.occluded, t.board_visible, True)
    # pixels agree with the truth: ink exactly in the cells that hold a digit (unoccluded cells)
    painter = BoardPainter(size, t.style)
    for i in sorted({0, t.n_frames // 2, t.n_frames - 1}):
        ink = _ink(frames[i], painter)
        vis = ~t.occluded[i]
        assert np.array_equal(ink[vis], (t.grids[i] > 0)[vis]), i
    final = t.grids[-1]
    if scenario == "wrong_digit":
        (frame, _, rc, d), = [e for e in t.events if e[1] == "wrong_fill"]
        assert final[rc] == d != s[rc] and t.metrics["completion_accuracy"] < 1
    if scenario in ("clue_overwritten", "clue_overwritten_restored"):
        (frame, _, rc, d), = [e for e in t.events if e[1] == "clue_change"]
        assert p[rc] > 0 and t.grids[frame][rc] == d != p[rc]
        if scenario.endswith("restored"):
            (back, _, rc2, _), = [e for e in t.events if e[1] == "clue_restore"]
            assert rc2 == rc and back - frame >= 3 and np.array_equal(final, s)
        else:
            assert final[rc] == d
    if scenario == "overwrite_correct":
        (f_over, _, rc, d), = [e for e in t.events if e[1] == "overwrite"]
        (f_back, _, rc2, d2), = [e for e in t.events if e[1] == "restore"]
        assert rc == rc2 and d != s[rc] == d2 and f_back - f_over >= 3 and np.array_equal(final, s)
    if scenario == "static":
        assert (t.grids == p).all() and t.events == ()
    if scenario == "blank_final":
        assert not t.grids[-4:].any()
    if scenario == "partial":
        assert 0 < t.metrics["completion_accuracy"] < 1
    if scenario == "occlusion":
        assert t.occluded.any() and t.occluded.sum(axis=(1, 2)).max() >= 2
    if scenario == "all_at_once":
        fills = {e[0] for e in t.events}
        assert len(fills) == 1


def test_metric_definitions_on_hand_built_sequences() -> None:
    p, s = P4, S4
    empties = list(zip(*np.nonzero(p == 0), strict=True))
    vis = np.ones(3, bool)

    def run(grids: list[np.ndarray], occ: np.ndarray | None = None, video: bool = True) -> dict:
        g = np.stack(grids).astype(np.int8)
        o = np.zeros(g.shape, bool) if occ is None else occ
        return V.expected_metrics(p, s, g, o, np.ones(len(g), bool) if len(g) != 3 else vis, video)

    # a clue change hidden by the hand is not seen
    clue = tuple(int(v) for v in np.argwhere(p > 0)[0])
    g1 = p.copy()
    g1[clue] = 1 + p[clue] % 4
    occ = np.zeros((3, 4, 4), bool)
    occ[1][clue] = True
    assert run([p, g1, p], occ)["clues_changed"] == 0
    assert run([p, g1, p])["clues_changed"] == 1
    # the final grid takes an occluded cell's latest visible value
    half = p.copy()
    half[empties[0]] = s[empties[0]]
    occ = np.zeros((3, 4, 4), bool)
    occ[2][empties[0]] = True
    blanked = half.copy()
    blanked[empties[0]] = 0
    assert np.array_equal(V.final_grid(np.stack([p, half, blanked]), occ, vis), half)
    # erasing a written digit breaks action reflection; one fill per frame keeps it
    assert run([p, half, p])["action_reflection"] == 0
    steps = [p.copy()]
    for rc in empties:
        nxt = steps[-1].copy()
        nxt[rc] = s[rc]
        steps.append(nxt)
    m = run(steps)
    assert m["action_reflection"] == 1 and m["overall"] == 1 and m["completion_accuracy"] == 1.0
    # more than half of the fills in one frame breaks it; exactly half does not
    k = len(empties)
    big = steps[0].copy()
    for rc in empties[: k // 2 + 1]:
        big[rc] = s[rc]
    assert run([p, big, s])["action_reflection"] == 0
    even = p.copy()
    for rc in empties[: k // 2]:
        even[rc] = s[rc]
    assert run([p, even, s])["action_reflection"] == int(k % 2 == 0)
    # images: no action reflection; never-visible boards: everything None
    assert run([s], video=False)["action_reflection"] is None
    none = V.expected_metrics(p, s, np.stack([s]), np.zeros((1, 4, 4), bool), np.zeros(1, bool), True)
    assert set(none.values()) == {None}
    # a duplicated digit violates its row, column and box: 3 of 12 units
    dup = s.copy()
    r, c = empties[0]
    dup[r, c] = 1 + s[r, c] % 4
    m = run([p, dup])
    assert m["constraints_violation"] == pytest.approx(3 / 12) and m["overall"] == 0


@pytest.mark.parametrize("d", [Degradation(rotate_deg=3.0), Degradation(scale=0.6, letterbox_px=30),
                               Degradation(perspective=0.03), Degradation(scale=0.75, rotate_deg=-1.5)])
def test_warp_points_follow_degrade(d: Degradation) -> None:
    w, h = 320, 240
    pts = np.array([[80.0, 60.0], [250.0, 70.0], [240.0, 190.0], [90.0, 170.0]])
    for x, y in pts:
        img = np.full((h, w, 3), 255, np.uint8)
        img[int(y) - 3: int(y) + 4, int(x) - 3: int(x) + 4] = 0  # 7x7 dot centred on (x, y)
        out = degrade(img, d, np.random.default_rng(0)).astype(np.float64)
        wgt = 255.0 - out.mean(axis=2)
        if d.letterbox_px:  # the black bars are not the dot
            wgt[: d.letterbox_px] = wgt[-d.letterbox_px:] = 0.0
        yy, xx = np.indices(wgt.shape)
        seen = np.array([(xx * wgt).sum(), (yy * wgt).sum()]) / wgt.sum()
        want = V.warp_points(np.array([[x, y]]), d, w, h)[0]
        assert np.abs(seen - want).max() < 0.6, (seen, want)


def test_degradation_drops_frames_and_moves_quad() -> None:
    d = Degradation(drop_every=3, scale=0.5, letterbox_px=20)
    clean, t0 = V.render_frames(P4, S4, "correct", seed=1)
    frames, t = V.render_frames(P4, S4, "correct", seed=1, degradation=d)
    assert len(frames) == t.n_frames < t0.n_frames
    keep = [i for i in range(t0.n_frames) if not (0 < i < t0.n_frames - 1 and i % 3 == 0)]
    assert np.array_equal(t.grids, t0.grids[keep])
    assert frames[0].shape == (240 + 40, 320, 3)
    assert np.allclose(t.board_quad_px[0], (t0.board_quad_px[0] + 0.5) * 0.5 - 0.5 + [0, 20])
    assert all(0 <= e[0] < t.n_frames for e in t.events)
    assert t.metrics == t0.metrics


def test_deterministic_and_seeded() -> None:
    kw = dict(seed=3, fill_order="random", degradation=V.DEGRADED_MIX[-1], style=SMALL)
    a, ta = V.render_frames(P4, S4, "wrong_digit", **kw)
    b, tb = V.render_frames(P4, S4, "wrong_digit", **kw)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) and ta.events == tb.events
    _, tc = V.render_frames(P9, S9, "wrong_digit", seed=4, fill_order="random", style=SMALL)
    assert tc.events != ta.events


def test_fill_orders_and_steps() -> None:
    _, row = V.render_frames(P9, S9, "correct", seed=0, fill_order="row", style=SMALL)
    cells = [e[2] for e in row.events]
    assert cells == sorted(cells)
    _, box = V.render_frames(P9, S9, "correct", seed=0, fill_order="box", style=SMALL)
    boxes = [(r // 3) * 3 + c // 3 for r, c in (e[2] for e in box.events)]
    assert boxes == sorted(boxes)
    _, two = V.render_frames(P9, S9, "correct", seed=0, cells_per_step=2, hold=3, style=SMALL)
    per_frame = np.unique([e[0] for e in two.events], return_counts=True)[1]
    assert per_frame.max() == 2 and two.metrics["overall"] == 1


@pytest.mark.parametrize("scenario", V.IMAGE_SCENARIOS)
def test_image_cases_are_one_final_frame(scenario: str) -> None:
    frames, t = V.render_frames(P4, S4, scenario, seed=2, is_video=False)
    _, tv = V.render_frames(P4, S4, scenario, seed=2)
    assert len(frames) == 1 and frames[0].shape == (512, 512, 3) and not t.is_video
    assert np.array_equal(t.grids[0], tv.grids[-1])
    assert t.metrics["action_reflection"] is None
    assert t.metrics["overall"] == int(scenario == "correct")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("synth_sudoku")
    out = {}
    for media in ("h264", "lossless", "gif", "png", "jpg", "frames"):
        out[media] = V.render_case(root / f"case_{media}", P4, S4, "wrong_digit", seed=1, media=media,
                                   degradation=Degradation(drop_every=4) if media == "h264" else None)
    return out


@pytest.mark.parametrize("media", ["h264", "lossless", "gif", "png", "jpg", "frames"])
def test_render_case_decodes_with_expected_frames(written: dict, media: str) -> None:
    path, truth = written[media]
    fr = read_frames(path)
    assert len(fr) == truth.n_frames
    assert (len(fr) == 1) == (media in ("png", "jpg"))
    if media == "lossless":
        frames, _ = V.render_frames(P4, S4, "wrong_digit", seed=1)
        assert np.array_equal(fr.rgb, np.stack(frames))


def test_make_cli(tmp_path) -> None:  # noqa: ANN001
    args = ["make", "sudoku", "--size", "4", "--level", "medium", "--count", "3", "--seed", "9"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    index = (tmp_path / "a" / "index.jsonl").read_text()
    assert index == (tmp_path / "b" / "index.jsonl").read_text()
    specs = [json.loads(x) for x in index.splitlines()]
    assert len(specs) == 3 and len({s["id"] for s in specs}) == 3
    for spec in specs:
        assert spec["task"] == "sudoku" and spec["size"] == 4 and spec["level"] == "medium"
        puzzle = puzzle_from_string(spec["puzzle"])
        assert spec["clues"] == int((puzzle > 0).sum()) and 7 <= spec["clues"] <= 8
        assert count_solutions(puzzle) == (1, SolveStatus.SAT)
        assert spec["solution"] == "".join(str(v) for v in puzzle_from_string(spec["solution"]).ravel())
        assert json.loads((tmp_path / "a" / f"{spec['id']}.json").read_text()) == spec
        for kind in ("input", "solution"):
            img = read_frames(tmp_path / "a" / f"{spec['id']}_{kind}.png")
            assert len(img) == 1 and img.rgb.shape[1:] == (512, 512, 3)
    assert main(["make", "sudoku", "--count", "0", "--out", str(tmp_path / "c")]) == 2


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="scenario"):
        V.render_frames(P4, S4, "nope", seed=0)
    with pytest.raises(ValueError, match="fill_order"):
        V.render_frames(P4, S4, "correct", seed=0, fill_order="spiral")
    with pytest.raises(ValueError, match="solution"):
        V.render_frames(P4, P4, "correct", seed=0)
    with pytest.raises(ValueError, match="media"):
        V.render_case("x", P4, S4, "correct", seed=0, media="avi")
    with pytest.raises(ValueError, match="font"):
        V.SudokuStyle(font="comic_sans")
    with pytest.raises(ValueError, match="thin_px"):
        V.SudokuStyle(thin_px=5, thick_px=2)


@pytest.mark.parametrize("font", ["dejavu_serif", "hershey_simplex", "stix"])
def test_fonts_and_glow_render(font: str) -> None:
    style = V.SudokuStyle(font=font, glow_on_success=True, filled_color=(200, 30, 30))
    frames, t = V.render_frames(P4, S4, "correct", seed=0, style=style)
    painter = BoardPainter(4, style)
    assert np.array_equal(_ink(frames[-1], painter), t.grids[-1] > 0)
    # the glow is outside the board and only on solved frames
    x0, y0 = (int(v) for v in t.board_quad_px[-1][0])
    ring = frames[-1][y0 - 12: y0 - 6, x0: x0 + 40].astype(int)
    assert (ring[..., 1] - ring[..., 0]).mean() > 20
    ring0 = frames[0][y0 - 12: y0 - 6, x0: x0 + 40].astype(int)
    assert (ring0 == 255).all()


def test_cursor_occluder_and_cutaway() -> None:
    frames, t = V.render_frames(P9, S9, "occlusion", seed=3, occluder="cursor")
    assert t.occluded.any() and t.metrics["overall"] == 1
    k = int(np.flatnonzero(t.occluded.any(axis=(1, 2)))[0])
    painter = BoardPainter(9, t.style)
    clean = painter.draw(t.grids[k], P9 > 0)
    changed = np.abs(frames[k].astype(int) - clean.astype(int)).max(axis=2) > 0
    assert np.array_equal(painter.cell_coverage(changed) > 0, t.occluded[k])  # truth = the pixels drawn over
    frames, t = V.render_frames(P4, S4, "correct", seed=1, cutaway=5)
    hidden = np.flatnonzero(~t.board_visible)
    assert len(hidden) == 5 and np.all(np.diff(hidden) == 1) and hidden[0] >= 3 and t.board_visible[-4:].all()
    assert all((frames[i] == 128).all() for i in hidden)
    assert t.metrics["overall"] == 1
    with pytest.raises(ValueError, match="occluder"):
        V.render_frames(P4, S4, "occlusion", seed=0, occluder="paw")
    with pytest.raises(ValueError, match="cutaway"):
        V.render_frames(P4, S4, "correct", seed=0, cutaway=2, is_video=False)


def test_random_style_renders_readable_boards() -> None:
    rng = np.random.default_rng(0)
    looks = [random_style(rng) for _ in range(6)]
    assert len({st.font for st in looks}) > 1
    for st in looks:
        frames, t = V.render_frames(P4, S4, "partial", seed=0, style=st)
        assert np.array_equal(_ink(frames[-1], BoardPainter(4, st)), t.grids[-1] > 0)
