"""Scaling and PCA statistics of the training data, computed in row chunks.

The estimator centres each feature and divides by one global scale, so the training
objective is PCA's (squared error in the user's units, up to a constant) while the
optimizer sees numbers of order one. The same pass accumulates the covariance that
gives PCA's components for the ``init="pca"`` start.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from threadpoolctl import threadpool_limits

CHUNK_ROWS = 65536

#: Bytes of float64 rows per chunk of the PCA start's covariance.
COVARIANCE_CHUNK_BYTES = 2**24

SMALL_EIGH = 512  # up to this many features, the PCA start's eigh runs on one thread


def chunks(n_rows, size=CHUNK_ROWS):
    """Yield ``slice`` objects that cover ``range(n_rows)`` in pieces of ``size``."""
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


#: Bytes of a float64 copy of rows per chunk of the scaling passes (64 MiB).
SCALING_CHUNK_BYTES = 2**26


def float64_chunks(X):
    """:func:`chunks` of ``X``'s rows, each at most :data:`SCALING_CHUNK_BYTES` as float64.

    At :data:`CHUNK_ROWS` rows whatever the width, a chunk of wide data was a float64
    copy of the whole input (16,000 x 2,500 float32: 305 MiB for 153 MiB of data).
    """
    return chunks(len(X), max(1, min(CHUNK_ROWS, SCALING_CHUNK_BYTES // (8 * max(1, X.shape[1])))))


def result_array(shape, dtype):
    """An uninitialised ndarray of ``shape`` and ``dtype`` for an inference result, allocated by torch.

    ``np.empty`` asks Linux for transparent huge pages on large arrays
    (``madvise``). Where the kernel then compacts memory on demand to find them
    (``/sys/kernel/mm/transparent_hugepage/defrag`` set to ``madvise``, a common
    default), allocating ``inverse_transform``'s 400 MB result stalled: 1.09x a raw
    chunked forward before, 1.00x since (``python benchmarks/bench_transform.py``, see
    docs/benchmarks.rst); torch's allocator does not ask. The array shares the
    tensor's memory and keeps it alive (its ``base`` is the tensor, so
    ``ndarray.resize`` in place needs a copy first). Always on the CPU, whatever
    torch's default device.

    Examples
    --------
    >>> result_array((2, 3), np.float32).shape
    (2, 3)
    """
    return torch.empty(shape, dtype=torch.from_numpy(np.empty(0, dtype=dtype)).dtype, device="cpu").numpy()


def missing_per_row(X):
    """Number of NaN (missing) entries in each row of dense or CSR ``X``: over a CSR
    matrix's stored entries, without a copy; in row chunks for a dense array."""
    if sp.issparse(X):
        positions = np.flatnonzero(np.isnan(X.data))
        rows = np.searchsorted(X.indptr, positions, side="right") - 1
        return np.bincount(rows, minlength=X.shape[0])
    return np.concatenate([np.isnan(X[rows]).sum(axis=1) for rows in chunks(len(X))] or [np.zeros(0, int)])


def unobserved_count(X, rows):
    """How many features of ``X`` (dense or CSR, NaN missing) no row of ``rows`` observes.

    ``rows``: row indices (a NumPy array). A sparse matrix's implicit zeros are observed.
    """
    n, d = len(rows), X.shape[1]
    if n == 0:
        return 0
    if sp.issparse(X):
        block = X[rows].tocsr()
        missing_per_column = np.bincount(block.indices[np.isnan(block.data)], minlength=d)
        return int(np.count_nonzero(missing_per_column == n))
    observed = np.zeros(d, dtype=bool)
    for chunk in chunks(n):
        observed |= ~np.isnan(X[rows[chunk]]).all(axis=0)
    return int(d - np.count_nonzero(observed))


class MissingShares(NamedTuple):
    """What :func:`missing_shares` counts."""

    share: float  # of all entries
    live_share: float  # of the entries in the rows and columns with an observed entry
    empty_columns: np.ndarray  # indices of the columns without an observed entry


