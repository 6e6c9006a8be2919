"""Choosing the code size from a target held-out R^2 (``n_components`` as a float)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from ._errors import user_stacklevel

HOLDOUT_FRACTION = 0.2
MIN_HELD_OUT = 2  # one held-out row has no spread about its own mean: R^2 is undefined
MIN_ROWS = int(MIN_HELD_OUT / HOLDOUT_FRACTION)  # 10


def heldout_r2(model, X):
    """``1 - SSE / SST`` of ``model``'s reconstructions of ``X`` (all features pooled).

    Missing (NaN) entries count in neither sum.
    """
    reconstruction = model.inverse_transform(model.transform(X))
    total = np.nansum((X - _column_means(X)) ** 2)
    return 1.0 - np.nansum((reconstruction - X) ** 2) / max(total, np.finfo(float).tiny)


def _column_means(X):
    """Each column's mean over its observed entries (0 for a column with none)."""
    observed = ~np.isnan(X)
    return np.where(observed, X, 0.0).sum(axis=0) / np.maximum(observed.sum(axis=0), 1)


def choose_code_size(estimator, X, target, seed):
    """The smallest code size whose held-out reconstruction R^2 reaches ``target``.

    A fifth of the rows is held out. PCA's size for the target on those rows is the
    first bound: a short fit (a quarter of ``max_iter`` epochs, at least 5) of that
    size usually reaches it, since the autoencoder starts from PCA's solution, and
    bisection below it then needs about ``log2`` of that many short fits instead of
    one per size. Where it does not (``init="random"``, custom modules, or PCA's
    start fitted on fewer rows), sizes above it are tried, doubling, up to the
    number of features; if none reaches the target, that number is used, with a
    warning.

    Returns
    -------
    n_components : int
    """
    n = X.shape[0]
    if n < MIN_ROWS:
        raise ValueError(
            f"n_components={target!r} (a target held-out R^2) needs at least {MIN_ROWS} rows, "
            f"to hold out {MIN_HELD_OUT}; got n_samples={n}. Give the code size as an integer."
        )
    order = np.random.RandomState(seed).permutation(n)
    n_held = int(HOLDOUT_FRACTION * n)
    X_held, X_fit = X[order[:n_held]], X[order[n_held:]]
    # The short fits are seeded from the fit's seed (their random_state): with
    # random_state=None the search then draws nothing more from numpy's global generator.
    # They run no user callbacks and print nothing: a Checkpoint or a log line per short
    # fit would be side effects of a search the user did not write.
    short = clone(estimator).set_params(
        max_iter=max(5, estimator.max_iter // 4),
        warm_start=False,
        random_state=seed,
        verbose=0,
        callbacks=None,
    )

    def reaches(k):
        model = clone(short).set_params(n_components=k)
        # Short fits stop early by design: they warn of nothing. (An attribute of the
        # model, not a warnings filter, which threads running fits at once would share.)
        # A Ctrl-C stops the search rather than judging a truncated fit (skorch catches it).
        model._warn_as, model._keep_interrupted = None, False
        model.fit(X_fit)
        return heldout_r2(model, X_held) >= target

    high, low = _pca_size(X_fit, X_held, target), 1
    if not reaches(high):  # the autoencoder needs more than PCA here: search above
        limit = X.shape[1]
        while True:
            if high >= limit:
                warnings.warn(
                    f"No code size up to n_features={limit} reached the held-out R^2 target "
                    f"n_components={target} in the short fits of the search; using {limit}. "
                    "Raise max_iter, or lower the target.",
                    ConvergenceWarning,
                    stacklevel=user_stacklevel(),
                )
                return limit
            low, high = high + 1, min(2 * high, limit)
            if reaches(high):
                break
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _pca_size(X_fit, X_held, target):
    """Smallest PCA size (fitted on ``X_fit``) reaching ``target`` R^2 on ``X_held``.

    Missing entries are filled with their column's mean: this only bounds the size.
    """
    X_fit = np.where(np.isnan(X_fit), _column_means(X_fit), X_fit)
    X_held = np.where(np.isnan(X_held), _column_means(X_held), X_held)
    with np.errstate(divide="ignore", invalid="ignore"):  # constant data: explained ratios of 0/0
        pca = PCA().fit(X_fit)
    centred = X_held - pca.mean_
    explained = np.cumsum(np.sum((centred @ pca.components_.T) ** 2, axis=0))
    total = np.sum((X_held - X_held.mean(axis=0)) ** 2)
    r2 = 1.0 - (np.sum(centred**2) - explained) / max(total, np.finfo(float).tiny)
    reached = np.flatnonzero(r2 >= target)
    return int(reached[0]) + 1 if reached.size else len(r2)
