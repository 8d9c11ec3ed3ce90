"""Media decoding: every container/codec the issue names, exact counts and times, the checks in order."""

from __future__ import annotations

import itertools
from fractions import Fraction

import av
import numpy as np
import pytest

from mmgr.errors import VideoReadError
from mmgr.parsers.types import Frame
from mmgr.parsers.video import decode_only, open_media, read_frames
from mmgr.verify.synth.media import write_frame_folder, write_gif, write_image, write_video


def _frames(n=9, h=96, w=128):
    out = []
    for i in range(n):
        f = np.full((h, w, 3), 255, np.uint8)
        f[10:40, 10 + 8 * i: 30 + 8 * i] = (200, 30, 30)  # a moving red block
        out.append(f)
    return out


def _mux(path, codec, container_fmt, frames, fps=8, pix="yuv420p"):
    with av.open(str(path), "w", format=container_fmt) as out:
        s = out.add_stream(codec, rate=fps)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], pix
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


@pytest.mark.parametrize(("codec", "fmt", "suffix", "pix"), [
    ("libx264", "mp4", ".mp4", "yuv420p"),
    ("libx264", "mov", ".mov", "yuv420p"),
    ("mjpeg", "avi", ".avi", "yuvj420p"),
    ("mpeg4", "avi", ".avi", "yuv420p"),
    ("libx265", "mp4", ".mp4", "yuv420p"),
    ("libvpx-vp9", "webm", ".webm", "yuv420p"),
    ("ffv1", "matroska", ".mkv", "bgr0"),
])
def test_containers_and_codecs_decode_every_frame(tmp_path, codec, fmt, suffix, pix):
    if codec not in av.codecs_available:
        pytest.skip(f"this FFmpeg build has no {codec} encoder")
    fr = _frames()
    path = _mux(tmp_path / f"v{suffix}", codec, fmt, fr, pix=pix)
    got = read_frames(path)
    assert len(got) == len(fr)
    assert got.info.kind == "video"
    assert got.t_s[:3] == (Fraction(0), Fraction(1, 8), Fraction(1, 4))
    # the red block is where it was drawn, in every frame
    for i, f in enumerate(got.rgb):
        assert f[25, 20 + 8 * i, 0] > 150 and f[25, 20 + 8 * i, 1] < 100


def test_av1_decodes_where_an_encoder_exists(tmp_path):
    enc = next((c for c in ("libsvtav1", "libaom-av1") if c in av.codecs_available), None)
    if enc is None:
        pytest.skip("no AV1 encoder in this FFmpeg build (decoding uses libdav1d)")
    fr = _frames(h=128, w=128)
    try:
        path = _mux(tmp_path / "v.mp4", enc, "mp4", fr)
    except av.error.FFmpegError as exc:  # some builds list the encoder but cannot open it
        pytest.skip(f"AV1 encoder unusable here: {exc}")
    assert len(read_frames(path)) == len(fr)


def test_gif_png_jpg_and_frame_folder(tmp_path):
    fr = _frames()
    g = read_frames(write_gif(fr, tmp_path / "a.gif"))
    assert g.info.kind == "gif" and len(g) == len(fr)
    reader = open_media(write_gif(fr, tmp_path / "b.gif"))
    durs = [f.dur_s for f in reader]
    assert all(d is not None and d > 0 for d in durs)
    p = read_frames(write_image(fr[0], tmp_path / "a.png"))
    assert p.info.kind == "image" and len(p) == 1 and np.array_equal(p.rgb[0], fr[0])
    j = read_frames(write_image(fr[0], tmp_path / "a.jpg", jpeg_quality=90))
    assert j.info.kind == "image" and np.abs(j.rgb[0].astype(int) - fr[0]).mean() < 3
    d = read_frames(write_frame_folder(fr, tmp_path / "frames"))
    assert d.info.kind == "frames" and len(d) == len(fr) and np.array_equal(d.rgb[3], fr[3])


def test_large_frames_are_downscaled_and_the_factor_recorded(tmp_path):
    big = np.full((2160, 3840, 3), 255, np.uint8)
    r = read_frames(write_image(big, tmp_path / "big.png"), max_side=1280)
    assert r.rgb.shape[1:] == (720, 1280, 3)
    assert r.info.width == 3840 and r.info.scale == pytest.approx(1 / 3)


