"""Tables for the command line: read and write CSV and Parquet files.

Every problem a user can fix (a missing file, a missing header, non-numeric or
infinite values, columns that do not match a model) raises :class:`CLIError` with a
message that names the file, the line or the columns at fault.

Missing values: an empty cell of a CSV file (or one of blanks only), a ``nan`` in any
letter case, and a null or NaN of a Parquet file are read as NaN, which the estimators
take as "missing". Other markers (``NA``, ``null``, ``?``) are text, so an error.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import itertools
import re
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np

from ._columns import PARQUET_SUFFIXES, names_text, repeated_names, unnamed_column_error, where_names_are
from ._errors import PROG, CLIError
from ._files import existing_file, replaced_atomically

PARQUET_EXTRA = 'pip install "sklearn_ae[parquet]"'

DATA_NOTE = (
    "Data files: CSV (.csv or .csv.gz; comma-separated, UTF-8, a header row of column names) or "
    f"Parquet (.parquet or .pq; needs {PARQUET_EXTRA}). One row per sample; every column "
    "used must be numeric (choose columns with --columns). Empty cells (or nan; nulls in "
    "Parquet) are missing values: the model trains on the observed values and encodes "
    "incomplete rows too. No scaling is needed for columns in one unit; for columns in "
    "unrelated units, fit with --standardize (without it, fit warns when their spreads "
    "differ by over 1,000x)."
)

_NOT_NUMERIC = "every column used must hold numbers: choose the numeric columns with --columns"
_INFINITE = "the autoencoder cannot use infinite values: replace them"
#: A name pandas gives an unnamed column, such as the index ``to_csv`` writes by default.
_PANDAS_INDEX = re.compile(r"Unnamed: \d+")
#: Values that mean "missing" elsewhere; here they are text, and the message says what to write instead.
_MISSING_MARKERS = {"na", "n/a", "#n/a", "null", "none", "nil", "missing", "?", "-", "--", "."}


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
    if name == "-":
        raise CLIError(
            "- (standard input or output) is not supported: give a .csv, .csv.gz or .parquet (.pq) file"
        )
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    suffix = "".join(Path(path).suffixes) or "no extension"
    raise CLIError(
        f"{path}: unsupported {what} file type ({suffix}); use a .csv, .csv.gz or .parquet (.pq) file"
    )


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


def read_table(path, select=None, complete=None, all_missing=False):
    """Read the numeric columns of a CSV or Parquet file; empty cells are missing (NaN).

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file. CSV files need a header
        row of column names.
    select : callable, default=None
        ``select(names, path)`` gets the file's column names and returns the names to
        read, in order, or raises :class:`CLIError`. Default: every column. When its
        attribute ``names`` lists the columns asked for (by ``--columns`` or a model),
        a CSV header row that looks like numbers is read as names once some of them
        are found in it: the names were given, so the row is the header.
    complete : str, default=None
        None to accept missing values. Otherwise they are an error, and ``complete``
        (why the values must be complete) ends its message.
    all_missing : bool, default=False
        Accept a file whose every value is missing (``transform`` encodes such rows;
        ``fit`` has nothing to learn from them).

    Returns
    -------
    X : ndarray of shape (n_rows, n_selected), dtype float64
        The selected columns, NaN where a value is missing: an empty (or blank) CSV
        cell or ``nan`` in any letter case, a Parquet null or NaN. Blank lines of a
        CSV file are skipped, not read as rows, except in a one-column file, where
        they are empty cells (but blank lines at its end are skipped).
    names : list of str
        Their names.

    Raises
    ------
    CLIError
        For a missing or unreadable file, an unsupported extension, a missing header,
        non-numeric or infinite values, no observed value at all (unless
        ``all_missing``), missing values when ``complete`` is given, or whatever
        ``select`` rejects.
    """
    path = existing_file(path, "no such file", "data")
    reader = _read_csv if file_format(path) == "csv" else _read_parquet
    X, names, locate = reader(path, select or (lambda names, path: list(names)))
    if X.shape[0] == 0:
        raise CLIError(f"{path} has no data rows")
    if not names:
        raise CLIError(f"{path}: no columns selected")
    _check_values(X, names, path, complete, locate, all_missing)
    return X, names


def _where(bad, names):
    """The names of the columns where ``bad`` holds, and its first data row (from 1)."""
    columns = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
    return names_text(columns), int(np.flatnonzero(bad.any(axis=1))[0]) + 1


def _check_values(X, names, path, complete, locate=None, all_missing=False):
    """Raise :class:`CLIError` for infinite values, for missing ones when ``complete`` is
    given, and for a file of missing values only unless ``all_missing``.

    ``locate(row)`` says where data row ``row`` (from 1) is in the file, "line 5" in a
    CSV file; by default, "data row 3".
    """
    locate = locate or (lambda row: f"data row {row}")
    infinite = np.isinf(X)
    if infinite.any():
        columns, row = _where(infinite, names)
        empty = "" if complete is not None else " (an empty cell is a missing value)"
        raise CLIError(
            f"{path}: column(s) {columns} have infinite values (first in {locate(row)}); {_INFINITE}{empty}"
        )
    missing = np.isnan(X)
    if complete is not None and missing.any():
        columns, row = _where(missing, names)
        raise CLIError(
            f"{path}: column(s) {columns} have missing (empty or NaN) values (first in "
            f"{locate(row)}); {complete}"
        )
    if not all_missing and missing.all():
        raise CLIError(
            f"{path}: every value of the {len(names)} column(s) used is missing (empty or NaN); "
            "there is no data to use"
        )


def _open_text(path, mode):
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, mode + "t", encoding=encoding, newline="")
    return open(path, mode, encoding=encoding, newline="")


def _number(text):
    """``float(text)``, but text that pandas would read as text is a ``ValueError``:
    Python's ``float`` also takes digit-group underscores (``1_5`` is 15) and non-ASCII
    digits, so a code-like column such as ``2021_03`` would silently become a number."""
    if isinstance(text, bytes):  # a converter of numpy 1.x's loadtxt may still get bytes
        text = text.decode("latin-1")
    if "_" in text or not text.isascii():
        raise ValueError(f"could not convert string to float: {text!r}")
    return float(text)


def _is_number(text):
    try:
        _number(text)
    except ValueError:
        return False
    return True


#: Cells that pandas reads as booleans (``to_csv`` writes a bool column so); 1 and 0 here,
#: as a Parquet file's bool column is read.
_BOOLEANS = {"true": 1.0, "false": 0.0}


def _cell(text):
    """The number in a CSV cell: NaN (missing) for an empty or blank cell, 1 and 0 for
    ``True`` and ``False`` (any letter case), else its value."""
    if isinstance(text, bytes):  # a converter of numpy 1.x's loadtxt may still get bytes
        text = text.decode("latin-1")
    stripped = text.strip()
    if not stripped:
        return np.nan
    boolean = _BOOLEANS.get(stripped.lower())
    return _number(text) if boolean is None else boolean


def _is_cell(text):
    try:
        _cell(text)
    except ValueError:
        return False
    return True


def _chosen_columns(names, select, path):
    """``select(names, path)``, once the header row ``names`` is known to be names.

    A row that looks like numbers is taken as the header when ``select`` chose columns
    by name (its ``names``) and some of them are in it: wavelengths, say. A row that
    looks like data is then read as names with a warning, unless the names are a
    fitted model's in the model's order (the header of the file it was fitted on); whole
    numbers or ``True``/``False`` in another order warn too, as a headerless file's first
    row of counts or flags can look like them (wavelengths in another order do not).
    Otherwise :func:`_check_header` decides.
    """
    asked = getattr(select, "names", None)
    asked = asked and [name.strip() for name in asked]  # as the header's names are, and matched
    if not (asked and all(_is_value(n) for n in names) and set(asked) & set(names)):
        _check_header(names, path)
        return list(select(names, path))
    chosen = list(select(names, path))  # its own message when some names are missing
    if not getattr(select, "by_model", False):
        if _data_like(names):
            _warn_header(names, path, "as --columns names columns in it")
    elif _flag_like(names) and [n for n in names if n in set(asked)] != list(asked):
        _warn_header(names, path, "as it holds the model's column names, in another order")
    return chosen


def _flag_like(names):
    """Whole numbers or ``True``/``False``: what a headerless row of counts or flags holds."""
    return all(_is_whole(n) or _is_boolean(n) for n in names)


def _is_whole(text):
    return text.strip().lstrip("-").isdigit()


def _is_boolean(text):
    return text.strip().lower() in _BOOLEANS


def _is_value(text):
    """Whether a header cell reads as a data cell's value: a number, ``True`` or ``False``."""
    return _is_number(text) or _is_boolean(text)


