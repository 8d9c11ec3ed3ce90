"""Benchmark the Sudoku digit reader on fresh, seeded rendered cells.

    nice python benchmarks/bench_digits.py [--n 5000] [--seed 424242] [--weights PATH]

Prints, for clean cells (every font, no degradation), degraded cells (rotation, blur, noise,
JPEG, brightness, resampling) and junk cells (occlusion, cursor, cross-fades, smears, cut digits):
accuracy, abstentions (-1) and confidently-wrong reads, blank accuracy, the worst fonts, a
min_conf sweep, and the time to read one 9x9 board (81 cells) next to the time to decode one
640x480 H.264 frame (the decode floor the verifier is measured against).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from mmgr.parsers.digits import JUNK, DigitReader, prepare
from mmgr.parsers.training.render_cells import find_fonts, render_cells
from mmgr.parsers.video import decode_only
from mmgr.verify.synth.media import write_video


def rates(got: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    truth = np.where(labels == JUNK, -1, labels)
    return {"n": len(truth), "acc": float(np.mean(got == truth)),
            "abstain": float(np.mean((got == -1) & (truth != -1))),
            "wrong": float(np.mean((got != -1) & (got != truth))), "n_wrong": int(np.sum((got != -1) & (got != truth)))}


def line(name: str, r: dict[str, float]) -> str:
    return (f"{name:<22} n={r['n']:>6}  accuracy {100 * r['acc']:7.3f}%  abstain {100 * r['abstain']:6.3f}%  "
            f"confidently wrong {100 * r['wrong']:6.3f}% ({r['n_wrong']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="cells per set")
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--weights", type=Path, default=None)
    args = ap.parse_args()
    reader = DigitReader.load(args.weights)
    fonts = find_fonts()
    print(f"weights: {args.weights or 'shipped'}; {len(fonts)} fonts; temperature {reader.temperature}")

    sets = {
        "clean": render_cells(args.n, args.seed, "clean", p_blank=0.1),
        "degraded": render_cells(args.n, args.seed + 1, "degraded", p_blank=0.1),
        "junk": render_cells(args.n // 2, args.seed + 2, "degraded", p_blank=0.0, p_junk=1.0),
    }
    for name, r in sets.items():
        got = reader.read(r.cells).digit
        print(line(name, rates(got, r.labels)))
        if name != "junk":
            b = r.labels == 0
            print(line(f"  {name} blanks", rates(got[b], r.labels[b])))
            print(line(f"  {name} digits", rates(got[~b], r.labels[~b])))
            wrong = (got != r.labels) & (got != -1)
            if wrong.any():
                pairs = sorted({(int(t), int(g)) for t, g in zip(r.labels[wrong], got[wrong], strict=True)})
                print(f"  confidently wrong (truth, read): {pairs}")
        else:
            values, counts = np.unique(got, return_counts=True)
            print(f"  junk read as: {dict(zip(values.tolist(), counts.tolist(), strict=True))}")
    clean = sets["clean"]
    got = reader.read(clean.cells).digit
    per_font = []
    for i, f in enumerate(fonts):
        m = clean.font == i
        if m.any():
            per_font.append((float(np.mean(got[m] == clean.labels[m])), int(m.sum()), f.name))
    per_font.sort()
    print("worst fonts (clean):", ", ".join(f"{nm} {100 * a:.1f}% of {n}" for a, n, nm in per_font[:5]))

    deg = sets["degraded"]
    probs = reader.predict_proba(deg.cells)
    print("min_conf sweep (degraded):")
    for mc in (0.5, 0.8, 0.9, 0.95, 0.99):
        win = probs.argmax(axis=1)
        got = np.where(probs.max(axis=1) >= mc, win, -1)
        got = np.where(got == JUNK, -1, got)
        print(line(f"  min_conf {mc}", rates(got, deg.labels)))

    board = sets["degraded"].cells[:81].copy()
    for _ in range(20):
        reader.read(board)
    t_read, t_prep = [], []
    for _ in range(300):
        t0 = time.perf_counter()
        reader.read(board)
        t_read.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        prepare(board)
        t_prep.append(time.perf_counter() - t0)
    med = float(np.median(t_read))
    print(f"read 81 cells: median {1e3 * med:.3f} ms, best {1e3 * min(t_read):.3f} ms "
          f"(prepare: median {1e3 * float(np.median(t_prep)):.3f} ms, best {1e3 * min(t_prep):.3f} ms), "
          f"{1e6 * med / 81:.1f} us per cell")
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(args.seed)
        frames = [np.clip(200 + rng.normal(0, 20, (480, 640, 3)), 0, 255).astype(np.uint8) for _ in range(30)]
        path = write_video(frames, Path(tmp) / "floor.mp4", codec="h264", fps=10)
        t0 = time.perf_counter()
        n = decode_only(path)
        per_frame = (time.perf_counter() - t0) / n
    print(f"decode floor: {1e3 * per_frame:.3f} ms per 640x480 H.264 frame (noisy content); "
          f"reading a whole board = {med / per_frame:.2f} frame decodes")


if __name__ == "__main__":
    main()
