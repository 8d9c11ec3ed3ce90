"""Plain-numpy twins of ``mmgr.kernels.board`` (obviously correct, slow; used by the tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def median_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """See ``mmgr.kernels.board.median_colour``."""
    return np.median(pixels.reshape(-1, 3), axis=0).astype(np.float64)
