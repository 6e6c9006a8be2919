"""Argument types of the ``sklearn-ae`` command line: text to value, or a usage error.

Each raises :class:`argparse.ArgumentTypeError`, which argparse reports with the
command's usage and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import io

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


def parse_sizes(text, what="code sizes"):
    """Comma-separated code sizes such as ``2,8,16``, as a tuple of positive integers."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{what} must be positive integers")
    return sizes


def demo_sizes(text):
    """Code sizes for the demo: as :func:`parse_sizes`, each at most the digits' 64 features."""
    sizes = parse_sizes(text)
    if max(sizes) > 64:
        raise argparse.ArgumentTypeError(f"the digits have 64 features: code sizes up to 64, got {text!r}")
    return sizes


def parse_hidden(text):
    """Hidden layer widths such as ``256,128``; ``""``, ``none`` or ``()`` for none (a linear model)."""
    if text.strip().lower() in ("", "none", "()"):
        return ()
    return parse_sizes(text, what="hidden layer widths")


def parse_n_components(text):
    """A code size (an integer >= 1) or a fraction of variance in (0, 1)."""
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


def parse_batch_size(text):
    """A positive number of rows, or ``"auto"``."""
    if text == "auto":
        return text
    return _at_least_one(text, "a positive integer or 'auto'")


def positive_int(text):
    """An integer >= 1."""
    return _at_least_one(text, "a positive integer")


def seed(text):
    """A seed for the random generators: an integer from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 4294967295, got {text!r}")
    return value


def float_type(minimum, *, strict):
    """The argument type of a finite number above ``minimum`` (``strict``) or at least ``minimum``."""

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


def columns_text(columns):
    """The ``--columns`` text that :func:`parse_columns` reads back as ``columns``."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(columns)  # quotes a name with a comma
    return buffer.getvalue()


def parse_columns(text):
    """Comma-separated column names, each named once, e.g. ``a,b,c``.

    Quoted as in a CSV file, a name may hold a comma: ``'"len, mm",b'``.
    """
    try:
        parts = next(csv.reader([text], skipinitialspace=True, strict=True), [])
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):  # '"a,b': not the one name 'a,b'
            raise argparse.ArgumentTypeError(
                f"a quote in {text!r} is never closed; quote a name that holds a comma whole, "
                "e.g. '\"len, mm\",b'"
            ) from None
        try:  # other breaks of the standard ('"a"b'), read as a CSV file's rows are
            parts = next(csv.reader([text], skipinitialspace=True), [])
        except csv.Error:  # a line break in the text, say
            parts = text.split(",")
    columns = [part.strip() for part in parts if part.strip()]
    if not columns:
        raise argparse.ArgumentTypeError("expected comma-separated column names, e.g. a,b,c")
    duplicates = repeated_names(columns)
    if duplicates:
        raise argparse.ArgumentTypeError(f"column(s) named twice: {', '.join(duplicates)}")
    return columns
