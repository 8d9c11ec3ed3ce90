"""Plain-numpy twins of ``mmgr.kernels.maze_fit`` (the scoring as first written; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def block_scores(vals: NDArray[np.float64]) -> NDArray[np.float64]:
    """Block-maze score of each of K grids of sampled block values (K, 2R+1, 2C+1), -1 = not seen."""
    out = []
    for k in range(vals.shape[0]):
        v_k = vals[k]
        seen = v_k >= 0
        if seen.mean() < 0.6:
            out.append(0.0)
            continue
        pill = v_k[0::2, 0::2]
        cell = v_k[1::2, 1::2]
        p_ok = float((pill[pill >= 0] > 0.5).mean()) if (pill >= 0).any() else 0.0
        c_ok = float((cell[cell >= 0] < 0.5).mean()) if (cell >= 0).any() else 0.0
        v = v_k[seen]
        purity = 1.0 - 2.0 * float(np.minimum(v, 1 - v).mean())
        out.append(p_ok * c_ok * purity)
    return np.array(out, np.float64)


def line_scores(horiz: NDArray[np.float64], vert: NDArray[np.float64]) -> NDArray[np.float64]:
    """Line-maze score of each of K grids: horiz (K, R+1, C), vert (K, R, C+1) wall-line values, -1 = not judged."""
    out = []
    for hz, vt in zip(horiz, vert, strict=True):
        border = np.concatenate([hz[0], hz[-1], vt[:, 0], vt[:, -1]])
        v = np.concatenate([hz[1:-1].ravel(), vt[:, 1:-1].ravel()])
        v = v[v >= 0]  # -1: under a marker, not judged
        purity = 1.0 - 2.0 * float(np.minimum(v, 1 - v).mean()) if v.size else 1.0
        out.append(float((border > 0.5).mean()) * purity * float(0.05 < (v > 0.5).mean() < 0.95 if v.size else 0.0))
    return np.array(out, np.float64)
