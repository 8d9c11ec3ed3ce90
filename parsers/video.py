"""The only module that decodes media: videos, GIFs, still images and frame folders.

``open_media(path)`` checks, in order and each with its own reason: the path exists, is
not empty, the container opens, it has a video stream; iterating the returned reader then
checks that at least one frame decodes and that at least ``min_frames`` do. Every decoded
frame is yielded (none are sampled or dropped) and counted, so ``frames_decoded`` is the
real count, never the container's estimate.

Frames larger than ``max_side`` pixels on their longer side are downscaled (area
interpolation inside the decoder's own scaler) so that an 8K input costs the same memory
as a 720p one; ``MediaInfo.scale`` records the factor so that evidence boxes can be mapped
back to source pixels. A caller that reads frame 0 first can choose a smaller size for the frames
after it (``MediaReader.size_after_first``), converted by the same scaler on the decoding thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Generator, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter
from numpy.typing import NDArray

from mmgr.errors import VideoReadError
from mmgr.parsers.types import Frame, Frames, MediaInfo

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
MAX_PIXELS = 200_000_000  # refuse decompression bombs; an 8K frame is 33 Mpx

__all__ = ["IMAGE_SUFFIXES", "MediaReader", "decode_floor", "decode_only", "open_media", "read_frames",
           "single_threaded"]

# decoder threads per stream: 0 = see _decoder_threads (FFmpeg's choice, or one core left to the parse)
_DECODE_THREADS = 0
# codecs whose frames are each coded whole and without loss: decoding is the heavy part and an
# unchanged picture decodes to identical pixels (little to parse), so the decoder takes every core
_LOSSLESS_INTRA = frozenset({"ffv1", "png", "apng", "qtrle", "rawvideo", "utvideo", "huffyuv", "ffvhuff",
                             "magicyuv", "gif"})
# compressed bits per pixel and frame from which a stream counts as heavy to decode (entropy
# decoding grows with the bit rate, the parse does not): its decoder takes every core even while a
# parse runs beside it. Synthetic H.264 with noise is 0.35-0.8; typical generator outputs 0.01-0.1
_HEAVY_BPP = 0.25
# frames decoded ahead in a background thread while the caller parses (0 = none): at least
# _PREFETCH, more for small frames up to _PREFETCH_BYTES of decoded pixels, so that a slow first
# frame (board search, every cell read) does not stall the decoder
_PREFETCH = 8
_PREFETCH_MAX = 64
_PREFETCH_BYTES = 96 << 20
# frames waiting for the caller from which the decoding thread makes the calls queued for it
# (MediaReader.when_ahead) before decoding on: ~1 ms of parsing in hand (Sudoku light streams:
# 3 gave 0.4 ms a video less than calling at the end of decoding; 1, 6 and 12: 0.15-0.25 ms)
_AHEAD = 3


class _WhenAhead:
    """Calls for the decoding thread to make when it is ahead of the caller, or as it ends (see
    ``MediaReader.when_ahead``). Thread-safe; each call is made once."""

    def __init__(self) -> None:
        import threading

        self._lock = threading.Lock()
        self._calls: list[Callable[[], None]] = []
        self._ended = False
        self.queued = False  # some call waits (read without the lock: a hint, checked again under it)

    def add(self, fn: Callable[[], None]) -> bool:
        """Queue ``fn``; False (not queued) when the decoding thread has ended already."""
        with self._lock:
            if self._ended:
                return False
            self._calls.append(fn)
            self.queued = True
            return True

    def run(self, end: bool = False) -> None:
        """Make the queued calls (an error in one is its caller's to report: see ``add``); ``end``:
        the decoding thread is ending, and later calls are not queued."""
        with self._lock:
            calls, self._calls, self.queued = self._calls, [], False
            self._ended = self._ended or end
        for fn in calls:
            with contextlib.suppress(Exception):
                fn()


def _prefetched(make_source: Callable[[Callable[[], bool]], Iterator[Any]], depth: int,
                calls: _WhenAhead | None = None) -> Iterator[Any]:
    """Run a source in a background thread, up to ``depth`` items ahead; same items, same order.

    ``make_source(behind)`` builds the source; ``behind()`` tells it whether items are waiting
    that the caller has not taken yet (the caller is the slower side, so work done now in the
    background is work off the caller's path). Decoding (FFmpeg) and parsing (OpenCV, numba,
    numpy) both release the GIL, so the caller's per-frame work overlaps with decoding the next
    frames. Exceptions from the source are re-raised in the caller at the point where the
    failing item would have been. The thread makes the ``calls`` queued for it once at least
    ``_AHEAD`` items wait for the caller, and those still queued as it ends, however it ends
    (last item handed over, error, or the caller gone).
    """
    import queue
    import threading

    # items waiting for the caller, and one token per free place among the ``depth`` (C-implemented
    # queues: every Python step the decoding thread takes holds the GIL that the parse needs)
    q: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    room: queue.SimpleQueue[None] = queue.SimpleQueue()
    for _ in range(max(1, depth)):
        room.put(None)
    stop = threading.Event()
    source = make_source(lambda: q.qsize() > 0)

    def produce() -> None:
        try:
            for item in source:
                while True:
                    try:
                        room.get(timeout=0.1)
                        break
                    except queue.Empty:
                        if stop.is_set():
                            return
                if stop.is_set():
                    return
                q.put(("frame", item))
                if calls is not None and calls.queued and q.qsize() >= _AHEAD:
                    calls.run()
            q.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(("error", exc))
        finally:
            if calls is not None:
                calls.run(end=True)

    t = threading.Thread(target=produce, name="mmgr-decode", daemon=True)
    t.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "frame":
                room.put(None)
                yield item
            elif kind == "error":
                raise item
            else:
                return
    finally:
        stop.set()
        t.join(timeout=5)


# packets read ahead of decoding at a time (and at most this many bytes of them): see _decoded
_DEMUX_CHUNK = 256
_DEMUX_CHUNK_BYTES = 32 << 20


def _decoded(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> Iterator[av.VideoFrame]:
    """``container.decode(stream)``, with the packets read from the file ``_DEMUX_CHUNK`` at a time
    (fewer once ``_DEMUX_CHUNK_BYTES`` are held) before they are decoded: the same frames, and
    an error in reading the file raised after the frames of the packets read before it.

    Each FFmpeg call lets go of the GIL and takes it back after. Read between frames, every packet
    cost the decoding thread one more such hand-over, and each one can delay a parse that needs the
    GIL too (a stand-in decoding thread that waits GIL-free for as long in more pieces cost the
    Sudoku parse ~0.9 ms a video more for each piece more a frame); the first chunk is read while
    the parse still waits for frame 0 (videos of up to 256 frames are read whole then), a later one
    all in one go between two frames. In-process A/B, Sudoku degraded mix: light
    streams 28.27 -> 27.64 ms a video, heavy 71.56 -> 71.29; decoding alone (``decode_floor``,
    light) gains too, 15.43 -> 15.08 ms.
    """
    demux = container.demux(stream)
    at_end = False
    while not at_end:
        packets: list[av.Packet] = []
        held = 0
        err: av.error.FFmpegError | None = None
        try:
            for packet in demux:
                packets.append(packet)
                held += packet.size
                if len(packets) >= _DEMUX_CHUNK or held >= _DEMUX_CHUNK_BYTES:
                    break
            else:
                at_end = True
        except av.error.FFmpegError as exc:
            err = exc
        for packet in packets:
            yield from packet.decode()
        if err is not None:
            raise err


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _bits_per_pixel(bit_rate: int, rate: Any, width: int, height: int) -> float:
    """Compressed bits per pixel and frame of a stream (0.0 when the bit rate or frame rate is unknown)."""
    fps = float(rate) if rate else 0.0
    if bit_rate <= 0 or fps <= 0.0 or width <= 0 or height <= 0:
        return 0.0
    return bit_rate / (fps * width * height)


def _decoder_threads(codec: str, background: bool, bpp: float = 0.0) -> int:
    """Decoder threads for a stream (0 = FFmpeg's choice: frame and slice threads, cores + 1).

    Decoding alone takes FFmpeg's choice. While a parse runs beside it (``background``: frames
    decoded in a thread ahead of the caller), the decoder gets one core less than there are, so
    that its threads do not crowd out the parse: on 2 cores that is one decoder thread, 5-10%
    faster end to end on small H.264/HEVC/VP9 videos. Lossless intra codecs (FFV1...) and heavy
    streams (``bpp``, compressed bits per pixel and frame, at least ``_HEAVY_BPP``) keep FFmpeg's
    choice: their frames cost much more to decode than to parse.
    """
    if _DECODE_THREADS:
        return _DECODE_THREADS
    if not background or codec in _LOSSLESS_INTRA or bpp >= _HEAVY_BPP:
        return 0
    return max(1, _cores() - 1)


def single_threaded() -> None:
    """Use one thread for decoding and for OpenCV in this process.

    Process-parallel batch workers call this: N single-threaded workers on N cores beat N
    workers that each spread over every core. Decoded pixels do not depend on it.
    """
    global _DECODE_THREADS, _PREFETCH
    _DECODE_THREADS = 1
    _PREFETCH = 0
    cv2.setNumThreads(1)


@contextlib.contextmanager
def opencv_threads(n: int) -> Iterator[None]:
    """Run a block with OpenCV limited to ``n`` threads, then restore the previous setting."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _sha256_file(path: Path, h: hashlib._Hash | None = None) -> str:
    h = h or hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fit(width: int, height: int, max_side: int | None) -> tuple[int, int, float]:
    if not max_side or max(width, height) <= max_side:
        return width, height, 1.0
    s = max_side / max(width, height)
    return max(1, round(width * s)), max(1, round(height * s)), s


def _resize(rgb: NDArray[np.uint8], w: int, h: int) -> NDArray[np.uint8]:
    if rgb.shape[1] == w and rgb.shape[0] == h:
        return rgb
    return np.ascontiguousarray(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA))


