"""Drawing primitives for evidence images (OpenCV stays inside ``parsers``).

All functions take and return (H, W, 3) uint8 RGB arrays and never modify their input.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

RED = (230, 30, 30)
GREEN = (20, 170, 40)
BLUE = (30, 90, 230)
YELLOW = (240, 190, 0)
MAGENTA = (200, 0, 200)


def copy(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.ascontiguousarray(rgb.copy())


def polygon(rgb: NDArray[np.uint8], pts: Sequence[Sequence[float]], color: tuple[int, int, int],
            thickness: int = 2) -> NDArray[np.uint8]:
    out = copy(rgb)
    p = np.round(np.asarray(pts, np.float64)).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(out, [p], True, color, thickness, cv2.LINE_AA)
    return out


def box(rgb: NDArray[np.uint8], xyxy: Sequence[int], color: tuple[int, int, int],
        thickness: int = 2) -> NDArray[np.uint8]:
    out = copy(rgb)
    x0, y0, x1, y1 = (int(v) for v in xyxy)
    cv2.rectangle(out, (x0, y0), (x1, y1), color, thickness, cv2.LINE_AA)
    return out


def text(rgb: NDArray[np.uint8], s: str, xy: Sequence[float], color: tuple[int, int, int],
         scale: float = 0.5, thickness: int = 1, background: bool = False) -> NDArray[np.uint8]:
    out = copy(rgb)
    org = (int(round(xy[0])), int(round(xy[1])))
    if background:
        (tw, th), base = cv2.getTextSize(s, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        cv2.rectangle(out, (org[0] - 2, org[1] - th - 2), (org[0] + tw + 2, org[1] + base), (255, 255, 255), -1)
    cv2.putText(out, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)
    return out


def banner(rgb: NDArray[np.uint8], lines: Sequence[str], color: tuple[int, int, int] = RED) -> NDArray[np.uint8]:
    """Add a white strip above the frame with the given lines of text, wrapped to the frame width."""
    per_line = max(20, rgb.shape[1] // 9)
    wrapped: list[str] = []
    for s in lines:
        while len(s) > per_line:
            cut = s.rfind(" ", 0, per_line)
            cut = cut if cut > per_line // 2 else per_line
            wrapped.append(s[:cut])
            s = "  " + s[cut:].lstrip()
        wrapped.append(s)
    h = 8 + 18 * len(wrapped)
    strip = np.full((h, rgb.shape[1], 3), 255, np.uint8)
    for i, s in enumerate(wrapped):
        strip = text(strip, s, (6, 18 + 18 * i), color, 0.5, 1)
    return np.concatenate([strip, rgb], axis=0)


def upscale_to(rgb: NDArray[np.uint8], min_side: int) -> NDArray[np.uint8]:
    """Enlarge small frames (nearest neighbour) so that annotations stay legible."""
    s = min_side / max(1, min(rgb.shape[:2]))
    if s <= 1:
        return rgb
    return np.ascontiguousarray(cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_NEAREST))


def write_png(path: str | Path, rgb: NDArray[np.uint8]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode {path}")
    buf.tofile(str(path))
    return path
