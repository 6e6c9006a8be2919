"""Run the ``sklearn-ae`` command line: parse, run one command, turn errors into exit statuses."""

from __future__ import annotations

import contextlib
import os
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
        with _quiet_once_the_reader_leaves():
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


class _QuietOnceClosed:
    """``sys.stdout`` or ``sys.stderr`` that goes quiet once its reader has gone (``fit -v | head``).

    The command then finishes its work (a fit still saves its model) instead of
    failing on the first line it prints after the pipe closed.
    """

    def __init__(self, stream):
        self._stream = stream
        self._gone = False

    def write(self, text):
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._leave()
        return len(text)

    def flush(self):
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._leave()

    def _leave(self):
        self._gone = True
        with contextlib.suppress(AttributeError, OSError, ValueError):  # not a real file: nothing to close
            # What is still buffered goes nowhere, so exiting does not fail on it either.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _quiet_once_the_reader_leaves():
    """Guard ``sys.stdout`` and ``sys.stderr`` (progress bars write there) for one command."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = guarded = tuple(_QuietOnceClosed(stream) for stream in streams)
    try:
        yield
    finally:
        for stream in guarded:
            stream.flush()  # what is still buffered: a closed pipe shows here, not at exit
        sys.stdout, sys.stderr = streams
