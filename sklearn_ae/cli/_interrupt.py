"""Ctrl-C during training: stop the command, not only the training.

skorch catches the :class:`KeyboardInterrupt` of a Ctrl-C during training and returns,
so the estimator's ``fit`` returns a model trained for fewer epochs (the Python API
documents this: the finished epochs are kept). A command that saves the model after
``fit`` would then save a half-trained model and exit 0. :func:`interruptible` makes
Ctrl-C stop the command instead, with :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import contextlib
import signal
import threading


class _Interrupted(BaseException):
    """Ctrl-C, raised where skorch's ``except KeyboardInterrupt`` does not catch it."""


@contextlib.contextmanager
def interruptible():
    """Make Ctrl-C inside the block raise :class:`KeyboardInterrupt` out of it.

    Within the block, SIGINT raises an exception that ``except KeyboardInterrupt``
    clauses (skorch's training loop has one) do not catch; it propagates as any
    interrupt would, and leaves the block as :class:`KeyboardInterrupt`. An
    interrupt that something inside swallowed anyway is raised on leaving the block.
    Outside the main thread, or when SIGINT does not have Python's default handler
    (for instance when it is ignored), the block runs unchanged.

    Yields
    ------
    None

    Raises
    ------
    KeyboardInterrupt
        When SIGINT arrived during the block.

    Examples
    --------
    >>> with interruptible():
    ...     total = sum(range(10))
    >>> total
    45
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    interrupted = False

    def on_sigint(signum, frame):
        nonlocal interrupted
        interrupted = True
        raise _Interrupted

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    except BaseException:
        if interrupted:  # whatever it became on the way out
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        raise KeyboardInterrupt
