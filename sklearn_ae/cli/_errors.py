"""The command line's name, the error it reports for mistakes the user can fix, and
how it reports warnings."""

from __future__ import annotations

import re
import sys

PROG = "sklearn-ae"

#: The estimator's way of naming the columns of an array, by number: "(column(s) 1, 4)".
_COLUMN_NUMBERS = re.compile(r"\(column\(s\) ((?:\d+, )*\d+)((?:, \.\.\.)?)\)")


def report_warnings(caught, names=None):
    """Print each recorded warning's message once, as ``sklearn-ae: warning: <message>``
    on one line (scikit-learn's version warning holds a line break); with the file's
    column ``names``, columns the message numbers are named."""
    seen = set()
    for warning in caught:
        message = " ".join(str(warning.message).split())
        if names is not None:
            message = _COLUMN_NUMBERS.sub(lambda m: _named(m, names), message)
        if message not in seen:
            seen.add(message)
            print(f"{PROG}: warning: {message}", file=sys.stderr)


def _named(match, names):
    """A "(column(s) 1, 4)" match with names, as the user's file has them."""
    numbers = [int(j) for j in match.group(1).split(", ")]
    if max(numbers) >= len(names):
        return match.group(0)
    return f"(column(s) {', '.join(repr(names[j]) for j in numbers)}{match.group(2)})"


class CLIError(Exception):
    """A user error, reported as ``sklearn-ae: error: <message>`` with exit status 2."""
