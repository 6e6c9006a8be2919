"""Tables for the command line: read and write CSV and Parquet files.

Every problem a user can fix (a missing file, a missing header, non-numeric or
missing values, columns that do not match a model) raises :class:`CLIError` with a
message that names the file, the line or the columns at fault.
"""

from __future__ import annotations

import csv
import gzip
import warnings
from pathlib import Path

import numpy as np

from ._columns import names_text, repeated_names
from ._errors import CLIError
from ._files import existing_file, replaced_atomically

PARQUET_EXTRA = 'pip install "sklearn_ae[parquet]"'

DATA_NOTE = (
    "Data files: CSV (.csv or .csv.gz; comma-separated, UTF-8, a header row of column names) or "
    f"Parquet (.parquet or .pq; needs {PARQUET_EXTRA}). One row per sample; every column "
    "used must be numeric with no missing values (choose columns with --columns). No "
    "scaling is needed."
)

_NOT_NUMERIC = "every column used must hold numbers: choose the numeric columns with --columns"
_INCOMPLETE = "the autoencoder needs complete numeric data, so fill or drop those values first"


def file_format(path, what="data"):
    """``"csv"`` or ``"parquet"``, from the extension of ``path``; else a :class:`CLIError`.

    Parameters
    ----------
    path : str or path-like
        The file.
    what : str, default="data"
        What the file holds, for the message.

    Returns
    -------
    kind : {"csv", "parquet"}
        The format.
    """
    name = str(path).lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    suffix = "".join(Path(path).suffixes) or "no extension"
    raise CLIError(f"{path}: unsupported {what} file type ({suffix}); use a .csv, .csv.gz or .parquet file")


def parquet_pandas():
    """Pandas, once both pandas and pyarrow are known to import.

    Returns
    -------
    pandas : module
        The pandas module.

    Raises
    ------
    CLIError
        When pandas or pyarrow is missing; the message names the extra to install.
    """
    try:
        import pandas
        import pyarrow  # noqa: F401
    except ImportError:
        raise CLIError(f"Parquet files need pandas and pyarrow: {PARQUET_EXTRA}") from None
    return pandas


# ------------------------------------------------------------------ reading


def read_table(path, select=None):
    """Read the numeric columns of a CSV or Parquet file.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file. CSV files need a header
        row of column names.
    select : callable, default=None
        ``select(names, path)`` gets the file's column names and returns the names to
        read, in order, or raises :class:`CLIError`. Default: every column.

    Returns
    -------
    X : ndarray of shape (n_rows, n_selected), dtype float64
        The selected columns.
    names : list of str
        Their names.

    Raises
    ------
    CLIError
        For a missing or unreadable file, an unsupported extension, a missing header,
        non-numeric or non-finite values, or whatever ``select`` rejects.
    """
    path = existing_file(path, "no such file", "data")
    reader = _read_csv if file_format(path) == "csv" else _read_parquet
    X, names = reader(path, select or (lambda names, path: list(names)))
    if X.shape[0] == 0:
        raise CLIError(f"{path} has no data rows")
    if not names:
        raise CLIError(f"{path}: no columns selected")
    bad = ~np.isfinite(X)
    if bad.any():
        columns = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
        row = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
        raise CLIError(
            f"{path}: column(s) {names_text(columns)} have missing (NaN) or infinite values "
            f"(first in data row {row}); {_INCOMPLETE}"
        )
    return X, names


def _open_text(path, mode):
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, mode + "t", encoding=encoding, newline="")
    return open(path, mode, encoding=encoding, newline="")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_header(names, path):
    if all(_is_number(n) for n in names) and (
        any(not n.strip().lstrip("-").isdigit() for n in names) or len(set(names)) < len(names)
    ):
        raise CLIError(
            f"{path}: the first row looks like numbers, not column names; the CSV file needs a "
            "header row naming each column"
        )
    if any(not n for n in names):
        position = names.index("") + 1
        raise CLIError(
            f"{path}: column {position} has no name in the header row (a pandas index? write the "
            "file with to_csv(index=False))"
        )
    duplicates = repeated_names(names)
    if duplicates:
        raise CLIError(f"{path}: column name(s) used twice in the header: {names_text(duplicates)}")


