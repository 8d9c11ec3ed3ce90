"""Typed values that leave the parsers: decoded media and what is read from it.

Design note: frames are *streamed* (``MediaReader`` yields one ``Frame`` at a time) so
that a 300-frame 720p video never sits in memory whole; ``Frames`` is the materialised
form for tests and small inputs. Time is exact: ``pts * time_base`` as a ``Fraction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray


def _check_rgb(name: str, arr: NDArray[np.uint8], ndim: int) -> None:
    if not isinstance(arr, np.ndarray) or arr.dtype != np.uint8 or arr.ndim != ndim or arr.shape[-1] != 3:
        got = f"{getattr(arr, 'shape', None)} {getattr(arr, 'dtype', type(arr).__name__)}"
        want = "(H, W, 3) uint8" if ndim == 3 else "(T, H, W, 3) uint8"
        raise ValueError(f"{name}: expected {want}, got {got}")


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """What is known about a media input before (and after) decoding.

    Attributes:
        path: the path as the user gave it.
        kind: ``"video"``, ``"gif"``, ``"image"`` or ``"frames"`` (a folder of images).
        sha256: hex digest of the file's bytes (of the sorted file names and bytes for a folder).
        width, height: size of the *decoded* frames in pixels, before any downscaling.
        codec: decoder name (``"h264"``, ``"png"``...) or None.
        container: container format name or None.
        avg_rate: average frame rate reported by the container (frames per second), or None.
        scale: factor applied to every frame (``<= 1``; 1 = original size).
    """

    path: str
    kind: str
    sha256: str
    width: int
    height: int
    codec: str | None = None
    container: str | None = None
    avg_rate: Fraction | None = None
    scale: float = 1.0


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame.

    Attributes:
        index: position among the decoded frames, from 0 (not the container's estimate).
        t_s: presentation time in seconds, exact (``pts * time_base``); ``index`` for images.
        rgb: (H, W, 3) uint8, RGB order.
        dur_s: how long the frame is shown, in seconds, when the container says (GIF frame
            delays, video packet durations); None when unknown.
    """

    index: int
    t_s: Fraction
    rgb: NDArray[np.uint8]
    dur_s: Fraction | None = None

    def __post_init__(self) -> None:
        _check_rgb("Frame.rgb", self.rgb, 3)
        if self.index < 0:
            raise ValueError(f"Frame.index: expected >= 0, got {self.index}")


@dataclass(frozen=True, slots=True)
class Frames:
    """A whole decoded input, materialised.

    Attributes:
        info: the media description.
        rgb: (T, H, W, 3) uint8.
        t_s: T exact timestamps in seconds.
    """

    info: MediaInfo
    rgb: NDArray[np.uint8]
    t_s: tuple[Fraction, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_rgb("Frames.rgb", self.rgb, 4)
        if len(self.t_s) != self.rgb.shape[0]:
            raise ValueError(f"Frames.t_s: expected {self.rgb.shape[0]} timestamps, got {len(self.t_s)}")
        if self.rgb.shape[0] == 0:
            raise ValueError("Frames.rgb: expected at least one frame, got 0")

    def __len__(self) -> int:
        return int(self.rgb.shape[0])

    def __iter__(self):  # type: ignore[no-untyped-def]
        for i in range(len(self)):
            yield Frame(i, self.t_s[i], self.rgb[i])
