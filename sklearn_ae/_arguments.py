"""Argument types of the ``sklearn-ae`` command line: text to value, or a usage error.

Each raises :class:`argparse.ArgumentTypeError`, which argparse reports with the
command's usage and exit status 2.
"""

from __future__ import annotations

import argparse

import numpy as np

from ._columns import repeated_names


def _at_least_one(text, expected):
    """``text`` as an integer >= 1, or an error that says what was ``expected``."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _parse_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("code sizes must be positive integers")
    return sizes


def _parse_hidden(text):
    if text.strip().lower() in ("", "none", "()"):
        return ()
    return _parse_sizes(text)


def _parse_n_components(text):
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            value = None
    if (isinstance(value, int) and value >= 1) or (isinstance(value, float) and 0 < value < 1):
        return value
    raise argparse.ArgumentTypeError(
        f"expected a code size (an integer >= 1) or a fraction of variance in (0, 1), got {text!r}"
    )


def _parse_batch_size(text):
    if text == "auto":
        return text
    return _at_least_one(text, "a positive integer or 'auto'")


def _positive_int(text):
    return _at_least_one(text, "a positive integer")


def _float_type(minimum, *, strict):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (value > minimum if strict else value >= minimum) or not np.isfinite(value):
            bound = "> " if strict else ">= "
            raise argparse.ArgumentTypeError(f"expected a number {bound}{minimum:g}, got {text!r}")
        return value

    return parse


def _parse_columns(text):
    columns = [part.strip() for part in text.split(",") if part.strip()]
    if not columns:
        raise argparse.ArgumentTypeError("expected comma-separated column names, e.g. a,b,c")
    duplicates = repeated_names(columns)
    if duplicates:
        raise argparse.ArgumentTypeError(f"column(s) named twice: {', '.join(duplicates)}")
    return columns