def _data_like(names):
    """A first row of numbers other than distinct whole numbers (``True`` and ``False``
    included, which data cells read as 1 and 0): data, not a header."""
    return all(_is_value(n) for n in names) and (
        any(not _is_whole(n) for n in names) or len(set(names)) < len(names)
    )


def _warn_header(names, path, why=""):
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    why = f" {why}" if why else ""
    print(
        f"{PROG}: warning: {path}: the first row ({shown}) is read as column names{why}; "
        "if it is data, add a header row naming each column",
        file=sys.stderr,
    )


def _check_header(names, path):
    if _data_like(names):
        raise CLIError(
            f"{path}: the first row looks like numbers, not column names; the CSV file needs a "
            "header row naming each column (if the first row does name them, as wavelengths "
            "might, choose the columns by those names with --columns)"
        )
    pandas_default = [n.strip() for n in names] == [str(i) for i in range(len(names))]  # 0, 1, ...
    if all(_is_number(n) for n in names) and not pandas_default:
        _warn_header(names, path)  # distinct whole numbers: years, say


def _check_names(names, chosen, path, select=None):
    """The columns to read need names, each used once in the header (others may lack one).

    Columns named as pandas names an unnamed one (``Unnamed: 0``, a saved index) get a
    warning when the columns are not a fitted model's (which chose them at its fit)."""
    if "" in chosen and not getattr(select, "by_model", False):  # a model fitted on a "" column reads it
        raise unnamed_column_error(names, path)
    duplicates = [name for name in repeated_names(names) if name in chosen]
    if duplicates:
        raise CLIError(
            f"{path}: column name(s) used twice in {where_names_are(path)}: {names_text(duplicates)}; "
            "give each column its own name (or leave them out with --columns)"
        )
    asked = set(getattr(select, "names", None) or ())  # named with --columns: chosen knowingly
    index_like = [n for n in chosen if isinstance(n, str) and _PANDAS_INDEX.fullmatch(n) and n not in asked]
    if index_like and not getattr(select, "for_model", False):  # fit's choice, not a model's
        print(
            f"{PROG}: warning: {path}: column(s) {names_text(index_like)} look like a pandas index "
            "saved with the data (to_csv without index=False), and are used as features; leave "
            "them out with --columns if they only number the rows",
            file=sys.stderr,
        )


