"""The parser of the ``sklearn-ae`` command line: its commands, options and help texts.

Each command stores the function that runs it (from :mod:`sklearn_ae.cli._commands`)
as ``run``; option values are parsed by :mod:`sklearn_ae.cli._argument_types`.
"""

from __future__ import annotations

import argparse
import textwrap

from .. import __version__
from .._autoencoder import AutoencoderTransformer
from .._modules import ACTIVATIONS
from ._argument_types import (
    demo_sizes,
    float_type,
    parse_batch_size,
    parse_columns,
    parse_hidden,
    parse_n_components,
    positive_int,
    seed,
)
from ._commands import LARGE_DATA, run_demo, run_fit, run_inverse_transform, run_transform
from ._errors import PROG
from ._model_files import PICKLE_NOTE
from ._tables import DATA_NOTE

_RAW = argparse.RawDescriptionHelpFormatter

_TRUSTED_MODEL = "a model saved by 'sklearn-ae fit': a .skops file, or a joblib pickle (trusted files only)"


def _default(name):
    """The estimator's default for parameter ``name``, for help texts."""
    return AutoencoderTransformer().get_params()[name]


def _sizes_text(sizes):
    return ",".join(map(str, sizes)) if sizes else '"" (linear)'


def _wrap(text, width=78):
    return textwrap.fill(text, width)


def _notes(*notes):
    """``notes`` wrapped to 78 columns, a blank line before each."""
    return "".join("\n\n" + _wrap(note) for note in notes)


def _add_command(commands, name, run, **kwargs):
    """A sub-command ``name`` whose help keeps its line breaks and that runs ``run``."""
    command = commands.add_parser(name, formatter_class=_RAW, **kwargs)
    command.set_defaults(run=run)
    return command


def _add_model_argument(parser, help_text):
    parser.add_argument("-m", "--model", required=True, metavar="PATH", help=help_text)


def _add_columns_argument(parser, help_text):
    parser.add_argument("--columns", type=parse_columns, default=None, metavar="A,B,...", help=help_text)


def _add_max_iter_argument(parser, what):
    parser.add_argument(
        "--max-iter",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"{what} (default: {_default('max_iter')})",
    )


def _add_weight_argument(group, flag, help_text, metavar="X"):
    group.add_argument(flag, type=float_type(0, strict=False), default=None, metavar=metavar, help=help_text)


def _add_apply_arguments(command, data, output, columns):
    """The arguments of ``transform`` and ``inverse-transform``.

    ``data`` and ``columns`` are ``(metavar, help)`` and a help text; ``output`` is the
    help text of ``--output``.
    """
    metavar, data_help = data
    command.add_argument("data", metavar=metavar, help=data_help)
    _add_model_argument(command, _TRUSTED_MODEL)
    command.add_argument("-o", "--output", required=True, metavar="PATH", help=output)
    _add_columns_argument(command, columns)


def _add_demo(commands):
    demo = _add_command(
        commands,
        "demo",
        run_demo,
        help="compare PCA and the autoencoder on scikit-learn's digits (no data needed)",
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
        type=demo_sizes,
        default=(2, 8, 16),
        metavar="K[,K...]",
        help="code sizes to compare (default: 2,8,16); include 2 to plot the codes",
    )
    _add_max_iter_argument(demo, "epochs for the autoencoder")
    demo.add_argument("--random-state", type=seed, default=0, metavar="SEED", help="seed (default: 0)")
    figure = demo.add_mutually_exclusive_group()
    figure.add_argument(
        "--figure",
        default="sklearn_ae_demo.png",
        metavar="PATH",
        help="where to save the figure; .png, .pdf, .svg, ... (default: sklearn_ae_demo.png)",
    )
    figure.add_argument("--no-figure", action="store_true", help="print the table only")


def _add_fit(commands):
    fit = _add_command(
        commands,
        "fit",
        run_fit,
        help="train an autoencoder on a CSV or Parquet file and save it",
        description=(
            "Train an AutoencoderTransformer on the columns of DATA (all, or those --columns\n"
            "names; each must hold numbers), save it to --model and print a summary. The\n"
            "model remembers the column names, so 'transform' can check that later files\n"
            "have the same columns." + _notes(DATA_NOTE, PICKLE_NOTE)
        ),
        epilog=(
            "examples:\n"
            "  sklearn-ae fit data.csv --model model.joblib --n-components 8\n"
            "  sklearn-ae fit data.parquet --model model.joblib --n-components 0.9 --early-stopping off\n"
            "  sklearn-ae fit data.csv --model vae.joblib --variational --beta 0.5 --columns a,b,c"
        ),
    )
    fit.add_argument("data", metavar="DATA", help="training data: a .csv, .csv.gz or .parquet (.pq) file")
    _add_model_argument(
        fit, "where to save the trained model: model.skops (the safe format) or model.joblib (a pickle)"
    )
    _add_columns_argument(fit, "use only these columns (default: all; all must be numeric)")
    _add_model_options(fit.add_argument_group("model"))
    _add_training_options(fit.add_argument_group("training"))


