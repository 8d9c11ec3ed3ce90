"""ARC parser: panels, rows/columns without assuming the size, colours with abstention, layout, drift."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mmgr.errors import ParseError
from mmgr.parsers.arc import parse_arc, read_layout, structure_agreement
from mmgr.parsers.arc_grid import AMBIGUOUS, ARC_RGB, EMPTY, Box, Panel, find_panels, quantize, read_grid
from mmgr.parsers.types import Frame
from mmgr.verify.arc_data import load_task
from mmgr.verify.synth.arc import Style, render_task, scenario
from mmgr.verify.synth.media import Degradation, degrade
from mmgr.verify.tasks.arc import reference_from_spec

TASKS = [("007bbfb7", 1), ("00576224", 2), ("b7249182", 2), ("d4469b4b", 1)]


def _frames(imgs: list[np.ndarray]) -> list[Frame]:
    return [Frame(i, Fraction(i, 8), im) for i, im in enumerate(imgs)]


@pytest.fixture(scope="module")
def tasks() -> dict[str, object]:
    return {tid: load_task(tid, v) for tid, v in TASKS}


@pytest.mark.parametrize("tid", [t for t, _ in TASKS])
def test_find_panels_recovers_every_drawn_panel(tasks: dict, tid: str) -> None:
    img, lay = render_task(tasks[tid], answer=tasks[tid].test_output())
    boxes = {p.box.as_tuple() for p in find_panels(img)}
    for role, b in lay.panels.items():
        assert b in boxes, f"{role} {b} not found among {sorted(boxes)}"


@pytest.mark.parametrize("lines", ["present", "faint", "absent"])
@pytest.mark.parametrize("tid", [t for t, _ in TASKS])
def test_read_grid_finds_rows_and_columns(tasks: dict, tid: str, lines: str) -> None:
    task = tasks[tid]
    exp = task.test_output()
    img, lay = render_task(task, answer=exp, answer_lines=lines)
    gr = read_grid(img, Panel.from_box(Box(*lay.panels["answer"])), hint=exp.shape)
    assert (gr.rows, gr.cols) == exp.shape
    if lines == "present":
        assert gr.lines == 1.0 and not gr.size_from_hint


def test_read_grid_without_hint_reports_coarsest_partition_when_lines_absent() -> None:
    grid = np.zeros((4, 6), np.int8)  # all black, no lines: a 1x1 reading is as consistent as 4x6
    canvas = np.full((200, 300, 3), 240, np.uint8)
    from mmgr.verify.synth.arc import draw_grid
    box = draw_grid(canvas, grid, 20, 20, 30, Style(lines="absent"))
    gr = read_grid(canvas, Panel.from_box(Box(*box)))
    assert (gr.rows, gr.cols) == (1, 1)
    gr = read_grid(canvas, Panel.from_box(Box(*box)), hint=(4, 6))
    assert (gr.rows, gr.cols) == (4, 6) and gr.size_from_hint
    grid[:, 3:] = 2  # a colour step half-way: 2 columns fit, so do 4 and 6, but not 7
    box = draw_grid(canvas, grid, 20, 20, 30, Style(lines="absent"))
    assert read_grid(canvas, Panel.from_box(Box(*box))).cols == 2
    assert read_grid(canvas, Panel.from_box(Box(*box)), hint=(4, 6)).cols == 6
    assert read_grid(canvas, Panel.from_box(Box(*box)), hint=(4, 7)).cols == 2


def test_quantize_abstains_between_colours_and_reads_empty() -> None:
    pal = np.concatenate([ARC_RGB, np.array([[255, 255, 255]], np.int32)])
    labels = np.array(list(range(10)) + [EMPTY], np.int8)
    red, orange = ARC_RGB[2], ARC_RGB[7]
    means = np.array([[red, (red + orange) // 2, [255, 255, 255], [128, 128, 0]]], np.int32)
    lab = quantize(means, np.full((1, 4), 100, np.int32), pal, labels)
    assert lab.tolist() == [[2, AMBIGUOUS, EMPTY, AMBIGUOUS]]
    lab = quantize(means[:, :1], np.array([[10]], np.int32), pal, labels)  # not uniform: abstain
    assert lab.tolist() == [[AMBIGUOUS]]


def test_structure_agreement_is_colour_blind() -> None:
    g = np.array([[0, 1], [1, 2]], np.int8)
    m = np.array([[[9, 9, 9], [0, 250, 0]], [[0, 250, 0], [250, 0, 250]]], np.int32)
    assert structure_agreement(m, g) == 1.0
    assert structure_agreement(m, np.array([[0, 0], [1, 2]], np.int8)) < 1.0


def test_layout_matches_spec_grids_to_panels(tasks: dict) -> None:
    task = tasks["b7249182"]
    ref = reference_from_spec(task.to_spec())
    img, lay = render_task(task)
    f0 = read_layout(img, ref.roles())
    got = {k.role: k.read.box.as_tuple() for k in f0.panels}
    shown = {r: b for r, b in lay.panels.items() if r != "T1-out"}
    assert got == shown
    for k in f0.panels:
        assert np.array_equal(k.labels0, k.grid)


def test_layout_without_test_input_is_unscorable(tasks: dict) -> None:
    ref = reference_from_spec(tasks["007bbfb7"].to_spec())
    blank = np.full((400, 300, 3), 240, np.uint8)
    with pytest.raises(ParseError, match="test input"):
        read_layout(blank, ref.roles())


@pytest.mark.parametrize("name", ["exact", "wrong_cells_2", "wrong_size", "palette_shift", "no_grid_lines",
                                  "answer_elsewhere", "demo_drift"])
def test_parse_scenarios_read_the_truth(tasks: dict, name: str) -> None:
    task = tasks["00576224"]
    ref = reference_from_spec(task.to_spec())
    frames, truth = scenario(task, name, seed=3)
    st = parse_arc(_frames(frames), ref.roles(), ref.expected.shape)
    assert list(st.answer_labels.shape) == truth["answer_size"]
    assert bool(st.drift_frames) == bool(truth["context_drift"])
    if truth["valid_solution"]:
        assert np.array_equal(st.answer_labels, ref.expected)
    else:
        assert not np.array_equal(st.answer_labels, ref.expected) if st.answer_labels.shape == ref.expected.shape \
            else True
    assert st.answer_in_slot == (name != "answer_elsewhere")
    if name == "demo_drift":
        assert st.drift_frames[0] == len(frames) // 2 and st.drift_events[0].role == "E1-out"


@pytest.mark.parametrize("name", ["answer_elsewhere", "wrong_cells_1"])
def test_final_frame_alone_as_an_image_output(tasks: dict, name: str) -> None:
    task = tasks["007bbfb7"]
    ref = reference_from_spec(task.to_spec())
    frames, truth = scenario(task, name, seed=5)
    st = parse_arc(_frames(frames[-1:]), ref.roles(), ref.expected.shape)
    assert np.array_equal(st.answer_labels, ref.expected) == bool(truth["valid_solution"])
    assert st.answer_in_slot == (name != "answer_elsewhere")


def test_flicker_in_final_frames_is_reported(tasks: dict) -> None:
    task = tasks["007bbfb7"]
    ref = reference_from_spec(task.to_spec())
    exp = ref.expected
    alt = exp.copy()
    alt[0, 0] = (alt[0, 0] + 1) % 10
    imgs = [render_task(task)[0]] + [render_task(task, answer=a)[0] for a in (exp, alt, exp, alt, exp)]
    st = parse_arc(_frames(imgs), ref.roles(), exp.shape, stable_frames=4)
    assert st.flicker == ((0, 0),)
    assert np.array_equal(st.answer_labels, exp)  # the final frame decides


@pytest.mark.parametrize("d", [Degradation(rotate_deg=3.0), Degradation(perspective=0.03),
                               Degradation(scale=0.8, blur_sigma=0.8, noise_sigma=4.0),
                               Degradation(color_gain=(1.12, 0.95, 0.82), brightness=-18.0)])
def test_degraded_image_reads_exactly(tasks: dict, d: Degradation) -> None:
    task = tasks["d4469b4b"]
    ref = reference_from_spec(task.to_spec())
    img, _ = render_task(task, answer=ref.expected)
    img = degrade(img, d, np.random.default_rng(0))
    st = parse_arc(_frames([img]), ref.roles(), ref.expected.shape)
    assert np.array_equal(st.answer_labels, ref.expected)


def test_no_answer_panel_is_unscorable(tasks: dict) -> None:
    task = tasks["007bbfb7"]
    ref = reference_from_spec(task.to_spec())
    img, _ = render_task(task, style=Style(output_panel="absent"))
    with pytest.raises(ParseError, match="no answer grid"):
        parse_arc(_frames([img]), ref.roles(), ref.expected.shape)
