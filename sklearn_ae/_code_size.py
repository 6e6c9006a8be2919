"""Choosing the code size from a target held-out R^2 (``n_components`` as a float)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA

HOLDOUT_FRACTION = 0.2
MIN_HELD_OUT = 2  # the fewest rows that judge a size: one row is too noisy a judge
MIN_ROWS = int(MIN_HELD_OUT / HOLDOUT_FRACTION)  # 10


def heldout_r2(model, X, fit_means):
    """``1 - SSE / SST`` of ``model``'s reconstructions of ``X`` (all features pooled).

    The total is about ``fit_means``, the training rows' means (NaN for a feature no
    training row observes): predicting the training mean scores 0, as out-of-sample R^2
    does, and held-out rows that happen to be all alike (a fifth of count data all
    zeros) do not make the total vanish. Missing (NaN) entries, and the features no
    training row observes (which no code size can learn), count in neither sum.
    """
    reconstruction = model.inverse_transform(model.transform(X))
    return _r2(reconstruction, X, fit_means)


def _r2(reconstruction, X, fit_means):
    """``1 - SSE / SST`` over the entries where ``X`` and ``fit_means`` are both finite.

    In float64 whatever ``X``'s dtype: float32 squares of data near 1e19 overflow.
    """
    X, reconstruction = np.asarray(X, dtype=np.float64), np.asarray(reconstruction, dtype=np.float64)
    centred = X - fit_means
    scored = ~np.isnan(centred)
    total = np.sum(np.where(scored, centred, 0.0) ** 2)
    error = np.sum(np.where(scored, reconstruction - X, 0.0) ** 2)
    return 1.0 - error / max(total, np.finfo(float).tiny)


def _column_means(X):
    """Each column's mean over its observed entries (NaN for a column with none)."""
    observed = ~np.isnan(X)
    counts = observed.sum(axis=0)
    sums = np.where(observed, X, 0.0).sum(axis=0, dtype=np.float64)  # float32 sums overflow (1e37 values)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


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
    warning : str or None
        The ``ConvergenceWarning``'s message when no size reached the target; the fit
        emits it once it has committed, as it does its own.
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
    fit_means = _column_means(X_fit)
    _check_judgeable(X_held, X_fit, fit_means, target)
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
        return heldout_r2(model, X_held, fit_means) >= target

    high, low = _pca_size(X_fit, X_held, fit_means, target), 1
    if not reaches(high):  # the autoencoder needs more than PCA here: search above
        limit = X.shape[1]
        while True:
            if high >= limit:
                return limit, (
                    f"No code size up to n_features={limit} reached the held-out R^2 target "
                    f"n_components={target} in the short fits of the search; using {limit}. "
                    "Raise max_iter, or lower the target."
                )
            low, high = high + 1, min(2 * high, limit)
            if reaches(high):
                break
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return low, None


def _check_judgeable(X_held, X_fit, fit_means, target):
    """A ``ValueError`` when the held-out rows show no variation to judge sizes by.

    They judge sizes by their variation about the training means. With none (nothing
    scored, or only features constant in every row) every size's rounding error would
    be all of it; data that vary nowhere (total 0) are let through, and take size 1.
    """
    with np.errstate(over="ignore"):  # the fit refuses values that overflow before the search
        held_total = np.nansum((X_held - fit_means) ** 2)
        fit_total = np.nansum((X_fit - fit_means) ** 2)
    unvarying = 0 < fit_total < np.inf and held_total <= np.finfo(float).eps * fit_total
    if unvarying or np.isnan(X_held - fit_means).all():
        raise ValueError(
            f"n_components={target!r} (a target held-out R^2): the {len(X_held)} rows held out to "
            "judge code sizes have no observed entry that varies from the other rows' means (only "
            "features the other rows do not observe, or that are constant), so no size can be "
            "judged. Give the code size as an integer."
        )


def _pca_size(X_fit, X_held, fit_means, target):
    """Smallest PCA size (fitted on ``X_fit``) reaching ``target`` R^2 on ``X_held``.

    Scored as :func:`heldout_r2` scores; missing entries are filled with their
    feature's training mean before projecting: this only bounds the size.
    """
    filler = np.nan_to_num(fit_means)  # 0 for a feature no training row observes
    X_held = np.asarray(X_held, dtype=np.float64)  # float32 squares overflow near 1e19
    X_fit = np.where(np.isnan(X_fit), filler, X_fit).astype(np.float64, copy=False)  # float64 filler: no copy
    with np.errstate(divide="ignore", invalid="ignore"):  # constant data: explained ratios of 0/0
        pca = PCA().fit(X_fit)
    residual = np.where(np.isnan(X_held), filler, X_held) - pca.mean_
    scored = ~np.isnan(X_held - fit_means)
    total = max(np.sum(np.where(scored, X_held - fit_means, 0.0) ** 2), np.finfo(float).tiny)
    if scored.all():  # orthonormal components: each one removes its projection's square
        error = np.sum(residual**2) - np.cumsum(np.sum((residual @ pca.components_.T) ** 2, axis=0))
        reached = np.flatnonzero(1.0 - error / total >= target)
        return int(reached[0]) + 1 if reached.size else len(pca.components_)
    for k, component in enumerate(pca.components_, start=1):  # some entries unscored: one at a time
        residual -= np.outer(residual @ component, component)
        if 1.0 - np.sum(np.where(scored, residual, 0.0) ** 2) / total >= target:
            return k
    return len(pca.components_)