def _read_image(path: Path, shown: str) -> NDArray[np.uint8]:
    data = np.fromfile(str(path), dtype=np.uint8)
    if data.size == 0:
        raise VideoReadError(shown, "file is empty")
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise VideoReadError(shown, "not a decodable image", "is the file really an image?")
    if img.dtype != np.uint8:
        img = cv2.convertScaleAbs(img, alpha=255.0 / max(1.0, float(img.max())))
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        # Composite transparency onto white, as a viewer would show it.
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0
        bgr = img[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        img = cv2.cvtColor(np.round(bgr).astype(np.uint8), cv2.COLOR_BGR2RGB)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return np.ascontiguousarray(img)


SizeOf = Callable[[int, int], tuple[int, int]]


class _Unconverted:
    """A decoded video frame not yet converted to RGB (handed from the decoding thread to the caller)."""

    __slots__ = ("dur_s", "frame", "index", "max_side", "size_of", "t_s")

    def __init__(self, index: int, t_s: Fraction, dur_s: Fraction | None, frame: av.VideoFrame,
                 max_side: int | None, size_of: SizeOf | None = None) -> None:
        self.index, self.t_s, self.dur_s, self.frame, self.max_side = index, t_s, dur_s, frame, max_side
        self.size_of = size_of

    def converted(self, conv: VideoReformatter, size_of: SizeOf | None = None) -> Frame:
        """The Frame, converted with ``conv`` (one scaler a thread: FFmpeg's are not shared); ``size_of``
        (else the one it was made with): its size from the size fitted to ``max_side``."""
        f = self.frame
        w, h, _ = _fit(f.width, f.height, self.max_side)
        size_of = size_of or self.size_of
        if size_of is not None:
            w, h = size_of(w, h)
        if (w, h) != (f.width, f.height):
            out = conv.reformat(f, width=w, height=h, format="rgb24", interpolation="AREA", threads=1)
        else:
            out = conv.reformat(f, format="rgb24", threads=1)
        return Frame(self.index, self.t_s, np.ascontiguousarray(out.to_ndarray()), self.dur_s)


class _SizeGate:
    """The size of the frames after the first, chosen by the caller once it has read frame 0.

    Frames after the first are decoded, but not handed over, until the caller asks for frame 1
    (``open``); all of them are then converted at the size last chosen (``size_of``, None: as
    frame 0), whichever thread converts them, so the pixels do not depend on timing.
    """

    def __init__(self) -> None:
        import threading

        self.size_of: SizeOf | None = None
        self.opened = threading.Event()
        self.first: _Unconverted | None = None  # frame 0 (videos), to convert again at the chosen size

    def open(self) -> None:
        self.opened.set()


class MediaReader:
    """A single-pass iterator over the frames of one input.

    Attributes:
        info: the media description (size before downscaling, digest, codec...).
        frames_decoded: how many frames have been yielded so far.
    """

    def __init__(self, path: str, *, max_side: int | None = 1280, min_frames: int = 1) -> None:
        self.path = path
        self.max_side = max_side
        self.min_frames = min_frames
        self._first_img: NDArray[np.uint8] | None = None
        self.frames_decoded = 0
        self.prefetch = True  # decode in a background thread (when the module allows it: _PREFETCH)
        self._files: list[Path] = []
        self._bpp = 0.0  # compressed bits per pixel and frame of a video stream (0: unknown)
        self._container: av.container.InputContainer | None = None
        self._gate: _SizeGate | None = None  # see size_after_first
        self._calls = _WhenAhead()  # see when_ahead
        self.info = self._probe()

    # -- probing -------------------------------------------------------------------
    def _probe(self) -> MediaInfo:
        shown = self.path
        p = Path(self.path)
        if not p.exists():
            raise VideoReadError(shown, "no such file or folder")
        if p.is_dir():
            self._files = sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
            if not self._files:
                raise VideoReadError(shown, "folder holds no images", "expected frame files such as 00000.png")
            h = hashlib.sha256()
            for f in self._files:
                h.update(f.name.encode())
                h.update(b"\0")
                _sha256_file(f, h)
            first = _read_image(self._files[0], str(self._files[0]))
            self._first_img = first  # decoded once: iteration reuses it
            height, width = first.shape[:2]
            return MediaInfo(shown, "frames", h.hexdigest(), width, height, "image", None, None,
                             _fit(width, height, self.max_side)[2])
        if p.stat().st_size == 0:
            raise VideoReadError(shown, "file is empty")
        digest = _sha256_file(p)
        if p.suffix.lower() in IMAGE_SUFFIXES:
            img = _read_image(p, shown)
            self._first_img = img  # decoded once: iteration reuses it
            self._files = [p]
            height, width = img.shape[:2]
            return MediaInfo(shown, "image", digest, width, height, p.suffix.lower().lstrip("."), None,
                             None, _fit(width, height, self.max_side)[2])
        try:
            container = av.open(str(p), mode="r")
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            why = (getattr(exc, "strerror", None) or str(exc).splitlines()[0][:120]).rstrip(".").lower()
            raise VideoReadError(shown, f"container does not open ({why})",
                                 "is it really a video file, and complete?") from exc
        stream = next((s for s in container.streams if s.type == "video"), None)
        if stream is None:
            kinds = sorted({s.type for s in container.streams})
            container.close()
            if not kinds:
                raise VideoReadError(shown, "no video stream (the container lists no streams at all)",
                                     "the file may be truncated or still being written")
            raise VideoReadError(shown, f"no video stream (only {', '.join(kinds)})", "an audio-only file?")
        width = int(stream.codec_context.width or 0)
        height = int(stream.codec_context.height or 0)
        if width * height > MAX_PIXELS:
            container.close()
            raise VideoReadError(shown, f"frame too large ({width}x{height})")
        self._container = container
        rate = stream.average_rate
        self._bpp = _bits_per_pixel(int(stream.bit_rate or container.bit_rate or 0), rate, width, height)
        kind = "gif" if stream.codec_context.name == "gif" else "video"
        return MediaInfo(shown, kind, digest, width, height, stream.codec_context.name,
                         container.format.name, Fraction(rate) if rate else None,
                         _fit(width, height, self.max_side)[2])

    # -- the size of later frames -----------------------------------------------------
    def size_after_first(self) -> Callable[[SizeOf | None], NDArray[np.uint8] | None] | None:
        """Let the caller choose, while it reads frame 0, the size of the frames after it.

        Call before iterating. Returns ``choose(size_of)``: frames 1, 2, ... are converted to
        ``size_of(w, h)`` (w, h: their size fitted to ``max_side``; None: that size) by the decoder's
        own scaler (area interpolation), the last choice made before the caller asks for frame 1;
        ``choose`` returns frame 0 converted the same way. In the meantime the frames after the
        first are decoded and held, so every one of them gets the same conversion whichever thread
        makes it.

        None (no choice offered) for images, frame folders and lossless intra codecs (FFV1, GIF...): an
        unchanged region decodes to the same pixels there, so a caller that resizes only what changed does
        less than the decoder's scaler, which resizes every frame whole.
        """
        if self._container is None or self.info.codec in _LOSSLESS_INTRA:
            return None
        if self._gate is None:
            self._gate = _SizeGate()
        gate = self._gate

        def choose(size_of: SizeOf | None) -> NDArray[np.uint8] | None:
            if gate.opened.is_set():
                raise RuntimeError("the size of later frames is chosen before frame 1 is asked for")
            gate.size_of = size_of  # the decoding thread converts the frames it holds at this size from now on
            if size_of is None or gate.first is None:
                return None
            try:
                return gate.first.converted(VideoReformatter(), size_of).rgb
            except av.error.FFmpegError as exc:
                raise self._decode_error(0, exc) from exc

        return choose

    # -- work for the decoding thread ---------------------------------------------------
    def when_ahead(self, fn: Callable[[], None]) -> bool:
        """Have ``fn`` called in the decoding thread once it is ahead of the caller (``_AHEAD``
        frames wait for it), or else as it ends (every frame decoded, an error, or the caller gone).

        Call before or while iterating. A parse is the slower side on most videos: the decoder gets
        ahead, and a pause in decoding then costs the caller nothing. Work that can run beside the
        parse but is not needed until its end (a solver call) runs there instead of in a thread of
        its own, which took a core from decoding or parsing (2 cores).

        Returns False, and ``fn`` is not called, where frames are not decoded in a thread of their
        own (``prefetch`` off, ``single_threaded``) or that thread has ended already: the caller
        runs ``fn`` itself. ``fn`` must report its own errors (one it raises is dropped).
        """
        return self._background() and self._calls.add(fn)

    def _background(self) -> bool:
        return bool(_PREFETCH and self.prefetch)

    # -- decoding ------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        gate = self._gate
        source: Generator[Frame | _Unconverted, None, None]
        if not self._background():
            source = self._iter_av() if self._container is not None else self._iter_files()
        elif self._container is None:
            source = _prefetched(lambda behind: self._iter_files(), self._depth(), self._calls)
        else:
            # the colour conversion runs where there is time for it: in the decoding thread while
            # frames wait for the caller, else in the caller (which would only wait for them)
            source = _prefetched(lambda behind: self._iter_av(behind), self._depth(), self._calls)
        conv: VideoReformatter | None = None
        try:
            for item in source:
                if isinstance(item, _Unconverted):
                    conv = conv or VideoReformatter()
                    try:
                        item = item.converted(conv)
                    except av.error.FFmpegError as exc:
                        raise self._decode_error(item.index, exc) from exc
                yield item
                if gate is not None:
                    gate.open()  # the caller asks for the next frame: the size of later frames is chosen
        finally:
            if gate is not None:
                gate.open()  # a caller that stops early must not leave the decoding thread waiting
            source.close()
        if self.frames_decoded == 0:
            raise VideoReadError(self.path, "no frame decodes", "the stream may be truncated or corrupt")
        if self.info.kind in ("video", "gif") and self.frames_decoded < self.min_frames:
            raise VideoReadError(self.path, f"only {self.frames_decoded} frame(s) decode, "
                                            f"at least {self.min_frames} needed",
                                 "verify a single frame as an image (.png)")

    def _handed(self, raw: _Unconverted, conv: VideoReformatter,
                convert_here: Callable[[], bool] | None) -> Frame | _Unconverted:
        """A decoded frame as the decoding thread hands it over: converted here, or not (``convert_here``)."""
        item = raw if convert_here is not None and not convert_here() else raw.converted(conv)
        self.frames_decoded += 1
        return item

    def _decode_error(self, done: int, exc: Exception) -> VideoReadError:
        return VideoReadError(self.path, f"decoding failed after {done} frame(s) ({str(exc).splitlines()[0][:120]})",
                              "the file may be truncated")

    def _depth(self) -> int:
        """Frames decoded ahead: at least _PREFETCH, more for small frames (_PREFETCH_BYTES)."""
        sc = self.info.scale
        frame_bytes = max(1, round(self.info.width * sc) * round(self.info.height * sc) * 3)
        return int(np.clip(_PREFETCH_BYTES // frame_bytes, _PREFETCH, _PREFETCH_MAX))

    def _iter_files(self) -> Iterator[Frame]:
        for i, f in enumerate(self._files):
            if i == 0 and self._first_img is not None:
                img, self._first_img = self._first_img, None
            else:
                img = _read_image(f, self.path if self.info.kind == "image" else str(f))
            if img.shape[0] * img.shape[1] > MAX_PIXELS:
                raise VideoReadError(self.path, f"frame too large ({img.shape[1]}x{img.shape[0]})")
            w, h, _ = _fit(img.shape[1], img.shape[0], self.max_side)
            self.frames_decoded += 1
            yield Frame(i, Fraction(i), _resize(img, w, h))

    def _iter_av(self, convert_here: Callable[[], bool] | None = None) -> Iterator[Frame | _Unconverted]:
        """Decoded frames, converted to RGB here; with ``convert_here``, a frame for which it is
        false is handed over unconverted (``_Unconverted.converted`` gives the same Frame)."""
        container = self._container
        assert container is not None
        stream = next(s for s in container.streams if s.type == "video")
        threads = _decoder_threads(stream.codec_context.name, self._background(), self._bpp)
        if threads:
            stream.thread_count = threads
        else:
            stream.thread_type = "AUTO"
        tb = stream.time_base
        tb_f = Fraction(tb) if tb is not None else Fraction(0)
        tb_num, tb_den = tb_f.numerator, tb_f.denominator
        # one colour converter for the stream: PyAV's frame.to_ndarray(format=) builds a new FFmpeg
        # scaler for every frame, with its own pool of threads (~0.3 ms a small frame, a third of
        # the decode). Same pixels (tests).
        conv = VideoReformatter()
        gate = self._gate
        # frames after the first, decoded while the caller has not chosen their size for good (gate): each is
        # converted meanwhile at the size chosen so far (at first the usual one; the caller is busy with frame
        # 0, and a choice rarely changes once made), again when the choice changes, and kept when that is the
        # final one; at most this many are held, then decoding waits
        held: list[list[Any]] = []  # [frame, the size_of it was converted with, the conversion]
        # the decoded frames are held at the source size (4:2:0: 1.5 bytes a pixel), not the converted one
        cap = min(self._depth(), max(_PREFETCH, _PREFETCH_BYTES // max(1, self.info.width * self.info.height * 3 // 2)))
        index = 0

        def convert_held() -> None:
            size_of = gate.size_of  # type: ignore[union-attr]
            for h in held:
                if h[1] is not size_of:
                    h[1:] = size_of, h[0].converted(conv, size_of)

        def release() -> Iterator[Frame | _Unconverted]:
            gate.opened.wait()  # type: ignore[union-attr]
            final = gate.size_of  # type: ignore[union-attr]
            for r, size_of, done in held:
                r.size_of = final
                if size_of is final:
                    self.frames_decoded += 1
                    yield done
                else:
                    yield self._handed(r, conv, convert_here)
            held.clear()

        try:
            for frame in _decoded(container, stream):
                if frame.pts is not None and tb is not None:
                    t = Fraction(frame.pts * tb_num, tb_den)  # (one Fraction: 4x quicker than a product)
                elif self.info.avg_rate:
                    t = Fraction(index) / self.info.avg_rate
                else:
                    t = Fraction(index)
                dur = getattr(frame, "duration", None)
                dur_s = Fraction(dur * tb_num, tb_den) if dur and tb is not None else None
                raw = _Unconverted(index, t, dur_s, frame, self.max_side)
                index += 1
                if gate is not None and raw.index == 0:
                    gate.first = raw
                elif gate is not None and not gate.opened.is_set():
                    held.append([raw, gate, None])  # (the gate: converted at no size yet)
                    convert_held()
                    if len(held) < cap:
                        continue
                    yield from release()
                    continue
                elif gate is not None:  # the size is chosen: what is still held goes first
                    if held:
                        yield from release()
                    raw.size_of = gate.size_of
                yield self._handed(raw, conv, convert_here)
            if held:
                yield from release()
        except av.error.FFmpegError as exc:
            if held:  # the frames decoded before the error are still handed over
                with contextlib.suppress(av.error.FFmpegError):  # (the first error is the one reported)
                    yield from release()
            raise self._decode_error(self.frames_decoded, exc) from exc
        finally:
            container.close()
            self._container = None


def open_media(path: str | Path, *, max_side: int | None = 1280, min_frames: int = 1) -> MediaReader:
    """Open a video, GIF, image or frame folder for single-pass decoding.

    Args:
        path: file or folder.
        max_side: frames whose longer side exceeds this are downscaled to it (None: never).
        min_frames: iterating a video or GIF raises ``VideoReadError`` if fewer frames decode (a
            still image or a frame folder is judged as it is).

    Returns:
        A ``MediaReader``; iterate it for ``Frame`` values.

    Raises:
        VideoReadError: the path is missing, empty, not a media file, or has no video stream.
    """
    return MediaReader(str(path), max_side=max_side, min_frames=min_frames)


def read_frames(path: str | Path, *, max_side: int | None = 1280, min_frames: int = 1) -> Frames:
    """Decode every frame of an input into memory (for tests and short inputs)."""
    reader = open_media(path, max_side=max_side, min_frames=min_frames)
    frames = list(reader)
    return Frames(reader.info, np.stack([f.rgb for f in frames]), tuple(f.t_s for f in frames))


def decode_only(path: str | Path, *, max_side: int | None = 1280, prefetch: bool = True) -> int:
    """Decode every frame and drop it: the time floor that verification is measured against.

    ``prefetch=False`` decodes in the calling thread. With nothing to overlap, the hand-off to a
    background thread can cost more than it saves (small H.264 frames) or less (large lossless
    frames, whose colour conversion then overlaps decoding): ``decode_floor`` times both.
    """
    reader = open_media(path, max_side=max_side)
    reader.prefetch = prefetch
    n = 0
    for _ in reader:
        n += 1
    return n


def decode_floor(path: str | Path, *, max_side: int | None = 1280, repeat: int = 1) -> float:
    """Least wall seconds to decode every frame, over ``repeat`` tries of each way (with and without
    the background decoding thread): the strictest floor to compare verification time with."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        for prefetch in (True, False):
            t0 = time.perf_counter()
            decode_only(path, max_side=max_side, prefetch=prefetch)
            best = min(best, time.perf_counter() - t0)
    return best