def _check_delimiter(first, second, path):
    """A one-column header and first row that ``;``, a tab or ``|`` split alike: another delimiter."""
    for separator, shown in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        n_fields = first.count(separator) + 1
        if n_fields > 1 and second.count(separator) + 1 == n_fields:
            raise CLIError(
                f"{path}: the header row is one column, {first.strip()!r}: the file looks separated by "
                f"{shown}; the command line reads comma-separated files"
            )


def _header_record(first, f, path):
    """The header record that starts with the line ``first``: a quoted name may go on
    over the next lines of ``f``, which are read as far as it goes, once (linear time).

    A quote never closed (up to the end of the file, or past csv's field size limit)
    is a :class:`CLIError`; a quote outside the standard (``"a"b``) ends the record at
    its line, read leniently as before.
    """
    lines = [first]

    def more():
        yield first
        while line := f.readline():
            lines.append(line)
            yield line

    try:
        next(csv.reader(more(), strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "field larger than" in str(exc):
            raise CLIError(f"{path}: a quoted name in the header row is never closed") from None
    return "".join(lines)


def _read_csv(path, select):
    try:
        with _open_text(path, "r") as f:
            first = f.readline()
            if not first.strip():
                raise CLIError(
                    f"{path} is empty or starts with a blank line; a CSV file needs a header row "
                    "of column names, then one row of numbers per sample"
                )
            first = _header_record(first, f, path)
            names = [name.strip() for name in next(csv.reader([first]))]
            if len(names) == 1:
                second = f.readline()
                _check_delimiter(first, second, path)
                f = itertools.chain([second], f)
            chosen = _chosen_columns(names, select, path)
            _check_names(names, chosen, path, select)
            position = {name: i for i, name in enumerate(names)}
            usecols = [position[name] for name in chosen]
            try:
                X = _one_column(f) if len(names) == 1 else _columns(f, usecols, len(names))
            except ValueError as exc:
                raise _diagnose_csv(path, names, usecols, exc) from None
    except UnicodeDecodeError as exc:
        raise CLIError(
            f"could not read {path} as a UTF-8 CSV file ({exc}); save it again as UTF-8 (in Excel, "
            "'CSV UTF-8'; or with iconv -f latin1 -t utf-8, naming the encoding it has)"
        ) from None
    except (gzip.BadGzipFile, EOFError, zlib.error, csv.Error) as exc:
        # zlib.error: damaged gzip data; csv.Error: e.g. a quote never closed before the field limit
        raise CLIError(f"could not read {path} as a UTF-8 CSV file ({exc})") from None
    # A data row's number skips blank lines, except in a one-column file, where they are rows.
    return X.reshape(-1, len(usecols)), chosen, functools.partial(_csv_line, path, len(names) == 1)


def _csv_line(path, one_column, row):
    """Where data row ``row`` (from 1) of the CSV file ``path`` starts: "line N".

    Quoted line breaks (in the header too) and skipped blank lines (blank lines are
    rows of a one-column file) make the two numbers differ.
    """
    with _open_text(path, "r") as f:
        reader = csv.reader(f)
        next(reader)
        end, count = reader.line_num, 0
        for record in reader:
            start, end = end + 1, reader.line_num
            # skipped as _checked_lines skips them: blank or whitespace-only lines
            if one_column or not (record == [] or (len(record) == 1 and not record[0].strip())):
                count += 1
                if count == row:
                    return f"line {start}"
    return f"data row {row}"


def _columns(f, usecols, n_names):
    """The columns ``usecols`` of the rest of the CSV file ``f``; blank lines are skipped.

    A row with more or fewer fields than the header's ``n_names`` is a ``ValueError``,
    not silently shifted data; only the columns used are parsed and kept.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="loadtxt: input contained no data")
        return np.loadtxt(
            _checked_lines(f, n_names),
            delimiter=",",
            usecols=usecols,
            ndmin=2,
            dtype=np.float64,
            comments=None,
            quotechar='"',
            converters=_cell,
            encoding=None,  # converters get str; numpy 1.x's default ("bytes") passes them bytes
        )


def _checked_lines(f, n_names):
    """The non-blank records of ``f``, each checked to hold ``n_names`` fields.

    Counting commas is exact for a line without quotes; a record with quotes is parsed
    as CSV to count its fields (a quoted comma is not a separator), and one whose
    quoted field goes on past the line's end (a line break in a text cell) is joined
    with the next lines first.
    """
    record = ""
    for line in f:
        record += line
        if not record.strip():  # blank or whitespace-only: skipped
            record = ""
            continue
        if '"' in record or record.count(",") != n_names - 1:
            n_fields, open_quote = _fields(record)
            if open_quote:
                if len(record) > csv.field_size_limit():  # a quote opened by mistake, not text
                    raise ValueError("a quoted field is never closed")
                continue  # the quoted field goes on in the next line
            if n_fields != n_names:
                raise ValueError(f"a row has other than the header's {n_names} fields")
        yield record
        record = ""
    if record:
        raise ValueError("a quoted field is never closed")


def _fields(record):
    """The number of fields of the CSV text ``record``, and whether it ends inside a quoted field.

    One strict parse; only a record that breaks the standard otherwise (a quote closed
    but not followed by a comma) is parsed again, leniently, as ``np.loadtxt`` reads it.
    """
    try:
        return len(next(csv.reader([record], strict=True))), False
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return 0, True
    return len(next(csv.reader([record]))), False


def _one_column(f):
    """The rest of a one-column CSV file ``f``, where a blank line is an empty cell, not skipped.

    Blank (or whitespace-only) lines at the end of the file are left out; a row of
    more than one field is a ``ValueError``.
    """
    rows = list(csv.reader(f))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if any(len(row) > 1 for row in rows):
        raise ValueError("a row has more than one field")
    return np.array([_cell(row[0]) if row else np.nan for row in rows], dtype=np.float64).reshape(-1, 1)


def _diagnose_csv(path, names, usecols, exc):
    """A CLIError that says which line and column of ``path`` np.loadtxt tripped on."""
    with _open_text(path, "r") as f:
        reader = csv.reader(f)
        next(reader)
        end = reader.line_num
        for row in reader:
            line, end = end + 1, reader.line_num  # a record's first line: quoted line breaks span more
            if not row or (len(names) > 1 and not any(cell.strip() for cell in row)):
                continue  # a blank line (in a one-column file, a blank line is an empty cell)
            spans = ""
            if end > line:
                spans = f" (a quoted field spans lines {line} to {end}: are its quotes closed?)"
            if len(row) != len(names):
                return CLIError(
                    f"{path}, line {line}: {len(row)} field(s), but the header names {len(names)} "
                    f"columns{spans}"
                )
            bad = [(names[i], row[i]) for i in usecols if not _is_cell(row[i])]
            if bad:
                columns = names_text([name for name, _ in bad])
                values = ", ".join(repr(value) for _, value in bad[:3])
                if all(value.strip().lower() in _MISSING_MARKERS for _, value in bad):
                    advice = "write a missing value as an empty cell (or nan)"
                else:
                    advice = _NOT_NUMERIC
                return CLIError(
                    f"{path}: column(s) {columns} are not numeric (line {line} has {values}){spans}; {advice}"
                )
    return CLIError(f"could not read {path} as CSV: {exc}")


def _read_parquet(path, select):
    """The chosen columns of a Parquet file; only those are read from disk."""
    pd = parquet_pandas()
    try:
        names = _parquet_names(path)
        chosen = list(select(names, path))
        _check_names(names, chosen, path, select)
        frame = pd.read_parquet(path, engine="pyarrow", columns=chosen)
    except CLIError:
        raise
    except Exception as exc:  # pyarrow raises several exception types for files it cannot read
        raise CLIError(f"could not read {path} as Parquet ({exc})") from None
    frame.columns = chosen
    for name in _arrow_numbers_as_objects(path, chosen):
        frame[name] = frame[name].astype(np.float64)  # None -> NaN, True -> 1.0, Decimal -> float
    bad = [
        f"{name!r} ({frame[name].dtype})"
        for name in chosen
        if not frame[name].isna().all()  # an all-null column (pyarrow's null type) is all missing
        and (not pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_complex_dtype(frame[name]))
    ]
    if bad:
        raise CLIError(f"{path}: column(s) {', '.join(bad)} are not numeric; {_NOT_NUMERIC}")
    return frame.to_numpy(dtype=np.float64, na_value=np.nan), chosen, None


def _parquet_names(path):
    """The column names of a Parquet file, without the index pandas may have stored."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    stored = (schema.pandas_metadata or {}).get("index_columns", [])
    index = {column for column in stored if isinstance(column, str)}  # a RangeIndex is a dict: no column
    return [name for name in schema.names if name not in index]


def _arrow_numbers_as_objects(path, names):
    """Columns among ``names`` that are numbers in the Parquet schema but reach pandas as
    Python objects: booleans with nulls, and decimals."""
    import pyarrow.parquet as pq
    import pyarrow.types as pat

    schema = pq.read_schema(path)
    return [
        name
        for name in names
        if name in schema.names
        and (pat.is_boolean(schema.field(name).type) or pat.is_decimal(schema.field(name).type))
    ]


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
            _write_csv(temporary, values, names, final_path=path)
    return path


@contextlib.contextmanager
def _gzip_writer(path, stored_name):
    """Text written gzip-compressed to ``path``, with ``stored_name`` in the gzip header
    (``gunzip -N`` restores that name; the temporary file's own name is hidden)."""
    with open(path, "wb") as raw, gzip.GzipFile(stored_name, "wb", fileobj=raw) as packed:
        with io.TextIOWrapper(packed, encoding="utf-8", newline="") as f:
            yield f


def _write_csv(path, values, names, final_path=None):
    gz = str(path).lower().endswith(".gz")
    if gz and final_path is not None:
        opened = _gzip_writer(path, Path(final_path).name)
    else:
        opened = _open_text(path, "w")
    with opened as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for start in range(0, len(values), 10_000):
            writer.writerows(np.asarray(values[start : start + 10_000], dtype=np.float64).tolist())
