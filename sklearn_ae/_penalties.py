"""Regularisers added to the reconstruction loss: sparse, contractive and the VAE's KL.

Each is a callable ``penalty(X, y_pred, module, observed=None)`` returning a scalar
tensor, where ``y_pred`` is the module's output tuple ``(reconstruction, code, ...)``
and ``observed`` is the share of the batch's target entries that are observed (None
when nothing is missing). All act on the internally scaled data, so their weights do
not depend on the user's units.
"""

from __future__ import annotations

import torch
from torch import nn

from ._modules import Coder, Dropout, activation_derivative

#: The smallest root mean square of a code unit that the sparsity penalty divides by
#: (scaled units, where the data's overall root mean square is 1). A unit beyond the
#: data's rank (an overcomplete code's padding, zero at PCA's start) is tiny but not
#: zero after a step, and its gradient, which grows as one over its spread, made SGD
#: diverge at the first epoch. Fits on the digits at code size 16 and on the S-curve
#: do not reach it (their codes are unchanged); at size 80 it steadied the held-out
#: error (0.103 and 0.107 for seeds 0 and 1, against 0.242 and 0.102 without it; 0.01
#: and 0.1 gave sparser codes at a higher error: a development check, not a benchmark).
UNIT_RMS_FLOOR = 1e-3

#: The smallest code spread (root mean square over units and rows, about the batch mean)
#: that the contractive penalty divides by. Batches of a real data set spread the
#: code by about 1 or more (PCA's units on the digits: 1.4 to 2.7), and fits on the
#: digits and the S-curve do not reach it; a batch of nearly equal rows (a small
#: ``partial_fit`` chunk) does, where dividing by its spread gave penalties of 1e8.
CODE_SPREAD_FLOOR = 0.1


def _code_rms(code):
    """Root mean square of each code unit over the batch, at least :data:`UNIT_RMS_FLOOR`.

    The floor also keeps a unit that is zero on every row (an overcomplete code's
    padding at PCA's start) from a 0/0 gradient.
    """
    return code.square().mean(dim=0).clamp_min(UNIT_RMS_FLOOR**2).sqrt()


class _BatchPenalty:
    """A penalty measured across the rows of a batch: ``weight`` times :meth:`term` of
    the batch's code, and nothing for a batch of one row, which has no spread."""

    def __init__(self, weight):
        self.weight = weight

    def __call__(self, X, y_pred, module, observed=None):
        code = y_pred[1]
        if len(code) < 2:
            return code.new_zeros(())
        return self.weight * self.term(X, code, module)


class SparsityPenalty(_BatchPenalty):
    """``weight`` times the mean absolute code entry, each unit in units of its RMS
    (at least :data:`UNIT_RMS_FLOOR`).

    A plain L1 penalty on the code can be met by shrinking the codes and growing
    the decoder to match, without any code becoming sparser. Dividing each code unit
    by its RMS over the batch makes the penalty scale invariant, so only sparsity
    (most entries near zero, a few large) lowers it. A batch of one row has no spread
    to measure it in (each unit is then 1 in its own units, a constant), so it adds
    nothing; ``fit`` refuses ``batch_size=1`` with this penalty.
    """

    def term(self, X, code, module):
        return (code.abs() / _code_rms(code)).mean()


class ContractivePenalty(_BatchPenalty):
    """``weight`` times the mean squared Frobenius norm of the encoder's Jacobian.

    The Jacobian is measured in units of the code's spread (its variance over the
    batch, about the batch mean, at least :data:`CODE_SPREAD_FLOOR` squared): the
    code must become insensitive to the input relative to how much it varies, which
    neither rescaling nor shifting the code can fake (a constant shift changes neither
    the Jacobian nor the reconstruction).
    A batch of one row has no spread to measure it in, so it adds nothing (``fit``
    refuses ``batch_size=1`` with this penalty; a one-row held-out batch or
    ``partial_fit`` chunk can still occur).

    For the built-in :class:`~sklearn_ae._modules.Coder` the Jacobian is formed in
    closed form, one matrix product per layer from the code side, so its cost grows
    with the code size, not the number of features. Other encoders fall back on
    ``torch.func`` (vectorised reverse mode).
    """

    def term(self, X, code, module):
        encoder = module.encoder
        n_code = code.shape[1]
        if isinstance(encoder, Coder):
            jacobian = coder_jacobian(encoder, X)[:, :n_code]
        else:
            jacobian = _autograd_jacobian(encoder, X)[:, :n_code]
        variance = (code - code.mean(dim=0)).square().mean()
        # Rows with one code (duplicates, or a single row) have no spread: no penalty,
        # not a division by a rounding error. The mean's rounding error is at most about
        # n * eps times the code's size, so a spread below that square is rounding; a
        # real spread passes however far the codes sit from 0. (A tensor test: no
        # device sync per step.)
        rounding = (len(code) * torch.finfo(code.dtype).eps) ** 2 * code.square().mean()
        spread = variance > rounding
        denominator = torch.where(spread, variance.clamp_min(CODE_SPREAD_FLOOR**2), 1.0)
        penalty = jacobian.square().sum(dim=(1, 2)).mean() / denominator
        return torch.where(spread, penalty, 0.0)


