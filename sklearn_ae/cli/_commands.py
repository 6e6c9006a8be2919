"""The work of each ``sklearn-ae`` command: ``demo``, ``fit``, ``transform``, ``inverse-transform``.

Each ``run_*`` function takes the parsed command line and returns the exit status;
mistakes the user can fix raise :class:`~sklearn_ae.cli._errors.CLIError`.

``fit`` and ``transform`` accept missing values (empty cells, read as NaN): the model
trains on the observed values and encodes incomplete rows to complete codes.
``inverse-transform`` needs complete codes. Every file written is complete.
"""

from __future__ import annotations

import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .._autoencoder import AutoencoderTransformer
from .._device import resolve_device
from .._variational import VariationalAutoencoderTransformer
from ._argument_types import columns_text
from ._columns import columns_selector, model_selector
from ._demo import compare, format_table, import_figure, plot_comparison
from ._errors import PROG, CLIError, report_warnings
from ._files import check_output
from ._interrupt import interruptible
from ._model_files import (
    autoencoder_of,
    check_model_path,
    code_names,
    feature_names,
    format_note,
    load_model,
    save_model,
)
from ._tables import file_format, parquet_pandas, read_table, write_table

#: From this many values (rows x columns) ``fit`` prints a line per epoch unless ``--quiet``.
LARGE_DATA = 1_000_000

#: Why ``inverse-transform`` refuses missing values, for its message.
COMPLETE_CODES = "codes cannot be missing: decode complete codes, such as those 'transform' writes"


def _estimator(args):
    """The estimator that ``args`` describe, its options checked (before any data is read)."""
    if args.beta is not None and not args.variational:
        raise CLIError("--beta is the weight of the variational KL term: add --variational")
    options = {
        "hidden_layer_sizes": args.hidden_layer_sizes,
        "activation": args.activation,
        "noise": args.noise,
        "sparsity": args.sparsity,
        "contractive": args.contractive,
        "neighbors": args.neighbors,
        "n_neighbors": args.n_neighbors,
        "max_iter": args.max_iter,
        "learning_rate_init": args.learning_rate_init,
        "batch_size": args.batch_size,
        "beta": args.beta,
    }
    params = {name: value for name, value in options.items() if value is not None}
    params["early_stopping"] = {"auto": "auto", "on": True, "off": False}[args.early_stopping]
    cls = VariationalAutoencoderTransformer if args.variational else AutoencoderTransformer
    model = cls(
        n_components=args.n_components,
        device=args.device,
        random_state=args.random_state,
        verbose=args.verbose,
        **params,
    )
    model._validate_params()  # scikit-learn's check of each parameter's type and range
    try:
        resolve_device(args.device, option="--device")  # a device this machine lacks
    except ValueError as exc:
        raise CLIError(str(exc).rstrip(".")) from None
    return make_pipeline(StandardScaler(), model) if args.standardize else model


def _verbosity(args, n_values):
    """``--verbose``, or 1 on large data unless ``--quiet`` (then said on the terminal)."""
    if not args.verbose and not args.quiet and n_values > LARGE_DATA:
        print(f"Large data ({n_values:,} values): printing a line per epoch (--quiet to silence).")
        return 1
    return args.verbose


#: ``fit`` warns when the columns' spreads differ by more than this factor (see _spread_warning).
SPREAD_RATIO = 1_000


