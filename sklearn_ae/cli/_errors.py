"""The command line's name and the error it reports for mistakes the user can fix."""

from __future__ import annotations

PROG = "sklearn-ae"


class CLIError(Exception):
    """A user error, reported as ``sklearn-ae: error: <message>`` with exit status 2."""
