"""The order in which the benchmarks time decode-only runs and verifications of one file.

Each file is timed ``repeat`` times and the least of each kind is kept (the minimum filters out
other processes' bursts on a shared machine). The order alternates, floor then verification,
verification then floor, and so on: from the second repeat on, each is also timed once right after
a run of its own kind, as in a batch. A verification that directly follows a decode-only run finds
its code and tables pushed out of the core's caches by the decoder (~2% slower on the Sudoku
degraded mix); a decode-only run does not mind what ran before it.
"""

from __future__ import annotations


def steps(repeat: int) -> list[str]:
    """``"floor"`` and ``"verify"``, ``repeat`` (at least 1) times each, in the alternating order.

    >>> steps(3)
    ['floor', 'verify', 'verify', 'floor', 'floor', 'verify']
    """
    return [s for r in range(max(1, repeat)) for s in (("floor", "verify") if r % 2 == 0 else ("verify", "floor"))]
