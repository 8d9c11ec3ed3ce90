"""``mmgr-verify make TASK ...``: generate task instances (puzzles, input images, specs).

Each task's generator lives beside its renderer in ``mmgr.verify.synth.<task>`` and provides
``add_make_arguments(parser)`` and ``make(args) -> int``; this module only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# task -> module providing add_make_arguments() and make()
MAKERS: dict[str, str] = {
    "sudoku": "mmgr.verify.synth.sudoku",
    "maze": "mmgr.verify.synth.maze",
    "arc": "mmgr.verify.synth.arc",
    "bench": "mmgr.verify.synth.bench",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="make_task", metavar="TASK", required=True,
                                parser_class=type(parser))
    for task, modname in MAKERS.items():
        mod = importlib.import_module(modname)
        sp = sub.add_parser(task, help=(mod.__doc__ or "").strip().splitlines()[0],
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.add_argument("--debug", action="store_true", help="show tracebacks")
        mod.add_make_arguments(sp)


def run(args: Any) -> int:
    mod = importlib.import_module(MAKERS[args.make_task])
    return int(mod.make(args))
