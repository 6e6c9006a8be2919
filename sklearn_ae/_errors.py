"""Errors of a fit, and what to change when training diverges."""

from __future__ import annotations


class NonFiniteLossError(ValueError):
    """The training loss, or the trained weights, became NaN or infinite."""


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
