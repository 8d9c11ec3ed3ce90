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
    return _open_neighbours(conn[0].tolist(), conn[1].tolist(), conn.shape[1], conn.shape[2], cell)


def _open_neighbours(down: list[list[bool]], right: list[list[bool]], rows: int, cols: int, cell: Cell) -> list[Cell]:
    """``neighbours`` from the connection planes as nested lists (``conn[0].tolist()``, ``conn[1].tolist()``): the
    searches below look cells up thousands of times, and a list lookup costs a fraction of a numpy scalar's."""
    r, c = cell
    out: list[Cell] = []
    if r > 0 and down[r - 1][c]:
        out.append((r - 1, c))
    if c > 0 and right[r][c - 1]:
        out.append((r, c - 1))
    if c < cols - 1 and right[r][c]:
        out.append((r, c + 1))
    if r < rows - 1 and down[r][c]:
        out.append((r + 1, c))
    return out


def _distances(conn: NDArray[np.bool_], source: Cell) -> list[list[int]]:
    """``bfs_distances`` as nested lists."""
    rows, cols = conn.shape[1], conn.shape[2]
    down, right = conn[0].tolist(), conn[1].tolist()
    dist = [[-1] * cols for _ in range(rows)]
    r0, c0 = source
    dist[r0][c0] = 0
    q: deque[Cell] = deque([(r0, c0)])
    while q:
        r, c = q.popleft()
        for nr, nc in _open_neighbours(down, right, rows, cols, (r, c)):
            if dist[nr][nc] < 0:
                dist[nr][nc] = dist[r][c] + 1
                q.append((nr, nc))
    return dist


def bfs_distances(conn: NDArray[np.bool_], source: Cell) -> NDArray[np.int32]:
    """Shortest open-path distance (in moves) from ``source`` to every cell; -1 = unreachable.

    >>> c = np.zeros((2, 1, 3), bool); c[1, 0, :2] = True
    >>> bfs_distances(c, (0, 0)).tolist()
    [[0, 1, 2]]
    """
    return np.array(_distances(conn, source), np.int32).reshape(conn.shape[1:])


def shortest_path(conn: NDArray[np.bool_], start: Cell, goal: Cell) -> list[Cell] | None:
    """One shortest path from ``start`` to ``goal`` (both included), or None if unreachable."""
    dist = _distances(conn, goal)
    if dist[start[0]][start[1]] < 0:
        return None
    rows, cols = conn.shape[1], conn.shape[2]
    down, right = conn[0].tolist(), conn[1].tolist()
    path = [start]
    cur = start
    while cur != goal:
        d = dist[cur[0]][cur[1]] - 1
        cur = min(nb for nb in _open_neighbours(down, right, rows, cols, cur) if dist[nb[0]][nb[1]] == d)
        path.append(cur)
    return path


def count_paths(conn: NDArray[np.bool_], start: Cell, goal: Cell, limit: int = 2) -> int:
    """Number of shortest paths from ``start`` to ``goal``, counted up to ``limit``.

    A perfect maze (a spanning tree) has exactly one path between any two cells, so
    ``count_paths(...) == 1`` certifies that the shortest path is *the* solution.
    """
    dist = _distances(conn, start)
    if dist[goal[0]][goal[1]] < 0:
        return 0
    rows, cols = conn.shape[1], conn.shape[2]
    down, right = conn[0].tolist(), conn[1].tolist()
    ways = [[0] * cols for _ in range(rows)]
    ways[start[0]][start[1]] = 1
    # reached cells in row-major order, then stably by distance (as sorting numpy's nonzero cells)
    reached = [(r, c) for r in range(rows) for c in range(cols) if dist[r][c] >= 0]
    order = sorted(reached, key=lambda rc: dist[rc[0]][rc[1]])
    for r, c in order:
        for nr, nc in _open_neighbours(down, right, rows, cols, (r, c)):
            if dist[nr][nc] == dist[r][c] + 1:
                ways[nr][nc] = min(limit, ways[nr][nc] + ways[r][c])
    return int(min(limit, ways[goal[0]][goal[1]]))
