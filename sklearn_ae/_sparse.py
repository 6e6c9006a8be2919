"""Sparse input: scaling statistics and scaled rows of a scipy CSR matrix, never densified whole.

As :class:`sklearn.decomposition.PCA` does since scikit-learn 1.4, centring is implicit:
the statistics come from sums over the stored entries, and the training engine gets
``(X[rows] - mean) / scale`` one mini-batch at a time (:meth:`ScaledSparse.take`).
Stored NaN entries are missing values, as in dense input.
"""

from __future__ import annotations

import numpy as np
import torch


def _observed_sums(X):
    """Per feature: observed count, sum and sum of squares (implicit zeros count as observed)."""
    n, d = X.shape
    data = X.data.astype(np.float64)
    columns = X.indices
    nan = np.isnan(data)
    values = np.where(nan, 0.0, data)
    count = n - np.bincount(columns[nan], minlength=d)
    total = np.bincount(columns, weights=values, minlength=d)
    squares = np.bincount(columns, weights=values * values, minlength=d)
    return count, total, squares


def fit_scaling_sparse(X):
    """Per-feature mean and global scale of CSR ``X`` over its observed entries.

    The same statistics as :func:`~sklearn_ae._data.fit_scaling` for the dense
    matrix: the sum of squared deviations is the sum of squares minus the mean's
    contribution, per feature, so nothing is densified.
    """
    count, total, squares = _observed_sums(X)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.divide(total, count, out=np.zeros(len(count)), where=count > 0)
        deviations = np.clip(squares - count * mean * mean, 0.0, None)
        sum_sq = float(deviations.sum())
    observed = int(count.sum())
    if not (np.isfinite(mean).all() and np.isfinite(sum_sq)):
        raise ValueError(
            "X's values overflow float64 arithmetic: the mean or the sum of squared deviations "
            "from it is not finite. Divide X by a constant before fitting."
        )
    if observed == 0:
        return mean, 1.0
    scale = float(np.sqrt(sum_sq / observed))
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
        """Mean over rows of the squared norm of the centred, scaled rows."""
        X = _mean_filled(self.X if rows is None else self.X[np.asarray(rows)], self.mean)
        X = X.astype(np.float64, copy=False)  # float32 sums lose the variance to cancellation
        n = X.shape[0]
        sums = np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
        squares = float(X.multiply(X).sum())
        return (squares - 2.0 * float(sums @ self.mean) + n * float(self.mean @ self.mean)) / (
            self.scale**2 * max(n, 1)
        )


def _mean_filled(X, mean):
    """CSR ``X`` with stored NaN entries replaced by their feature's mean (a copy if any)."""
    nan = np.isnan(X.data)
    if not nan.any():
        return X
    X = X.copy()
    X.data[nan] = mean[X.indices[nan]]
    return X
