"""Errors of a fit, and what to change when training diverges."""

from __future__ import annotations

import os
import sys

import joblib
import sklearn


class NonFiniteLossError(ValueError):
    """Training diverged: the loss or the trained weights became NaN or infinite, or
    the loss exploded while finite."""


def divergence_advice(learning_rate, current=None):
    """What to change when training diverges.

    ``current`` is the rate training ran at when it diverged, where the schedule (the
    boost of ``learning_rate_init="auto"``, or the plateau halving) had changed it.
    """
    during = "" if current is None or current == learning_rate else f", {current:g} when it diverged"
    return (
        f"Lower learning_rate_init (it is {learning_rate:g}{during}; try {learning_rate / 10:g}), "
        "or raise alpha, or scale features with very different ranges."
    )


_LIBRARIES = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__.rsplit(".", 1)[0]], sklearn, joblib)
)


def user_stacklevel(*also):
    """``stacklevel`` for a warning raised by the caller of this function, pointing at
    the first frame outside sklearn_ae, scikit-learn and joblib (the user's ``fit``,
    ``fit_transform``, pipeline or cross-validation call), however deep the library's
    frames are; the packages of the modules ``also`` (skl2onnx, say) are skipped too."""
    skipped = _LIBRARIES + tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in also)
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(skipped):
        frame, level = frame.f_back, level + 1
    return level
