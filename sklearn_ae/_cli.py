"""The ``sklearn-ae`` command line: ``demo``, ``fit``, ``transform`` and ``inverse-transform``.

``python -m sklearn_ae`` and the ``sklearn-ae`` console script both run :func:`main`.
Errors the user can fix (a missing file, non-numeric data, a model that does not match
the data) print one ``sklearn-ae: error: ...`` line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from . import __version__
from ._autoencoder import AutoencoderTransformer
from ._modules import ACTIVATIONS

PROG = "sklearn-ae"

#: From this many values (rows x columns) ``fit`` prints a line per epoch unless ``--quiet``.
LARGE_DATA = 1_000_000

PARQUET_EXTRA = 'pip install "sklearn_ae[parquet]"'

PICKLE_NOTE = (
    "The model file is a pickle written with joblib: loading a pickle can run arbitrary "
    "code, so only load model files you trust."
)

DATA_NOTE = (
    "Data files: CSV (.csv or .csv.gz; comma-separated, UTF-8, a header row of column names) or "
    f"Parquet (.parquet or .pq; needs {PARQUET_EXTRA}). One row per sample; every column "
    "used must be numeric with no missing values (choose columns with --columns). No "
    "scaling is needed."
)


class CLIError(Exception):
    """A user error, reported as ``sklearn-ae: error: <message>`` with exit status 2."""


# ---------------------------------------------------------------- argument types


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
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {text!r}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


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
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise argparse.ArgumentTypeError(f"column(s) named twice: {', '.join(duplicates)}")
    return columns


# --------------------------------------------------------------------- the parser


def _default(name):
    """The estimator's default for parameter ``name``, for help texts."""
    return AutoencoderTransformer().get_params()[name]


def _sizes_text(sizes):
    return ",".join(map(str, sizes)) if sizes else '"" (linear)'


