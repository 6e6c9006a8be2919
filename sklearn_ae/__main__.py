"""Command line: ``python -m sklearn_ae demo`` (also installed as ``sklearn-ae``)."""

from __future__ import annotations

import argparse
import sys


def _parse_sizes(text):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("code sizes must be positive integers")
    return sizes


def build_parser():
    """The argument parser of the ``sklearn-ae`` command."""
    parser = argparse.ArgumentParser(
        prog="sklearn-ae",
        description="PyTorch autoencoders as scikit-learn transformers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="compare PCA and AutoencoderTransformer on scikit-learn's digits",
        description=(
            "Fit PCA and AutoencoderTransformer at a few code sizes on the digits data and "
            "print held-out reconstruction error, downstream LogisticRegression accuracy "
            "and fit time for each."
        ),
    )
    demo.add_argument(
        "--n-components",
        type=_parse_sizes,
        default=(2, 8, 16),
        metavar="K[,K...]",
        help="code sizes to compare (default: 2,8,16)",
    )
    demo.add_argument(
        "--max-iter", type=int, default=None, help="epochs for the autoencoder (default: its own)"
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        from ._demo import compare, format_table

        params = {} if args.max_iter is None else {"max_iter": args.max_iter}
        print(f"Digits (1797 x 64), 25% held out; code sizes {', '.join(map(str, args.n_components))}.")
        rows = compare(args.n_components, random_state=args.random_state, **params)
        print(format_table(rows))
        print("AE/PCA < 1: the autoencoder reconstructs held-out digits better at the same code size.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
