"""Digit reader for Sudoku cells: blank, 1..9 or unreadable, with a confidence.

The reader takes square grayscale crops (``CELL_PX`` per side) of a board that the caller has
already rectified and polarity-normalised (light background, dark ink). Each crop spans one
cell between the centres of its grid lines, so fragments of grid lines may lie along its edges.

Pipeline (one function, ``prepare``, shared by training and inference):

1. background = the 70th percentile of the crop; ink = how much darker than it each pixel is;
2. grid-line fragments are erased: rows (columns) near an edge whose ink is uniformly present
   across the middle of the crop, plus up to two blurred rows next to them;
3. the ink is smoothed (3x3 mean) and its peak is the cell's contrast; a cell whose contrast is
   tiny on a light background is a *clear blank* and skips the network;
4. the ink bounding box is scaled so that its longer side is 16 px and centred in a 20x20 box
   (as MNIST does with 20 in 28), with values in [0, 1]; a few scalar features (contrast,
   background, box size and place) and two coarse 8x8 views of the whole crop (cleaned ink and
   raw gray) are appended, so the network can tell a hand or a cursor over the cell from a digit;
5. a small MLP (trained by ``mmgr.parsers.training.train_digits`` on cells rendered by
   ``mmgr.parsers.training.render_cells``) gives 11 class probabilities: blank, 1..9, junk.

Design note: the reader abstains rather than guesses. Junk (an occluded digit, two digits
cross-fading, a smear), a digit outside ``1..max_digit`` or any label below ``min_conf`` comes
out as ``-1``; the caller decides what an unreadable cell means for its rule. A crop wholly
covered by something uniform and as light as a board background cannot be told from a blank
cell by the crop alone (a uniform cover darker than gray level 150 is never a *clear* blank and
the network reads it as junk); a caller that knows the board's background can compare it with
``prepare(cells).background``. Inference is one numba pass for the features
(``kernels.digits.cell_features``) and a numpy MLP: no torch, no scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.digits import cell_features, read_decisions

__all__ = ["CELL_PX", "N_CLASSES", "JUNK", "CellReadings", "DigitReader", "Prepared", "prepare",
           "default_weights_path"]

CELL_PX: int = 40
"""Side of the square cell crops the reader takes, in pixels."""

N_CLASSES = 11
"""Classes: 0 = blank, 1..9 = digits, 10 = junk."""

JUNK = 10
BOX_PX = 20  # side of the normalised digit image
FIT_PX = 16  # the longer side of the ink box is scaled to this
BG_QUANTILE = 0.70
LINE_OUTER = 9  # a grid-line core must start within this many px of an edge
LINE_TAIL = 2  # anti-aliased rows erased past a line's core at most
CLEAR_BLANK_CONTRAST = 16.0  # gray levels: below this (on a light background) the cell is blank
CLEAR_BLANK_MIN_BG = 150.0
MASK_FRAC = 0.4  # ink above this share of the contrast belongs to the glyph mask
COARSE = 8
N_FEATURES = BOX_PX * BOX_PX + 2 * COARSE * COARSE + 7
_BG_RANK = int(BG_QUANTILE * ((CELL_PX // 2) ** 2 - 1))  # the background's rank among every other pixel

_DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "digits_v1.npz"


def default_weights_path() -> Path:
    """Path of the weights shipped with the package."""
    return _DEFAULT_WEIGHTS


def _check_cells(cells: NDArray[np.uint8]) -> None:
    if (not isinstance(cells, np.ndarray) or cells.dtype != np.uint8 or cells.ndim != 3
            or cells.shape[1:] != (CELL_PX, CELL_PX)):
        got = f"{getattr(cells, 'shape', None)} {getattr(cells, 'dtype', type(cells).__name__)}"
        raise ValueError(f"cells: expected (n, {CELL_PX}, {CELL_PX}) uint8, got {got}")


@dataclass(frozen=True, slots=True)
class Prepared:
    """Network inputs for a batch of cells.

    Attributes:
        features: (n, N_FEATURES) float32, the MLP input before standardisation.
        clear_blank: (n,) bool, cells whose ink contrast is too low to hold a digit.
        contrast: (n,) float32, peak smoothed ink in gray levels (after grid lines are erased).
        background: (n,) float32, background gray level.
    """

    features: NDArray[np.float32]
    clear_blank: NDArray[np.bool_]
    contrast: NDArray[np.float32]
    background: NDArray[np.float32]


def prepare(cells: NDArray[np.uint8]) -> Prepared:
    """Normalise cell crops into network features (the one preprocessing of training and inference).

    Args:
        cells: (n, CELL_PX, CELL_PX) uint8 grayscale crops, light background, dark ink.

    Returns:
        Prepared features; see the module docstring for the steps.

    Raises:
        ValueError: cells are not (n, CELL_PX, CELL_PX) uint8.

    >>> p = prepare(np.full((2, CELL_PX, CELL_PX), 230, np.uint8))
    >>> p.features.shape, p.clear_blank.tolist()
    ((2, 535), [True, True])
    """
    _check_cells(cells)
    n = cells.shape[0]
    if n == 0:
        empty = np.zeros(0, np.float32)
        return Prepared(np.zeros((0, N_FEATURES), np.float32), np.zeros(0, bool), empty, empty)
    # one numba pass over the crops (kernels/digits.py; the numpy twin in kernels/_reference/digits.py)
    feats, clear_blank, contrast, bg = cell_features(
        np.ascontiguousarray(cells), _BG_RANK, LINE_OUTER, LINE_TAIL, BOX_PX, FIT_PX, COARSE, np.float32(MASK_FRAC),
        np.float32(CLEAR_BLANK_CONTRAST), np.float32(CLEAR_BLANK_MIN_BG))
    return Prepared(feats, clear_blank, contrast, bg)


@dataclass(frozen=True, slots=True)
class CellReadings:
    """What the reader saw in each of n cells.

    Attributes:
        digit: (n,) int8, 0 = blank, 1..9 = digit, -1 = unreadable (junk, out of range or low confidence).
        conf: (n,) float32 in [0, 1], probability of the reported label. For -1 it is the
            probability that the cell holds none of the allowed labels (blank, 1..max_digit) when a
            junk or out-of-range class won, or 1 - p(top label) when the top label was too unsure.
        probs: (n, 11) float32 class probabilities: [blank, 1..9, junk]; rows sum to 1.
    """

    digit: NDArray[np.int8]
    conf: NDArray[np.float32]
    probs: NDArray[np.float32]

    def __post_init__(self) -> None:
        for name, arr, dtype, ndim in (("digit", self.digit, np.int8, 1), ("conf", self.conf, np.float32, 1),
                                       ("probs", self.probs, np.float32, 2)):
            if not isinstance(arr, np.ndarray) or arr.dtype != dtype or arr.ndim != ndim:
                got = f"{getattr(arr, 'shape', None)} {getattr(arr, 'dtype', type(arr).__name__)}"
                want = "(n,)" if ndim == 1 else f"(n, {N_CLASSES})"
                raise ValueError(f"{name}: expected {want} {np.dtype(dtype).name}, got {got}")
        n = self.digit.shape[0]
        if self.conf.shape != (n,) or self.probs.shape != (n, N_CLASSES):
            raise ValueError(f"expected conf ({n},) and probs ({n}, {N_CLASSES}), "
                             f"got {self.conf.shape} and {self.probs.shape}")


def _flush_subnormal(a: NDArray[np.floating]) -> NDArray[np.float32]:
    """A float32 copy of ``a`` with its subnormal values (nonzero, below float32's smallest normal
    number) set to zero.

    Training with weight decay leaves some weights that small (778 of the shipped hidden layer's
    32768). x86 multiplies with them through a microcode assist, ~100x slower, which made the
    smallest layer's product the slowest step of a read (2-3x the whole network). A product of
    such a weight is below 1e-37 and vanishes in the float32 sums it joins: the logits are bit for
    bit the same (tests).
    """
    out = np.array(a, np.float32)
    out[np.abs(out) < np.finfo(np.float32).tiny] = 0.0
    return out


class DigitReader:
    """An MLP over ``prepare`` features, run with numpy.

    Args:
        layers: (weight, bias) pairs, float32; ReLU between them, softmax after the last.
            Subnormal values are taken as zero (``_flush_subnormal``).
        mean, scale: feature standardisation, (N_FEATURES,) float32.
        temperature: logits are divided by it before the softmax (calibration).
        meta: training metadata (free-form, from the weights file).
    """

    _default: DigitReader | None = None

    def __init__(self, layers: list[tuple[NDArray[np.float32], NDArray[np.float32]]], mean: NDArray[np.float32],
                 scale: NDArray[np.float32], temperature: float = 1.0, meta: dict[str, object] | None = None) -> None:
        if not layers:
            raise ValueError("layers: expected at least one (weight, bias) pair, got none")
        if mean.shape != (N_FEATURES,) or scale.shape != (N_FEATURES,):
            raise ValueError(f"mean/scale: expected ({N_FEATURES},), got {mean.shape} and {scale.shape}")
        width = N_FEATURES
        for i, (w, b) in enumerate(layers):
            if w.ndim != 2 or w.shape[0] != width or b.shape != (w.shape[1],):
                raise ValueError(f"layer {i}: expected weight ({width}, k) and bias (k,), got {w.shape} and {b.shape}")
            width = w.shape[1]
        if width != N_CLASSES:
            raise ValueError(f"last layer: expected {N_CLASSES} outputs, got {width}")
        if not temperature > 0:
            raise ValueError(f"temperature: expected > 0, got {temperature}")
        self.layers = [(_flush_subnormal(w), _flush_subnormal(b)) for w, b in layers]
        self.mean = np.asarray(mean, np.float32)
        self.inv_scale = np.asarray(1.0 / scale, np.float32)
        self.temperature = float(temperature)
        self.meta = dict(meta or {})

    @classmethod
    def load(cls, path: str | Path | None = None) -> DigitReader:
        """Load weights from an ``.npz`` written by ``train_digits`` (None = the shipped weights, cached).

        Raises:
            FileNotFoundError: the file does not exist.
            ValueError: the file is not a digit-reader weights file.
        """
        if path is None:
            if cls._default is None:
                cls._default = cls._from_file(_DEFAULT_WEIGHTS)
            return cls._default
        return cls._from_file(Path(path))

    @classmethod
    def _from_file(cls, path: Path) -> DigitReader:
        if not path.is_file():
            raise FileNotFoundError(f"digit weights: no such file '{path}'")
        try:
            with np.load(path, allow_pickle=False) as z:
                n_layers = int(z["n_layers"])
                layers = [(z[f"w{i}"], z[f"b{i}"]) for i in range(n_layers)]
                mean, scale = z["mean"], z["scale"]
                temperature = float(z["temperature"]) if "temperature" in z else 1.0
                meta = json.loads(str(z["meta"])) if "meta" in z else {}
        except (KeyError, ValueError, OSError) as exc:
            raise ValueError(f"digit weights: '{path}' is not a digit-reader weights file ({exc})") from exc
        return cls(layers, mean, scale, temperature, meta)

    def save(self, path: str | Path) -> None:
        """Write the weights as float32 ``.npz`` (the format ``load`` reads)."""
        arrays: dict[str, NDArray[np.generic]] = {"n_layers": np.array(len(self.layers))}
        for i, (w, b) in enumerate(self.layers):
            arrays[f"w{i}"], arrays[f"b{i}"] = w, b
        arrays["mean"], arrays["scale"] = self.mean, (1.0 / self.inv_scale).astype(np.float32)
        arrays["temperature"] = np.array(self.temperature, np.float64)
        arrays["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        np.savez_compressed(path, **arrays)

    def logits(self, features: NDArray[np.float32]) -> NDArray[np.float32]:
        """Raw network outputs (n, 11) for ``prepare(...).features``."""
        h = (features - self.mean) * self.inv_scale
        last = len(self.layers) - 1
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < last:
                np.maximum(h, 0.0, out=h)
        return h.astype(np.float32)

    def _exp_logits(self, cells: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """``exp`` of the network's tempered logits less their row maximum, for the cells that are
        not clear blanks, and those cells' indices (the softmax's numpy part: numpy's exp)."""
        p = prepare(cells)
        rows = np.flatnonzero(~p.clear_blank).astype(np.int64, copy=False)
        if rows.size == 0:
            return np.zeros((0, N_CLASSES), np.float32), rows
        z = self.logits(p.features[rows]) / np.float32(self.temperature)
        z -= z.max(axis=1, keepdims=True)
        return np.exp(z), rows

    def predict_proba(self, cells: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Class probabilities (n, 11): [blank, 1..9, junk]; clear blanks get exactly [1, 0, ...]."""
        e, rows = self._exp_logits(cells)
        return read_decisions(e, rows, cells.shape[0], 9, np.float32(0.0))[2]  # (the probabilities alone)

    def read(self, cells: NDArray[np.uint8], max_digit: int = 9, min_conf: float = 0.9) -> CellReadings:
        """Read n cells.

        Args:
            cells: (n, CELL_PX, CELL_PX) uint8 grayscale crops, light background, dark ink.
            max_digit: largest digit the board can hold (4 for 4x4 boards, 9 for 9x9); a winner
                outside blank/1..max_digit (a 5-9 on a 4x4 board, or junk) makes the cell -1.
            min_conf: a label whose probability is below this becomes -1.

        Returns:
            CellReadings (digit, conf, probs).

        Raises:
            ValueError: bad cells shape/dtype, max_digit outside 1..9 or min_conf outside [0, 1].
        """
        _check_cells(cells)
        if not isinstance(max_digit, (int, np.integer)) or not 1 <= max_digit <= 9:
            raise ValueError(f"max_digit: expected an int in 1..9, got {max_digit!r}")
        if not 0.0 <= float(min_conf) <= 1.0:
            raise ValueError(f"min_conf: expected a float in [0, 1], got {min_conf!r}")
        e, rows = self._exp_logits(cells)
        # the softmax's sums and the verdicts in one kernel (kernels/digits.py; numpy twin in
        # kernels/_reference/digits.py, bit for bit)
        digit, conf, probs = read_decisions(e, rows, cells.shape[0], int(max_digit), np.float32(min_conf))
        return CellReadings(digit, conf, probs)