def build_parser():
    """Build the argument parser of the ``sklearn-ae`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; each sub-command stores the function that runs it as ``run``.
    """
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=raw,
        description=(
            "Reduce the rows of a table to a few numbers each (a 'code') with a PyTorch\n"
            "autoencoder: a nonlinear drop-in for PCA that starts from PCA's solution and\n"
            "trains from there. 'fit' trains a model on a CSV or Parquet file and saves it;\n"
            "'transform' turns rows into codes with a saved model."
        ),
        epilog=(
            "examples:\n"
            "  sklearn-ae demo                  # PCA vs the autoencoder on handwritten digits\n"
            "  sklearn-ae fit data.csv --model model.joblib --n-components 8\n"
            "  sklearn-ae transform data.csv --model model.joblib --output codes.csv\n"
            "  sklearn-ae fit --help            # every option of one command\n"
            "\n"
            "Python: from sklearn_ae import AutoencoderTransformer (see the README)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    # ---- demo
    demo = commands.add_parser(
        "demo",
        help="compare PCA and the autoencoder on scikit-learn's digits (no data needed)",
        formatter_class=raw,
        description=(
            "Fit PCA and AutoencoderTransformer at a few code sizes on the digits data (1797\n"
            "8x8 images, 25% held out) and print, for each, the held-out reconstruction error,\n"
            "the accuracy of a LogisticRegression trained on the codes, and the fit time.\n"
            "Also saves a figure (needs matplotlib) of the 2-D codes coloured by digit and of\n"
            "the error by code size."
        ),
        epilog="example:\n  sklearn-ae demo --n-components 2,8 --figure digits.png",
    )
    demo.add_argument(
        "--n-components",
        type=_parse_sizes,
        default=(2, 8, 16),
        metavar="K[,K...]",
        help="code sizes to compare (default: 2,8,16); include 2 to plot the codes",
    )
    demo.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"epochs for the autoencoder (default: {_default('max_iter')})",
    )
    demo.add_argument("--random-state", type=int, default=0, metavar="SEED", help="seed (default: 0)")
    figure = demo.add_mutually_exclusive_group()
    figure.add_argument(
        "--figure",
        default="sklearn_ae_demo.png",
        metavar="PATH",
        help="where to save the figure; .png, .pdf, .svg, ... (default: sklearn_ae_demo.png)",
    )
    figure.add_argument("--no-figure", action="store_true", help="print the table only")
    demo.set_defaults(run=run_demo)

    # ---- fit
    fit = commands.add_parser(
        "fit",
        help="train an autoencoder on a CSV or Parquet file and save it",
        formatter_class=raw,
        description=(
            "Train an AutoencoderTransformer on the numeric columns of DATA, save it to\n"
            "--model and print a summary. The model remembers the column names, so\n"
            "'transform' can check that later files have the same columns.\n\n"
            + _wrap(DATA_NOTE)
            + "\n\n"
            + _wrap(PICKLE_NOTE)
        ),
        epilog=(
            "examples:\n"
            "  sklearn-ae fit data.csv --model model.joblib --n-components 8\n"
            "  sklearn-ae fit data.parquet --model model.joblib --n-components 0.9 --early-stopping\n"
            "  sklearn-ae fit data.csv --model vae.joblib --variational --beta 0.5 --columns a,b,c"
        ),
    )
    fit.add_argument("data", metavar="DATA", help="training data: a .csv, .csv.gz or .parquet file")
    _add_model_argument(fit, "where to save the trained model (a joblib pickle), e.g. model.joblib")
    _add_columns_argument(fit, "use only these columns (default: all; all must be numeric)")
    model = fit.add_argument_group("model")
    model.add_argument(
        "--n-components",
        type=_parse_n_components,
        default=_default("n_components"),
        metavar="K",
        help=(
            f"code size (default: {_default('n_components')}); a fraction such as 0.9 picks the "
            "smallest code size that reconstructs that share of the variance on held-out rows"
        ),
    )
    model.add_argument(
        "--hidden-layer-sizes",
        type=_parse_hidden,
        default=None,
        metavar="W[,W...]",
        help=(
            "widths of the encoder's hidden layers, the decoder mirrors them "
            f'(default: {_sizes_text(_default("hidden_layer_sizes"))}); "" for a linear model'
        ),
    )
    model.add_argument(
        "--activation",
        default=None,
        choices=sorted(ACTIVATIONS),
        metavar="NAME",
        help=f"{', '.join(sorted(ACTIVATIONS))} (default: {_default('activation')})",
    )
    model.add_argument(
        "--noise",
        type=_float_type(0, strict=False),
        default=None,
        metavar="X",
        help=(
            "denoising: add Gaussian noise of this standard deviation, relative to the data's "
            "overall scale, to training inputs (default: 0)"
        ),
    )
    model.add_argument(
        "--sparsity",
        type=_float_type(0, strict=False),
        default=None,
        metavar="X",
        help="weight of an L1 penalty on the code (default: 0)",
    )
    model.add_argument(
        "--contractive",
        type=_float_type(0, strict=False),
        default=None,
        metavar="X",
        help="weight of the contractive (encoder Jacobian) penalty (default: 0)",
    )
    model.add_argument(
        "--variational",
        action="store_true",
        help="train a VariationalAutoencoderTransformer (codes are posterior means)",
    )
    model.add_argument(
        "--beta",
        type=_float_type(0, strict=False),
        default=None,
        metavar="B",
        help="weight of the KL term, with --variational only (default: 1.0)",
    )
    training = fit.add_argument_group("training")
    training.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"maximum number of epochs (default: {_default('max_iter')})",
    )
    training.add_argument(
        "--learning-rate-init",
        type=_float_type(0, strict=True),
        default=None,
        metavar="LR",
        help=f"learning rate (default: {_default('learning_rate_init'):g})",
    )
    training.add_argument(
        "--batch-size",
        type=_parse_batch_size,
        default=None,
        metavar="N",
        help=f"rows per mini-batch, or auto (default: {_default('batch_size')})",
    )
    training.add_argument(
        "--early-stopping",
        action="store_true",
        help="hold out 10%% of the rows, stop when their error stops improving and keep the best epoch",
    )
    training.add_argument(
        "--device",
        default="cpu",
        metavar="DEVICE",
        help="cpu, cuda, cuda:N, mps or auto (default: cpu)",
    )
    training.add_argument(
        "--random-state", type=int, default=None, metavar="SEED", help="seed for reproducible training"
    )
    output = training.add_mutually_exclusive_group()
    output.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help=(
            "print a line per epoch (-vv adds a progress bar); on by default for data of more than "
            f"{LARGE_DATA:,} values"
        ),
    )
    output.add_argument("-q", "--quiet", action="store_true", help="no per-epoch lines, even for large data")
    fit.set_defaults(run=run_fit)

    # ---- transform and inverse-transform
    transform = commands.add_parser(
        "transform",
        help="encode the rows of a file with a saved model and write the codes",
        formatter_class=raw,
        description=(
            "Encode each row of DATA with the model saved by 'fit' and write one row of codes\n"
            "per input row, in the same order, with columns autoencodertransformer0, ...\n"
            "(variationalautoencodertransformer0, ... for --variational models).\n"
            "DATA needs the columns the model was trained on (in any order).\n\n"
            + _wrap(DATA_NOTE)
            + "\n\n"
            + _wrap(PICKLE_NOTE)
        ),
        epilog="example:\n  sklearn-ae transform data.csv --model model.joblib --output codes.csv",
    )
    transform.add_argument("data", metavar="DATA", help="rows to encode: a .csv, .csv.gz or .parquet file")
    _add_model_argument(transform, "a model saved by 'sklearn-ae fit' (a joblib pickle: trusted files only)")
    transform.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="where to write the codes: .csv, .csv.gz or .parquet (overwritten if it exists)",
    )
    _add_columns_argument(transform, "use only these columns of DATA (default: the model's columns)")
    transform.set_defaults(run=run_transform)

    inverse = commands.add_parser(
        "inverse-transform",
        help="decode codes back to rows in the units of the training data",
        formatter_class=raw,
        description=(
            "Decode codes written by 'transform' (columns autoencodertransformer0, ...) back\n"
            "into rows with the training data's columns and units: the reconstructions.\n\n"
            + _wrap(PICKLE_NOTE)
        ),
        epilog=(
            "example:\n"
            "  sklearn-ae inverse-transform codes.csv --model model.joblib --output reconstructed.csv"
        ),
    )
    inverse.add_argument("data", metavar="CODES", help="codes to decode: a .csv, .csv.gz or .parquet file")
    _add_model_argument(inverse, "a model saved by 'sklearn-ae fit' (a joblib pickle: trusted files only)")
    inverse.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="where to write the reconstructions: .csv, .csv.gz or .parquet",
    )
    _add_columns_argument(inverse, "use only these columns of CODES (default: the model's code columns)")
    inverse.set_defaults(run=run_inverse_transform)
    return parser