def _add_model_options(model):
    model.add_argument(
        "--n-components",
        type=parse_n_components,
        default=_default("n_components"),
        metavar="K",
        help=(
            f"code size (default: {_default('n_components')}); a fraction such as 0.9 picks the "
            "smallest code size that reconstructs that share of the variance on held-out rows"
        ),
    )
    model.add_argument(
        "--hidden-layer-sizes",
        type=parse_hidden,
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
    _add_weight_argument(
        model,
        "--noise",
        "denoising: add Gaussian noise of this standard deviation, relative to the data's "
        "overall scale, to training inputs (default: 0)",
    )
    _add_weight_argument(model, "--sparsity", "weight of an L1 penalty on the code (default: 0)")
    _add_weight_argument(
        model, "--contractive", "weight of the contractive (encoder Jacobian) penalty (default: 0)"
    )
    _add_weight_argument(
        model,
        "--neighbors",
        "weight of the neighbour-preserving (UMAP) term: 1.0 gives maps that keep neighbours (default: 0)",
    )
    model.add_argument(
        "--n-neighbors",
        type=positive_int,
        default=None,
        metavar="K",
        help=f"neighbours per row in that term's graph (default: {_default('n_neighbors')})",
    )
    _add_form_options(model)


def _add_form_options(model):
    """``--variational`` and its ``--beta``; ``--standardize``."""
    model.add_argument(
        "--variational",
        action="store_true",
        help="train a VariationalAutoencoderTransformer (codes are posterior means)",
    )
    _add_weight_argument(
        model, "--beta", "weight of the KL term, with --variational only (default: 1.0)", metavar="B"
    )
    model.add_argument(
        "--standardize",
        action="store_true",
        help=(
            "centre each column and divide it by its standard deviation before training, for "
            "columns in unrelated units (the model file then holds a scikit-learn Pipeline of a "
            "StandardScaler and the autoencoder; transform and inverse-transform apply it)"
        ),
    )


def _add_training_options(training):
    _add_max_iter_argument(training, "maximum number of epochs")
    training.add_argument(
        "--learning-rate-init",
        type=float_type(0, strict=True),
        default=None,
        metavar="LR",
        help=(
            "learning rate (default: the estimator's 'auto': 1e-3, tripled once training has "
            "left PCA's start; 3e-3 with --neighbors)"
        ),
    )
    training.add_argument(
        "--batch-size",
        type=parse_batch_size,
        default=None,
        metavar="N",
        help=f"rows per mini-batch, or auto (default: {_default('batch_size')})",
    )
    training.add_argument(
        "--early-stopping",
        choices=["auto", "on", "off"],
        default="auto",
        help=(
            "on: hold out 10%% of the rows, stop when their error stops improving and keep the best "
            "weights; off: train on all rows; auto (default): on from 100 rows"
        ),
    )
    training.add_argument(
        "--device",
        default="cpu",
        metavar="DEVICE",
        help="cpu, cuda, cuda:N, mps or auto (default: cpu)",
    )
    training.add_argument(
        "--random-state", type=seed, default=None, metavar="SEED", help="seed for reproducible training"
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


def _add_transforms(commands):
    transform = _add_command(
        commands,
        "transform",
        run_transform,
        help="encode the rows of a file with a saved model and write the codes",
        description=(
            "Encode each row of DATA with the model saved by 'fit' and write one row of codes\n"
            "per input row, in the same order, with columns autoencodertransformer0, ...\n"
            "(variationalautoencodertransformer0, ... for --variational models).\n"
            "DATA needs the columns the model was trained on (in any order; a model fitted\n"
            "in Python on an array knows no names and takes them in the file's order). A row with\n"
            "empty cells (missing values) is encoded from its observed values: the codes\n"
            "are complete." + _notes(DATA_NOTE, PICKLE_NOTE)
        ),
        epilog="example:\n  sklearn-ae transform data.csv --model model.joblib --output codes.csv",
    )
    _add_apply_arguments(
        transform,
        ("DATA", "rows to encode: a .csv, .csv.gz or .parquet (.pq) file"),
        "where to write the codes: .csv, .csv.gz or .parquet (.pq) (overwritten if it exists)",
        "use only these columns of DATA (default: every column, which must be the model's)",
    )
    inverse = _add_command(
        commands,
        "inverse-transform",
        run_inverse_transform,
        help="decode codes back to rows in the units of the training data",
        description=(
            "Decode codes written by 'transform' (columns autoencodertransformer0, ...) back\n"
            "into rows with the training data's columns and units: the reconstructions,\n"
            "complete rows. The codes must be complete: an empty cell is an error." + _notes(PICKLE_NOTE)
        ),
        epilog=(
            "example:\n"
            "  sklearn-ae inverse-transform codes.csv --model model.joblib --output reconstructed.csv"
        ),
    )
    _add_apply_arguments(
        inverse,
        ("CODES", "codes to decode: a .csv, .csv.gz or .parquet (.pq) file"),
        "where to write the reconstructions: .csv, .csv.gz or .parquet (.pq)",
        "use only these columns of CODES (default: every column, which must be the model's code columns)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``sklearn-ae`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; each sub-command stores the function that runs it as ``run``.

    Examples
    --------
    >>> args = build_parser().parse_args(["transform", "data.csv", "-m", "model.skops", "-o", "codes.csv"])
    >>> args.command, args.model, args.run.__name__
    ('transform', 'model.skops', 'run_transform')
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_RAW,
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
    _add_demo(commands)
    _add_fit(commands)
    _add_transforms(commands)
    return parser
