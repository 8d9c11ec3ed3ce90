"""Tests of the Sudoku digit reader (``mmgr.parsers.digits``) on cells rendered with known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from mmgr.parsers.digits import CELL_PX, JUNK, N_CLASSES, CellReadings, DigitReader, default_weights_path, prepare
from mmgr.parsers.training.render_cells import find_fonts, render_cells


@pytest.fixture(scope="module")
def reader() -> DigitReader:
    return DigitReader.load()


def _draw(digit: int, size: int = 24, ink: int = 20, bg: int = 240, dx: int = 0) -> np.ndarray:
    """A digit drawn with PIL (independently of the training renderer), centred in a cell."""
    font = ImageFont.truetype(next(f.path for f in find_fonts() if f.name == "DejaVuSans"), size)
    img = Image.new("L", (CELL_PX, CELL_PX), bg)
    ImageDraw.Draw(img).text((CELL_PX / 2 + dx, CELL_PX / 2), str(digit), fill=ink, font=font, anchor="mm")
    return np.asarray(img, np.uint8).copy()


def _blank(level: int = 235) -> np.ndarray:
    return np.full((CELL_PX, CELL_PX), level, np.uint8)


def _with_lines(cell: np.ndarray, top: int, left: int, thick: int, level: int = 20) -> np.ndarray:
    """Grid-line fragments: a horizontal line `top` px from the top, a vertical one `left` px from the left."""
    out = cell.copy()
    out[top:top + thick, :] = level
    out[:, left:left + thick] = level
    out[CELL_PX - 2:, :] = level  # half of a thin line along the bottom edge
    return out


def test_shipped_weights_load_and_are_cached(reader: DigitReader) -> None:
    assert default_weights_path().is_file()
    assert DigitReader.load() is reader
    assert default_weights_path().stat().st_size < 2_000_000
    assert reader.meta["classes"][0] == "blank" and reader.meta["classes"][-1] == "junk"


def test_clean_digits_of_every_font_read_correctly(reader: DigitReader) -> None:
    fonts = find_fonts()
    assert len(fonts) >= 30  # DejaVu, STIX, Computer Modern (matplotlib ships them) and 16 Hershey variants
    labels = np.arange(1, 10)
    misread: list[str] = []
    total = 0
    for i, font in enumerate(fonts):
        r = render_cells(len(labels), seed=100 + i, mode="clean", fonts=(font,), labels=labels)
        got = reader.read(r.cells).digit
        total += len(labels)
        misread += [f"{font.name}: {t} read as {g}" for t, g in zip(labels, got, strict=True) if g != t]
        # never a confident wrong digit, whatever the font
        assert not np.any((got > 0) & (got != labels)), f"{font.name}: {list(zip(labels, got, strict=True))}"
    assert len(misread) <= total // 100, misread  # >= 99% read, the rest abstain


def test_blank_cells_read_as_blank(reader: DigitReader) -> None:
    clean = render_cells(60, seed=6, mode="clean", labels=np.zeros(60, np.int64))
    extra = np.stack([_blank(), _blank(200), _with_lines(_blank(), 0, 0, 3), _with_lines(_blank(245), 3, 2, 5),
                      _with_lines(_blank(220), 2, 36, 2, level=90)])
    res = reader.read(np.concatenate([clean.cells, extra]))
    assert np.all(res.digit == 0), np.nonzero(res.digit != 0)
    assert np.all(res.conf >= 0.9)
    # degraded blanks (blur, noise, JPEG q >= 20, tints): never a digit, rarely unsure
    deg = reader.read(render_cells(200, seed=7, mode="degraded", labels=np.zeros(200, np.int64)).cells)
    assert np.all(deg.digit <= 0)
    assert np.mean(deg.digit == 0) >= 0.97


def test_digit_next_to_misaligned_grid_lines_is_read(reader: DigitReader) -> None:
    cells = [_with_lines(_draw(d), 2, 3, 4) for d in range(1, 10)]  # box lines a few px inside the crop
    cells += [_with_lines(_draw(d, size=20, dx=2), 35, 36, 2, level=60) for d in range(1, 10)]
    assert reader.read(np.stack(cells)).digit.tolist() == list(range(1, 10)) * 2


def test_junk_is_not_read_as_a_confident_digit(reader: DigitReader) -> None:
    r = render_cells(300, seed=21, mode="degraded", p_blank=0.0, p_junk=1.0)
    got = reader.read(r.cells).digit
    assert np.mean(got != -1) <= 0.05, np.bincount(got + 1)
    # a dark blob over most of a digit
    blob = _draw(8)
    yy, xx = np.mgrid[:CELL_PX, :CELL_PX]
    blob[(yy - 24) ** 2 + (xx - 22) ** 2 < 13 ** 2] = 120
    # two digits cross-fading half way
    fade = ((_draw(3).astype(np.float32) + _draw(7)) / 2).round().astype(np.uint8)
    assert reader.read(np.stack([blob, fade])).digit.tolist() == [-1, -1]


def test_max_digit_restricts_labels(reader: DigitReader) -> None:
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    r = render_cells(len(labels), seed=31, mode="clean", fonts=(find_fonts()[1],), labels=labels)
    full = reader.read(r.cells)
    four = reader.read(r.cells, max_digit=4)
    assert full.digit.tolist() == labels.tolist()
    assert four.digit.tolist() == [0, 1, 2, 3, 4, -1, -1, -1, -1, -1]
    np.testing.assert_array_equal(four.probs, full.probs)
    assert np.all(four.conf[5:] >= 0.9)  # confidently outside 0..4


def test_min_conf_turns_unsure_labels_into_minus_one(reader: DigitReader) -> None:
    r = render_cells(60, seed=41, mode="degraded", p_blank=0.1, p_junk=0.3)
    loose = reader.read(r.cells, min_conf=0.0)
    win = loose.probs.argmax(axis=1)
    np.testing.assert_array_equal(loose.digit, np.where(win == JUNK, -1, win))
    strict = reader.read(r.cells, min_conf=0.999)
    unsure = loose.probs.max(axis=1) < 0.999
    assert unsure.any() and not unsure.all()
    np.testing.assert_array_equal(strict.digit[unsure], -1)
    np.testing.assert_array_equal(strict.digit[~unsure], loose.digit[~unsure])


def test_readings_shapes_and_probabilities(reader: DigitReader) -> None:
    r = render_cells(12, seed=51, mode="degraded", p_blank=0.3, p_junk=0.2)
    res = reader.read(r.cells)
    assert res.digit.dtype == np.int8 and res.digit.shape == (12,)
    assert res.conf.dtype == np.float32 and np.all((res.conf >= 0) & (res.conf <= 1))
    assert res.probs.dtype == np.float32 and res.probs.shape == (12, N_CLASSES)
    np.testing.assert_allclose(res.probs.sum(axis=1), 1.0, atol=1e-5)
    empty = reader.read(np.zeros((0, CELL_PX, CELL_PX), np.uint8))
    assert empty.digit.shape == (0,) and empty.probs.shape == (0, N_CLASSES)


@pytest.mark.parametrize(("cells", "match"), [
    (np.zeros((2, CELL_PX, CELL_PX + 1), np.uint8), r"expected \(n, 40, 40\) uint8, got \(2, 40, 41\) uint8"),
    (np.zeros((2, CELL_PX, CELL_PX), np.float32), r"expected \(n, 40, 40\) uint8, got \(2, 40, 40\) float32"),
    (np.zeros((CELL_PX, CELL_PX), np.uint8), r"expected \(n, 40, 40\) uint8, got \(40, 40\) uint8"),
    ([[0]], r"expected \(n, 40, 40\) uint8, got None list"),
])
def test_bad_cells_are_rejected(reader: DigitReader, cells: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        reader.read(cells)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"max_digit": 0}, "max_digit: expected an int in 1..9, got 0"),
    ({"max_digit": 10}, "max_digit: expected an int in 1..9, got 10"),
    ({"min_conf": 1.5}, r"min_conf: expected a float in \[0, 1\], got 1.5"),
])
def test_bad_arguments_are_rejected(reader: DigitReader, kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        reader.read(np.zeros((1, CELL_PX, CELL_PX), np.uint8), **kwargs)  # type: ignore[arg-type]


def test_cell_readings_validate() -> None:
    with pytest.raises(ValueError, match=r"digit: expected \(n,\) int8, got \(3,\) int64"):
        CellReadings(np.zeros(3, np.int64), np.zeros(3, np.float32), np.zeros((3, N_CLASSES), np.float32))
    with pytest.raises(ValueError, match=r"expected conf \(3,\) and probs \(3, 11\)"):
        CellReadings(np.zeros(3, np.int8), np.zeros(3, np.float32), np.zeros((2, N_CLASSES), np.float32))


def test_user_weights_file_loads(reader: DigitReader, tmp_path: Path) -> None:
    path = tmp_path / "mine.npz"
    reader.save(path)
    other = DigitReader.load(path)
    assert other is not reader
    cells = render_cells(20, seed=61, mode="degraded", p_blank=0.2, p_junk=0.1).cells
    np.testing.assert_array_equal(other.read(cells).probs, reader.read(cells).probs)
    with pytest.raises(FileNotFoundError, match="no such file"):
        DigitReader.load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(ValueError, match="is not a digit-reader weights file"):
        DigitReader.load(bad)


def test_subnormal_weights_are_flushed_and_logits_stay_bit_identical(reader: DigitReader) -> None:
    tiny = np.finfo(np.float32).tiny
    with np.load(default_weights_path()) as z:
        raw = [(z[f"w{i}"], z[f"b{i}"]) for i in range(int(z["n_layers"]))]

    def subnormal(a: np.ndarray) -> int:
        return int(((a != 0) & (np.abs(a) < tiny)).sum())

    assert sum(subnormal(w) for w, _ in raw) > 0  # the shipped file has some: the comparison below means something
    assert all(subnormal(w) == 0 and subnormal(b) == 0 for w, b in reader.layers)
    feats = prepare(render_cells(120, seed=83, mode="degraded", p_blank=0.1, p_junk=0.2).cells).features
    for k in (1, 3, 16, 120):  # batch sizes take different BLAS kernels
        for i in range(0, len(feats), k):
            h = (feats[i:i + k] - reader.mean) * reader.inv_scale
            for j, (w, b) in enumerate(raw):  # the network with the weights as stored
                h = h @ w + b
                if j < len(raw) - 1:
                    np.maximum(h, 0.0, out=h)
            np.testing.assert_array_equal(reader.logits(feats[i:i + k]), h.astype(np.float32))


def test_prepare_is_deterministic_and_clear_blank_only_for_faint_cells() -> None:
    r = render_cells(30, seed=71, mode="degraded", p_blank=0.3)
    a, b = prepare(r.cells), prepare(r.cells.copy())
    np.testing.assert_array_equal(a.features, b.features)
    assert not np.any(a.clear_blank[r.labels > 0])
    assert prepare(np.stack([_blank(), _blank(120)])).clear_blank.tolist() == [True, False]  # dark = a hand, not blank


def test_batched_cells_never_mix() -> None:
    """Features of a cell do not depend on the cells read beside it (smoothing, box fit, coarse views)."""
    r = render_cells(6, seed=4, mode="degraded", p_blank=0.0)
    batch = prepare(r.cells)
    for k in range(len(r.cells)):
        one = prepare(r.cells[k:k + 1])
        np.testing.assert_array_equal(one.features[0], batch.features[k])
        assert one.background[0] == batch.background[k] and one.contrast[0] == batch.contrast[k]