"""The graphs of an autoencoder's ``transform``, ``inverse_transform`` and ``score_samples``.

Each mirrors the estimator's own inference (``_encode``, ``_decode`` and
``_row_errors`` in :mod:`sklearn_ae._autoencoder`): inputs are centred, a missing
(NaN) entry becomes 0 in scaled units (the feature's mean), as does every entry of a
feature that the first fit never observed, the global ``scale_``
divides the inputs and multiplies the codes and reconstructions. For the built-in
networks the scale is folded into the weights; the centring stays a subtraction,
which keeps float32 accurate on data with large offsets.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from .._training import unobserved_features
from ._network import emit_half


def visible(g, x, model):
    """``x`` with NaN (missing) in the features that the first fit never observed.

    The estimator treats them so (``_map``): its network never saw them, and its
    ``mean_`` for them is 0, not a mean. ``x`` itself when there are none.
    """
    unobserved = unobserved_features(model)
    if not len(unobserved):
        return x
    mask = np.zeros(model.n_features_in_, dtype=bool)
    mask[unobserved] = True
    return g("Where", g.const(mask, np.bool_), g.const(np.nan), x)


def centred(g, x, mean):
    """``x - mean`` with 0 at the missing (NaN) entries of ``x``."""
    return g.zero_where_missing(g("Sub", x, g.const(mean)), g("IsNaN", x))


def encode(g, x, model):
    """``model.transform(x)``: the codes (the posterior mean for a VAE)."""
    s = float(model.scale_)
    return emit_half(
        g,
        centred(g, visible(g, x, model), model.mean_),
        model.encoder_,
        in_div=s,
        out_mul=s,
        n_out=model.n_components_,
        n_in=model.n_features_in_,
    )


def decode(g, z, model):
    """``model.inverse_transform(z)``: reconstructions in the units of the training data."""
    s = float(model.scale_)
    return emit_half(g, z, model.decoder_, in_div=s, out_mul=s, out_add=model.mean_, n_in=model.n_components_)


def score_samples(g, x, model):
    """``model.score_samples(x)``: minus each row's mean squared error over its observed entries.

    As the estimator does: the network in the input's precision, the reconstruction in
    the input's units and its error in float64 (a float32 row's reconstruction may pass
    float32's range once scaled back); a row with no observed entry scores NaN, as there.
    """
    s = float(model.scale_)
    k = model.n_components_
    x = visible(g, x, model)
    code = emit_half(
        g, centred(g, x, model.mean_), model.encoder_, in_div=s, n_out=k, n_in=model.n_features_in_
    )
    if g.dtype == np.float64:
        reconstruction = emit_half(g, code, model.decoder_, out_mul=s, out_add=model.mean_, n_in=k)
        difference = g("Sub", reconstruction, x)
    else:  # the estimator's float32 mean_, widened
        decoded = g("Cast", emit_half(g, code, model.decoder_, n_in=k), to=TensorProto.DOUBLE)
        mean = np.asarray(model.mean_, dtype=np.float32).astype(np.float64)
        reconstruction = g("Add", g("Mul", decoded, g.const(s, np.float64)), g.const(mean, np.float64))
        difference = g("Sub", reconstruction, g("Cast", x, to=TensorProto.DOUBLE))
    squared = g("Mul", difference, difference)
    missing = g("IsNaN", squared)
    axes = g.const([1], np.int64)
    total = g("ReduceSum", g("Where", missing, g.const(0.0, np.float64), squared), axes, keepdims=0)
    observed = g("ReduceSum", g("Cast", g("Not", missing), to=TensorProto.DOUBLE), axes, keepdims=0)
    return g("Neg", g("Div", total, observed))