def test_sha256_and_counts_are_exact(tmp_path):
    import hashlib
    path = write_video(_frames(13), tmp_path / "x", codec="h264")
    r = open_media(path)
    assert r.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert decode_only(path) == 13


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: p / "nope.mp4", "no such file or folder"),
    (lambda p: (p / "e.mp4").write_bytes(b"") or p / "e.mp4", "file is empty"),
    (lambda p: (p / "t.mp4").write_text("hello") and p / "t.mp4", "container does not open"),
    (lambda p: (p / "d").mkdir() or p / "d", "folder holds no images"),
    (lambda p: (p / "x.png").write_bytes(b"\x89PNG garbage") and p / "x.png", "not a decodable image"),
])
def test_each_check_has_its_own_reason(tmp_path, make, reason):
    with pytest.raises(VideoReadError, match=reason):
        list(open_media(make(tmp_path)))


def test_min_frames(tmp_path):
    path = write_video(_frames(1), tmp_path / "one", codec="h264")
    with pytest.raises(VideoReadError, match="at least 2 needed"):
        list(open_media(path, min_frames=2))


def test_decode_only_counts_the_same_frames_with_or_without_the_decoding_thread(tmp_path):
    from mmgr.parsers.video import decode_floor
    path = write_video(_frames(9), tmp_path / "x", codec="h264")
    assert decode_only(path, prefetch=True) == decode_only(path, prefetch=False) == 9
    assert 0.0 < decode_floor(path) < 10.0


def test_decoder_threads_leave_a_core_to_the_parse_except_for_lossless_intra_codecs(monkeypatch):
    import mmgr.parsers.video as video
    monkeypatch.setattr(video, "_cores", lambda: 2)
    assert video._decoder_threads("h264", background=True) == 1
    assert video._decoder_threads("h264", background=False) == 0  # decoding alone: FFmpeg's choice
    assert video._decoder_threads("ffv1", background=True) == 0
    monkeypatch.setattr(video, "_cores", lambda: 8)
    assert video._decoder_threads("vp9", background=True) == 7
    assert video._decoder_threads("h264", background=True, bpp=0.05) == 7
    assert video._decoder_threads("h264", background=True, bpp=video._HEAVY_BPP) == 0  # heavy: FFmpeg's choice
    monkeypatch.setattr(video, "_DECODE_THREADS", 1)  # batch workers: one thread whatever the codec
    assert video._decoder_threads("ffv1", background=True) == 1
    assert video._decoder_threads("h264", background=True, bpp=1.0) == 1


def test_bits_per_pixel_of_a_stream(tmp_path):
    import mmgr.parsers.video as video
    assert video._bits_per_pixel(1_228_800, Fraction(25), 640, 480) == pytest.approx(0.16)
    for unknown in ((0, Fraction(25), 640, 480), (1000, None, 640, 480), (1000, Fraction(0), 640, 480),
                    (1000, Fraction(25), 0, 480)):
        assert video._bits_per_pixel(*unknown) == 0.0
    path = write_video(_frames(12), tmp_path / "x", codec="h264")
    reader = open_media(path)
    info = reader.info
    # the container's bit rate is its size over its duration: the same order as counting bytes
    by_size = path.stat().st_size * 8 / (12 * info.width * info.height)
    assert 0.3 * by_size < reader._bpp < 3.0 * by_size


def test_pixels_do_not_depend_on_decoder_threads(tmp_path):
    path = write_video(_frames(12), tmp_path / "x", codec="h264")
    a = open_media(path)
    a.prefetch = False  # FFmpeg's choice of threads, in this thread
    b = open_media(path)  # background thread, one core left to the caller
    pa = [f.rgb for f in a]
    pb = [f.rgb for f in b]
    assert len(pa) == len(pb) == 12
    assert all(np.array_equal(x, y) for x, y in zip(pa, pb, strict=True))


