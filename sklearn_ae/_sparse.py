"""Sparse input: scaling statistics and scaled rows of a scipy CSR matrix, never densified whole.

As :class:`sklearn.decomposition.PCA` does since scikit-learn 1.4, centring is implicit:
the statistics come from sums over the stored entries, and the training engine gets
``(X[rows] - mean) / scale`` one mini-batch at a time (:meth:`ScaledSparse.take`).
Stored NaN entries are missing values, as in dense input.
"""

from __future__ import annotations

import numpy as np
import torch

from ._data import INFINITY_MESSAGE, overflow_message


def fit_scaling_sparse(X):
    """Per-feature mean and global scale of CSR ``X`` over its observed entries.

    The same statistics as :func:`~sklearn_ae._data.fit_scaling` for the dense
    matrix, in two passes over the stored entries (the means, then the squared
    deviations from them), so nothing is densified: each implicit zero adds its
    feature's squared mean. Subtracting the squared mean from the sum of squares
    instead, in one pass, loses the variance to rounding when the mean is large
    against the spread.
    """
    n, d = X.shape
    data = X.data.astype(np.float64)
    columns = X.indices
    observed = ~np.isnan(data)
    count = n - np.bincount(columns[~observed], minlength=d)  # implicit zeros are observed
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.bincount(columns[observed], weights=data[observed], minlength=d)
        mean = np.divide(total, count, out=np.zeros(d), where=count > 0)
        sum_sq = _squared_deviations(X, mean)
    if not (np.isfinite(mean).all() and np.isfinite(sum_sq)):
        raise ValueError(overflow_message(X.data))
    n_observed = int(count.sum())
    if n_observed == 0:
        return mean, 1.0
    scale = float(np.sqrt(sum_sq / n_observed))
    return mean, scale if scale > np.finfo(np.float64).tiny * 1e10 else 1.0


class ScaledSparse:
    """``(X - mean) / scale`` for a CSR matrix ``X``, densified a batch of rows at a time.

    Stands in for the dense scaled tensor in a :class:`~sklearn_ae._data.RowSubset`:
    the training engine asks for rows with :meth:`take` and gets a dense float32
    tensor on ``device`` (missing entries stay NaN, as in the dense path).
    """

    def __init__(self, X, mean, scale, device=None):
        self.X = X
        self.mean = mean
        self.scale = scale
        self.device = torch.device("cpu") if device is None else device
        self.shape = X.shape
        stored = np.abs(X.data)
        largest = (np.nanmax(stored, initial=0.0) + np.abs(mean).max(initial=0.0)) / scale
        if not np.isfinite(largest) and np.isinf(stored).any():
            raise ValueError(INFINITY_MESSAGE)
        if not np.isfinite(largest) or largest > np.finfo(np.float32).max:
            raise ValueError(
                "X's values overflow float32 once centred and divided by scale_ "
                f"({scale:.3g}). Continue training on data in the same units, or fit afresh."
            )

    def __len__(self):
        return self.shape[0]

    def to(self, device):
        return ScaledSparse(self.X, self.mean, self.scale, device)

    def take(self, rows):
        """Rows ``rows`` (a slice, or an integer tensor on any device) as a dense tensor."""
        if isinstance(rows, torch.Tensor):
            rows = rows.cpu().numpy()
        block = self.X[rows].toarray().astype(np.float64, copy=False)
        block -= self.mean
        block /= self.scale
        return torch.from_numpy(block.astype(np.float32)).to(self.device)

    def operator(self, rows=None):
        """The centred, scaled training rows as a :class:`scipy.sparse.linalg.LinearOperator`."""
        from scipy.sparse.linalg import LinearOperator

        X = _mean_filled(self.X if rows is None else self.X[np.asarray(rows)], self.mean).astype(np.float64)
        mean, scale = self.mean, self.scale

        def matvec(v):
            v = np.asarray(v, dtype=np.float64).reshape(X.shape[1], -1)
            return (X @ v - (mean @ v)[None, :]) / scale

        def rmatvec(u):
            u = np.asarray(u, dtype=np.float64).reshape(X.shape[0], -1)
            return (X.T @ u - np.outer(mean, u.sum(axis=0))) / scale

        return LinearOperator(
            X.shape, matvec=matvec, rmatvec=rmatvec, matmat=matvec, rmatmat=rmatvec, dtype=np.float64
        )

    def total_variance(self, rows=None):
        """Mean over rows of the squared norm of the centred, scaled rows.

        Missing entries count as their feature's mean (0 once centred), as the
        network's input sees them; :func:`_squared_deviations`, as the scaling does.
        """
        X = self.X if rows is None else self.X[np.asarray(rows)]
        return _squared_deviations(X, self.mean) / (self.scale**2 * max(X.shape[0], 1))


def _squared_deviations(X, mean):
    """Sum of ``(x - mean_j)^2`` over CSR ``X``'s observed entries, in float64.

    The stored entries' deviations, plus each implicit zero's squared mean: nothing is
    densified, and no sum of squares minus the squared mean loses the variance to
    rounding. Stored NaN entries (missing) are left out.
    """
    data = X.data.astype(np.float64)
    observed = ~np.isnan(data)
    deviations = data[observed] - mean[X.indices[observed]]
    implicit = X.shape[0] - np.bincount(X.indices, minlength=X.shape[1])
    return float(deviations @ deviations + implicit @ (mean * mean))


def _mean_filled(X, mean):
    """CSR ``X`` with stored NaN entries replaced by their feature's mean (a copy if any)."""
    nan = np.isnan(X.data)
    if not nan.any():
        return X
    X = X.copy()
    X.data[nan] = mean[X.indices[nan]]
    return X