def _read_csv(path, select):
    try:
        with _open_text(path, "r") as f:
            first = f.readline()
            if not first.strip():
                raise CLIError(
                    f"{path} is empty or starts with a blank line; a CSV file needs a header row "
                    "of column names, then one row of numbers per sample"
                )
            names = [name.strip() for name in next(csv.reader([first]))]
            _check_header(names, path)
            chosen = list(select(names, path))
            position = {name: i for i, name in enumerate(names)}
            usecols = [position[name] for name in chosen]
            try:
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="loadtxt: input contained no data")
                    X = np.loadtxt(
                        f,
                        delimiter=",",
                        usecols=usecols,
                        ndmin=2,
                        dtype=np.float64,
                        comments=None,
                        quotechar='"',
                    )
            except ValueError as exc:
                raise _diagnose_csv(path, names, usecols, exc) from None
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as exc:
        raise CLIError(f"could not read {path} as a UTF-8 CSV file ({exc})") from None
    return X.reshape(-1, len(usecols)), chosen


def _diagnose_csv(path, names, usecols, exc):
    """A CLIError that says which line and column of ``path`` np.loadtxt tripped on."""
    with _open_text(path, "r") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            if len(row) <= max(usecols, default=-1):
                return CLIError(
                    f"{path}, line {line}: {len(row)} field(s), but the header names {len(names)} columns"
                )
            missing = [names[i] for i in usecols if not row[i].strip()]
            if missing:
                return CLIError(
                    f"{path}, line {line}: missing value in column(s) {names_text(missing)}; {_INCOMPLETE}"
                )
            bad = [(names[i], row[i]) for i in usecols if not _is_number(row[i])]
            if bad:
                columns = names_text([name for name, _ in bad])
                values = ", ".join(repr(value) for _, value in bad[:3])
                return CLIError(
                    f"{path}: column(s) {columns} are not numeric (line {line} has {values}); {_NOT_NUMERIC}"
                )
    return CLIError(f"could not read {path} as CSV: {exc}")


def _read_parquet(path, select):
    pd = parquet_pandas()
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several exception types for files it cannot read
        raise CLIError(f"could not read {path} as Parquet ({exc})") from None
    names = [str(name) for name in frame.columns]
    duplicates = repeated_names(names)
    if duplicates:
        raise CLIError(f"{path}: column name(s) used twice: {names_text(duplicates)}")
    frame.columns = names
    chosen = list(select(names, path))
    frame = frame[chosen]
    bad = [
        f"{name!r} ({frame[name].dtype})"
        for name in chosen
        if not pd.api.types.is_numeric_dtype(frame[name].dtype) or pd.api.types.is_complex_dtype(frame[name])
    ]
    if bad:
        raise CLIError(f"{path}: column(s) {', '.join(bad)} are not numeric; {_NOT_NUMERIC}")
    return frame.to_numpy(dtype=np.float64, na_value=np.nan), chosen


# ------------------------------------------------------------------ writing


def write_table(path, values, names):
    """Write a 2-D array with a header row to a CSV or Parquet file.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file, replaced once the
        new one is complete (see :func:`~sklearn_ae.cli._files.replaced_atomically`).
    values : ndarray of shape (n_rows, n_columns)
        The numbers; CSV keeps every float exactly (shortest round-trip form).
    names : sequence of str
        The column names.

    Returns
    -------
    path : str or path-like
        ``path``, once written.
    """
    parquet = file_format(path, "output") == "parquet"
    pd = parquet_pandas() if parquet else None
    with replaced_atomically(path) as temporary:
        if parquet:
            pd.DataFrame(values, columns=list(names)).to_parquet(temporary, engine="pyarrow", index=False)
        else:
            _write_csv(temporary, values, names)
    return path


def _write_csv(path, values, names):
    with _open_text(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for start in range(0, len(values), 10_000):
            writer.writerows(np.asarray(values[start : start + 10_000], dtype=np.float64).tolist())
