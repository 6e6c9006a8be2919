"""Errors of a fit, and what to change when training diverges."""

from __future__ import annotations


class NonFiniteLossError(ValueError):
    """The training loss, or the trained weights, became NaN or infinite."""


def divergence_advice(learning_rate):
    """What to change when training diverges."""
    return (
        f"Lower learning_rate_init (it is {learning_rate:g}; try {learning_rate / 10:g}), "
        "or raise alpha, or scale features with very different ranges."
    )