class KLPenalty:
    """The VAE's KL divergence to the standard normal prior, per observed entry.

    ``weight`` is ``beta * 2 * noise_variance``: with it, the loss is (up to a
    constant factor) the negative ELBO of a Gaussian decoder whose noise variance is
    probabilistic PCA's estimate at the same code size. The reconstruction error is a
    mean over the batch's observed entries, so the batch's KL is divided by their
    number too (all ``n_rows * n_features`` entries when nothing is missing): with
    missing values the two terms keep the ELBO's balance.
    """

    def __init__(self, weight):
        self.weight = weight

    def __call__(self, X, y_pred, module, observed=None):
        _, mean, log_var = y_pred
        kl = 0.5 * (mean.square() + log_var.exp() - 1.0 - log_var).sum(dim=1).mean()
        entries_per_row = X.shape[1] if observed is None else X.shape[1] * observed
        return self.weight * kl / entries_per_row


def coder_jacobian(coder: Coder, x):
    """Per-row Jacobian of ``coder`` at ``x``: shape ``(n_rows, n_out, n_in)``.

    Runs the MLP forward recording each layer's local derivative, then multiplies
    them from the narrower end: from the output side for an encoder, from the input
    side for a decoder (the imputer's ``inference="map"``), which costs less. Batch
    norm is treated as the affine map it applies to this batch; dropout as its
    (sampled) mask.
    """
    jacobian = coder.linear.weight.unsqueeze(0).expand(len(x), -1, -1)
    if coder.mlp is None:
        return jacobian
    steps = []
    h = x
    for layer in coder.mlp:
        if isinstance(layer, nn.Linear):
            steps.append(("matrix", layer.weight))
            h = layer(h)
        elif isinstance(layer, nn.BatchNorm1d):
            # The affine map batch norm applies to this batch, applied by hand: calling the
            # layer in training mode would update its running statistics a second time.
            if layer.training:
                mean, var = h.mean(dim=0), h.var(dim=0, unbiased=False)
            else:
                mean, var = layer.running_mean, layer.running_var
            gain = layer.weight / torch.sqrt(var + layer.eps)
            steps.append(("diagonal", gain))
            h = (h - mean) * gain + layer.bias
        elif isinstance(layer, Dropout):
            if layer.training and layer.p > 0:
                # A mask of its own (from the fit's generator): the penalty is that of a
                # sampled subnetwork, not necessarily the one the forward pass used.
                mask = layer.mask(h)
                steps.append(("diagonal", mask))
                h = h * mask
        else:
            steps.append(("diagonal", activation_derivative(layer, h)))
            h = layer(h)
    if coder.linear.in_features < coder.linear.out_features:
        return jacobian + _product_from_input(steps)
    back = None  # d(output)/d(current layer), shape (n_rows or 1, n_out, width)
    for kind, factor in reversed(steps):
        if kind == "matrix":
            back = factor.unsqueeze(0) if back is None else back @ factor
        else:  # per-row (n_rows, width) or per-feature (width,) scaling
            back = back * (factor.unsqueeze(1) if factor.dim() == 2 else factor)
    return jacobian + back


def _product_from_input(steps):
    """The product of :func:`coder_jacobian`'s local derivatives, taken from the input side."""
    ahead = None  # d(current layer)/d(input), transposed: shape (n_rows or 1, n_in, width)
    for kind, factor in steps:
        if kind == "matrix":
            ahead = factor.T.unsqueeze(0) if ahead is None else ahead @ factor.T
        else:
            ahead = ahead * (factor.unsqueeze(1) if factor.dim() == 2 else factor)
    return ahead.transpose(1, 2)


def _autograd_jacobian(encoder, x):
    params = dict(encoder.named_parameters())
    buffers = dict(encoder.named_buffers())

    def one_row(row):
        return torch.func.functional_call(encoder, (params, buffers), (row.unsqueeze(0),)).squeeze(0)

    # randomness="different": a dropout layer draws its own mask for each row, as in training.
    try:
        return torch.func.vmap(torch.func.jacrev(one_row), randomness="different")(x)
    except RuntimeError as exc:
        raise ValueError(
            f"contractive > 0 needs the Jacobian of the custom encoder {type(encoder).__name__}, "
            f"which torch.func could not compute ({exc}). Use contractive=0, or an encoder "
            "without in-place state updates such as batch normalisation."
        ) from exc
