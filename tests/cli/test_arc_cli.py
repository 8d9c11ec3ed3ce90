"""ARC end to end through the CLI: synthetic outputs with truth -> exit code, metrics, evidence.

Media are rendered once per module (tmp_path_factory); each test calls ``main([...])``
in-process. The two real Sora-2 videos are verified when ../shared/realmedia is present.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmgr.verify.arc_data import load_task
from mmgr.verify.cli import main
from mmgr.verify.synth.arc import SCENARIOS, render_task, scenario
from mmgr.verify.synth.media import Degradation, degrade, write_image, write_video

BAD = Path(__file__).parents[1] / "data" / "bad"
REAL = Path(__file__).resolve().parents[3] / "shared" / "realmedia"
TASK = ("00576224", 2)


def _run(capsys, argv: list[str]) -> tuple[int, dict, str]:
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else {}), out.err


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("arc")
    task = load_task(*TASK)
    out: dict[str, Path] = {}
    spec = tmp / "task.json"
    spec.write_text(json.dumps(task.to_spec(0)))
    out["spec"] = spec
    exp = task.test_output(0)
    out["solved"] = write_image(render_task(task, answer=exp)[0], tmp / "solved.png")
    bad = exp.copy()
    bad[1, 2] = (bad[1, 2] + 1) % 10
    out["wrong"] = write_image(render_task(task, answer=bad)[0], tmp / "wrong.png")
    out["input"] = write_image(render_task(task)[0], tmp / "input.png")
    rng = np.random.default_rng(0)
    deg = Degradation(scale=0.8, blur_sigma=0.8, noise_sigma=3.0)
    out["jpg"] = write_image(degrade(render_task(task, answer=exp)[0], deg, rng), tmp / "solved_deg.jpg",
                             jpeg_quality=85)
    for name in SCENARIOS:
        frames, truth = scenario(task, name, seed=1)
        out[name] = write_video(frames, tmp / f"{name}", codec="h264", fps=8, crf=20)
        (tmp / f"{name}.truth.json").write_text(json.dumps(truth))
    return out


def test_solved_image_passes(capsys, media) -> None:
    code, doc, _ = _run(capsys, [str(media["solved"]), "--task", "arc", "--spec", str(media["spec"])])
    assert code == 0 and doc["status"] == "pass" and doc["metrics"]["overall"] == 1
    assert doc["task"] == "arc" and doc["task_version"] == 1
    assert doc["details"]["read_size"] == doc["details"]["expected_size"] == [6, 6]


def test_wrong_cell_fails_with_its_cell(capsys, media) -> None:
    code, doc, _ = _run(capsys, [str(media["wrong"]), "--task", "arc", "--spec", str(media["spec"])])
    assert code == 1 and doc["metrics"]["valid_solution"] == 0
    ev = [e for e in doc["evidence"] if e["rule"] == "color_accuracy"]
    assert [e["where"] for e in ev] == [[1, 2]] and ev[0]["box_px"] is not None


def test_arc_task_flag_equals_spec(capsys, media) -> None:
    code, doc, _ = _run(capsys, [str(media["solved"]), "--task", "arc", "--arc-task", TASK[0], "--arc-version", "2"])
    assert code == 0 and doc["details"]["task_id"] == TASK[0] and doc["details"]["arc_version"] == 2


def test_degraded_jpeg_passes(capsys, media) -> None:
    code, doc, _ = _run(capsys, [str(media["jpg"]), "--task", "arc", "--spec", str(media["spec"])])
    assert code == 0, doc.get("reason")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_videos_match_truth(capsys, media, name: str) -> None:
    truth = json.loads(Path(str(media[name]).rsplit(".", 1)[0] + ".truth.json").read_text())
    code, doc, _ = _run(capsys, [str(media[name]), "--task", "arc", "--spec", str(media["spec"])])
    assert doc["metrics"]["valid_solution"] == truth["valid_solution"], doc["reason"]
    assert doc["metrics"]["context_drift"] == truth["context_drift"]
    assert doc["details"]["read_size"] == truth["answer_size"]
    assert code == (0 if truth["valid_solution"] else 1)


def test_input_image_alone_fails_as_blank(capsys, media) -> None:
    code, doc, _ = _run(capsys, [str(media["input"]), "--task", "arc", "--spec", str(media["spec"])])
    assert code == 1 and doc["metrics"]["grid_integrity"] == 0
    assert all(e["seen"] == "empty" for e in doc["evidence"] if e["rule"] == "color_accuracy")


def test_evidence_images_and_determinism(capsys, media, tmp_path) -> None:
    argv = [str(media["demo_drift"]), "--task", "arc", "--spec", str(media["spec"])]
    code1, doc1, _ = _run(capsys, [*argv, "--evidence", str(tmp_path / "ev")])
    files = doc1.pop("evidence_files")
    assert code1 == 0 and any("context_drift" in f for f in files) and all(Path(f).exists() for f in files)
    main([*argv, "--json", "--output", str(tmp_path / "a.json")])
    main([*argv, "--json", "--output", str(tmp_path / "b.json")])
    capsys.readouterr()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


@pytest.mark.parametrize("argv, code, match", [
    (["--task", "arc"], 2, "--spec"),
    (["--task", "arc", "--arc-task", "nope"], 2, "unknown"),
    (["--task", "arc", "--arc-task", "00576224", "--arc-version", "7"], 2, "invalid choice"),
    (["--task", "arc", "--param", "stable_frames=0"], 2, "stable_frames"),
    (["--task", "arc", "--param", "max_demos=0"], 2, "max_demos"),
    (["--task", "arc", "--param", "colour=red"], 2, "unknown param"),
])
def test_usage_errors(capsys, media, argv: list[str], code: int, match: str) -> None:
    got = main([str(media["solved"]), *argv])
    assert got == code and match in capsys.readouterr().err


def test_spec_and_arc_task_together_is_usage_error(capsys, media) -> None:
    got = main([str(media["solved"]), "--task", "arc", "--spec", str(media["spec"]), "--arc-task", TASK[0]])
    assert got == 2 and "not both" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["empty.mp4", "text.mp4", "truncated.mp4"])
def test_unreadable_media_is_unscorable(capsys, media, bad: str) -> None:
    if not (BAD / bad).exists():
        pytest.skip(f"{bad} not in tests/data/bad")
    code, doc, _ = _run(capsys, [str(BAD / bad), "--task", "arc", "--spec", str(media["spec"])])
    assert code == 3 and doc["status"] == "unscorable" and doc["reason"]


def test_make_arc_writes_images_specs_and_strata(capsys, tmp_path) -> None:
    out = tmp_path / "made"
    assert main(["make", "arc", "--version", "1", "--ids", "007bbfb7", "--out", str(out), "--with-solution"]) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert rows[0]["id"] == "007bbfb7" and rows[0]["version"] == "v1" and rows[0]["shape"] == "mismatch"
    assert rows[0]["difficulty"] in ("easy", "medium", "hard")
    capsys.readouterr()
    solved, spec = out / "007bbfb7_solved.png", out / "007bbfb7.json"
    code, doc, _ = _run(capsys, [str(solved), "--task", "arc", "--spec", str(spec)])
    assert code == 0


@pytest.mark.parametrize("name, tid, status", [("cr1", "29c11459", "pass"), ("wr7", "b7249182", "fail")])
def test_real_sora2_videos(capsys, name: str, tid: str, status: str) -> None:
    path = REAL / f"twv_arcagi2_{name}_sora2.mp4"
    if not path.exists():
        pytest.skip("../shared/realmedia is absent")
    code, doc, _ = _run(capsys, [str(path), "--task", "arc", "--arc-task", tid, "--arc-version", "2"])
    assert doc["status"] == status, doc["reason"]
    assert doc["metrics"]["context_drift"] == 1  # both videos repaint demonstration or test-input cells
