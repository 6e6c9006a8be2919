"""The command line's name, the error it reports for mistakes the user can fix, and
how it reports warnings."""

from __future__ import annotations

import sys

PROG = "sklearn-ae"


def report_warnings(caught):
    """Print each recorded warning's message once, as ``sklearn-ae: warning: <message>``
    on one line (scikit-learn's version warning holds a line break)."""
    seen = set()
    for warning in caught:
        message = " ".join(str(warning.message).split())
        if message not in seen:
            seen.add(message)
            print(f"{PROG}: warning: {message}", file=sys.stderr)


class CLIError(Exception):
    """A user error, reported as ``sklearn-ae: error: <message>`` with exit status 2."""
