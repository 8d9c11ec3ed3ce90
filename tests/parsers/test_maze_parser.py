"""Maze parser: synthetic media -> parsed state equals the renderer's truth.

Checks the grid (size, walls read from frame 0 without a spec), start and goal, the agent's
position in every frame (in maze coordinates, so camera zoom/pan must be undone), the drawn
path of image outputs, and the geometry search on its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmgr.parsers.maze import MazeRef, hue_class, parse_maze
from mmgr.parsers.maze_grid import fit_grid
from mmgr.parsers.types import Frame
from mmgr.parsers.video import open_media
from mmgr.verify.synth.maze import generate
from mmgr.verify.synth.maze_cases import build_case, write_case
from mmgr.verify.synth.maze_render import render_base
from mmgr.verify.synth.media import Degradation

STYLES = ("block", "tile", "plot")


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], tuple[Path, object]]:
    tmp = tmp_path_factory.mktemp("maze_parser")
    out = {}
    for style in STYLES:
        for kind, codec in (("backtrack", "lossless"), ("camera", "lossless"), ("correct", "h264"),
                            ("image_correct", "png")):
            case = build_case(kind, style, seed=11)
            d = Degradation(blur_sigma=0.6, noise_sigma=3, crf=28) if codec == "h264" else None
            out[(style, kind, codec)] = (write_case(case, tmp / f"{style}_{kind}", codec=codec, degradation=d), case)
    return out


def _truth_conn(case) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.array(case.spec["connections"], bool)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(("kind", "codec", "tol"), [("backtrack", "lossless", 0.12), ("camera", "lossless", 0.15),
                                                    ("correct", "h264", 0.2)])
def test_parse_without_spec_equals_truth(clips: dict, style: str, kind: str, codec: str, tol: float) -> None:
    path, case = clips[(style, kind, codec)]
    state = parse_maze(open_media(str(path), max_side=640), None)
    assert state.ref.conn.shape == (2, case.spec["rows"], case.spec["cols"])
    np.testing.assert_array_equal(state.ref.conn, _truth_conn(case))
    assert list(state.ref.start) == case.spec["start"] and list(state.ref.goal) == case.spec["goal"]
    assert state.agent_how == "moves"
    assert len(state.track) == len(case.track)
    for i, (got, want) in enumerate(zip(state.track, case.track, strict=True)):
        if want is None:
            assert got is None, f"frame {i}: agent seen where none is drawn"
            continue
        assert got is not None, f"frame {i}: agent missed"
        assert abs(got[0] - want[0]) < tol and abs(got[1] - want[1]) < tol, f"frame {i}: {got} vs {want}"
    assert all(n <= 1 for n in state.duplicates)
    assert not [o.skipped for o in state.frames if o.skipped]


@pytest.mark.parametrize("style", STYLES)
def test_parse_image_path_cells(clips: dict, style: str) -> None:
    path, case = clips[(style, "image_correct", "png")]
    spec = case.spec
    ref = MazeRef(_truth_conn(case), tuple(spec["start"]), tuple(spec["goal"]))
    state = parse_maze(open_media(str(path)), ref)
    assert state.is_image
    from mmgr.solvers.maze import shortest_path
    sol = shortest_path(ref.conn, ref.start, ref.goal)
    cover = state.frames[0].path_cover
    on = {(int(r), int(c)) for r, c in zip(*np.nonzero(cover >= 0.3), strict=True)}
    assert on | {ref.start, ref.goal} == set(sol)
    assert float(state.frames[0].path_on_walls[~ref.conn].max()) < 0.3


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("size", [3, 8, 13])
def test_fit_grid_finds_size_and_walls(style: str, size: int) -> None:
    conn = generate(size, size, "wilson", np.random.default_rng(size))
    base = render_base(conn, style, cell_px=10 if style != "plot" else 20)
    fit = fit_grid(base.rgb)
    assert fit is not None
    pal, grid = fit
    assert (grid.rows, grid.cols) == (size, size)
    assert pal.geometry == ("line" if style == "plot" else "block")
    assert abs(grid.ox - base.ox) < 1.5 and abs(grid.sx - base.sx) < 0.04 * base.sx  # +-1 px at 10 px tiles


def test_fit_grid_refuses_noise() -> None:
    noise = np.random.default_rng(0).integers(0, 255, (80, 80, 3), dtype=np.uint8)
    assert fit_grid(noise) is None


def test_hue_classes() -> None:
    assert [hue_class(c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255), (250, 200, 30), (200, 0, 200))] == [
        "red", "green", "blue", "yellow", "magenta"]


def test_spec_roundtrip_is_json(clips: dict) -> None:
    _, case = clips[("block", "backtrack", "lossless")]
    assert json.loads(json.dumps(case.spec)) == case.spec


@pytest.mark.parametrize("style", STYLES)
def test_held_frames_read_as_fresh_frames(style: str) -> None:
    """A frame identical to the previous one reuses its reading: same as reading it afresh (camera moving too)."""
    from fractions import Fraction

    from mmgr.parsers.types import Frame

    case = build_case("camera", style, seed=5)
    ref = MazeRef(_truth_conn(case), tuple(case.spec["start"]), tuple(case.spec["goal"]))
    once = parse_maze([Frame(i, Fraction(i), f) for i, f in enumerate(case.frames)], ref)
    held = [f for f in case.frames for _ in range(2)]  # every frame shown twice, frame 0 included
    twice = parse_maze([Frame(i, Fraction(i), f) for i, f in enumerate(held)], ref)
    assert twice.frames[1].grid == twice.frames[0].grid  # frame 0's twin is registered, and lands on grid0
    for i, o in enumerate(once.frames):
        for t in (twice.frames[2 * i], twice.frames[2 * i + 1]):
            if i == 0 and t is twice.frames[1]:
                continue
            assert (t.grid, t.markers, t.skipped) == (o.grid, o.markers, o.skipped), f"frame {i}"
            np.testing.assert_array_equal(t.walls, o.walls)
    assert twice.track[::2] == once.track and twice.track[1::2] == once.track


@pytest.mark.parametrize("style", STYLES)
def test_classify_rows_equals_classify(style: str) -> None:
    """Re-reading only the changed rows gives the planes of a full classify (changes at the edges too)."""
    from mmgr.kernels.maze_pixels import changed_band
    from mmgr.parsers.maze_colour import classify, classify_rows

    case = build_case("backtrack", style, seed=3)
    base = case.frames[0]
    fit = fit_grid(base)
    assert fit is not None
    pal = fit[0]
    rng = np.random.default_rng(7)
    h = base.shape[0]
    for y0, y1 in ((0, 1), (h - 1, h), (0, 5), (h - 4, h), (h // 2, h // 2 + 1), (10, 40), (1, h - 1)):
        new = case.frames[len(case.frames) // 2].copy()  # the agent elsewhere: its rows differ
        new[y0:y1] = rng.integers(0, 256, (y1 - y0, new.shape[1], 3), dtype=np.uint8)  # and a noisy band
        for old in (base, case.frames[1]):
            b0, b1 = changed_band(new, old)
            want = classify(new, pal)
            got = classify_rows(new, b0, b1, classify(old, pal), pal)
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("cell_px", [None, 70])  # 70 px cells are read at a smaller working scale
def test_changed_rows_reading_equals_full_reading(style: str, cell_px: int | None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Reading only the rows that changed (and reusing held frames) gives the parse of reading every frame whole."""
    from fractions import Fraction

    import mmgr.parsers.maze as maze_mod
    from mmgr.parsers.types import Frame

    case = build_case("backtrack", style, seed=9, **({"cell_px": cell_px} if cell_px else {}))
    ref = MazeRef(_truth_conn(case), tuple(case.spec["start"]), tuple(case.spec["goal"]))
    frames = [Frame(i, Fraction(i), f) for i, f in enumerate(case.frames)]
    banded = parse_maze(frames, ref)
    monkeypatch.setattr(maze_mod, "changed_band", lambda a, b: (0, a.shape[0]))  # every row changed: read whole
    whole = parse_maze(frames, ref)
    assert banded.track == whole.track and banded.duplicates == whole.duplicates
    for a, b in zip(banded.frames, whole.frames, strict=True):
        assert (a.grid, a.markers, a.skipped) == (b.grid, b.markers, b.skipped), f"frame {a.index}"
        np.testing.assert_array_equal(a.walls, b.walls)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_frames_the_decoder_scales_read_as_frames_shrunk_here(style: str, codec: str, tmp_path,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A reader converts the frames after the first at the working scale (its decoder's scaler): nothing is
    shrunk in the parse, and the walk, the markers' cells and the walls read as from frames shrunk here."""
    from mmgr.parsers import maze as maze_mod
    from mmgr.parsers.video import read_frames

    case = build_case("backtrack", style, seed=11, cell_px=90, size=3)
    path = write_case(case, tmp_path / f"{style}_{codec}", codec=codec)
    ref = MazeRef(_truth_conn(case), tuple(case.spec["start"]), tuple(case.spec["goal"]))
    frames = read_frames(path, max_side=640)
    listed = parse_maze([Frame(i, t, f) for i, (f, t) in enumerate(zip(frames.rgb, frames.t_s, strict=True))], ref)
    shrunk = []
    orig = maze_mod.shrink_changed
    monkeypatch.setattr(maze_mod, "shrink_changed", lambda *a: shrunk.append(1) or orig(*a))
    scaled = parse_maze(open_media(path, max_side=640), ref)
    assert not shrunk  # every frame after the first came at the working scale
    assert len(scaled.frames) == len(listed.frames) == len(frames)
    assert scaled.agent_hue == listed.agent_hue and scaled.duplicates == listed.duplicates

    for p, q in zip(scaled.track, listed.track, strict=True):  # the agent's place, in cells (half-cell steps)
        assert (p is None) == (q is None)
        assert p is None or max(abs(p[0] - q[0]), abs(p[1] - q[1])) < 0.1, (p, q)
    for a, b in zip(scaled.frames, listed.frames, strict=True):
        assert a.skipped is None and b.skipped is None
        assert [m.hue for m in a.markers] == [m.hue for m in b.markers], f"frame {a.index}"
        np.testing.assert_array_equal(a.walls < 0.5, b.walls < 0.5)
        np.testing.assert_array_equal(a.walls >= 0, b.walls >= 0)


@pytest.mark.parametrize("seed", range(12))
def test_opened_nonwall_of_changed_rows_equals_whole_opening(seed: int) -> None:
    """Opening again only the rows a wall change reaches gives the opening of the whole mask (edges, odd and even k)."""
    import cv2

    from mmgr.parsers.maze_anchor import _opened_nonwall

    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(20, 160)), int(rng.integers(20, 160))
    k = int(rng.integers(2, 12))
    wall = (rng.random((h, w)) < 0.5).astype(np.uint8)
    wall = cv2.dilate(wall, np.ones((2, 2), np.uint8)) if seed % 2 else wall
    cache: dict = {}
    last = _opened_nonwall(wall, k, cache)[0].copy()  # the whole opening, kept
    for a, b in ((0, 1), (h - 1, h), (0, 4), (h - 3, h), (h // 2, h // 2 + 2), (5, h - 5), (7, 7)):
        wall = wall.copy()
        if b > a:
            wall[a:b] = (rng.random((b - a, w)) < 0.5).astype(np.uint8)
        cache["wall_rows"] = (a, b)
        got, rows = _opened_nonwall(wall, k, cache)
        want = cv2.morphologyEx((wall == 0).view(np.uint8), cv2.MORPH_OPEN, np.ones((k, k), np.uint8))
        np.testing.assert_array_equal(got, want)
        assert "wall_rows" not in cache  # one use only
        assert rows is not None
        outside = np.ones(h, bool)
        outside[rows[0]:rows[1]] = False
        np.testing.assert_array_equal(got[outside], last[outside])  # the rows it says may differ hold every change
        last = got.copy()


def test_dropped_frames_keep_the_defect(tmp_path: Path) -> None:
    """A one-frame wall clip on a frame that ``drop_every`` would drop stays in the video (its truth
    says the agent crossed a wall), and the verdict catches it; the other dropped frames go."""
    from mmgr.verify.api import verify_media

    d = Degradation(drop_every=3, crf=23)
    found = 0
    for seed in range(40):
        case = build_case("clip1", "tile", seed)
        (event,) = case.event_frames
        if event % 3 or not 0 < event < len(case.frames) - 1:
            continue
        found += 1
        path = write_case(case, tmp_path / f"clip_{seed}", codec="lossless", degradation=d)
        n = len(case.frames)
        dropped = sum(1 for i in range(1, n - 1) if i % 3 == 0)
        frames = sum(1 for _ in open_media(str(path)))
        assert frames == n - dropped + 1  # every third frame gone, the clip kept
        v = verify_media(path, "maze", spec=case.spec)
        assert v.metrics["cross_wall"] == 1 and v.status.value == "fail", v.reason
        if found == 2:
            break
    assert found == 2


def test_small_line_maze_with_its_path_over_every_opening(tmp_path: Path) -> None:
    """A 3 x 3 plot-style solution image whose drawn path crosses every opening: only walls are left
    to judge, and the true grid must still fit (it used to score 0 and the image was unscorable)."""
    from mmgr.verify.api import verify_media
    from mmgr.verify.synth.maze_cases import KINDS

    case = build_case("image_correct", "plot", 20000 + KINDS.index("image_correct") * 3 + 2, size=3, cell_px=48,
                      fpc=3)
    path = write_case(case, tmp_path / "plot3", codec="png")
    img = next(iter(open_media(str(path)))).rgb
    fit = fit_grid(img, 3, 3)
    assert fit is not None and fit[0].geometry == "line" and fit[1].score > 0.9
    v = verify_media(path, "maze", spec=case.spec)
    assert v.status.value == "pass" and v.metrics == {**case.truth, "action_reflection": None}


def test_path_drawn_only_across_the_wall_between_start_and_goal(tmp_path: Path) -> None:
    """Start and goal side by side, the path drawn straight across the wall between them and over no
    cell: the path connects them (through a wall). It used to count as no path at all."""
    from mmgr.verify.api import verify_media
    from mmgr.verify.synth.maze_cases import KINDS

    case = build_case("image_through_wall", "block", 70000 + KINDS.index("image_through_wall") * 3, size=3,
                      cell_px=20, fpc=3)
    path = write_case(case, tmp_path / "across", codec="jpg", degradation=Degradation(blur_sigma=0.7, noise_sigma=4),
                      seed=1)
    v = verify_media(path, "maze", spec=case.spec)
    assert v.metrics == {**case.truth, "action_reflection": None}
    assert v.metrics["cross_wall"] == 1 and v.metrics["target_achievement"] == 1 and v.status.value == "fail"
