"""Writing synthetic "model outputs" to real media files, and the degradations applied to them.

Every renderer in ``mmgr.verify.synth`` produces RGB frames with known truth; this module
turns them into the files a generator would have produced (H.264/HEVC/VP9 video, lossless
video, GIF, PNG/JPEG, frame folders) and applies the degradations generators and
re-encoders cause (rescale, letterbox, rotation, blur, noise, colour shift, dropped frames).
All randomness comes from a ``numpy.random.Generator`` passed in: same seed, same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
from numpy.typing import NDArray

# codec name -> (container suffix, PyAV encoder, pixel format, options)
CODECS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "lossless": (".mkv", "ffv1", "bgr0", {}),
    "h264": (".mp4", "libx264", "yuv420p", {"preset": "veryfast"}),
    "hevc": (".mp4", "libx265", "yuv420p", {"preset": "ultrafast", "x265-params": "log-level=none"}),
    "vp9": (".webm", "libvpx-vp9", "yuv420p", {"deadline": "realtime", "cpu-used": "8"}),
}


@dataclass(frozen=True, slots=True)
class Degradation:
    """Controlled damage applied to every frame (all zero = clean).

    Attributes:
        scale: resize factor of the whole frame (1 = none).
        letterbox_px: black bars added top and bottom, in output pixels.
        rotate_deg: rotation of the content about the frame centre, in degrees.
        perspective: corner displacement as a fraction of the side (0 = none).
        blur_sigma: Gaussian blur sigma in pixels.
        noise_sigma: additive Gaussian noise sigma, in 8-bit levels.
        color_gain: per-channel multiplicative gains (R, G, B).
        brightness: additive offset in 8-bit levels.
        drop_every: drop every k-th frame (0 = none); frame 0 and the last frame are kept.
        crf: H.264/HEVC/VP9 constant rate factor (higher = lossier), used by lossy codecs.
    """

    scale: float = 1.0
    letterbox_px: int = 0
    rotate_deg: float = 0.0
    perspective: float = 0.0
    blur_sigma: float = 0.0
    noise_sigma: float = 0.0
    color_gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    brightness: float = 0.0
    drop_every: int = 0
    crf: int = 23
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def is_clean(self) -> bool:
        return self == Degradation(crf=self.crf)


def _homography(d: Degradation, w: int, h: int) -> NDArray[np.float64] | None:
    """The rotation/perspective part of ``d`` as a 3x3 homography of a (w, h) frame (None if none)."""
    if not (d.rotate_deg or d.perspective):
        return None
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src.copy()
    if d.perspective:
        p = d.perspective
        dst += np.float32([[p * w, p * h], [-p * w * 0.5, 0], [0, 0], [p * w * 0.5, -p * h * 0.5]])
    if d.rotate_deg:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), d.rotate_deg, 1.0)
        dst = cv2.transform(dst[None], m)[0]
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32)).astype(np.float64)


def _scaled_size(d: Degradation, w: int, h: int) -> tuple[int, int]:
    return max(8, round(w * d.scale)), max(8, round(h * d.scale))


def _warp(rgb: NDArray[np.uint8], d: Degradation) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    hm = _homography(d, w, h)
    if hm is not None:
        rgb = cv2.warpPerspective(rgb, hm, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
    if d.scale != 1.0:
        rgb = cv2.resize(rgb, _scaled_size(d, w, h), interpolation=cv2.INTER_AREA if d.scale < 1 else cv2.INTER_LINEAR)
    if d.letterbox_px:
        bar = np.zeros((d.letterbox_px, rgb.shape[1], 3), np.uint8)
        rgb = np.concatenate([bar, rgb, bar], axis=0)
    return rgb


def warp_points(pts: NDArray[np.float64], d: Degradation, w: int, h: int) -> NDArray[np.float64]:
    """Map (K, 2) pixel points of a (w, h) frame through the geometry of ``degrade``.

    Same steps as the image warp: rotation/perspective homography about the frame, resize by
    ``scale`` (pixel-centre convention), then the top letterbox bar.
    """
    p = np.asarray(pts, np.float64).reshape(-1, 2)
    hm = _homography(d, w, h)
    if hm is not None:
        ph = np.c_[p, np.ones(len(p))] @ hm.T
        p = ph[:, :2] / ph[:, 2:3]
    if d.scale != 1.0:
        nw, nh = _scaled_size(d, w, h)
        p = (p + 0.5) * np.array([nw / w, nh / h]) - 0.5
    if d.letterbox_px:
        p = p + np.array([0.0, float(d.letterbox_px)])
    return p


def degrade(rgb: NDArray[np.uint8], d: Degradation, rng: np.random.Generator) -> NDArray[np.uint8]:
    """Apply one ``Degradation`` to an (H, W, 3) uint8 frame; returns a new frame."""
    out = _warp(rgb, d)
    if d.blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), d.blur_sigma)
    f = out.astype(np.float32)
    if d.color_gain != (1.0, 1.0, 1.0) or d.brightness:
        f = f * np.float32(d.color_gain) + np.float32(d.brightness)
    if d.noise_sigma > 0:
        f = f + rng.normal(0.0, d.noise_sigma, size=f.shape).astype(np.float32)
    return np.clip(np.round(f), 0, 255).astype(np.uint8)


def keep_frame(i: int, n: int, d: Degradation) -> bool:
    """Whether frame ``i`` of ``n`` survives ``d.drop_every``."""
    return not (d.drop_every and 0 < i < n - 1 and i % d.drop_every == 0)


def _even(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    return rgb[: h - h % 2, : w - w % 2]


def write_video(frames: Iterable[NDArray[np.uint8]], path: str | Path, *, codec: str = "h264",
                fps: int = 8, crf: int = 23) -> Path:
    """Encode RGB frames into a video file with a real encoder.

    Args:
        frames: (H, W, 3) uint8 frames, all the same size.
        path: output path; its suffix is replaced by the codec's container suffix.
        codec: one of ``CODECS`` ("lossless", "h264", "hevc", "vp9").
        fps: frame rate (frames per second).
        crf: quality for lossy codecs (0 = best).

    Returns:
        The path written.
    """
    suffix, enc, pix, opts = CODECS[codec]
    path = Path(path).with_suffix(suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as out:
        stream = None
        for rgb in frames:
            rgb = _even(rgb) if pix == "yuv420p" else rgb
            if stream is None:
                stream = out.add_stream(enc, rate=fps)
                stream.width, stream.height = rgb.shape[1], rgb.shape[0]
                stream.pix_fmt = pix
                o = dict(opts)
                if codec == "vp9":
                    o.update({"crf": str(crf), "b": "0"})
                elif codec in ("h264", "hevc"):
                    o["crf"] = str(crf)
                stream.options = o
                stream.thread_count = 1  # deterministic bitstreams
            if pix == "yuv420p":
                # convert here (OpenCV's BT.601 limited-range I420, the same numbers as FFmpeg's
                # scaler) so that the encoder never reads row padding: same frames, same bytes
                yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            else:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            for pkt in stream.encode(frame):
                out.mux(pkt)
        if stream is not None:
            for pkt in stream.encode():
                out.mux(pkt)
    return path


def write_gif(frames: Sequence[NDArray[np.uint8]], path: str | Path, *, fps: int = 8) -> Path:
    """Write an animated GIF: an adaptive 256-colour palette per frame (no dithering), every frame kept.

    Frames are quantised with Pillow's median cut (as most GIF tools do) and encoded by FFmpeg's GIF
    encoder, which, unlike Pillow's writer, does not merge identical consecutive frames: the file
    holds exactly ``len(frames)`` frames, as the renderers' truth expects.
    """
    from PIL import Image

    path = Path(path).with_suffix(".gif")
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w", format="gif") as out:
        stream = out.add_stream("gif", rate=fps)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "pal8"
        for rgb in frames:
            q = Image.fromarray(np.ascontiguousarray(rgb)).quantize(256, method=Image.Quantize.MEDIANCUT,
                                                                    dither=Image.Dither.NONE)
            pal = np.zeros((256, 4), np.uint8)
            used = np.asarray(q.getpalette() or [], np.uint8).reshape(-1, 3)[:256]
            pal[:, 0] = 255  # FFmpeg's pal8 palette entries are A, R, G, B bytes
            pal[: len(used), 1:] = used
            frame = av.VideoFrame.from_ndarray((np.asarray(q, np.uint8), pal), format="pal8")
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    return path


def write_image(rgb: NDArray[np.uint8], path: str | Path, *, jpeg_quality: int | None = None) -> Path:
    """Write one RGB frame as PNG (default) or JPEG (when ``jpeg_quality`` is given)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    if jpeg_quality is not None:
        path = path.with_suffix(".jpg")
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
    else:
        path = path.with_suffix(".png")
        ok, buf = cv2.imencode(".png", bgr)
    if not ok:
        raise RuntimeError(f"could not encode {path}")
    buf.tofile(str(path))
    return path


def write_frame_folder(frames: Iterable[NDArray[np.uint8]], folder: str | Path) -> Path:
    """Write frames as ``00000.png``, ``00001.png``... in a folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, rgb in enumerate(frames):
        write_image(rgb, folder / f"{i:05d}.png")
    return folder