def _spread_warning(X, names):
    """A warning when the columns' spreads differ by more than :data:`SPREAD_RATIO`, else None.

    The loss weighs each column by its spread, as PCA's error does: a column thousands of
    times narrower than the widest barely counts, and its reconstruction can end worse
    than its mean. Columns in unrelated units should be standardised first
    (``--standardize``). Constant columns are left out.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: NaN
        spread = np.nanstd(X, axis=0)
    varying = np.flatnonzero(spread > 0)
    if len(varying) < 2:
        return None
    narrow, wide = varying[np.argmin(spread[varying])], varying[np.argmax(spread[varying])]
    ratio = spread[wide] / spread[narrow]
    if ratio <= SPREAD_RATIO:
        return None
    return (
        f"the columns' spreads differ by a factor of {ratio:,.0f} (standard deviation of {names[wide]!r}: "
        f"{spread[wide]:.3g}, of {names[narrow]!r}: {spread[narrow]:.3g}). The model weighs each column "
        "by its spread, as PCA does, so the narrow ones barely count and may be reconstructed worse than "
        "their mean; if the columns are in unrelated units, fit with --standardize"
    )


def _check_scalable(X, names):
    """A :class:`CLIError` naming the columns with no value, which ``--standardize`` cannot scale.

    StandardScaler learns a NaN mean for such a column, and ``inverse-transform`` would
    write NaN there. (Without ``--standardize`` the model treats the column as missing.)
    """
    empty = np.flatnonzero(np.isnan(X).all(axis=0)) if len(X) else np.zeros(0, dtype=int)
    if len(empty):
        shown = ", ".join(repr(names[j]) for j in empty[:10]) + (", ..." if len(empty) > 10 else "")
        raise CLIError(
            f"{len(empty)} column(s) of {len(names)} have no value (every cell empty): {shown}. "
            "--standardize cannot scale a column without values; leave it out with --columns"
        )


def _missing_note(X):
    """A line of the summary of ``fit``: how many values of ``X`` are missing, if any."""
    isnan = np.isnan(X)
    missing = int(np.count_nonzero(isnan))
    if not missing:
        return []
    rows = int(np.count_nonzero(isnan.any(axis=1)))
    return [
        f"  missing values:            {missing:,} ({missing / X.size:.1%}, in {rows:,} rows); "
        "the loss and the MSE skip them"
    ]


def run_fit(args):
    """Run ``sklearn-ae fit``: train on a file, save the model, print a summary.

    Missing values (empty cells) are left out of the training loss and of the
    reported MSE; the summary counts them.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``fit`` command line: the data file, ``--model`` and the options
        of the estimator.

    Returns
    -------
    status : int
        0 once the model is saved.
    """
    check_output(args.model, inputs=[args.data], what="model")
    check_model_path(args.model)  # not after training
    model = _estimator(args)  # a wrong option costs no reading of a large file
    autoencoder = autoencoder_of(model)
    X, names = read_table(args.data, columns_selector(args.columns))
    if args.standardize:
        _check_scalable(X, names)
    spread = None if args.standardize else _spread_warning(X, names)
    if spread is not None:
        print(f"{PROG}: warning: {spread}", file=sys.stderr)
    autoencoder.set_params(verbose=_verbosity(args, X.size))
    start = time.perf_counter()
    # Ctrl-C stops the command: skorch alone would end training and let a half-trained model be saved.
    with interruptible(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X)
        seconds = time.perf_counter() - start
        mse = -model.score(X)  # a Pipeline scores the autoencoder on the standardised columns
    # Remember the columns, as fitting on a DataFrame would, so that transform can check them.
    _first_step(model).feature_names_in_ = np.asarray(names, dtype=object)
    save_model(model, args.model)
    report_warnings(caught, names)
    units = "standardised units" if args.standardize else "the data's units"
    lines = [
        f"Trained {_model_name(model)} on {_count(X.shape[0], 'row')} x {_count(X.shape[1], 'column')} of "
        f"{args.data} in {seconds:.1f} s.",
        *_training_lines(autoencoder, units),
        f"  reconstruction MSE:        {mse:.6g} (on every row of the file, in {units})",
        *_missing_note(X),
        f"Saved the model to {args.model} ({format_note(args.model)}).",
        f"Next: {PROG} transform DATA --model {shlex.quote(str(args.model))} --output codes.csv"
        + _columns_option(args.columns),
    ]
    print("\n".join(lines))
    return 0


def _first_step(model):
    """The step that sees the file's columns: the model, or a Pipeline's first step."""
    return model.steps[0][1] if isinstance(model, Pipeline) else model


def _model_name(model):
    """``AutoencoderTransformer``, or ``StandardScaler + AutoencoderTransformer`` for a Pipeline."""
    if isinstance(model, Pipeline):
        return " + ".join(type(step).__name__ for _, step in model.steps)
    return type(model).__name__


def _training_lines(autoencoder, units):
    """The summary's lines on training: code size, epochs, losses (in ``units``)."""
    stopped = "" if autoencoder.n_iter_ < (autoencoder.max_iter or 0) else " (the max-iter limit)"
    lines = [
        f"  code size (n_components_): {autoencoder.n_components_}",
        f"  epochs (n_iter_):          {autoencoder.n_iter_}{stopped}",
        f"  final training loss:       {autoencoder.loss_curve_[-1]:.6g} (in {units})",
    ]
    if autoencoder.best_validation_score_ is not None:
        # The validation loss holds the penalties (and the VAE's KL term): an MSE only without them
        terms = autoencoder._variational or autoencoder.sparsity > 0 or autoencoder.contractive > 0
        label = "best validation loss:      " if terms else "best validation MSE:       "
        what = f"in {units}; the MSE plus the penalty or KL terms" if terms else f"in {units}"
        lines.append(f"  {label}{-autoencoder.best_validation_score_:.6g} ({what})")
    return lines


def _columns_option(columns):
    """`` --columns A,B`` for the next command when the fit chose columns, else ``""``."""
    return "" if columns is None else f" --columns {shlex.quote(columns_text(columns))}"


