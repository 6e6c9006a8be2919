"""Helpers of the command line's tests: writing and reading CSV files, running failing commands."""

import gzip
import warnings

import numpy as np

from sklearn_ae.cli import main

COLUMNS = ["a", "b", "c", "d", "e"]
#: Options of a quick ``fit``.
FAST = ["--max-iter", "3", "--hidden-layer-sizes", "8", "--random-state", "0"]


def write_csv(path, X, columns, extra=None):
    """A CSV file with a header; ``extra`` maps a column name to its string values. NaN is an empty cell."""
    extra = extra or {}
    with open(path, "w") as f:
        f.write(",".join([*columns, *extra]) + "\n")
        for i, row in enumerate(X):
            cells = ["" if np.isnan(value) else repr(value) for value in row.tolist()]
            f.write(",".join([*cells, *(values[i] for values in extra.values())]) + "\n")
    return path


def read_csv(path):
    """The header and the numbers of a CSV file written by the command line."""
    with gzip.open(path, "rt") if str(path).endswith(".gz") else open(path) as f:
        header = f.readline().strip().split(",")
        return header, np.loadtxt(f, delimiter=",", ndmin=2)


def encode(model, X):
    """``model.transform`` on a plain array (the CLI's models remember column names)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return model.transform(X)


def run_error(capsys, argv):
    """Run a command that must fail; return its one-line error message."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("sklearn-ae: error: "), captured.err
    assert "Traceback" not in captured.err
    return captured.err
