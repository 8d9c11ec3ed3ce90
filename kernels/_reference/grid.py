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


def cell_summary(ink: NDArray[np.uint8], n: int, cell_px: int, margin: int,
                 delta: int) -> tuple[NDArray[np.int32], NDArray[np.int32], NDArray[np.int32]]:
    """See ``mmgr.kernels.grid.cell_summary``."""
    b = cell_px // 4
    q = (cell_px - 2 * margin) // 2
    cells = ink.astype(np.int64).reshape(n, cell_px, n, cell_px).transpose(0, 2, 1, 3).reshape(n * n, cell_px, cell_px)
    blocks = cells.reshape(n * n, b, 4, b, 4).sum(axis=(2, 4))
    inner = cells[:, margin:margin + 2 * q, margin:margin + 2 * q]
    inner_max2 = inner.reshape(n * n, q, 2, q, 2).sum(axis=(2, 4)).max(axis=(1, 2)) if q > 0 else np.zeros(n * n)
    occ = (inner[:, ::2, ::2] > delta).sum(axis=(1, 2))
    return blocks.astype(np.int32), np.asarray(inner_max2, np.int32), occ.astype(np.int32)


def cell_summary_update(ink: NDArray[np.uint8], off: int, n: int, cell_px: int, margin: int, delta: int,
                        cells: NDArray[np.int64], blocks: NDArray[np.int32], inner_max2: NDArray[np.int32],
                        occ: NDArray[np.int32]) -> None:
    """See ``mmgr.kernels.grid.cell_summary_update``."""
    side = n * cell_px
    b, m, o = cell_summary(np.ascontiguousarray(ink[off:off + side, off:off + side]), n, cell_px, margin, delta)
    blocks[cells], inner_max2[cells], occ[cells] = b[cells], m[cells], o[cells]


def plan_cells(cur: NDArray[np.int32], ref: NDArray[np.int32], digits: NDArray[np.int8], conf: NDArray[np.float32],
               was_occ: NDArray[np.bool_], occ_count: NDArray[np.int32], inner_max2: NDArray[np.int32],
               occ_thr: float, diff_thr: float, blank_thr: float,
               every: bool) -> tuple[NDArray[np.bool_], NDArray[np.int64], int]:
    """See ``mmgr.kernels.grid.plan_cells``."""
    occ = occ_count > occ_thr
    if every:
        todo, moved = np.flatnonzero(~occ), 0
    else:
        diff = np.abs(cur.astype(np.int64) - ref).reshape(len(cur), -1).max(axis=1) if cur.size else np.zeros(len(cur))
        hit = np.flatnonzero((diff > diff_thr) | ((was_occ | (digits < 0)) & ~occ))
        todo, moved = hit[~occ[hit]], len(hit)
    blank = inner_max2[todo] < blank_thr
    digits[todo[blank]] = 0
    conf[todo[blank]] = 1.0
    ref[todo[blank]] = cur[todo[blank]]
    digits[occ] = -1
    conf[occ] = 0.0
    return occ, todo[~blank].astype(np.int64), moved


def ring_ink(crops: NDArray[np.uint8], lo: int, hi: int, delta: int) -> NDArray[np.int32]:
    """See ``mmgr.kernels.grid.ring_ink``."""
    s = crops.shape[1]
    yy, xx = np.mgrid[0:s, 0:s]
    d = np.minimum(np.minimum(yy, xx), np.minimum(s - 1 - yy, s - 1 - xx))
    ring = (d >= lo) & (d < hi)
    return (crops[:, ring] > delta).sum(axis=1).astype(np.int32)


def intrusion_step(idx: NDArray[np.int64], ring: NDArray[np.int32], digits: NDArray[np.int8],
                   conf: NDArray[np.float32], sure_digit: NDArray[np.int8], sure_ring: NDArray[np.int32],
                   cur: NDArray[np.int32], ref: NDArray[np.int32], ring_gain: float, edge_diff: int) -> int:
    """See ``mmgr.kernels.grid.intrusion_step``."""
    edge = np.ones(cur.shape[1:], bool)
    edge[1:-1, 1:-1] = False
    new, old = digits[idx], sure_digit[idx]
    cand = (old >= 1) & (new >= 1) & (new != old) & (ring - sure_ring[idx] > ring_gain)
    moved = (np.abs(cur[idx].astype(np.int64) - ref[idx])[:, edge] > edge_diff).any(axis=1)
    bad = idx[cand & moved]
    digits[bad] = -1
    conf[bad] = 0.0
    ok = digits[idx] >= 0
    sure_digit[idx[ok]] = digits[idx[ok]]
    sure_ring[idx[ok]] = ring[ok]
    return int(bad.size)