def _apply(args, inverse):
    model = load_model(args.model)
    check_output(args.output, inputs=[args.data, args.model])
    if file_format(args.output, "output") == "parquet":
        parquet_pandas()
    if inverse and not hasattr(model, "inverse_transform"):
        raise CLIError(f"the Pipeline in {args.model} has a step without inverse_transform: it cannot decode")
    if inverse:
        n_codes = autoencoder_of(model).n_components_
        select = model_selector(code_names(model), n_codes, args.columns, what="trained to make")
    else:
        select = model_selector(feature_names(model), model.n_features_in_, args.columns)
    X, _ = read_table(args.data, select, complete=COMPLETE_CODES if inverse else None, all_missing=True)
    if not inverse and feature_names(model) is None:  # fitted in Python on an array: no names to match
        order = "in the order --columns gives" if args.columns else "in their order"
        print(
            f"{PROG}: note: the model has no column names (it was fitted on an array), so "
            f"{args.data}'s columns are used {order}",
            file=sys.stderr,
        )
    with warnings.catch_warnings():  # the columns were matched by name above
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        result = model.inverse_transform(X) if inverse else model.transform(X)
    if inverse:
        names = feature_names(model) or [f"x{i}" for i in range(model.n_features_in_)]
    else:
        names = code_names(model)
    write_table(args.output, result, names)
    what = "reconstructed row" if inverse else "row"
    what = _count(result.shape[0], what) + ("" if inverse else f" of {_count(result.shape[1], 'code')}")
    incomplete = int(np.count_nonzero(np.isnan(X).any(axis=1)))
    note = (
        f" ({_count(incomplete, 'incomplete row')} encoded from their observed values)" if incomplete else ""
    )
    print(f"Wrote {what} to {args.output}{note}.")
    return 0


def _count(n, noun):
    """``n`` and ``noun``, plural unless ``n`` is 1: "1 row", "1,000 rows"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def run_transform(args):
    """Run ``sklearn-ae transform``: encode a file's rows with a saved model.

    Rows with missing values (empty cells) are encoded from their observed values,
    so every row gets a complete code.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``transform`` command line: the data file, ``--model``,
        ``--output`` and ``--columns``.

    Returns
    -------
    status : int
        0 once the codes are written.
    """
    return _apply(args, inverse=False)


def run_inverse_transform(args):
    """Run ``sklearn-ae inverse-transform``: decode codes back into rows.

    The codes must be complete: an empty cell is an error.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``inverse-transform`` command line: the codes file, ``--model``,
        ``--output`` and ``--columns``.

    Returns
    -------
    status : int
        0 once the reconstructed rows are written.
    """
    return _apply(args, inverse=True)


def _demo_figure(args):
    """The figure path ``demo`` will write (or None) and the note to print when skipped."""
    figure = None if args.no_figure else args.figure
    if figure is None:
        return None, None
    Figure = import_figure()
    if Figure is None:
        needs = 'it needs matplotlib (pip install "sklearn_ae[plot]")'
        return None, f"Figure skipped: {needs}; {figure} not written."
    check_output(figure, what="figure")
    suffix = Path(figure).suffix.lstrip(".").lower()
    formats = Figure().canvas.get_supported_filetypes()
    if suffix not in formats:
        raise CLIError(f"{figure}: unsupported figure type; use one of .{', .'.join(sorted(formats))}")
    return figure, None


def run_demo(args):
    """Run ``sklearn-ae demo``: PCA against the autoencoder on digits, plus a figure.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``demo`` command line: the code sizes, ``--max-iter``,
        ``--random-state`` and the figure options.

    Returns
    -------
    status : int
        0 on success, also when the figure is skipped for lack of matplotlib.
    """
    figure, skipped = _demo_figure(args)
    params = {} if args.max_iter is None else {"max_iter": args.max_iter}
    print(f"Digits (1797 x 64), 25% held out; code sizes {', '.join(map(str, args.n_components))}.")
    # The demo's networks are small: one torch thread is about as fast as several on an
    # idle machine, and faster when another program keeps a core busy (see
    # docs/user_guide/devices.rst). The caller's setting is restored (main() may run in
    # a user's Python process).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with interruptible():  # Ctrl-C stops the demo (skorch alone would end one fit early and go on)
            rows = compare(
                args.n_components, random_state=args.random_state, keep_codes=figure is not None, **params
            )
    finally:
        torch.set_num_threads(threads)
    print(format_table(rows))
    print("AE/PCA < 1: the autoencoder reconstructs held-out digits better at the same code size.")
    if figure is not None:
        plot_comparison(rows, figure)
        print(f"Saved the figure to {figure}.")
    if skipped:
        print(skipped)
    return 0