def _wrap(text, width=78):
    import textwrap

    return textwrap.fill(text, width)


def _add_model_argument(parser, help_text):
    parser.add_argument("-m", "--model", required=True, metavar="PATH", help=help_text)


def _add_columns_argument(parser, help_text):
    parser.add_argument("--columns", type=_parse_columns, default=None, metavar="A,B,...", help=help_text)


# ------------------------------------------------------------------ reading data


def _file_format(path, what="data"):
    name = str(path).lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    suffix = "".join(Path(path).suffixes) or "no extension"
    raise CLIError(f"{path}: unsupported {what} file type ({suffix}); use a .csv, .csv.gz or .parquet file")


def _parquet_pandas():
    """pandas, once both pandas and pyarrow are known to import."""
    try:
        import pandas
        import pyarrow  # noqa: F401
    except ImportError:
        raise CLIError(f"Parquet files need pandas and pyarrow: {PARQUET_EXTRA}") from None
    return pandas


def _names_text(names, limit=8):
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _open_text(path, mode):
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8-sig" if mode == "r" else "utf-8", newline="")
    return open(path, mode, encoding="utf-8-sig" if mode == "r" else "utf-8", newline="")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


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
    path = Path(path)
    if not path.exists():
        raise CLIError(f"no such file: {path}")
    if path.is_dir():
        raise CLIError(f"{path} is a directory, not a data file")
    kind = _file_format(path)
    select = select or (lambda names, path: list(names))
    if kind == "csv":
        X, names = _read_csv(path, select)
    else:
        X, names = _read_parquet(path, select)
    if X.shape[0] == 0:
        raise CLIError(f"{path} has no data rows")
    if not names:
        raise CLIError(f"{path}: no columns selected")
    bad = ~np.isfinite(X)
    if bad.any():
        columns = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
        row = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
        raise CLIError(
            f"{path}: column(s) {_names_text(columns)} have missing (NaN) or infinite values "
            f"(first in data row {row}); the autoencoder needs complete numeric data, so fill or "
            "drop those values first"
        )
    return X, names


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
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CLIError(f"{path}: column name(s) used twice in the header: {_names_text(duplicates)}")


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
                    f"{path}, line {line}: missing value in column(s) {_names_text(missing)}; the "
                    "autoencoder needs complete numeric data, so fill or drop those values first"
                )
            bad = [(names[i], row[i]) for i in usecols if not _is_number(row[i])]
            if bad:
                columns = _names_text([name for name, _ in bad])
                return CLIError(
                    f"{path}: column(s) {columns} are not numeric (line {line} has "
                    f"{', '.join(repr(value) for _, value in bad[:3])}); every column used must hold "
                    "numbers: choose the numeric columns with --columns"
                )
    return CLIError(f"could not read {path} as CSV: {exc}")


