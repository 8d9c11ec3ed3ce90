"""``python -m mmgr``: the same as the ``mmgr-verify`` command."""

from mmgr.verify.cli import entrypoint

entrypoint()
