"""Maze end to end through the CLI: every synthetic defect in every style -> exit code and metrics.

Media are rendered once per session (tmp_path_factory): small 4x4 mazes, lossless video (or
PNG for image outputs), plus one H.264 case per style. Each test calls ``main([...])``
in-process and compares the verdict with the renderer's truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmgr.verify.cli import main
from mmgr.verify.synth.maze_cases import IMAGE_KINDS, VIDEO_KINDS, build_case, write_case
from mmgr.verify.synth.media import Degradation

BAD = Path(__file__).parents[1] / "data" / "bad"
STYLES = ("block", "tile", "plot")
KEYS = ("maze_changed", "cross_wall", "target_achievement", "overall")
# every defect once, the style rotating, so that each style meets most defects at ~1/3 the cost
TABLE = [(k, STYLES[i % 3]) for i, k in enumerate(VIDEO_KINDS + IMAGE_KINDS)]
TABLE += [(k, STYLES[(i + 1) % 3]) for i, k in enumerate(("clip1", "between", "teleport", "image_through_wall"))]
TABLE += [(k, STYLES[(i + 2) % 3]) for i, k in enumerate(("clip1", "between", "correct"))]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str, str], tuple[Path, Path, dict]]:
    tmp = tmp_path_factory.mktemp("maze_cli")
    out: dict[tuple[str, str, str], tuple[Path, Path, dict]] = {}
    for kind, style in TABLE:
        case = build_case(kind, style, seed=3)
        codec = "png" if kind in IMAGE_KINDS else "lossless"
        path = write_case(case, tmp / f"{style}_{kind}", codec=codec)
        spec = tmp / f"{style}_{kind}.json"
        spec.write_text(json.dumps(case.spec))
        out[(kind, style, codec)] = (path, spec, case.truth)
    for style in STYLES:
        case = build_case("between", style, seed=5)
        path = write_case(case, tmp / f"{style}_h264", codec="h264", degradation=Degradation(letterbox_px=8, crf=26))
        spec = tmp / f"{style}_h264.json"
        spec.write_text(json.dumps(case.spec))
        out[("between", style, "h264")] = (path, spec, case.truth)
    return out


@pytest.mark.parametrize(("kind", "style"), TABLE, ids=[f"{s}-{k}" for k, s in TABLE])
def test_each_defect_with_spec(media: dict, capsys: pytest.CaptureFixture[str], kind: str, style: str) -> None:
    codec = "png" if kind in IMAGE_KINDS else "lossless"
    path, spec, truth = media[(kind, style, codec)]
    code, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec)])
    assert {k: doc["metrics"][k] for k in KEYS} == {k: truth[k] for k in KEYS}, doc["reason"]
    assert code == (0 if truth["overall"] == 1 else 1)
    assert doc["metrics"]["ever_reached"] == truth["ever_reached"]
    if truth["overall"] == 0:
        assert doc["evidence"], "a failure must come with evidence"
        first = doc["evidence"][0]
        assert first["frame"] is not None and first["detail"]


@pytest.mark.parametrize("style", STYLES)
def test_h264_letterboxed_crossing_between_frames(media: dict, capsys: pytest.CaptureFixture[str], style: str) -> None:
    path, spec, truth = media[("between", style, "h264")]
    code, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec)])
    assert code == 1
    assert doc["metrics"]["cross_wall"] == 1 and doc["metrics"]["target_achievement"] == truth["target_achievement"]
    crossing = [e for e in doc["evidence"] if e["rule"] == "cross_wall"]
    assert "through a wall between frames" in crossing[0]["detail"]


@pytest.mark.parametrize("kind", ["correct", "clip1", "goal_moved", "image_correct"])
def test_without_spec_reads_maze_from_frame0(media: dict, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    style = dict(TABLE)[kind]
    codec = "png" if kind in IMAGE_KINDS else "lossless"
    path, _, truth = media[(kind, style, codec)]
    code, doc = _run(capsys, [str(path), "--task", "maze"])
    assert doc["details"]["maze"]["source"] == "frame0"
    assert {k: doc["metrics"][k] for k in KEYS} == {k: truth[k] for k in KEYS}, doc["reason"]


def test_details_report_path_and_camera(media: dict, capsys: pytest.CaptureFixture[str]) -> None:
    style = dict(TABLE)["camera"]
    path, spec, _ = media[("camera", style, "lossless")]
    code, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec)])
    assert code == 0
    d = doc["details"]
    assert d["camera"]["frames_moved"] > 0 and d["camera"]["max_zoom_change"] > 0.05
    assert d["path_length"] == d["shortest_path_length"]
    assert d["agent_path"][0][:2] == json.loads(spec.read_text())["start"]


def test_image_reports_equals_solution(media: dict, capsys: pytest.CaptureFixture[str]) -> None:
    style = dict(TABLE)["image_correct"]
    path, spec, _ = media[("image_correct", style, "png")]
    _, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec)])
    assert doc["details"]["equals_solution"] is True and doc["metrics"]["action_reflection"] is None


def test_deterministic_json(media: dict, capsys: pytest.CaptureFixture[str]) -> None:
    path, spec, _ = media[("clip1", dict(TABLE)["clip1"], "lossless")]
    a = main([str(path), "--task", "maze", "--spec", str(spec), "--json"])
    out_a = capsys.readouterr().out
    b = main([str(path), "--task", "maze", "--spec", str(spec), "--json"])
    out_b = capsys.readouterr().out
    assert a == b == 1 and out_a == out_b


def test_evidence_images_written(media: dict, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path, spec, _ = media[("teleport", dict(TABLE)["teleport"], "lossless")]
    code, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec), "--evidence", str(tmp_path)])
    assert code == 1
    files = sorted(tmp_path.glob("*.png"))
    assert files and any("cross_wall" in f.name for f in files)


@pytest.mark.parametrize(("patch", "message"), [
    ({"rows": 0}, "rows/cols"),
    ({"start": [9, 9]}, "start"),
    ({"goal": "corner"}, "goal"),
    ({"connections": [[True]]}, "connections"),
    ({"agent_color": "teal"}, "agent_color"),
])
def test_bad_spec_is_usage_error(media: dict, capsys: pytest.CaptureFixture[str], tmp_path: Path, patch: dict,
                                 message: str) -> None:
    path, spec, _ = media[("correct", "block", "lossless")]
    doc = json.loads(spec.read_text())
    doc.update(patch)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code = main([str(path), "--task", "maze", "--spec", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and message in err


def test_unreadable_and_non_maze_inputs_are_unscorable(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, doc = _run(capsys, [str(BAD / "empty.mp4"), "--task", "maze"])
    assert code == 3 and doc["status"] == "unscorable"
    import numpy as np

    from mmgr.verify.synth.media import write_image
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    img = write_image(noise, tmp_path / "noise.png")
    code, doc = _run(capsys, [str(img), "--task", "maze"])
    assert code == 3 and "no maze grid" in doc["reason"]


def test_make_maze_writes_instances(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["make", "maze", "--size", "5", "--algo", "wilson", "--scheme", "random-random", "--count", "2",
                 "--out", str(tmp_path)])
    assert code == 0
    specs = sorted(tmp_path.glob("maze_*.json"))
    assert len(specs) == 2 and len(list(tmp_path.glob("*_input.png"))) == 2
    spec = json.loads(specs[0].read_text())
    assert spec["rows"] == 5 and len(spec["solution"]) - 1 >= 5
    capsys.readouterr()
    solution = str(specs[0]).replace(".json", "_solution.png")
    code, doc = _run(capsys, [solution, "--task", "maze", "--spec", str(specs[0])])
    assert code == 0 and doc["details"]["equals_solution"] is True


def test_replaced_maze_is_a_change_not_an_abstention(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import numpy as np

    from mmgr.verify.synth.maze import generate
    from mmgr.verify.synth.maze_render import draw_frame, render_base
    from mmgr.verify.synth.media import write_video

    case = build_case("correct", "block", seed=4)
    other = render_base(generate(5, 5, "dfs", np.random.default_rng(9)), "block", cell_px=9, margin_px=4)
    h, w = case.frames[0].shape[:2]
    swap = np.full((h, w, 3), 255, np.uint8)
    img = draw_frame(other, start=(0, 0), goal=(4, 4), agent=[(0.5, 0.5)])
    swap[: img.shape[0], : img.shape[1]] = img[:h, :w]
    frames = case.frames[:3] + [swap] * (len(case.frames) - 3)
    path = write_video(frames, tmp_path / "replaced", codec="lossless")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(case.spec))
    code, doc = _run(capsys, [str(path), "--task", "maze", "--spec", str(spec)])
    assert code == 1 and doc["metrics"]["maze_changed"] == 1 and doc["metrics"]["overall"] == 0
    assert any("maze replaced" in e["detail"] for e in doc["evidence"])


def test_input_image_gives_the_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["make", "maze", "--size", "4", "--style", "tile", "--out", str(tmp_path), "--seed", "3"]) == 0
    capsys.readouterr()
    stem = tmp_path / "maze_0000"
    code, doc = _run(capsys, [f"{stem}_solution.png", "--task", "maze", "--input-image", f"{stem}_input.png"])
    spec = json.loads(stem.with_suffix(".json").read_text())
    assert doc["details"]["maze"]["source"] == "input_image"
    assert [doc["details"]["maze"][k] for k in ("start", "goal")] == [spec["start"], spec["goal"]]
    assert code == 0 and doc["details"]["equals_solution"] is True