@pytest.mark.parametrize("max_side", [None, 64])
def test_one_converter_per_stream_gives_pyavs_own_pixels(tmp_path, max_side):
    """The reader converts with one scaler for the whole stream; the pixels and times are those of
    PyAV's per-frame ``reformat``/``to_ndarray``, also when frames are downscaled (area)."""
    fr = [np.ascontiguousarray(np.roll(f, 3 * i, axis=0)) for i, f in enumerate(_frames(10))]
    path = _mux(tmp_path / "c.mp4", "libx264", "mp4", fr)
    want = []
    with av.open(str(path)) as c:
        for f in c.decode(c.streams.video[0]):
            if max_side:
                f = f.reformat(width=64, height=48, format="rgb24", interpolation="AREA")
            want.append(f.to_ndarray(format="rgb24"))
    got = read_frames(path, max_side=max_side)
    assert len(got) == len(want) == 10
    assert got.rgb.shape[1:] == ((48, 64, 3) if max_side else (96, 128, 3))
    assert all(np.array_equal(a, b) for a, b in zip(got.rgb, want, strict=True))
    assert len(set(got.t_s)) == 10


def test_frames_converted_by_the_caller_equal_frames_converted_while_decoding(tmp_path):
    """The decoding thread hands frames over unconverted when the caller waits for them; the caller's
    conversion (after the container is closed, with its own scaler) gives the same Frame."""
    from av.video.reformatter import VideoReformatter

    fr = [np.ascontiguousarray(np.roll(f, 5 * i, axis=1)) for i, f in enumerate(_frames(8))]
    path = _mux(tmp_path / "u.mp4", "libx264", "mp4", fr)
    for max_side in (None, 64):
        want = read_frames(path, max_side=max_side)
        reader = open_media(path, max_side=max_side)
        raw = list(reader._iter_av(lambda: False))  # every frame handed over; the container closes here
        assert reader._container is None and len(raw) == len(want) == 8
        conv = VideoReformatter()
        got = [r.converted(conv) for r in raw]
        assert [g.index for g in got] == list(range(8))
        assert tuple(g.t_s for g in got) == want.t_s
        assert all(np.array_equal(g.rgb, w) for g, w in zip(got, want.rgb, strict=True))
        flips = iter([True, False] * 4)  # every other frame converted while decoding
        mixed = list(open_media(path, max_side=max_side)._iter_av(flips.__next__))
        assert sum(isinstance(m, Frame) for m in mixed) == 4
        done = [m if isinstance(m, Frame) else m.converted(conv) for m in mixed]
        assert all(np.array_equal(d.rgb, w) for d, w in zip(done, want.rgb, strict=True))


def test_a_conversion_that_fails_in_the_caller_is_a_read_error_with_the_frame_count(tmp_path, monkeypatch):
    from mmgr.parsers import video

    path = _mux(tmp_path / "e.mp4", "libx264", "mp4", _frames(6))
    orig_iter, orig_conv = video.MediaReader._iter_av, video._Unconverted.converted

    def convert(self, conv):
        if self.index == 3:
            raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")
        return orig_conv(self, conv)

    monkeypatch.setattr(video.MediaReader, "_iter_av", lambda self, behind=None: orig_iter(self, lambda: False))
    monkeypatch.setattr(video._Unconverted, "converted", convert)
    got = []
    with pytest.raises(VideoReadError, match=r"decoding failed after 3 frame\(s\)"):
        for f in open_media(path):
            got.append(f.index)
    assert got == [0, 1, 2]


# -- the size of frames after the first, chosen by the caller while it reads frame 0 ------------------

def _want(path, size=None):
    """PyAV's own conversion of every frame, at ``size`` (area) or as decoded."""
    out = []
    with av.open(str(path)) as c:
        for f in c.decode(c.streams.video[0]):
            if size:
                f = f.reformat(width=size[0], height=size[1], format="rgb24", interpolation="AREA")
            out.append(f.to_ndarray(format="rgb24"))
    return out


