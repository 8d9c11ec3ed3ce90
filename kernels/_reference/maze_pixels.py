"""Plain-numpy twins of ``mmgr.kernels.maze_pixels`` (slow, obviously correct; used by tests)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def floor_offsets(floor: NDArray[np.float32], out: NDArray[np.float32], out_c: NDArray[np.float32]) -> None:
    """Fill ``out`` (32768, 3) and ``out_c`` (3, 32768) with every 5-bit-a-channel centre colour minus ``floor``."""
    q = np.arange(32, dtype=np.float32) * 8 + 4
    out[...] = np.stack(np.meshgrid(q, q, q, indexing="ij"), axis=-1).reshape(-1, 3) - floor
    out_c[...] = out.T


def colour_table(dc: NDArray[np.float32], dv: NDArray[np.float32], den: np.float32, v: NDArray[np.float32],
                 thr: np.float32, saturated: NDArray[np.bool_], cls: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Code of every table colour (bit 0 wall, bit 1 marker, bits 2-4 hue class + 1), whole-array float32 numpy."""
    t = np.clip(dv / den, 0.0, 1.0)
    e0, e1, e2 = (dc[c] - t * v[c] for c in range(3))
    perp = np.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
    wall = (t > 0.5) & (perp < thr)
    marker = perp >= thr
    return wall.view(np.uint8) | (marker.view(np.uint8) << 1) | ((marker & saturated).view(np.uint8) * (cls << 2))


def _lut_codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``lut[(r >> 3) << 10 | (g >> 3) << 5 | (b >> 3)]`` for every pixel of an (H, W, 3) image: (H, W) uint8."""
    q = rgb >> 3
    idx = (q[..., 0].astype(np.uint16) << 10) | (q[..., 1].astype(np.uint16) << 5) | q[..., 2]
    return lut[idx]  # type: ignore[no-any-return]


def split_codes(rgb: NDArray[np.uint8], lut: NDArray[np.uint8], blurred: NDArray[np.uint8],
                use_blurred: bool) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """(wall, marker, hue) planes: bits of ``lut_codes(rgb, lut)``; wall from ``blurred``'s entries if asked."""
    code = _lut_codes(rgb, lut)
    wall = (_lut_codes(blurred, lut) if use_blurred else code) & 1
    return wall, (code >> 1) & 1, code >> 2


def colour_bins(rgb: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Count and channel sums (512, 4) int64 of every 3-bit-a-channel colour bin."""
    q = (rgb // 32).astype(np.int64)
    code = (q[..., 0] * 64 + q[..., 1] * 8 + q[..., 2]).ravel()
    flat = rgb.reshape(-1, 3).astype(np.int64)
    out = np.zeros((512, 4), np.int64)
    out[:, 0] = np.bincount(code, minlength=512)
    for ch in range(3):
        np.add.at(out[:, 1 + ch], code, flat[:, ch])
    return out


def changed_band(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> tuple[int, int]:
    """First differing row and one past the last; (H, H) when identical."""
    rows = np.flatnonzero((a != b).any(axis=(1, 2)))
    h = a.shape[0]
    return (h, h) if rows.size == 0 else (int(rows[0]), int(rows[-1]) + 1)


def area_rows(src: NDArray[np.uint8], out: NDArray[np.uint8], xs: NDArray[np.int64], xal: NDArray[np.float32],
              ydi: NDArray[np.int64], ysi: NDArray[np.int64], yal: NDArray[np.float32], d0: int, d1: int) -> None:
    """Rows d0..d1 of the INTER_AREA downscale, whole rows at a time in float32 (same order of operations)."""
    dw = out.shape[1]
    for dy in range(d0, d1):
        acc = np.zeros((dw, 3), np.float32)
        for j in np.flatnonzero(ydi == dy):
            buf = np.zeros((dw, 3), np.float32)
            for s in range(xs.shape[0]):  # one entry of every destination pixel at a time
                buf = buf + src[ysi[j], xs[s]].astype(np.float32) * xal[s][:, None]
            acc = acc + yal[j] * buf
        out[dy] = np.clip(np.rint(acc), 0, 255).astype(np.uint8)
