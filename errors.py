"""Exceptions shared by every layer of mmgr-verify.

Each maps to one CLI exit code (see ``mmgr.verify.cli``):

- ``UsageError`` -> 2 (bad flags, unknown task or param, invalid spec),
- ``VideoReadError`` / ``ParseError`` -> 3 (the input cannot be scored),
- anything else -> 4 (internal error; traceback under ``--debug``).
"""

from __future__ import annotations


class MmgrVerifyError(Exception):
    """Base class of every error mmgr-verify raises on purpose."""

    exit_code = 4


class UsageError(MmgrVerifyError):
    """The command line, a parameter or a spec file is wrong."""

    exit_code = 2


class UnscorableError(MmgrVerifyError):
    """The input exists but cannot be scored (the verdict is ``unscorable``)."""

    exit_code = 3


class VideoReadError(UnscorableError):
    """A media file cannot be opened or decoded.

    Args:
        path: the path as the user gave it.
        reason: what went wrong, in a few words.
        hint: what the user may do about it (optional).
    """

    def __init__(self, path: str, reason: str, hint: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.hint = hint
        msg = f"cannot read '{path}': {reason}"
        if hint:
            msg += f" (hint: {hint})"
        super().__init__(msg)


class ParseError(UnscorableError):
    """The media decodes, but the task's symbols cannot be read from it."""


class InternalError(MmgrVerifyError):
    """A bug or an impossible state (e.g. a solver reported MODEL_INVALID)."""

    exit_code = 4