@pytest.mark.parametrize("prefetch", [True, False])
@pytest.mark.parametrize("slow", [False, True])
def test_frames_after_the_first_come_at_the_size_chosen_while_frame_0_is_read(tmp_path, prefetch, slow):
    """Frame 0 at the usual size; every later frame, and ``choose``'s frame 0, as PyAV converts them to
    the chosen size, whether the caller chooses at once or after the decoder has held every frame
    (``slow``), and whether a background thread decodes."""
    import time

    fr = [np.ascontiguousarray(np.roll(f, 4 * i, axis=0)) for i, f in enumerate(_frames(12))]
    path = _mux(tmp_path / "s.mp4", "libx264", "mp4", fr)
    want, full = _want(path, (64, 48)), read_frames(path)
    reader = open_media(path)
    reader.prefetch = prefetch
    choose = reader.size_after_first()
    it = iter(reader)
    f0 = next(it)
    assert np.array_equal(f0.rgb, full.rgb[0])
    if slow:
        time.sleep(0.3)  # every frame decoded and converted at the usual size meanwhile
    assert choose(lambda w, h: (w // 4, h // 4)) is not None  # changed below: the last choice counts
    first = choose(lambda w, h: (w // 2, h // 2))
    rest = list(it)
    assert np.array_equal(first, want[0])
    assert [f.index for f in rest] == list(range(1, 12))
    assert tuple(f.t_s for f in rest) == full.t_s[1:]
    assert all(np.array_equal(f.rgb, w) for f, w in zip(rest, want[1:], strict=True))
    assert reader.frames_decoded == 12
    with pytest.raises(RuntimeError, match="before frame 1"):
        choose(None)


@pytest.mark.parametrize("slow", [False, True])
def test_no_size_chosen_gives_the_usual_frames(tmp_path, slow):
    import time

    path = _mux(tmp_path / "n.mp4", "libx264", "mp4", _frames(10))
    full = read_frames(path, max_side=64)
    reader = open_media(path, max_side=64)
    choose = reader.size_after_first()
    it = iter(reader)
    got = [next(it)]
    if slow:
        time.sleep(0.3)
    assert choose(None) is None
    got += list(it)
    assert all(np.array_equal(g.rgb, w) for g, w in zip(got, full.rgb, strict=True)) and len(got) == 10


def test_frames_held_for_a_choice_are_handed_over_when_the_caller_converts(tmp_path, monkeypatch):
    """A decoding thread that hands frames over unconverted (the caller waits) gives the same pixels."""
    from mmgr.parsers import video

    fr = [np.ascontiguousarray(np.roll(f, 3 * i, axis=1)) for i, f in enumerate(_frames(9))]
    path = _mux(tmp_path / "h.mp4", "libx264", "mp4", fr)
    want = _want(path, (32, 24))
    orig_iter = video.MediaReader._iter_av
    monkeypatch.setattr(video.MediaReader, "_iter_av", lambda self, behind=None: orig_iter(self, lambda: False))
    reader = open_media(path)
    choose = reader.size_after_first()
    it = iter(reader)
    next(it)
    choose(lambda w, h: (32, 24))
    rest = list(it)
    assert len(rest) == 8 and all(np.array_equal(f.rgb, w) for f, w in zip(rest, want[1:], strict=True))


def test_a_caller_that_stops_at_frame_0_does_not_leave_the_decoder_waiting(tmp_path, monkeypatch):
    """More frames than the decoder may hold: it waits for the choice; closing the reader releases it."""
    import threading

    from mmgr.parsers import video

    monkeypatch.setattr(video, "_PREFETCH_MAX", 8)
    path = _mux(tmp_path / "w.mp4", "libx264", "mp4", _frames(30))
    reader = open_media(path)
    reader.size_after_first()
    it = iter(reader)
    assert next(it).index == 0
    it.close()
    alive = [t for t in threading.enumerate() if t.name == "mmgr-decode" and t.is_alive()]
    assert not alive  # joined at once, not after the join's time-out


def test_more_frames_than_can_be_held_keep_their_order_and_size(tmp_path, monkeypatch):
    from mmgr.parsers import video

    monkeypatch.setattr(video, "_PREFETCH_MAX", 8)
    fr = [np.ascontiguousarray(np.roll(f, 2 * i, axis=0)) for i, f in enumerate(_frames(30))]
    path = _mux(tmp_path / "m.mp4", "libx264", "mp4", fr)
    want = _want(path, (64, 48))
    reader = open_media(path)
    choose = reader.size_after_first()
    it = iter(reader)
    next(it)
    import time

    time.sleep(0.2)  # the decoder holds 8 and waits
    choose(lambda w, h: (64, 48))
    rest = list(it)
    assert [f.index for f in rest] == list(range(1, 30))
    assert all(np.array_equal(f.rgb, w) for f, w in zip(rest, want[1:], strict=True))


class _Breaks:
    """A reader's container whose stream breaks after ``after`` frames in decoding them, or with
    ``reading``, in reading packet ``after`` (from 0)."""

    def __init__(self, c, after, reading=False):
        self.c, self.streams, self.after, self.reading, self.frames = c, c.streams, after, reading, 0

    def demux(self, stream):
        for k, p in enumerate(self.c.demux(stream)):
            if self.reading and k == self.after:
                raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")
            yield _BreakingPacket(p, self)

    def close(self):
        self.c.close()


class _BreakingPacket:
    def __init__(self, p, box):
        self.p, self.box, self.size = p, box, p.size

    def decode(self):
        for f in self.p.decode():
            if not self.box.reading and self.box.frames == self.box.after:
                raise av.error.InvalidDataError(1094995529, "Invalid data found when processing input")
            self.box.frames += 1
            yield f


def test_frames_decoded_before_a_decoding_error_are_handed_over_first(tmp_path):
    path = _mux(tmp_path / "b.mp4", "libx264", "mp4", _frames(9))
    reader = open_media(path)
    reader._container = _Breaks(reader._container, 5)
    choose = reader.size_after_first()
    got = []
    with pytest.raises(VideoReadError, match=r"decoding failed after 5 frame\(s\)"):
        for f in reader:
            if f.index == 0:
                choose(lambda w, h: (32, 24))
            got.append(f.rgb.shape)
    assert got == [(96, 128, 3)] + [(24, 32, 3)] * 4


def test_no_size_choice_where_only_what_changed_is_worth_resizing(tmp_path):
    """Images, frame folders and lossless intra codecs: unchanged regions decode to the same pixels, so the
    caller resizes only what changed; the reader offers no choice and gives the usual frames."""
    fr = _frames(4)
    for path in (write_frame_folder(fr, tmp_path / "ff"), write_image(fr[0], tmp_path / "one.png"),
                 write_gif(fr, tmp_path / "g.gif"), _mux(tmp_path / "l.mkv", "ffv1", "matroska", fr, pix="bgr0")):
        reader = open_media(path)
        assert reader.size_after_first() is None, path
    h264 = open_media(_mux(tmp_path / "h.mp4", "libx264", "mp4", fr))
    assert callable(h264.size_after_first())


def test_a_call_for_the_decoding_thread_waits_until_it_is_ahead(tmp_path, monkeypatch):
    import threading
    import time

    from mmgr.parsers import video as V

    monkeypatch.setattr(V, "_AHEAD", 4)
    path = _mux(tmp_path / "a.mp4", "libx264", "mp4", _frames(24))
    reader = open_media(path)
    seen = []
    assert reader.when_ahead(lambda: seen.append((threading.current_thread().name, reader.frames_decoded)))
    got = []
    for f in reader:
        got.append(f.index)
        if f.index == 0:
            time.sleep(0.2)  # a slow first frame: the decoder gets ahead meanwhile
    assert got == list(range(24))
    # made once, by the decoding thread, as soon as 4 frames waited (frame 0 taken or not yet)
    assert len(seen) == 1 and seen[0][0] == "mmgr-decode" and seen[0][1] in (4, 5), seen
    assert not reader.when_ahead(lambda: seen.append("late"))  # that thread has ended: the caller runs it
    assert len(seen) == 1


def test_a_call_for_the_decoding_thread_is_made_at_its_end_when_it_is_never_ahead(tmp_path, monkeypatch):
    import threading

    from mmgr.parsers import video as V

    monkeypatch.setattr(V, "_AHEAD", 10**6)
    path = _mux(tmp_path / "a.mp4", "libx264", "mp4", _frames(12))
    reader = open_media(path)
    seen = []
    assert reader.when_ahead(lambda: seen.append((threading.current_thread().name, reader.frames_decoded)))
    assert [f.index for f in reader] == list(range(12))
    assert seen == [("mmgr-decode", 12)]  # after the last frame, before iteration ended


def test_no_call_for_the_decoding_thread_without_one(tmp_path):
    path = _mux(tmp_path / "a.mp4", "libx264", "mp4", _frames(4))
    reader = open_media(path)
    reader.prefetch = False
    seen = []
    assert not reader.when_ahead(lambda: seen.append(1))
    assert [f.index for f in reader] == [0, 1, 2, 3]
    assert seen == []


def test_a_call_for_the_decoding_thread_is_made_when_decoding_fails(tmp_path, monkeypatch):
    from mmgr.parsers import video as V

    monkeypatch.setattr(V, "_AHEAD", 10**6)
    seen = []

    def fails() -> None:
        seen.append("ran")
        raise RuntimeError("its own error: dropped by the decoding thread")

    reader = open_media(_mux(tmp_path / "b.mp4", "libx264", "mp4", _frames(9)))
    reader._container = _Breaks(reader._container, 3)
    assert reader.when_ahead(fails)
    with pytest.raises(VideoReadError, match=r"decoding failed after 3 frame\(s\)"):
        list(reader)
    assert seen == ["ran"]  # a caller waiting for it is not left waiting


@pytest.mark.parametrize(("chunk", "chunk_bytes"), [(1, 32 << 20), (4, 32 << 20), (256, 1)])
@pytest.mark.parametrize("prefetch", [True, False])
def test_packets_read_in_chunks_give_the_same_frames(tmp_path, monkeypatch, chunk, chunk_bytes, prefetch):
    from mmgr.parsers import video as V

    path = _mux(tmp_path / "c.mp4", "libx264", "mp4", _frames(11))  # (B-frames: frames come out late)
    want = [(f.index, f.t_s, f.dur_s, f.rgb.tobytes()) for f in open_media(path)]
    monkeypatch.setattr(V, "_DEMUX_CHUNK", chunk)
    monkeypatch.setattr(V, "_DEMUX_CHUNK_BYTES", chunk_bytes)
    reader = open_media(path)
    reader.prefetch = prefetch
    assert [(f.index, f.t_s, f.dur_s, f.rgb.tobytes()) for f in reader] == want
    assert len(want) == 11 and reader.frames_decoded == 11


@pytest.mark.parametrize("chunk", [2, 256])
def test_a_reading_error_comes_after_the_frames_of_the_packets_read_before_it(tmp_path, monkeypatch, chunk):
    from mmgr.parsers import video as V

    monkeypatch.setattr(V, "_DEMUX_CHUNK", chunk)
    path = _mux(tmp_path / "r.mp4", "libx264", "mp4", _frames(9))
    with av.open(str(path)) as c:  # the frames that the first 6 packets give, unflushed
        s = c.streams.video[0]
        n = sum(len(p.decode()) for p in itertools.islice(c.demux(s), 6))
    reader = open_media(path)
    reader._container = _Breaks(reader._container, 6, reading=True)
    got = []
    with pytest.raises(VideoReadError, match=rf"decoding failed after {n} frame\(s\)"):
        for f in reader:
            got.append(f.index)
    assert n >= 1 and got == list(range(n)) and reader.frames_decoded == n


def test_the_decoding_thread_stays_at_most_depth_items_ahead_and_ends_with_an_early_caller():
    import threading
    import time

    from mmgr.parsers.video import _prefetched

    made = []

    def source(behind):
        for k in range(100):
            made.append(k)
            yield k

    items = _prefetched(source, 3)
    assert next(items) == 0
    time.sleep(0.3)  # the thread runs on while the caller holds item 0
    # 3 places wait for the caller; the item after them is made, then waits for a place
    assert len(made) == 5
    assert [next(items) for _ in range(3)] == [1, 2, 3]
    items.close()  # a caller that stops early: the thread ends, having made no more than it could hand over
    time.sleep(0.3)
    assert not any(t.name == "mmgr-decode" and t.is_alive() for t in threading.enumerate())
    assert len(made) <= 8
