"""mmgr-verify: deterministic, VLM-free verification of generative reasoning outputs.

The import package ``mmgr`` has four subpackages, one per top-level folder of the
repository: ``mmgr.parsers`` (media -> symbols), ``mmgr.kernels`` (numba checks with
numpy reference twins), ``mmgr.solvers`` (OR-Tools CP-SAT) and ``mmgr.verify`` (task
rules, verdicts, CLI).
"""

__version__ = "0.1.0"