def _read_parquet(path, select):
    pd = _parquet_pandas()
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several exception types for files it cannot read
        raise CLIError(f"could not read {path} as Parquet ({exc})") from None
    names = [str(name) for name in frame.columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CLIError(f"{path}: column name(s) used twice: {_names_text(duplicates)}")
    frame.columns = names
    chosen = list(select(names, path))
    frame = frame[chosen]
    bad = [
        f"{name!r} ({frame[name].dtype})"
        for name in chosen
        if not pd.api.types.is_numeric_dtype(frame[name].dtype) or pd.api.types.is_complex_dtype(frame[name])
    ]
    if bad:
        raise CLIError(
            f"{path}: column(s) {', '.join(bad)} are not numeric; every column used must hold "
            "numbers: choose the numeric columns with --columns"
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan), chosen


def _columns_selector(requested):
    """``select`` for :func:`read_table`: the ``requested`` columns, or all."""

    def select(names, path):
        if requested is None:
            return list(names)
        missing = [c for c in requested if c not in names]
        if missing:
            raise CLIError(
                f"{path} has no column(s) {_names_text(missing)}; its columns are {_names_text(names)}"
            )
        return list(requested)

    return select


def _model_selector(expected, n_expected, requested, what="trained on"):
    """``select`` that checks the file against the columns a model expects.

    ``expected`` is the model's column names (or None when it has none); the
    result is in the model's order, whatever the file's order.
    """
    pick = _columns_selector(requested)

    def select(names, path):
        chosen = pick(names, path)
        if expected is None:
            if len(chosen) != n_expected:
                which = "selected " if requested is not None else ""
                raise CLIError(
                    f"the model expects {n_expected} columns, but {path} has {len(chosen)} {which}columns"
                )
            return chosen
        missing = [c for c in expected if c not in chosen]
        extra = [c for c in chosen if c not in expected]
        if not missing and not extra:
            return list(expected)
        problems = []
        if missing:
            problems.append(f"lacks column(s) the model was {what}: {_names_text(missing)}")
        if extra:
            problems.append(f"has column(s) the model was not {what}: {_names_text(extra)}")
        message = f"{path} does not match the model: it " + " and ".join(problems)
        if extra and not missing:
            message += f"; pass --columns to use only the model's {len(expected)} columns"
        raise CLIError(message)

    return select


# ------------------------------------------------------------------ writing data


def _check_output(path, inputs=(), what="output"):
    """Fail before any work when ``path`` cannot be written."""
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise CLIError(f"cannot write {path}: no such directory {parent}")
    if path.is_dir():
        raise CLIError(f"cannot write {path}: it is a directory")
    for source in inputs:
        if Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
            raise CLIError(f"the {what} file {path} would overwrite an input; choose another path")


def write_table(path, values, names):
    """Write a 2-D array with a header row to a CSV or Parquet file.

    Parameters
    ----------
    path : str or path-like
        A ``.csv``, ``.csv.gz``, ``.parquet`` or ``.pq`` file (overwritten).
    values : ndarray of shape (n_rows, n_columns)
        The numbers; CSV keeps every float exactly (shortest round-trip form).
    names : sequence of str
        The column names.

    Returns
    -------
    path : str or path-like
        ``path``, once written.
    """
    if _file_format(path, "output") == "parquet":
        pd = _parquet_pandas()
        pd.DataFrame(values, columns=list(names)).to_parquet(path, engine="pyarrow", index=False)
        return path
    with _open_text(path, "w") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for start in range(0, len(values), 10_000):
            writer.writerows(np.asarray(values[start : start + 10_000], dtype=np.float64).tolist())
    return path


# ------------------------------------------------------------------------ models


def save_model(model, path):
    """Save a fitted estimator with joblib (a pickle: loading it runs code).

    Parameters
    ----------
    model : AutoencoderTransformer
        The fitted estimator.
    path : str or path-like
        The file to write.
    """
    import joblib

    joblib.dump(model, path)


def load_model(path):
    """Load an estimator saved by ``sklearn-ae fit``; only load files you trust.

    Parameters
    ----------
    path : str or path-like
        A joblib file holding a fitted :class:`~sklearn_ae.AutoencoderTransformer`.

    Returns
    -------
    model : AutoencoderTransformer
        The fitted estimator.

    Raises
    ------
    CLIError
        When the file is missing, unreadable, or holds something else.
    """
    import joblib
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    path = Path(path)
    if not path.exists():
        raise CLIError(f"no such model file: {path}")
    if path.is_dir():
        raise CLIError(f"{path} is a directory, not a model file")
    try:
        model = joblib.load(path)
    except Exception as exc:  # unpickling garbage raises many exception types
        raise CLIError(
            f"could not load a model from {path} ({type(exc).__name__}: {exc}); "
            "expected a file written by 'sklearn-ae fit'"
        ) from None
    if not isinstance(model, AutoencoderTransformer):
        raise CLIError(f"{path} holds a {type(model).__name__}, not an AutoencoderTransformer")
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CLIError(f"the model in {path} is not fitted") from None
    return model


def _feature_names(model):
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def _code_names(model):
    return [str(n) for n in model.get_feature_names_out()]


# ---------------------------------------------------------------------- commands


def _estimator(args, n_values):
    from ._variational import VariationalAutoencoderTransformer

    if args.beta is not None and not args.variational:
        raise CLIError("--beta is the weight of the variational KL term: add --variational")
    options = {
        "hidden_layer_sizes": args.hidden_layer_sizes,
        "activation": args.activation,
        "noise": args.noise,
        "sparsity": args.sparsity,
        "contractive": args.contractive,
        "max_iter": args.max_iter,
        "learning_rate_init": args.learning_rate_init,
        "batch_size": args.batch_size,
        "beta": args.beta,
    }
    params = {name: value for name, value in options.items() if value is not None}
    if args.early_stopping:
        params["early_stopping"] = True
    verbose = args.verbose
    if not verbose and not args.quiet and n_values > LARGE_DATA:
        verbose = 1
        print(f"Large data ({n_values:,} values): printing a line per epoch (--quiet to silence).")
    cls = VariationalAutoencoderTransformer if args.variational else AutoencoderTransformer
    return cls(
        n_components=args.n_components,
        device=args.device,
        random_state=args.random_state,
        verbose=verbose,
        **params,
    )


def _report_warnings(caught):
    seen = set()
    for warning in caught:
        message = str(warning.message)
        if message not in seen:
            seen.add(message)
            print(f"{PROG}: warning: {message}", file=sys.stderr)


def run_fit(args):
    """Run ``sklearn-ae fit``: train on a file, save the model, print a summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    status : int
        0 on success.
    """
    _check_output(args.model, inputs=[args.data], what="model")
    X, names = read_table(args.data, _columns_selector(args.columns))
    model = _estimator(args, X.size)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X)
        seconds = time.perf_counter() - start
        mse = -model.score(X)
    # Remember the columns, as fitting on a DataFrame would, so that transform can check them.
    model.feature_names_in_ = np.asarray(names, dtype=object)
    save_model(model, args.model)
    _report_warnings(caught)
    stopped = "" if model.n_iter_ < (model.max_iter or 0) else " (the max-iter limit)"
    lines = [
        f"Trained {type(model).__name__} on {X.shape[0]:,} rows x {X.shape[1]} columns of "
        f"{args.data} in {seconds:.1f} s.",
        f"  code size (n_components_): {model.n_components_}",
        f"  epochs (n_iter_):          {model.n_iter_}{stopped}",
        f"  final training loss:       {model.loss_curve_[-1]:.6g}",
        f"  reconstruction MSE:        {mse:.6g} (on the training rows, in the data's units)",
    ]
    if model.best_validation_score_ is not None:
        lines.append(f"  best validation MSE:       {-model.best_validation_score_:.6g}")
    lines += [
        f"Saved the model to {args.model} (a pickle: share and load only trusted files).",
        f"Next: {PROG} transform DATA --model {args.model} --output codes.csv",
    ]
    print("\n".join(lines))
    return 0


