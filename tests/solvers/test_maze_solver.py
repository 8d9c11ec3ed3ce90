"""Maze graph algorithms and generators: BFS, shortest/unique paths, perfect mazes, endpoints."""

from __future__ import annotations

import numpy as np
import pytest

from mmgr.solvers.maze import bfs_distances, count_paths, is_open, neighbours, shortest_path
from mmgr.verify.synth.maze import generate, pick_endpoints


@pytest.mark.parametrize("algo", ["dfs", "wilson"])
@pytest.mark.parametrize("size", [3, 7, 13])
def test_generated_mazes_are_perfect(algo: str, size: int) -> None:
    conn = generate(size, size, algo, np.random.default_rng(size))
    assert int(conn.sum()) == size * size - 1  # a spanning tree
    assert not conn[0, -1, :].any() and not conn[1, :, -1].any()
    assert (bfs_distances(conn, (0, 0)) >= 0).all()  # connected
    assert count_paths(conn, (0, 0), (size - 1, size - 1)) == 1


def test_shortest_path_steps_are_open_moves() -> None:
    conn = generate(6, 6, "dfs", np.random.default_rng(1))
    path = shortest_path(conn, (0, 0), (5, 5))
    assert path is not None and path[0] == (0, 0) and path[-1] == (5, 5)
    assert all(is_open(conn, a, b) for a, b in zip(path[:-1], path[1:], strict=True))
    assert len(path) - 1 == bfs_distances(conn, (0, 0))[5, 5]


def test_loops_give_two_paths_and_walls_give_none() -> None:
    conn = np.zeros((2, 2, 2), bool)
    conn[1, :, 0] = True
    conn[0, 0, :] = True
    assert count_paths(conn, (0, 0), (1, 1)) == 2
    assert shortest_path(np.zeros((2, 2, 2), bool), (0, 0), (1, 1)) is None
    assert neighbours(conn, (0, 0)) == [(0, 1), (1, 0)]


@pytest.mark.parametrize("scheme", ["corner-corner", "corner-random", "random-corner", "random-random"])
def test_endpoints_follow_scheme_and_distance(scheme: str) -> None:
    conn = generate(7, 7, "wilson", np.random.default_rng(2))
    s, g = pick_endpoints(conn, scheme, np.random.default_rng(3), min_dist=7)
    corners = {(0, 0), (0, 6), (6, 0), (6, 6)}
    if scheme.startswith("corner"):
        assert s in corners
    if scheme.endswith("corner"):
        assert g in corners
    assert bfs_distances(conn, s)[g] >= 7


def test_generation_is_deterministic() -> None:
    a = generate(9, 9, "wilson", np.random.default_rng(5))
    b = generate(9, 9, "wilson", np.random.default_rng(5))
    assert (a == b).all()
