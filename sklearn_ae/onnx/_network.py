"""One half of a fitted autoencoder (encoder or decoder) as ONNX nodes.

A built-in half (:class:`sklearn_ae._modules.Coder`) is read into float64 arrays:
its linear path and its MLP, batch norm folded into the linear layer before it
(inference form: running statistics), dropout left out. The estimator's scaling is
folded into the weights as well: the inputs' divisor into the first layers, the
outputs' factor and shift into the last ones. The arrays are then written in the
graph's precision, each ``nn.Linear`` as one ``Gemm``. A custom half goes through
``torch.onnx.export`` instead (see :mod:`._custom`), wrapped in explicit scaling.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from torch import nn

from .._modules import Coder, Dropout
from ._activations import emit_activation
from ._custom import emit_custom


class Affine(NamedTuple):
    """``x @ weight.T + bias``, in float64."""

    weight: np.ndarray  # (n_out, n_in)
    bias: np.ndarray  # (n_out,)


class Layers(NamedTuple):
    """A built-in coder as arrays: ``linear(x) + mlp(x)``.

    ``mlp`` is a list of :class:`Affine` and activation modules, in order (empty
    when the coder has no hidden layers).
    """

    linear: Affine
    mlp: list


def _affine(layer: nn.Linear):
    weight = layer.weight.detach().cpu().double().numpy()
    bias = layer.bias.detach().cpu().double().numpy() if layer.bias is not None else np.zeros(len(weight))
    return Affine(weight, bias)


def _fold_batch_norm(affine, norm: nn.BatchNorm1d):
    """The linear layer followed by batch norm in inference form, as one affine map."""
    mean = norm.running_mean.detach().cpu().double().numpy()
    variance = norm.running_var.detach().cpu().double().numpy()
    gain = 1 / np.sqrt(variance + norm.eps)
    shift = np.zeros_like(mean)
    if norm.weight is not None:
        gain = gain * norm.weight.detach().cpu().double().numpy()
        shift = norm.bias.detach().cpu().double().numpy()
    return Affine(affine.weight * gain[:, None], (affine.bias - mean) * gain + shift)


def read_coder(coder: Coder) -> Layers:
    """The weights of a built-in coder, batch norm folded, dropout dropped."""
    mlp = []
    for layer in coder.mlp if coder.mlp is not None else ():
        if isinstance(layer, nn.Linear):
            mlp.append(_affine(layer))
        elif isinstance(layer, nn.BatchNorm1d):
            mlp[-1] = _fold_batch_norm(mlp[-1], layer)
        elif not isinstance(layer, Dropout):  # the built-in networks' own dropout
            mlp.append(layer)  # an activation
    return Layers(_affine(coder.linear), mlp)


def fold(layers: Layers, in_div=1.0, out_mul=1.0, out_add=0.0, n_out=None) -> Layers:
    """``out_mul * coder(x / in_div)[:, :n_out] + out_add`` as the weights of one coder.

    ``in_div`` is a scalar or one divisor per input column; ``out_mul`` and
    ``out_add`` a scalar or one value per output of the coder.
    """
    width = layers.linear.bias.shape
    div = np.asarray(in_div, dtype=np.float64)
    mul = np.broadcast_to(np.asarray(out_mul, dtype=np.float64), width)[:n_out]
    add = np.broadcast_to(np.asarray(out_add, dtype=np.float64), width)[:n_out]

    def first(step):
        return Affine(step.weight / div, step.bias)

    def last(step, shift):
        return Affine(step.weight[:n_out] * mul[:, None], step.bias[:n_out] * mul + shift)

    mlp = list(layers.mlp)
    if mlp:  # with hidden layers, the MLP's first and last layers are two different ones
        mlp[0], mlp[-1] = first(mlp[0]), last(mlp[-1], 0.0)
    return Layers(last(first(layers.linear), add), mlp)


def widen(layers: Layers, kept, n_features, *, inputs=False, outputs=False) -> Layers:
    """Give the coder ``n_features`` inputs and/or outputs, zero where ``kept`` is False.

    The imputer's network sees only the features observed at fit: the others get
    zero weights in, and a zero reconstruction out.
    """

    def wide_in(step):
        weight = np.zeros((step.weight.shape[0], n_features))
        weight[:, kept] = step.weight
        return Affine(weight, step.bias)

    def wide_out(step):
        weight, bias = np.zeros((n_features, step.weight.shape[1])), np.zeros(n_features)
        weight[kept], bias[kept] = step.weight, step.bias
        return Affine(weight, bias)

    linear, mlp = layers.linear, list(layers.mlp)
    if inputs:
        linear = wide_in(linear)
        mlp[:1] = [wide_in(step) for step in mlp[:1]]
    if outputs:
        linear = wide_out(linear)
        mlp[-1:] = [wide_out(step) for step in mlp[-1:]]
    return Layers(linear, mlp)


def emit_layers(g, x, layers: Layers):
    """``linear(x) + mlp(x)`` as ONNX nodes; returns the output name."""
    out = g.affine(x, *layers.linear)
    if not layers.mlp:
        return out
    hidden = x
    for step in layers.mlp:
        hidden = g.affine(hidden, *step) if isinstance(step, Affine) else emit_activation(g, step, hidden)
    return g("Add", out, hidden)


def emit_half(g, x, module, *, in_div=1.0, out_mul=1.0, out_add=0.0, n_out=None, n_in):
    """``out_mul * module(x / in_div)[:, :n_out] + out_add`` for a built-in or custom half.

    ``in_div`` and ``out_mul`` are scalars (the global scale), ``out_add`` a scalar or
    one value per output. ``n_in`` is the input width.
    """
    if isinstance(module, Coder):
        return emit_layers(g, x, fold(read_coder(module), in_div, out_mul, out_add, n_out))
    if in_div != 1.0:
        x = g("Div", x, g.const(in_div))
    out = emit_custom(g, x, module, n_in)
    if n_out is not None:
        starts, ends, axes = (g.const([value], np.int64) for value in (0, n_out, 1))
        out = g("Slice", out, starts, ends, axes)  # the first n_out columns
    if out_mul != 1.0:
        out = g("Mul", out, g.const(out_mul))
    if np.any(out_add != 0.0):
        out = g("Add", out, g.const(out_add))
    return out
