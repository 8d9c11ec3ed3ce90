"""Plain-numpy twins of ``mmgr.kernels.grid`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def unit_violations(grid: NDArray[np.int8], box_h: int, box_w: int) -> NDArray[np.bool_]:
    """See ``mmgr.kernels.grid.unit_violations``."""
    n = grid.shape[0]
    units = [grid[i, :] for i in range(n)] + [grid[:, j] for j in range(n)]
    for br in range(0, n, box_h):
        for bc in range(0, n, box_w):
            units.append(grid[br:br + box_h, bc:bc + box_w].reshape(-1))
    out = []
    for u in units:
        vals = [int(v) for v in u if v > 0]
        out.append(len(vals) != len(set(vals)))
    return np.array(out, dtype=bool)


def stable_events(readings: NDArray[np.int8], dur_ms: NDArray[np.int32], min_run: int,
                  min_hold_ms: int) -> NDArray[np.int32]:
    """See ``mmgr.kernels.grid.stable_events``."""
    rows: list[tuple[int, int, int, int]] = []
    for k in range(readings.shape[1]):
        obs = [(t, int(v)) for t, v in enumerate(readings[:, k]) if v >= 0]
        state = -1
        i = 0
        while i < len(obs):
            j = i
            while j < len(obs) and obs[j][1] == obs[i][1]:
                j += 1
            run_ms = sum(int(dur_ms[t]) for t, _ in obs[i:j])
            if (j - i >= min_run or run_ms >= min_hold_ms) and obs[i][1] != state:
                rows.append((k, obs[i][0], state, obs[i][1]))
                state = obs[i][1]
            i = j
    return np.array(rows, dtype=np.int32).reshape(-1, 4)
