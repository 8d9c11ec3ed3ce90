"""What the solvers return: a status with an explicit meaning, and the solution when there is one.

Design note: ``UNDECIDED`` (the solver ran out of its deterministic budget) is not ``UNSAT``.
A checker that receives ``UNDECIDED`` must make the verdict ``unscorable``, never ``fail``.
``MODEL_INVALID`` is a bug and is raised as ``mmgr.errors.InternalError``; it has no status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray


class SolveStatus(str, Enum):
    """Outcome of one solver call.

    ``SAT``: a solution was found (CP-SAT OPTIMAL or FEASIBLE). ``UNSAT``: proven infeasible.
    ``UNDECIDED``: the budget ran out before either (CP-SAT UNKNOWN).
    """

    SAT = "sat"
    UNSAT = "unsat"
    UNDECIDED = "undecided"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class SolveResult:
    """One solver answer.

    Attributes:
        status: see ``SolveStatus``.
        solution: (N, N) int8 digits 1..N when ``status`` is SAT, else None.
        detail: one short human sentence (why UNSAT, which budget ran out...); never a wall time.
    """

    status: SolveStatus
    solution: NDArray[np.int8] | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.status, SolveStatus):
            raise ValueError(f"SolveResult.status: expected SolveStatus, got {self.status!r}")
        has = self.solution is not None
        if has != (self.status is SolveStatus.SAT):
            raise ValueError(f"SolveResult.solution: expected a solution iff status is SAT, "
                             f"got status={self.status.value} with solution={'set' if has else 'None'}")
        if has:
            s = self.solution
            if not isinstance(s, np.ndarray) or s.dtype != np.int8 or s.ndim != 2 or s.shape[0] != s.shape[1]:
                raise ValueError(f"SolveResult.solution: expected (N, N) int8, got "
                                 f"{getattr(s, 'shape', None)} {getattr(s, 'dtype', type(s).__name__)}")