def missing_shares(X):
    """Shares of ``X``'s entries that are NaN (missing): of all of them, and of those in
    the rows and columns with at least one observed entry; and the empty columns.

    The second share is the share a row is missing where there is something to learn:
    an empty column (or row) makes the first larger without any row of the trained
    features missing more. Counted in row chunks, or over a CSR matrix's stored entries.
    """
    n, d = X.shape
    if n * d == 0:
        return MissingShares(0.0, 0.0, np.zeros(0, dtype=np.int64))
    if sp.issparse(X):
        per_column = np.bincount(X.indices[np.isnan(X.data)], minlength=d)
        per_row = missing_per_row(X)
    else:
        per_column, per_row = np.zeros(d, dtype=np.int64), []
        for rows in chunks(n):
            block = np.isnan(X[rows])
            per_column += block.sum(axis=0)
            per_row.append(block.sum(axis=1))
        per_row = np.concatenate(per_row)
    total = int(per_column.sum())
    empty = np.flatnonzero(per_column == n).astype(np.int64)
    empty_columns, empty_rows = len(empty), int(np.sum(per_row == d))
    live = (n - empty_rows) * (d - empty_columns)
    missing_live = total - n * empty_columns - d * empty_rows + empty_rows * empty_columns
    return MissingShares(total / (n * d), (missing_live / live if live else 0.0), empty)


def with_columns_missing(X, columns):
    """A copy of dense or CSR ``X`` whose ``columns`` are NaN (missing) in every row."""
    if sp.issparse(X):
        keep = np.ones(X.shape[1], dtype=X.dtype)
        keep[columns] = 0
        n = X.shape[0]
        rows = np.repeat(np.arange(n), len(columns))
        nan = sp.csr_matrix((np.full(len(rows), np.nan, X.dtype), (rows, np.tile(columns, n))), shape=X.shape)
        return (X @ sp.diags(keep) + nan).tocsr()
    X = X.copy()
    X[:, columns] = np.nan
    return X


