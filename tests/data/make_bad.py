"""Regenerate the tiny broken inputs under tests/data/bad/ (run from the repo root).

One file per failure mode, each a few KB at most:
empty.mp4 (0 bytes), text.mp4 (a text file renamed), truncated.mp4 (half of a real H.264 mp4),
audio_only.m4a (an AAC stream and no video), one_frame.mp4 (a valid video of one frame),
not_json.json and wrong_shape.json (bad specs), two_solutions.json (a puzzle with two solutions).
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np

from mmgr.verify.synth.media import write_video

HERE = Path(__file__).parent / "bad"


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    (HERE / "empty.mp4").write_bytes(b"")
    (HERE / "text.mp4").write_text("this is not a video, just text renamed to .mp4\n")
    frames = [np.full((64, 64, 3), 40 * i, np.uint8) for i in range(6)]
    full = write_video(frames, HERE / "full_tmp.mp4", codec="h264", fps=4)
    data = full.read_bytes()
    (HERE / "truncated.mp4").write_bytes(data[: len(data) // 2])
    full.unlink()
    write_video(frames[:1], HERE / "one_frame.mp4", codec="h264", fps=4)
    with av.open(str(HERE / "audio_only.m4a"), "w", format="mp4") as out:
        s = out.add_stream("aac", rate=8000)
        s.layout = "mono"
        t = np.arange(800, dtype=np.float32) / 8000
        fr = av.AudioFrame.from_ndarray(np.sin(2 * np.pi * 440 * t)[None, :].astype(np.float32), format="fltp",
                                        layout="mono")
        fr.sample_rate = 8000
        for pkt in s.encode(fr):
            out.mux(pkt)
        for pkt in s.encode(None):
            out.mux(pkt)
    (HERE / "not_json.json").write_text('{"task": "sudoku", "size": 4, "puzzle": ')
    (HERE / "wrong_shape.json").write_text(json.dumps({"task": "sudoku", "size": 9, "puzzle": "123"}))
    (HERE / "two_solutions.json").write_text(json.dumps({"task": "sudoku", "size": 4,
                                                         "puzzle": "1234000000000000"}))


if __name__ == "__main__":
    main()
