"""Codes fitted to a row's observed entries: the imputer's ``inference="map"``.

The encoder sees a missing entry as the feature's mean, so its code for an incomplete
row is a guess made without knowing what is missing. :class:`CodePrior` and
:func:`map_reconstruction` instead take, for each row, the code that best explains
the entries that *are* observed, under a Gaussian prior fitted to the training rows'
codes: the maximum a posteriori (MAP) code of

.. math::

   \\frac{1}{2\\sigma^2} \\sum_{j \\text{ observed}} (\\operatorname{decode}(z)_j - x_j)^2
   + \\frac{1}{2} (z - \\mu)^\\top \\Sigma^{-1} (z - \\mu),

where :math:`\\mu` and :math:`\\Sigma` are the mean and covariance of the training
rows' codes and :math:`\\sigma^2` is the training rows' reconstruction error per
observed entry. With a linear decoder this is probabilistic PCA's estimate of the
missing entries; the decoder's curvature is what the autoencoder adds. The search
starts at the encoder's code and takes Gauss-Newton steps, each row on its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

#: Gauss-Newton iterations at most, and step halvings at most per iteration. Each row
#: stops on its own once a step lowers its objective (a negative log posterior, in
#: nats) by less than ``TOL``, or no step lowers it, so no row's result depends on the
#: other rows. On the digits and the breast cancer data with 20% of the entries
#: missing, the rows stopped within a few steps, at a fill error within 0.1% of that
#: of a ten times smaller ``TOL`` (a development check, not a benchmark).
MAX_ITER = 10
HALVINGS = 10
TOL = 1e-2
#: Numbers per chunk of rows held by the Jacobians, their products and the
#: activations: about ``4 * features * code units`` (copies of the decoder's Jacobian
#: alive at once) plus ``(features + hidden units) * (code units + 2)`` (the products
#: built layer by layer from the code side) per row, :func:`map_chunk_rows`. 2**23 is
#: 64 MiB in float64.
CHUNK_ENTRIES = 2**23
#: The smallest noise variance used, as a share of the data's mean square (1 in the
#: imputer's standardised units): a model that rebuilds its training rows exactly
#: would otherwise divide by zero.
MIN_NOISE = 1e-6


def map_chunk_rows(n_features, hidden_layer_sizes, n_components):
    """Rows per chunk of the search, so that a chunk holds about :data:`CHUNK_ENTRIES` numbers."""
    per_row = 4 * n_features * n_components + (n_features + sum(hidden_layer_sizes)) * (n_components + 2)
    return max(1, CHUNK_ENTRIES // per_row)


class CodePrior(NamedTuple):
    """The Gaussian prior of the codes, and the noise of the observed entries.

    In the units of the autoencoder's ``transform`` (codes) and of its input
    (entries).
    """

    mean: np.ndarray  # (n_components,)
    precision: np.ndarray  # (n_components, n_components)
    noise_variance: float


def fit_prior(codes, reconstruction, X):
    """The prior of ``codes`` (the training rows'), and the noise of ``reconstruction`` against ``X``.

    ``X`` may hold NaN (missing); the noise variance is the mean squared error over its
    observed entries. The covariance gets a small ridge, so a code direction that does
    not vary still has a finite precision.

    Parameters
    ----------
    codes : array-like of shape (n_rows, n_components)
        The training rows' codes.
    reconstruction : array-like of shape (n_rows, n_features)
        Their reconstructions.
    X : ndarray of shape (n_rows, n_features)
        The training rows, NaN where missing.

    Returns
    -------
    prior : CodePrior

    Examples
    --------
    >>> import numpy as np
    >>> codes = np.random.RandomState(0).normal(size=(100, 2))
    >>> X = np.zeros((100, 3))
    >>> prior = fit_prior(codes, X + 0.1, X)
    >>> prior.mean.shape, prior.precision.shape, round(prior.noise_variance, 6)
    ((2,), (2, 2), 0.01)
    """
    codes = np.asarray(codes, dtype=np.float64)
    k = codes.shape[1]
    mean = codes.mean(axis=0)
    centred = codes - mean
    covariance = centred.T @ centred / max(len(codes) - 1, 1)
    ridge = 1e-6 * max(float(np.trace(covariance)) / k, 1e-12)  # codes that never vary: still finite
    precision = np.linalg.inv(covariance + ridge * np.eye(k))
    residual = np.asarray(reconstruction, dtype=np.float64) - X
    observed = ~np.isnan(residual)
    noise = float(np.square(residual[observed]).mean()) if observed.any() else 1.0
    return CodePrior(mean, precision, max(noise, MIN_NOISE))


def map_reconstruction(decode, jacobian, codes, X, prior):
    """Reconstructions of the rows of ``X`` from their MAP codes, starting at ``codes``.

    Gauss-Newton steps, row by row (batched): each row's step solves its own
    ``n_components`` x ``n_components`` system and is halved until the row's objective
    does not increase, and each row stops on its own (:data:`TOL`), so a row's result
    does not depend on the other rows.

    Parameters
    ----------
    decode : callable
        Maps a tensor of codes to a tensor of reconstructions, row by row.
    jacobian : callable
        Maps a tensor of codes to ``decode``'s Jacobian at each row, of shape
        ``(n_rows, n_features, n_components)``.
    codes : torch.Tensor of shape (n_rows, n_components)
        The encoder's codes: where the search starts.
    X : torch.Tensor of shape (n_rows, n_features)
        The rows, NaN where missing, in ``decode``'s output units.
    prior : CodePrior
        From :func:`fit_prior`.

    Returns
    -------
    reconstruction : torch.Tensor of shape (n_rows, n_features)
        ``decode`` of the MAP codes.

    Examples
    --------
    >>> import numpy as np, torch
    >>> W = torch.tensor([[1.0, 1.0]])  # one code unit, two equal features
    >>> prior = CodePrior(np.zeros(1), np.eye(1), 1e-4)
    >>> X = torch.tensor([[2.0, float("nan")]])
    >>> jacobian = lambda z: W.T.expand(len(z), 2, 1)
    >>> reconstruction = map_reconstruction(lambda z: z @ W, jacobian, torch.zeros(1, 1), X, prior)
    >>> [round(v, 3) for v in reconstruction[0].tolist()]  # the hidden feature follows the observed one
    [2.0, 2.0]
    """
    noise = torch.as_tensor(prior.noise_variance, dtype=codes.dtype, device=codes.device)
    weights = (~torch.isnan(X)).to(X.dtype) / noise  # each entry's: 1 / its noise variance, 0 if missing
    targets = torch.nan_to_num(X, nan=0.0)
    # Copies: a model opened read-only (joblib's mmap_mode) holds non-writable arrays,
    # which torch warns about.
    mean = torch.as_tensor(np.array(prior.mean), dtype=codes.dtype, device=codes.device)
    precision = torch.as_tensor(np.array(prior.precision), dtype=codes.dtype, device=codes.device)

    def objective(z, target, weight):  # per row
        residual = decode(z) - target
        offset = z - mean
        return 0.5 * ((residual.square() * weight).sum(1) + ((offset @ precision) * offset).sum(1)), residual

    z = codes.detach().clone()
    active = torch.arange(len(z), device=z.device)  # rows still moving
    with torch.no_grad():
        for _ in range(MAX_ITER):
            if not len(active):
                break
            z_a, target, weight = z[active], targets[active], weights[active]
            value, residual = objective(z_a, target, weight)
            slopes = jacobian(z_a)  # (rows, features, code)
            weighted = slopes * weight[:, :, None]
            gradient = torch.einsum("ndk,nd->nk", weighted, residual) + (z_a - mean) @ precision
            hessian = torch.einsum("ndk,ndl->nkl", weighted, slopes) + precision
            step = -torch.linalg.solve(hessian, gradient)
            length = torch.ones(len(z_a), 1, dtype=z.dtype, device=z.device)
            for _ in range(HALVINGS):
                new_value = objective(z_a + length * step, target, weight)[0]
                better = new_value <= value
                if better.all():
                    break
                length = torch.where(better[:, None], length, length / 2)
            z[active] = z_a + torch.where(better[:, None], length * step, 0.0)
            # A row stops once a step gains less than TOL (or no step helps).
            gain = torch.where(better, value - new_value, 0.0)
            active = active[gain > TOL]
        return decode(z)
