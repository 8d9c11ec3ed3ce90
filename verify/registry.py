"""Task plugins: the protocol they follow and the name -> plugin table.

A task plugin turns a media stream into a ``CheckReport`` in two pure steps:
``parse`` (pixels -> symbols; never decides pass/fail) and ``check`` (symbols -> metrics;
never touches pixels). ``verify.api.verify_media`` wires them together.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from mmgr.errors import UsageError
from mmgr.parsers.types import Frame
from mmgr.verify.types import CheckReport, Violation


class TaskPlugin(Protocol):
    """What every task module provides (one plugin per file in ``verify/tasks``)."""

    name: ClassVar[str]
    version: ClassVar[int]
    Params: ClassVar[type]  # a frozen dataclass with defaults for every field

    def load_reference(self, spec: Mapping[str, Any] | None, input_image: NDArray[np.uint8] | None,
                       params: Any) -> Any:
        """Validate a spec (raise ``UsageError``) and return the task's reference, or None."""

    def parse(self, frames: Iterable[Frame], reference: Any, params: Any) -> Any:
        """Read every frame into the task's parsed state (raise ``ParseError`` to abstain)."""

    def check(self, state: Any, reference: Any, params: Any) -> CheckReport:
        """Apply the task's rules to the parsed state."""

    def annotate(self, frame: Frame, state: Any, violations: list[Violation]) -> NDArray[np.uint8]:
        """Draw the parse and the violations of one frame (for ``--evidence``)."""


_TASKS: dict[str, TaskPlugin] = {}


def register(cls: type) -> type:
    """Class decorator: add a plugin class (instantiated once) to the registry."""
    _TASKS[cls.name] = cls()
    return cls


def task_names() -> list[str]:
    _load()
    return sorted(_TASKS)


def get_task(name: str) -> TaskPlugin:
    """Return the plugin called ``name``; raise ``UsageError`` naming the known tasks."""
    _load()
    try:
        return _TASKS[name]
    except KeyError:
        raise UsageError(f"unknown task {name!r} (known: {', '.join(sorted(_TASKS))})") from None


def _load() -> None:
    import mmgr.verify.tasks  # noqa: F401  (imports register the plugins)


def _coercer(tp: Any) -> Callable[[str], Any]:
    if tp is bool:
        def to_bool(s: str) -> bool:
            if s.lower() in ("1", "true", "yes", "on"):
                return True
            if s.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected a boolean, got {s!r}")
        return to_bool
    if tp in (int, float, str):
        return typing.cast(Callable[[str], Any], tp)
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) == 1:
        inner = _coercer(args[0])
        return lambda s: None if s.lower() in ("none", "null") else inner(s)
    return str


@functools.lru_cache(maxsize=64)
def _fields(cls: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A Params class's type hints and field names (resolving hints takes ~0.1 ms: once a class)."""
    return typing.get_type_hints(cls), frozenset(f.name for f in dataclasses.fields(cls))


def make_params(plugin: TaskPlugin, overrides: Mapping[str, str | Any]) -> Any:
    """Build ``plugin.Params`` from ``--param k=v`` strings (or typed values).

    An unknown key is a usage error: an ignored parameter would make a score irreproducible.
    """
    cls = plugin.Params
    hints, fields = _fields(cls)
    kwargs: dict[str, Any] = {}
    for k, v in overrides.items():
        if k not in fields:
            raise UsageError(f"unknown param {k!r} for task {plugin.name!r} (known: {', '.join(sorted(fields))})")
        if isinstance(v, str):
            try:
                v = _coercer(hints[k])(v)
            except ValueError as exc:
                raise UsageError(f"param {k}: {exc}") from None
        kwargs[k] = v
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"bad params for task {plugin.name!r}: {exc}") from None
