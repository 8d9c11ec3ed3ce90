"""Task plugins; importing this package registers each of them (one module per task)."""

import mmgr.verify.tasks.arc  # noqa: F401
import mmgr.verify.tasks.maze  # noqa: F401
from mmgr.verify.tasks import sudoku  # noqa: F401
