"""The graph of :meth:`AutoencoderImputer.transform <sklearn_ae.AutoencoderImputer.transform>`.

The imputer standardises each feature, and its autoencoder centres and scales the
result again; both are folded into one centring and into the network's first and
last layers. Features empty at fit get zero weights in and a zero reconstruction
out, so the network runs on all columns and the empty ones are dropped (or kept,
``keep_empty_features``) at the end, as the estimator does. Only missing entries
take the reconstruction; observed entries pass through unchanged.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from .._imputer import _is_nan
from ._network import emit_layers, fold, read_coder, widen


def impute(g, x, imputer):
    """``imputer.transform(x)``: missing entries filled, then the indicator columns, if any."""
    missing = (
        g("IsNaN", x) if _is_nan(imputer.missing_values) else g("Equal", x, g.const(imputer.missing_values))
    )
    kept = ~imputer.empty_features_
    filled = g.const(0.0) if imputer.autoencoder_ is None else _reconstruct(g, x, missing, imputer)
    out = g("Where", missing, filled, x)
    if not imputer.keep_empty_features and not kept.all():
        out = g("Gather", out, g.const(np.flatnonzero(kept), np.int64), axis=1)
    if imputer.indicator_ is not None:
        flags = g("Gather", missing, g.const(imputer.indicator_.features_, np.int64), axis=1)
        flags = g("Cast", flags, to=helper.np_dtype_to_tensor_dtype(np.dtype(g.dtype)))
        out = g("Concat", out, flags, axis=1)
    return out


def _reconstruct(g, x, missing, imputer):
    """The autoencoder's reconstruction of every feature, in the units of ``x``."""
    ae, kept, n_features = imputer.autoencoder_, ~imputer.empty_features_, imputer.n_features_in_
    spread = imputer.scale_[kept] * ae.scale_  # per-feature standardisation times the global scale
    centre = np.array(imputer.mean_, dtype=np.float64)
    centre[kept] += imputer.scale_[kept] * ae.mean_
    encoder = fold(read_coder(ae.encoder_), in_div=spread, n_out=ae.n_components_)
    decoder = fold(read_coder(ae.decoder_), out_mul=spread, out_add=centre[kept])
    encoder = widen(encoder, kept, n_features, inputs=True)
    decoder = widen(decoder, kept, n_features, outputs=True)
    inputs = g.zero_where_missing(g("Sub", x, g.const(centre)), missing)
    return emit_layers(g, emit_layers(g, inputs, encoder), decoder)