def fit_scaling(X, missing=False):
    """Per-feature mean and one global scale (the RMS of the centred data).

    With ``missing``, NaN entries are left out of both: the mean of each feature is
    over its observed entries (0 for a feature with none, as scikit-learn's imputers
    do), and the scale is the RMS over all observed entries.

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
    if missing:
        return _fit_scaling_observed(X)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.mean(X, axis=0, dtype=np.float64)
        sum_sq = 0.0
        for rows in float64_chunks(X):
            centred = X[rows].astype(np.float64)  # the one temporary per chunk
            centred -= mean
            sum_sq += float(np.einsum("ij,ij->", centred, centred))
    if not (np.isfinite(mean).all() and np.isfinite(sum_sq)):
        raise ValueError(overflow_message(X))
    return mean, _scale(sum_sq, X.size)


def _scale(sum_sq, count):
    scale = float(np.sqrt(sum_sq / count)) if count else 0.0
    if scale <= np.finfo(np.float64).tiny * 1e10:
        scale = 1.0
    return scale


def _fit_scaling_observed(X):
    """:func:`fit_scaling` over the observed (non-NaN) entries only."""
    d = X.shape[1]
    total, count = np.zeros(d), np.zeros(d)
    with np.errstate(over="ignore", invalid="ignore"):
        for rows in float64_chunks(X):
            block = X[rows].astype(np.float64)
            observed = ~np.isnan(block)
            total += np.where(observed, block, 0.0).sum(axis=0)
            count += observed.sum(axis=0)
        mean = np.divide(total, count, out=np.zeros(d), where=count > 0)
        sum_sq = 0.0
        for rows in float64_chunks(X):
            centred = X[rows].astype(np.float64)
            centred -= mean
            sum_sq += float(np.nansum(centred * centred))
    if not (np.isfinite(mean).all() and np.isfinite(sum_sq)):
        raise ValueError(overflow_message(X))
    return mean, _scale(sum_sq, int(count.sum()))


#: For X with an infinite entry, which reaches us only past
#: ``sklearn.config_context(assume_finite=True)`` (NaN is "missing", and kept).
INFINITY_MESSAGE = "Input X contains infinity (assume_finite=True skipped scikit-learn's check for it)."


def overflow_message(X):
    largest = float(np.nanmax(np.abs(X)))
    if not np.isfinite(largest):
        return INFINITY_MESSAGE
    exponent = int(np.floor(np.log10(largest))) if largest > 0 else 0
    return (
        f"X's values overflow float64 arithmetic (largest absolute value {largest:.3g}): "
        "the mean or the sum of squared deviations from it is not finite, and reconstruction "
        "errors are squares in X's units. Divide X by a constant before fitting, for "
        f"example 1e{exponent} so that its values are of order one."
    )


def scaled_tensor(X, mean, scale):
    """``(X - mean) / scale`` as a float32 tensor.

    Missing (NaN) entries stay NaN: the training loss skips them and the network's
    input sees them as 0, the feature's mean.
    """
    n, d = X.shape
    out = torch.empty((n, d), dtype=torch.float32, device="cpu")
    finite = True
    for rows in float64_chunks(X):
        block = X[rows].astype(np.float64)  # the one temporary per chunk
        block -= mean
        block /= scale
        out[rows] = torch.from_numpy(block)  # cast to float32 on copy
        finite = finite and not bool(torch.isinf(out[rows]).any())  # NaN is "missing"
    if not finite and np.isinf(X).any():
        raise ValueError(INFINITY_MESSAGE)
    if not finite:  # new rows far outside the data that set mean and scale
        raise ValueError(
            scaling_overflow_message("float32", scale)
            + " Continue training on data in the same units, or fit afresh."
        )
    return out


def scaling_overflow_message(dtype_name, scale):
    """The error for finite rows that are not finite once centred and scaled."""
    return (
        f"X's values overflow {dtype_name} once centred and divided by scale_ ({scale:.3g}), "
        "the scale of the data the model was first fitted on: these rows lie far outside that data."
    )


class PrincipalComponents(NamedTuple):
    """PCA of the scaled training data, as float32 tensors."""

    components: torch.Tensor  # (n_components, n_features), orthonormal rows, zero past the rank
    variances: torch.Tensor  # (n_components,), variance along each component
    noise_variance: float  # probabilistic PCA's noise: mean variance of the discarded directions


def _eigh(matrix, vectors=True):
    """Eigenvalues of a symmetric covariance in decreasing order, with their eigenvectors
    (columns) unless ``vectors=False``.

    A ``ValueError`` when the matrix is not finite (the data overflow float64).
    """
    if not np.isfinite(matrix).all():
        raise ValueError("The covariance of the scaled data is not finite: X's values overflow float64.")
    # On small matrices OpenBLAS's thread pool costs more than it saves, and its
    # threads then spin beside torch's during training: issue 9 measured a PCA start
    # at 0.37 s against 0.28 s for 15 epochs; on one BLAS thread the start costs 1.01x
    # init="random"'s time over 30 epochs (benchmarks/bench_init_cost.py).
    with threadpool_limits(limits=1 if matrix.shape[0] <= SMALL_EIGH else None, user_api="blas"):
        if not vectors:
            return np.sort(np.linalg.eigvalsh(matrix))[::-1]
        values, eigenvectors = np.linalg.eigh(matrix)
    order = np.argsort(values)[::-1]
    return values[order], eigenvectors[:, order]


def _discarded_mean(rest, n_unobserved):
    """Mean of the discarded directions' variances ``rest``, over the observed features' share.

    A feature with no observed value is a zero row and column of the covariance: an
    eigenvalue of exactly 0 among the discarded ones, which the model never fits (its
    loss skips the feature). Counting it would pull probabilistic PCA's noise down by
    ``(d_observed - k) / (d - k)``.
    """
    return float(rest.sum()) / max(rest.size - n_unobserved, 1) if rest.size else 0.0


def principal_components(covariance, n_components, n_unobserved=0):
    """Top ``n_components`` eigenvectors of ``covariance`` and their variances.

    Rows beyond the number of features are zero (see :func:`_as_components`).
    ``n_unobserved``: how many features have no observed value (see :func:`_discarded_mean`).
    """
    values, vectors = _eigh(covariance)
    top = min(n_components, covariance.shape[0])
    rest = np.clip(values[top:], 0, None)  # probabilistic PCA's noise: the discarded directions
    noise = _discarded_mean(rest, n_unobserved)
    return _as_components(vectors[:, :top].T, values[:top], noise, n_components)


def observed_noise_variance(X_scaled, rows, n_components, n_unobserved=0):
    """Probabilistic PCA's noise variance of data with missing entries, or None past
    :data:`WIDE_FEATURES` features.

    From the covariance over the pairs of entries observed together (:func:`covariance`):
    the mean-filled covariance's discarded directions also hold the variance that the
    filling moved out of the top ones, which biased the estimate (0.78 of the truth at
    half the entries missing, on a rank-2 example in the tests). The pairwise matrix
    need not be positive semi-definite, so the discarded eigenvalues are averaged
    unclipped (clipping the negative ones raised the estimate by half on 200 rows of 500
    features); only the mean is kept at 0 or more. ``n_unobserved``: how many features
    have no observed value (see :func:`_discarded_mean`).
    """
    if X_scaled.shape[1] > WIDE_FEATURES:
        return None
    _, pairwise = covariance(X_scaled, rows, pairwise=True)
    values = _eigh(pairwise, vectors=False)
    rest = values[min(n_components, len(values)) :]
    return max(_discarded_mean(rest, n_unobserved), 1e-6)


def _as_components(rows, variances, noise, n_components):
    """:class:`PrincipalComponents` from unit rows and their variances, in a fixed sign.

    Signs follow scikit-learn's convention (the largest entry of each row is positive)
    so the result is deterministic. Rows beyond those given are zero.
    """
    d = rows.shape[1]
    rows = rows.copy()
    signs = np.sign(rows[np.arange(len(rows)), np.argmax(np.abs(rows), axis=1)])
    rows *= np.where(signs == 0, 1.0, signs)[:, None]
    components = np.zeros((n_components, d))
    components[: len(rows)] = rows
    padded = np.zeros(n_components)
    padded[: len(rows)] = np.clip(variances, 0, None)
    return PrincipalComponents(
        torch.from_numpy(components.astype(np.float32)),
        torch.from_numpy(padded.astype(np.float32)),
        max(noise, 1e-6),
    )


#: Above this many features the PCA start is a truncated SVD (cost ~ rows x features x
#: code size) instead of an eigendecomposition of the covariance (features squared).
WIDE_FEATURES = 2048


def start_components(X_scaled, rows, n_components, seed, n_unobserved=0):
    """PCA of ``rows`` of the scaled data (a tensor or a ``ScaledSparse``) for the start.

    ``n_unobserved``: how many features have no observed value (see :func:`_discarded_mean`).
    """
    d = X_scaled.shape[1]
    if d <= WIDE_FEATURES:
        return principal_components(covariance(X_scaled, rows), n_components, n_unobserved)
    return _truncated_components(X_scaled, rows, n_components, seed, n_unobserved)


def _truncated_components(X_scaled, rows, n_components, seed, n_unobserved=0):
    """Top components by ARPACK's truncated SVD of the centred rows (never ``d x d``).

    A code of at least ``min(n, d) - 1`` (more than ARPACK can find) takes a dense SVD
    of the ``n x d`` rows instead.
    """
    from scipy.sparse.linalg import aslinearoperator, svds

    A = None  # the dense float64 rows, for dense data
    if isinstance(X_scaled, torch.Tensor):
        # The float64 rows, filled a chunk at a time: no whole float32 gather and no
        # second float64 copy for NaN -> 0 at the peak.
        n_rows = X_scaled.shape[0] if rows is None else len(rows)
        A = result_array((n_rows, X_scaled.shape[1]), np.float64)
        size = max(1, COVARIANCE_CHUNK_BYTES // (8 * X_scaled.shape[1]))
        for part in chunks(n_rows, size):
            block = X_scaled[part] if rows is None else X_scaled[rows[part].to(X_scaled.device)]
            A[part] = torch.nan_to_num(block.to("cpu", torch.float64), nan=0.0).numpy()
        operator, total = aslinearoperator(A), float(np.einsum("ij,ij->", A, A)) / max(len(A), 1)
    else:
        operator, total = X_scaled.operator(rows), X_scaled.total_variance(rows)
    n, d = operator.shape
    if total <= 0 or min(n, d) == 0:  # nothing to decompose (ARPACK fails on an all-zero operator)
        return _as_components(np.zeros((0, d)), np.zeros(0), total / max(d - n_unobserved, 1), n_components)
    if n_components >= min(n, d) - 1:
        # ARPACK finds at most min(n, d) - 1 components, but the rows, centred on the
        # mean of all rows (held-out ones too), can have rank min(n, d): a dense SVD of
        # them (n x d) gets every direction.
        if A is not None:
            dense = A
        else:  # sparse rows, centred by the operator
            dense = operator.rmatmat(np.eye(n)).T if n <= d else operator.matmat(np.eye(d))
        _, singular, vt = np.linalg.svd(dense, full_matrices=False)
        k = min(n_components, len(singular))
        singular, vt = singular[:k], vt[:k]
    else:
        k = n_components
        v0 = np.random.RandomState(seed).uniform(-1.0, 1.0, size=min(n, d))
        _, singular, vt = svds(operator, k=k, v0=v0)
        order = np.argsort(singular)[::-1]
        singular, vt = singular[order], vt[order]
    variances = singular**2 / max(n, 1)
    noise = max(total - float(variances.sum()), 0.0) / max(d - n_unobserved - k, 1)
    return _as_components(vt, variances, noise, n_components)


def covariance(X_scaled, rows=None, pairwise=False):
    """``X.T @ X / n`` over ``rows`` of the scaled data (all rows if None), in float64.

    ``X_scaled`` is the scaled tensor, or a ``ScaledSparse`` whose rows are densified
    a chunk at a time (the same float32 values and sums as the dense path). The PCA
    start is fitted on the training rows only, so that the validation rows score it
    as honestly as every later epoch. Missing entries count as 0 (the feature's
    mean), as the network's input sees them. With ``pairwise``, also returns the
    covariance over the pairs of entries observed together: entry ``(j, l)`` divided by
    the number of rows observing both (a pair never observed together counts as 0).
    """
    n_rows = X_scaled.shape[0] if rows is None else len(rows)
    d = X_scaled.shape[1]
    dense = isinstance(X_scaled, torch.Tensor)
    # At most 16 MiB of float64 per chunk: the chunk's copies are the fit's peak memory
    # above the scaled data (benchmarks/bench_memory.py). ``pairwise`` (the VAE on
    # missing data only) adds a mask of the chunk's size and a d x d count matrix.
    size = max(1, min(CHUNK_ROWS, COVARIANCE_CHUNK_BYTES // (8 * d)))
    cov = torch.zeros((d, d), dtype=torch.float64, device="cpu")
    together = torch.zeros((d, d), dtype=torch.float64, device="cpu") if pairwise else None
    for part in chunks(n_rows, size):
        if dense:
            block = X_scaled[part] if rows is None else X_scaled[rows[part]]
        else:
            block = X_scaled.take(part if rows is None else rows[part])
        # A copy of its own (never a view of the data), so NaN -> 0 can be in place.
        block = block.to("cpu", torch.float64, copy=True)
        if pairwise:
            observed = (~torch.isnan(block)).to(torch.float64)
            together += observed.T @ observed
        block.nan_to_num_(nan=0.0)
        cov += block.T @ block
    filled = (cov / max(n_rows, 1)).numpy()
    if not pairwise:
        return filled
    return filled, (cov / together.clamp_min(1)).numpy()


class RowSubset:
    """Rows ``rows`` of ``X``, a tensor already on the training device (no copy).

    ``rows=None`` means all rows. The training and validation parts of one scaled
    array are two subsets of it. ``inputs`` (with ``rows=None`` only) is what the
    network sees in place of ``X``, which stays the target: the validation rows with
    entries hidden, when training on missing data.
    """

    def __init__(self, X, rows=None, inputs=None):
        self.X = X
        self.rows = rows
        self.inputs = inputs

    def __len__(self):
        return len(self.X) if self.rows is None else len(self.rows)
