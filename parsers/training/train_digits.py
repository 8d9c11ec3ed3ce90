"""Train the Sudoku digit reader from cells the project renders itself, and export numpy weights.

Usage (seeded, reproducible; numpy only)::

    nice python -m mmgr.parsers.training.train_digits --out parsers/weights/digits_v1.npz

Steps: render a training mix (clean and degraded digits, blanks, junk) with
``render_cells``; turn it into features with ``mmgr.parsers.digits.prepare`` (the very function
inference uses); fit an MLP in plain numpy (ReLU, Adam with a cosine learning-rate decay, L2 weight
decay, a fixed seed); fit a softmax temperature on a separate validation set; measure the reader on fresh
clean / degraded / junk test sets; write the float32 weights (``.npz``) and a ``.json`` next to
it with the settings and the measured accuracy.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mmgr.parsers.digits import JUNK, N_CLASSES, DigitReader, prepare
from mmgr.parsers.training.render_cells import find_fonts, render_cells

# Seeds of the data sets; each chunk of a set adds its index, so the sets never overlap.
SEED_TRAIN = 1_000
SEED_VAL = 2_000_000
SEED_TEST = 3_000_000
CHUNK = 2_000


def _chunk(args: tuple[int, int, str, float, float]) -> tuple[NDArray[np.uint8], NDArray[np.int8]]:
    m, seed, mode, p_blank, p_junk = args
    r = render_cells(m, seed, mode, p_blank=p_blank, p_junk=p_junk)
    return r.cells, r.labels


def render_mix(n: int, seed: int, p_clean: float = 0.25, p_blank: float = 0.12, p_junk: float = 0.18,
               jobs: int = 1) -> tuple[NDArray[np.uint8], NDArray[np.int8]]:
    """Render n training cells in chunks of CHUNK: a share ``p_clean`` clean, the rest degraded.

    Chunk k uses seed ``seed + k`` whatever ``jobs`` is, so the result does not depend on it.
    """
    tasks = []
    for k, start in enumerate(range(0, n, CHUNK)):
        mode = "clean" if (k * 7919 % 100) < p_clean * 100 else "degraded"  # a fixed, well-spread pattern
        tasks.append((min(CHUNK, n - start), seed + k, mode, p_blank, p_junk if mode == "degraded" else 0.0))
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_chunk, tasks, chunksize=1)
    else:
        parts = [_chunk(t) for t in tasks]
    return np.concatenate([c for c, _ in parts]), np.concatenate([lab for _, lab in parts])


def features_of(cells: NDArray[np.uint8]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Network features and clear-blank flags, in chunks (memory)."""
    feats, blank = [], []
    for i in range(0, len(cells), 4096):
        p = prepare(cells[i:i + 4096])
        feats.append(p.features)
        blank.append(p.clear_blank)
    return np.concatenate(feats), np.concatenate(blank)


def fit_temperature(reader: DigitReader, feats: NDArray[np.float32], labels: NDArray[np.int8]) -> float:
    """Temperature minimising the validation negative log-likelihood (grid search, deterministic)."""
    z = reader.logits(feats).astype(np.float64)
    best_t, best_nll = 1.0, np.inf
    for t in np.round(np.arange(0.5, 4.01, 0.05), 2):
        zt = z / t
        zt -= zt.max(axis=1, keepdims=True)
        logp = zt - np.log(np.exp(zt).sum(axis=1, keepdims=True))
        nll = -logp[np.arange(len(labels)), labels.astype(np.int64)].mean()
        if nll < best_nll - 1e-9:
            best_t, best_nll = float(t), float(nll)
    return best_t


def evaluate(reader: DigitReader, cells: NDArray[np.uint8], labels: NDArray[np.int8],
             min_conf: float = 0.9) -> dict[str, float | int]:
    """Reader accuracy on labelled cells (junk label 10 counts as correct when read as -1).

    Returns counts and rates: ``accuracy`` (read == truth), ``abstain`` (read -1 on a blank/digit),
    ``confident_wrong`` (a digit or blank reported for a cell whose truth differs).
    """
    out = reader.read(cells, 9, min_conf).digit.astype(np.int64)
    truth = np.where(labels == JUNK, -1, labels).astype(np.int64)
    n = len(truth)
    correct = out == truth
    abstain = (out == -1) & (truth != -1)
    wrong = (out != -1) & (out != truth)
    return {"n": int(n), "accuracy": float(correct.mean()), "abstain": float(abstain.mean()),
            "confident_wrong": float(wrong.mean()), "n_confident_wrong": int(wrong.sum())}


