"""Task plugins; importing this package registers each of them (one module per task)."""

from mmgr.verify.tasks import sudoku  # noqa: F401