def _apply(args, inverse):
    model = load_model(args.model)
    _check_output(args.output, inputs=[args.data, args.model])
    _file_format(args.output, "output")
    if args.output.lower().endswith((".parquet", ".pq")):
        _parquet_pandas()
    if inverse:
        select = _model_selector(
            _code_names(model), model.n_components_, args.columns, what="trained to make"
        )
    else:
        select = _model_selector(_feature_names(model), model.n_features_in_, args.columns)
    X, _ = read_table(args.data, select)
    with warnings.catch_warnings():  # the columns were matched by name above
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        result = model.inverse_transform(X) if inverse else model.transform(X)
    if inverse:
        names = _feature_names(model) or [f"x{i}" for i in range(model.n_features_in_)]
    else:
        names = _code_names(model)
    write_table(args.output, result, names)
    what = "reconstructed rows" if inverse else f"rows of {result.shape[1]} codes"
    print(f"Wrote {result.shape[0]:,} {what} to {args.output}.")
    return 0


def run_transform(args):
    """Run ``sklearn-ae transform``: encode a file's rows with a saved model.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    status : int
        0 on success.
    """
    return _apply(args, inverse=False)


def run_inverse_transform(args):
    """Run ``sklearn-ae inverse-transform``: decode codes back into rows.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    status : int
        0 on success.
    """
    return _apply(args, inverse=True)


