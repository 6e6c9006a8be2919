"""Run the ``sklearn-ae`` command line: parse, run one command, turn errors into exit statuses."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._errors import PROG, CLIError
from ._parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sklearn-ae`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; default ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 on a data error (reported on stderr as
        ``sklearn-ae: error: ...``), 130 when interrupted. A usage error (an
        unknown option, a missing argument) raises ``SystemExit(2)`` from
        argparse, after its usage message: the command exits with status 2.

    Examples
    --------
    >>> from sklearn_ae.cli import main
    >>> main(["fit", "no-such-file.csv", "--model", "model.joblib"])
    2
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
