"""Anchors of a maze in a wall mask: the size-independent features a grid is placed on.

- block mazes: the bounding box of the *enclosed* non-wall pixels (walled in on all four sides in
  their row and column), from the non-wall mask opened with a square a little wider than the
  seams between tiles; letterbox bars and white margins are not enclosed;
- line mazes: the centres of the outer border lines (the longest dark rows and columns).

``register`` (``mmgr.parsers.maze_grid``) compares the anchor of every frame with the last one's,
and ``fit_grid`` places candidate grids on it.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from numpy.typing import NDArray

from mmgr.kernels.maze_anchor import enclosed_box, enclosed_box_rows
from mmgr.kernels.maze_fit import BORDER_BLOCK, line_border, line_border_rows

__all__ = ["anchor_of", "locate"]


def _enclosed_box(wall: NDArray[np.uint8], exclude: NDArray[np.uint8] | None = None,
                  cache: dict | None = None) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1 exclusive) of non-wall pixels walled in on all four sides.

    ``cache``: ``register``'s, holding the last opened non-wall mask (see ``_opened_nonwall``) and, with
    ``exclude``, the last box's counts (``enclosed_box_rows``), taken again only in the rows the opening changed.
    """
    h, w = wall.shape
    k = max(3, min(h, w) // 60)  # thin seams between tiles are not corridor
    # rows where exclude may differ from the last call's (absent: inside those where the walls may, wall_rows)
    ex_rows = None if cache is None else cache.pop("exclude_rows", None)
    nonwall, changed = _opened_nonwall(wall, k, cache)
    wall = np.ascontiguousarray(wall)
    if cache is None or exclude is None:  # markers (an agent clipping into the outer wall) do not move the box
        ex = wall if exclude is None else np.ascontiguousarray(exclude)
        box = enclosed_box(wall, nonwall, ex, exclude is not None)
    else:  # registration: while the masks are the last call's, updated in place, count again only the rows changed
        exclude = np.ascontiguousarray(exclude)
        st = cache.get("enclosed")
        full = changed is None or st is None or st[0] is not wall or st[1] is not nonwall or st[2] is not exclude
        if full:
            st = (wall, nonwall, exclude, np.zeros(h, np.int32), np.zeros(h, np.int32), np.zeros(w, np.int32),
                  np.zeros(w, np.int32), np.zeros(h, np.int32), np.zeros(w, np.int32), np.zeros((h, w), np.uint8))
            cache["enclosed"] = st
        y_a, y_b = changed or (0, 0)
        if ex_rows is not None and ex_rows[1] > ex_rows[0]:
            y_a, y_b = (min(y_a, ex_rows[0]), max(y_b, ex_rows[1])) if y_b > y_a else ex_rows
        box = enclosed_box_rows(wall, nonwall, exclude, True, y_a, y_b, full, *st[3:])
    if box[0] < 0:
        return None
    return int(box[0]), int(box[1]), int(box[2]), int(box[3])


def _line_border(dark: NDArray[np.uint8], cache: dict | None = None) -> tuple[float, float, float, float] | None:
    """Centres of the outer border lines (x0, y0, x1, y1) in pixels, or None (letterbox bars cut off first).

    ``cache``: ``register``'s. While ``dark`` is the mask of the last call, updated in place in the
    rows ``wall_rows`` only, just those rows' sums are taken again (``line_border_rows``).
    """
    dark = np.ascontiguousarray(dark)
    if cache is None:
        x0, y0, x1, y1 = line_border(dark).tolist()
    else:
        state = cache.get("border")
        rows = cache.get("wall_rows")
        full = rows is None or state is None or state[0] is not dark or state[1].shape[0] != dark.shape[0]
        if full:
            h, w = dark.shape
            state = (dark, np.zeros(h, np.int64), np.zeros(((h + BORDER_BLOCK - 1) // BORDER_BLOCK, w), np.int64))
            cache["border"] = state
        y_a, y_b = rows or (0, 0)
        x0, y0, x1, y1 = line_border_rows(dark, y_a, y_b, full, state[1], state[2]).tolist()
    return None if x0 < 0 else (x0, y0, x1, y1)


@functools.lru_cache(maxsize=8)
def _square(k: int) -> NDArray[np.uint8]:
    """The k x k opening kernel (made once a size)."""
    kern = np.ones((k, k), np.uint8)
    kern.flags.writeable = False
    return kern


def _opened_nonwall(wall: NDArray[np.uint8], k: int,
                    cache: dict | None) -> tuple[NDArray[np.uint8], tuple[int, int] | None]:
    """``wall == 0`` opened with a k x k square (OpenCV's default borders), and the rows (first, end) where it may
    differ from the last call's result, updated in place (None: a new array).

    With ``cache`` holding ``wall_rows`` (the rows where ``wall`` may differ from the mask of the
    last call, set by the caller for this call) and the last result ``opened``: only the rows an
    opening carries a change to are opened again, from the rows those read, so that every kept row
    sees the same neighbours (or the same image edge) as in a whole opening; the last result is
    updated in place. OpenCV's window spans rows ``-(k // 2) .. k - 1 - k // 2`` around a pixel, for
    the erosion and the dilation alike: an opened row reads input rows up to ``2 (k // 2)`` above
    and ``2 (k - 1 - k // 2)`` below it.
    """
    kern = _square(k)
    rows = None if cache is None else cache.pop("wall_rows", None)
    prev = None if cache is None else cache.get("opened")
    if rows is not None and prev is not None and prev.shape == wall.shape and cache.get("opened_k") == k:
        a, b = rows
        if a < b:
            h = wall.shape[0]
            up, down = 2 * (k // 2), 2 * (k - 1 - k // 2)  # input rows an opened row reads above and below it
            c0, c1 = max(0, a - down), min(h, b + up)  # opened rows a change can reach
            s0, s1 = max(0, c0 - up), min(h, c1 + down)  # and their inputs
            part = cv2.morphologyEx((wall[s0:s1] == 0).view(np.uint8), cv2.MORPH_OPEN, kern)
            prev[c0:c1] = part[c0 - s0:c1 - s0]
            return prev, (c0, c1)
        return prev, (0, 0)
    out = cv2.morphologyEx((wall == 0).view(np.uint8), cv2.MORPH_OPEN, kern)
    if cache is not None:
        cache.update(opened=out, opened_k=k)
    return out, None


def locate(wall: NDArray[np.uint8], geometry: str, exclude: NDArray[np.uint8] | None = None,
            cache: dict | None = None) -> tuple[float, float, float, float] | None:
    """Size-independent anchor of the maze: the enclosed box (block) or the border line centres (line)."""
    if geometry == "block":
        box = _enclosed_box(wall, exclude, cache)
        return None if box is None else tuple(float(v) for v in box)  # type: ignore[return-value]
    return _line_border(wall, cache)


def anchor_of(wall: NDArray[np.uint8], geometry: str, exclude: NDArray[np.uint8] | None = None,
              cache: dict | None = None) -> tuple[float, float, float, float] | None:
    """The size-independent anchor ``register`` compares between frames (to seed its cache). With ``cache``
    (``register``'s), the opened mask or border sums of ``wall`` are kept for the next frame's
    registration, which then takes again only the rows that frame changed in ``wall``."""
    return locate(wall, geometry, exclude, cache)