def run_demo(args):
    """Run ``sklearn-ae demo``: PCA against the autoencoder on digits, plus a figure.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    status : int
        0 on success, also when the figure is skipped for lack of matplotlib.
    """
    from ._demo import compare, format_table, import_figure, plot_comparison

    figure = None if args.no_figure else args.figure
    skipped = None
    if figure is not None:
        Figure = import_figure()
        if Figure is None:
            skipped = f"Figure skipped: it needs matplotlib (pip install matplotlib); {figure} not written."
            figure = None
        else:
            _check_output(figure, what="figure")
            suffix = Path(figure).suffix.lstrip(".").lower()
            formats = Figure().canvas.get_supported_filetypes()
            if suffix not in formats:
                raise CLIError(
                    f"{figure}: unsupported figure type; use one of .{', .'.join(sorted(formats))}"
                )
    params = {} if args.max_iter is None else {"max_iter": args.max_iter}
    print(f"Digits (1797 x 64), 25% held out; code sizes {', '.join(map(str, args.n_components))}.")
    rows = compare(args.n_components, random_state=args.random_state, keep_codes=figure is not None, **params)
    print(format_table(rows))
    print("AE/PCA < 1: the autoencoder reconstructs held-out digits better at the same code size.")
    if figure is not None:
        plot_comparison(rows, figure)
        print(f"Saved the figure to {figure}.")
    if skipped:
        print(skipped)
    return 0


def main(argv=None):
    """Run the ``sklearn-ae`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 on a usage or data error (reported on stderr as
        ``sklearn-ae: error: ...``), 130 when interrupted.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CLIError as exc:
        message = str(exc)
    except (OSError, ValueError) as exc:  # e.g. permissions, or the estimator rejecting a parameter
        message = str(exc) or type(exc).__name__
    except MemoryError:
        message = "out of memory; try fewer rows, a smaller --batch-size or smaller --hidden-layer-sizes"
    except RuntimeError as exc:
        if "out of memory" not in str(exc).lower():
            raise
        message = "out of memory on the device; try a smaller --batch-size or --device cpu"
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2
