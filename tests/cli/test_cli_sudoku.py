"""Sudoku end to end through the CLI: synthetic outputs with truth -> exit code and metrics.

Media are rendered once per session (tmp_path_factory); each test calls ``main([...])``
in-process and compares the verdict with the renderer's truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mmgr.solvers.sudoku import make_puzzle, puzzle_to_string
from mmgr.verify.cli import main
from mmgr.verify.synth.media import Degradation, write_image
from mmgr.verify.synth.sudoku import DEGRADED_MIX, SCENARIOS, render_case, render_frames

BAD = Path(__file__).parents[1] / "data" / "bad"
METRICS = ("clues_changed", "constraints_violation", "completion_accuracy", "action_reflection", "overall")


def _puzzle(size: int, seed: int):
    return make_puzzle(size, "easy", np.random.default_rng(seed))


def _spec(tmp: Path, puzzle, size: int, name: str = "spec.json") -> Path:
    p = tmp / name
    p.write_text(json.dumps({"task": "sudoku", "size": size, "puzzle": puzzle_to_string(puzzle)}))
    return p


def _run(capsys, argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


@pytest.fixture(scope="session")
def cases(tmp_path_factory):
    """Every scenario as a short 4x4 lossless video, plus a few 9x9 and degraded ones."""
    tmp = tmp_path_factory.mktemp("sudoku_cases")
    puzzle, solution = _puzzle(4, 11)
    out = {}
    for i, sc in enumerate(SCENARIOS):
        path, truth = render_case(tmp / sc, puzzle, solution, sc, seed=100 + i, media="lossless",
                                  fill_order=("row", "random", "box")[i % 3])
        out[sc] = (path, truth)
    p9, s9 = _puzzle(9, 5)
    out["9x9_h264"] = render_case(tmp / "nine", p9, s9, "correct", seed=7, media="h264", cells_per_step=3,
                                  degradation=Degradation(crf=23))
    out["9x9_wrong_vp9"] = render_case(tmp / "nine_wrong", p9, s9, "wrong_digit", seed=8, media="vp9",
                                       cells_per_step=3, degradation=Degradation(crf=30))
    out["gif"] = render_case(tmp / "g", puzzle, solution, "correct", seed=9, media="gif")
    out["frames"] = render_case(tmp / "fr", puzzle, solution, "clue_overwritten", seed=10, media="frames")
    out["png_ok"] = render_case(tmp / "img_ok", p9, s9, "correct", seed=11, media="png")
    out["jpg_wrong"] = render_case(tmp / "img_bad", p9, s9, "wrong_digit", seed=12, media="jpg")
    for k, d in enumerate(DEGRADED_MIX[:6]):
        out[f"deg{k}"] = render_case(tmp / f"deg{k}", puzzle, solution, ("correct", "wrong_digit")[k % 2],
                                     seed=200 + k, media="h264", degradation=d)
    inp = write_image(render_frames(p9, s9, "static", seed=1, is_video=False)[0][0], tmp / "puzzle_input.png")
    return tmp, out, {"p4": puzzle, "p9": p9, "input9": inp}


def _expect(verdict, truth):
    got = {m: verdict["metrics"][m] for m in METRICS}
    want = {m: truth.metrics[m] for m in METRICS}
    assert got == pytest.approx(want), (verdict["reason"], verdict["evidence"][:3])
    return want["overall"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_with_spec(cases, capsys, scenario):
    tmp, out, p = cases
    path, truth = out[scenario]
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku", "--spec", str(_spec(tmp, p["p4"], 4))])
    overall = _expect(v, truth)
    assert code == (0 if overall else 1)
    assert v["status"] == ("pass" if overall else "fail")
    assert v["media_info"]["frames_decoded"] == truth.grids.shape[0]


@pytest.mark.parametrize("key", ["correct", "wrong_digit", "clue_overwritten", "9x9_h264", "9x9_wrong_vp9", "gif",
                                 "frames"])
def test_puzzle_read_from_frame0(cases, capsys, key):
    _, out, _ = cases
    path, truth = out[key]
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku"])
    _expect(v, truth)
    assert v["details"]["puzzle_source"] == "frame0"
    assert v["details"]["puzzle"] == puzzle_to_string(truth.puzzle)


@pytest.mark.parametrize("key", ["png_ok", "jpg_wrong"])
def test_images_with_input_image(cases, capsys, key):
    _, out, p = cases
    path, truth = out[key]
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku", "--input-image", str(p["input9"])])
    overall = _expect(v, truth)
    assert v["metrics"]["action_reflection"] is None
    assert code == (0 if overall else 1)


@pytest.mark.parametrize("k", range(6))
def test_degraded_videos(cases, capsys, k):
    tmp, out, p = cases
    path, truth = out[f"deg{k}"]
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku", "--spec", str(_spec(tmp, p["p4"], 4))])
    assert v["status"] != "unscorable", v["reason"]
    _expect(v, truth)


def test_failure_evidence_names_frame_cell_and_box(cases, capsys, tmp_path):
    tmp, out, p = cases
    path, truth = out["clue_overwritten"]
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku", "--evidence", str(tmp_path / "ev")])
    assert code == 1
    ev = [e for e in v["evidence"] if e["rule"] == "clues_changed"][0]
    changed = [e for e in truth.events if e[1] == "clue_change"]
    assert ev["frame"] == changed[0][0] and tuple(ev["where"]) == tuple(changed[0][2])
    assert ev["box_px"] is not None and ev["seen"] == str(changed[0][3])
    files = sorted((tmp_path / "ev").glob("*.png"))
    assert files and any(f"f{ev['frame']:05d}" in f.name for f in files)
    assert v["evidence_files"] == [str(f) for f in files]


def test_human_output_and_exit_code(cases, capsys):
    _, out, _ = cases
    path, _ = out["wrong_digit"]
    code = main([str(path), "--task", "sudoku"])
    text = capsys.readouterr().out
    assert code == 1 and "FAIL" in text and "completion_accuracy" in text and "first violation" in text


def test_json_is_byte_identical_across_runs(cases, capsys):
    _, out, _ = cases
    path, _ = out["9x9_h264"]
    main([str(path), "--task", "sudoku", "--json"])
    a = capsys.readouterr().out
    main([str(path), "--task", "sudoku", "--json"])
    b = capsys.readouterr().out
    assert a == b and '"schema": "mmgr-verify/verdict@1"' in a


def test_several_inputs_highest_code_wins(cases, capsys):
    _, out, _ = cases
    code = main([str(out["correct"][0]), str(out["wrong_digit"][0]), str(BAD / "empty.mp4"), "--task", "sudoku",
                 "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 3
    assert [v["status"] for v in doc["verdicts"]] == ["pass", "fail", "unscorable"]
    assert main([str(out["correct"][0]), str(out["wrong_digit"][0]), "--task", "sudoku", "--exit-zero"]) == 0


def test_eight_k_frame_is_verified(cases, capsys, tmp_path):
    _, _, p = cases
    p9, s9 = _puzzle(9, 5)
    frames, truth = render_frames(p9, s9, "correct", seed=3, is_video=False)
    import cv2
    big = cv2.resize(frames[0], (7680, 4320), interpolation=cv2.INTER_LINEAR)
    path = write_image(big, tmp_path / "eight_k.png")
    code, v, _ = _run(capsys, [str(path), "--task", "sudoku", "--input-image", str(p["input9"])])
    assert code == 0, v["reason"]
    assert v["media_info"]["width"] == 7680 and v["media_info"]["scale"] < 0.2


# ---------------------------------------------------------------------------------------- bad inputs

@pytest.mark.parametrize(("name", "reason"), [
    ("empty.mp4", "file is empty"),
    ("truncated.mp4", "no video stream"),
    ("text.mp4", "container does not open"),
    ("audio_only.m4a", "no video stream (only audio)"),
    ("one_frame.mp4", "only 1 frame(s) decode"),
    ("does_not_exist.mp4", "no such file"),
])
def test_bad_media_are_unscorable_with_a_reason(capsys, name, reason):
    code, v, err = _run(capsys, [str(BAD / name), "--task", "sudoku"])
    assert code == 3
    assert v["status"] == "unscorable" and reason in v["reason"]
    assert v["error"]["type"] == "VideoReadError"
    assert err.count("\n") == 1 and err.startswith("mmgr-verify: error: ") and reason in err


@pytest.mark.parametrize(("argv", "msg"), [
    (["--task", "nope"], "unknown task 'nope'"),
    (["--task", "sudoku", "--param", "bogus=1"], "unknown param 'bogus'"),
    (["--task", "sudoku", "--param", "min_run=x"], "param min_run"),
    (["--task", "sudoku", "--spec", str(BAD / "not_json.json")], "not valid JSON"),
    (["--task", "sudoku", "--spec", str(BAD / "wrong_shape.json")], "characters (size 9), got 3"),
    (["--task", "sudoku", "--spec", str(BAD / "missing.json")], "cannot read spec"),
])
def test_usage_errors_exit_2(cases, capsys, argv, msg):
    _, out, _ = cases
    code = main([str(out["correct"][0]), *argv])
    err = capsys.readouterr().err
    assert code == 2 and msg in err and err.count("\n") == 1


def test_puzzle_with_two_solutions_is_unscorable(cases, capsys):
    _, out, _ = cases
    code, v, _ = _run(capsys, [str(out["static"][0]), "--task", "sudoku", "--spec", str(BAD / "two_solutions.json")])
    assert code == 3 and "more than one solution" in v["reason"]


def test_internal_error_exit_4_and_debug_traceback(cases, capsys, monkeypatch):
    import mmgr.verify.tasks.sudoku as mod
    _, out, _ = cases

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(mod, "_check", boom)
    assert main([str(out["correct"][0]), "--task", "sudoku"]) == 4
    assert "internal error: RuntimeError: kaboom" in capsys.readouterr().err
    assert main([str(out["correct"][0]), "--task", "sudoku", "--debug"]) == 4
    assert "Traceback" in capsys.readouterr().err


def test_bundled_examples(capsys):
    """The README's first command: the bundled solve passes, its clue-changing twin fails."""
    ex = Path(__file__).parents[2] / "verify" / "examples"
    assert main([str(ex / "sudoku_solve.mp4"), "--task", "sudoku"]) == 0
    assert main([str(ex / "sudoku_solve.mp4"), "--task", "sudoku", "--spec", str(ex / "sudoku_solve.json")]) == 0
    assert main([str(ex / "sudoku_clue_changed.mp4"), "--task", "sudoku"]) == 1
    assert "clues_changed=1" in capsys.readouterr().out


def test_jit_and_pure_python_kernels_give_identical_verdicts(cases, capsys):
    """Same verdict bytes with the numba kernels and with NUMBA_DISABLE_JIT=1 (kernels as plain Python)."""
    import os
    import subprocess
    import sys
    _, out, _ = cases
    path, _ = out["overwrite_correct"]
    code = main([str(path), "--task", "sudoku", "--json"])
    jitted = capsys.readouterr().out
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    proc = subprocess.run([sys.executable, "-m", "mmgr", str(path), "--task", "sudoku", "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == code, proc.stderr
    assert '"action_reflection": 0' in jitted and proc.stdout == jitted