def fit_mlp(x: NDArray[np.float32], y: NDArray[np.int64], hidden: Sequence[int], epochs: int, seed: int,
            batch: int = 256, lr: float = 2e-3, weight_decay: float = 1e-4,
            say: Callable[[str], None] | None = None) -> list[tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """Train a ReLU MLP with softmax cross-entropy; x is standardised, y in 0..N_CLASSES-1.

    Adam (beta 0.9 / 0.999) with a cosine decay of the learning rate over the epochs; He-normal
    initialisation; everything drawn from ``np.random.default_rng(seed)``.
    """
    rng = np.random.default_rng(seed)
    sizes = [x.shape[1], *hidden, N_CLASSES]
    ws = [rng.normal(0.0, np.sqrt(2.0 / a), (a, b)).astype(np.float32)
          for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    params = [p for pair in zip(ws, bs, strict=True) for p in pair]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    step = 0
    n = len(y)
    for ep in range(epochs):
        rate = lr * 0.5 * (1.0 + np.cos(np.pi * ep / epochs))
        perm = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            acts = [x[idx]]
            for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
                z = acts[-1] @ w + b
                acts.append(np.maximum(z, 0.0) if k < len(ws) - 1 else z)
            z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            rows = np.arange(len(idx))
            total += float(-np.log(p[rows, y[idx]] + 1e-12).sum())
            grad = p
            grad[rows, y[idx]] -= 1.0
            grad /= len(idx)
            grads: list[NDArray[np.float32]] = []
            for k in range(len(ws) - 1, -1, -1):
                gw = acts[k].T @ grad + weight_decay * ws[k]
                gb = grad.sum(axis=0)
                grads = [gw, gb, *grads]
                if k:
                    grad = (grad @ ws[k].T) * (acts[k] > 0)
            step += 1
            c1, c2 = 1 - b1 ** step, 1 - b2 ** step
            for p_, g, a1, a2 in zip(params, grads, m1, m2, strict=True):
                a1 *= b1
                a1 += (1 - b1) * g
                a2 *= b2
                a2 += (1 - b2) * g * g
                p_ -= (rate * (a1 / c1) / (np.sqrt(a2 / c2) + eps)).astype(np.float32)
        if say is not None:
            say(f"epoch {ep + 1}/{epochs}: lr {rate:.2e}, loss {total / n:.4f}")
    return list(zip(ws, bs, strict=True))


def train(n_train: int, n_val: int, n_test: int, hidden: Sequence[int], epochs: int, seed: int,
          jobs: int = 1, log: bool = True) -> tuple[DigitReader, dict[str, object]]:
    """Render, fit, calibrate and measure; returns the reader and its metadata."""
    t0 = time.time()

    def say(msg: str) -> None:
        if log:
            print(f"[{time.time() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    cells, labels = render_mix(n_train, SEED_TRAIN + seed * 10_000, jobs=jobs)
    feats, blank = features_of(cells)
    keep = ~blank  # clear blanks never reach the network at inference
    x, y = feats[keep], labels[keep].astype(np.int64)
    say(f"rendered {n_train} training cells ({int(blank.sum())} clear blanks left out)")
    mean = x.mean(axis=0).astype(np.float32)
    std = x.std(axis=0)
    scale = np.where(std > 1e-3, std, 1.0).astype(np.float32)
    xs = ((x - mean) / scale).astype(np.float32)
    layers = fit_mlp(xs, y, hidden, epochs, seed, say=say)
    reader = DigitReader(layers, mean, scale, 1.0)

    vcells, vlabels = render_mix(n_val, SEED_VAL + seed * 10_000, jobs=jobs)
    vfeats, vblank = features_of(vcells)
    temperature = fit_temperature(reader, vfeats[~vblank], vlabels[~vblank])
    reader = DigitReader(layers, mean, scale, temperature)
    say(f"temperature {temperature}")

    results: dict[str, object] = {}
    fonts = find_fonts()
    base = SEED_TEST + seed * 10_000
    for name, mode, p_blank, p_junk in (("clean", "clean", 0.1, 0.0), ("degraded", "degraded", 0.1, 0.0),
                                        ("junk", "degraded", 0.0, 1.0)):
        r = render_cells(n_test, base, mode, p_blank=p_blank, p_junk=p_junk)
        base += 1
        results[name] = evaluate(reader, r.cells, r.labels)
        say(f"test {name}: {results[name]}")
    meta: dict[str, object] = {
        "version": 1, "classes": ["blank", *[str(d) for d in range(1, 10)], "junk"],
        "hidden": list(hidden), "epochs": epochs, "weight_decay": 1e-4, "seed": seed, "n_train": n_train,
        "n_val": n_val, "n_test": n_test, "temperature": temperature, "fonts": [f.name for f in fonts],
        "test_min_conf": 0.9, "test": results, "train_seconds": round(time.time() - t0),
    }
    return reader, meta


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="python -m mmgr.parsers.training.train_digits",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="weights file to write (.npz); a .json goes next to it")
    ap.add_argument("--n-train", type=int, default=160_000)
    ap.add_argument("--n-val", type=int, default=10_000)
    ap.add_argument("--n-test", type=int, default=6_000)
    ap.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    ap.add_argument("--epochs", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="processes rendering cells (the result does not depend on it)")
    args = ap.parse_args(argv)
    reader, meta = train(args.n_train, args.n_val, args.n_test, args.hidden, args.epochs, args.seed, args.jobs)
    reader.meta = meta
    args.out.parent.mkdir(parents=True, exist_ok=True)
    reader.save(args.out)
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
