"""Maze graph algorithms: neighbours, BFS distances, shortest and unique solution paths.

A maze is given by its connection array ``conn``: (2, R, C) bool, where ``conn[0, r, c]``
means cells (r, c) and (r + 1, c) are connected (no wall between them) and ``conn[1, r, c]``
means (r, c) and (r, c + 1) are. Row 0 is the top row of the image, column 0 the leftmost.
This is the layout of maze-dataset's ``connection_list``. Mazes are small (at most a few
hundred cells), so plain BFS is exact and fast; CP-SAT is not needed.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

Cell = tuple[int, int]

__all__ = ["Cell", "bfs_distances", "count_paths", "is_open", "neighbours", "shortest_path"]


def is_open(conn: NDArray[np.bool_], a: Cell, b: Cell) -> bool:
    """Whether cells ``a`` and ``b`` are 4-adjacent with no wall between them.

    >>> c = np.zeros((2, 2, 2), bool); c[1, 0, 0] = True
    >>> is_open(c, (0, 0), (0, 1)), is_open(c, (0, 0), (1, 0)), is_open(c, (0, 0), (1, 1))
    (True, False, False)
    """
    (r0, c0), (r1, c1) = a, b
    if (r0, c0) > (r1, c1):
        (r0, c0), (r1, c1) = (r1, c1), (r0, c0)
    if r1 == r0 + 1 and c1 == c0:
        return bool(conn[0, r0, c0])
    if r1 == r0 and c1 == c0 + 1:
        return bool(conn[1, r0, c0])
    return False


def neighbours(conn: NDArray[np.bool_], cell: Cell) -> list[Cell]:
    """Open neighbours of ``cell`` in the order up, left, right, down."""
    r, c = cell
    rows, cols = conn.shape[1], conn.shape[2]
    out: list[Cell] = []
    if r > 0 and conn[0, r - 1, c]:
        out.append((r - 1, c))
    if c > 0 and conn[1, r, c - 1]:
        out.append((r, c - 1))
    if c < cols - 1 and conn[1, r, c]:
        out.append((r, c + 1))
    if r < rows - 1 and conn[0, r, c]:
        out.append((r + 1, c))
    return out


def bfs_distances(conn: NDArray[np.bool_], source: Cell) -> NDArray[np.int32]:
    """Shortest open-path distance (in moves) from ``source`` to every cell; -1 = unreachable.

    >>> c = np.zeros((2, 1, 3), bool); c[1, 0, :2] = True
    >>> bfs_distances(c, (0, 0)).tolist()
    [[0, 1, 2]]
    """
    dist = np.full(conn.shape[1:], -1, np.int32)
    dist[source] = 0
    q: deque[Cell] = deque([source])
    while q:
        cur = q.popleft()
        for nb in neighbours(conn, cur):
            if dist[nb] < 0:
                dist[nb] = dist[cur] + 1
                q.append(nb)
    return dist


def shortest_path(conn: NDArray[np.bool_], start: Cell, goal: Cell) -> list[Cell] | None:
    """One shortest path from ``start`` to ``goal`` (both included), or None if unreachable."""
    dist = bfs_distances(conn, goal)
    if dist[start] < 0:
        return None
    path = [start]
    cur = start
    while cur != goal:
        cur = min(nb for nb in neighbours(conn, cur) if dist[nb] == dist[cur] - 1)
        path.append(cur)
    return path


def count_paths(conn: NDArray[np.bool_], start: Cell, goal: Cell, limit: int = 2) -> int:
    """Number of shortest paths from ``start`` to ``goal``, counted up to ``limit``.

    A perfect maze (a spanning tree) has exactly one path between any two cells, so
    ``count_paths(...) == 1`` certifies that the shortest path is *the* solution.
    """
    dist = bfs_distances(conn, start)
    if dist[goal] < 0:
        return 0
    ways = np.zeros(conn.shape[1:], np.int64)
    ways[start] = 1
    order = sorted(zip(*np.nonzero(dist >= 0), strict=True), key=lambda rc: dist[rc])
    for r, c in order:
        for nb in neighbours(conn, (int(r), int(c))):
            if dist[nb] == dist[r, c] + 1:
                ways[nb] = min(limit, ways[nb] + ways[r, c])
    return int(min(limit, ways[goal]))
