"""The MMGR Sudoku metrics computed from what a rendered output shows (the truth side of the checker).

These functions look only at grids of digits, never at pixels, and are written independently of
the checker in ``mmgr.verify.tasks.sudoku``: the two must agree on every synthetic case.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.solvers.sudoku import unit_cells

__all__ = ["expected_metrics", "final_grid"]


def final_grid(grids: NDArray[np.int8], occluded: NDArray[np.bool_], board_visible: NDArray[np.bool_]
               ) -> NDArray[np.int8] | None:
    """The final grid: last visible frame, occluded cells taking their latest non-occluded value.

    Returns None when the board is never visible. Cells never seen unoccluded are 0 (blank).
    """
    vis = np.flatnonzero(board_visible)
    if vis.size == 0:
        return None
    last = np.zeros(grids.shape[1:], np.int8)
    for t in vis:
        obs = ~occluded[t]
        last[obs] = grids[t][obs]
    return last


def expected_metrics(puzzle: NDArray[np.int8], solution: NDArray[np.int8], grids: NDArray[np.int8],
                     occluded: NDArray[np.bool_], board_visible: NDArray[np.bool_], is_video: bool) -> dict[str, Any]:
    """MMGR Sudoku metrics of a sequence of shown grids (the truth side of the checker).

    Args:
        puzzle, solution: (N, N) int8 (0 = blank in the puzzle).
        grids: (T, N, N) int8 shown digits; occluded: (T, N, N) bool; board_visible: (T,) bool.
        is_video: False for a single image (``action_reflection`` is then None).

    Returns:
        ``clues_changed`` (0/1), ``constraints_violation`` (share of the 3N units with a repeated
        digit, in [0, 1]), ``completion_accuracy`` (share of blank puzzle cells holding the
        solution digit), ``action_reflection`` (0/1, None for images), ``overall`` (0/1). All None
        when the board is never visible.

    >>> p = np.array([[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 0]], np.int8)
    >>> s = p.copy(); s[3, 3] = 1
    >>> g = np.stack([p, p, s]); occ = np.zeros(g.shape, bool); vis = np.ones(3, bool)
    >>> m = expected_metrics(p, s, g, occ, vis, True); m["overall"], m["action_reflection"]
    (1, 1)
    """
    n = puzzle.shape[0]
    keys = ("clues_changed", "constraints_violation", "completion_accuracy", "action_reflection", "overall")
    final = final_grid(grids, occluded, board_visible)
    if final is None:
        return dict.fromkeys(keys)
    clue = puzzle > 0
    clues_changed = 0
    shown = np.zeros((n, n), np.int8)  # first digit each non-clue cell showed (0 = none yet)
    fill_frame = np.full((n, n), -1, np.int64)
    changed_after_fill = False
    for t in np.flatnonzero(board_visible):
        g, obs = grids[t], ~occluded[t]
        if np.any(clue & obs & (g != puzzle)):
            clues_changed = 1
        look = obs & ~clue
        if np.any(look & (shown > 0) & (g != shown)):
            changed_after_fill = True  # a written entry was overwritten or erased
        new = look & (shown == 0) & (g > 0)
        shown[new] = g[new]
        fill_frame[new] = t
    bad_units = 0
    for _, _, cells in unit_cells(n):
        vals = [int(final[r, c]) for r, c in cells if final[r, c]]
        bad_units += len(vals) != len(set(vals))
    cv = bad_units / (3 * n)
    empty = ~clue
    ca = float(np.mean(final[empty] == solution[empty])) if empty.any() else 1.0
    ar: int | None = None
    if is_video:
        frames = fill_frame[fill_frame >= 0]
        ok = frames.size >= 1 and not changed_after_fill
        if ok and frames.size >= 2:
            counts = np.unique(frames, return_counts=True)[1]
            ok = counts.size >= 2 and counts.max() * 2 <= frames.size
        ar = int(ok)
    overall = int(clues_changed == 0 and bad_units == 0 and ca == 1.0)
    return {"clues_changed": clues_changed, "constraints_violation": cv, "completion_accuracy": ca,
            "action_reflection": ar, "overall": overall}
