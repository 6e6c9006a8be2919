"""Scaling and PCA statistics of the training data, computed in row chunks.

The estimator centres each feature and divides by one global scale, so the training
objective is PCA's (squared error in the user's units, up to a constant) while the
optimizer sees numbers of order one. The same pass accumulates the covariance that
gives PCA's components for the ``init="pca"`` start.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from threadpoolctl import threadpool_limits

CHUNK_ROWS = 65536

SMALL_EIGH = 512  # up to this many features, the PCA start's eigh runs on one thread


def chunks(n_rows, size=CHUNK_ROWS):
    """Yield ``slice`` objects that cover ``range(n_rows)`` in pieces of ``size``."""
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


def fit_scaling(X):
    """Per-feature mean and one global scale (the RMS of the centred data).

    Returns
    -------
    mean : ndarray of shape (n_features,), float64
    scale : float
        1.0 for constant data, so that scaling never divides by zero.

    Raises
    ------
    ValueError
        When the mean or the sum of squared deviations overflows float64: the
        training loss, ``score`` and ``loss_curve_`` are squared errors in the
        units of ``X``, which such data cannot represent.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.mean(X, axis=0, dtype=np.float64)
        sum_sq = 0.0
        for rows in chunks(len(X)):
            centred = X[rows].astype(np.float64)  # the one temporary per chunk
            centred -= mean
            sum_sq += float(np.einsum("ij,ij->", centred, centred))
    if not (np.isfinite(mean).all() and np.isfinite(sum_sq)):
        raise ValueError(_overflow_message(X))
    scale = float(np.sqrt(sum_sq / X.size)) if X.size else 0.0
    if scale <= np.finfo(np.float64).tiny * 1e10:
        scale = 1.0
    return mean, scale


def _overflow_message(X):
    largest = float(np.max(np.abs(X)))
    exponent = int(np.floor(np.log10(largest))) if largest > 0 else 0
    return (
        f"X's values overflow float64 arithmetic (largest absolute value {largest:.3g}): "
        "the mean or the sum of squared deviations from it is not finite, and reconstruction "
        "errors are squares in X's units. Divide X by a constant before fitting, for "
        f"example 1e{exponent} so that its values are of order one."
    )


def scaled_tensor(X, mean, scale, with_covariance=False):
    """``(X - mean) / scale`` as a float32 tensor, and optionally its covariance.

    Returns
    -------
    X_scaled : torch.Tensor of shape (n_samples, n_features), float32
    covariance : ndarray of shape (n_features, n_features) or None
        ``X_scaled.T @ X_scaled / n_samples`` accumulated in float64.
    """
    n, d = X.shape
    out = torch.empty((n, d), dtype=torch.float32)
    cov = np.zeros((d, d)) if with_covariance else None
    finite = True
    for rows in chunks(n):
        block = X[rows].astype(np.float64)  # the one temporary per chunk
        block -= mean
        block /= scale
        out[rows] = torch.from_numpy(block)  # cast to float32 on copy
        finite = finite and bool(torch.isfinite(out[rows]).all())
        if with_covariance:
            cov += block.T @ block
    if not finite:  # new rows far outside the data that set mean and scale
        raise ValueError(
            "X's values overflow float32 once centred and divided by scale_ "
            f"({scale:.3g}), the scale of the data the model was first fitted on. "
            "Continue training on data in the same units, or fit afresh."
        )
    if with_covariance:
        cov /= max(n, 1)
    return out, cov


class PrincipalComponents(NamedTuple):
    """PCA of the scaled training data, as float32 tensors."""

    components: torch.Tensor  # (n_components, n_features), orthonormal rows, zero past the rank
    variances: torch.Tensor  # (n_components,), variance along each component
    noise_variance: float  # probabilistic PCA's noise: mean variance of the discarded directions


def principal_components(covariance, n_components):
    """Top ``n_components`` eigenvectors of ``covariance`` and their variances.

    Signs follow scikit-learn's convention (the largest entry of each row is positive)
    so the result is deterministic. Rows beyond the number of features are zero.
    """
    d = covariance.shape[0]
    if not np.isfinite(covariance).all():
        raise ValueError("The covariance of the scaled data is not finite: X's values overflow float64.")
    # On small matrices OpenBLAS's thread pool costs far more than it saves: 25x
    # slower on 64 features, and its threads then spin beside torch's and slowed
    # every later epoch by about 20% (benchmarks/bench_fit.py, init="pca" rows).
    with threadpool_limits(limits=1 if d <= SMALL_EIGH else None, user_api="blas"):
        values, vectors = np.linalg.eigh(covariance)
    order = np.argsort(values)[::-1]
    top = order[: min(n_components, d)]
    rows = vectors[:, top].T
    signs = np.sign(rows[np.arange(len(rows)), np.argmax(np.abs(rows), axis=1)])
    rows *= np.where(signs == 0, 1.0, signs)[:, None]
    components = np.zeros((n_components, d))
    components[: len(rows)] = rows
    variances = np.zeros(n_components)
    variances[: len(rows)] = np.clip(values[top], 0, None)
    rest = np.clip(values[order[len(top) :]], 0, None)
    noise = max(float(rest.mean()) if rest.size else 0.0, 1e-6)
    return PrincipalComponents(
        torch.from_numpy(components.astype(np.float32)),
        torch.from_numpy(variances.astype(np.float32)),
        noise,
    )


def covariance(X_scaled, rows=None):
    """``X.T @ X / n`` over ``rows`` of the scaled tensor (all rows if None), in float64.

    The PCA start is fitted on the training rows only, so that the validation rows
    score it as honestly as every later epoch.
    """
    n_rows = X_scaled.shape[0] if rows is None else len(rows)
    d = X_scaled.shape[1]
    cov = torch.zeros((d, d), dtype=torch.float64)
    for part in chunks(n_rows):
        block = X_scaled[part] if rows is None else X_scaled[rows[part]]
        block = block.to("cpu", torch.float64)
        cov += block.T @ block
    return (cov / max(n_rows, 1)).numpy()


class RowSubset:
    """Rows ``rows`` of ``X``, a tensor already on the training device (no copy).

    ``rows=None`` means all rows. The training and validation parts of one scaled
    array are two subsets of it.
    """

    def __init__(self, X: torch.Tensor, rows: torch.Tensor | None = None):
        self.X = X
        self.rows = rows

    def __len__(self):
        return len(self.X) if self.rows is None else len(self.rows)
