"""The activations of :data:`sklearn_ae._modules.ACTIVATIONS` as ONNX nodes, in float32 and float64.

ONNX Runtime's CPU kernels for ``Erf``, ``Gelu``, ``Elu`` and ``LeakyRelu`` take
float32 only, at every opset. In float64 those activations are written with elementary
operations that it runs in double precision, so a float64 model agrees with
``transform`` to double precision: ``Elu`` and ``LeakyRelu`` as a ``Where``, and the
exact (erf) GELU through the normal CDF below.
"""

from __future__ import annotations

import math

import numpy as np
from torch import nn

# Cephes' rational approximations of erf on |t| < 1 and of erfc on 1 <= |t| < 8
# (S. L. Moshier, public domain; the ones behind scipy.special.erf/erfc), highest
# power first. The erf numerator T and denominator U, the erfc numerator P and
# denominator Q; the denominators' leading coefficient is 1.
_ERF_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
          7.00332514112805075473e3, 5.55923013010394962768e4)  # fmt: skip
_ERF_U = (1.0, 3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
          2.26290000613890934246e4, 4.92673942608635921086e4)  # fmt: skip
_ERFC_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
           4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
           9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)  # fmt: skip
_ERFC_Q = (1.0, 1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
           9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
           1.65666309194161350182e3, 5.57535340817727675546e2)  # fmt: skip


def emit_activation(g, layer, x):
    """The node(s) computing activation module ``layer`` on ``x``; returns the output name."""
    kind = type(layer)
    if kind is nn.Identity:
        return x
    if kind in (nn.ReLU, nn.Tanh, nn.Sigmoid):
        return g({nn.ReLU: "Relu", nn.Tanh: "Tanh", nn.Sigmoid: "Sigmoid"}[kind], x)
    if kind is nn.GELU and layer.approximate == "none":
        return _gelu(g, x)
    if kind is nn.ELU:
        if g.dtype == np.float32:
            return g("Elu", x, alpha=float(layer.alpha))
        negative = g("Mul", g("Sub", g("Exp", x), g.const(1.0)), g.const(layer.alpha))
        return g("Where", g("Greater", x, g.const(0.0)), x, negative)
    if kind is nn.LeakyReLU:
        if g.dtype == np.float32:
            return g("LeakyRelu", x, alpha=float(layer.negative_slope))
        return g("Where", g("Greater", x, g.const(0.0)), x, g("Mul", x, g.const(layer.negative_slope)))
    raise ValueError(f"no ONNX export for the activation {layer!r}")


def _gelu(g, x):
    """torch's exact GELU, ``x * Phi(x)`` with ``Phi`` the standard normal CDF."""
    if g.dtype == np.float32 and g.opset >= 20:
        return g("Gelu", x)
    if g.dtype == np.float32:
        erf = g("Erf", g("Mul", x, g.const(math.sqrt(0.5))))
        return g("Mul", g("Mul", x, g.const(0.5)), g("Add", erf, g.const(1.0)))
    return g("Mul", x, _normal_cdf(g, x))


def _normal_cdf(g, x):
    """``Phi(x) = erfc(-x / sqrt(2)) / 2`` from elementary float64 operations.

    Cephes' ``ndtr``: with ``t = -x / sqrt(2)``, ``erfc(t) = 1 - t T(t^2) / U(t^2)``
    for ``|t| < 1``, else ``exp(-t^2) P(|t|) / Q(|t|)`` (``2`` minus that for
    ``t < 0``). The ratio is frozen at ``|t| = 8``, where ``exp(-t^2) < 1e-27``.
    Absolute error of ``x * Phi(x)`` below 2e-15 against ``torch.nn.functional.gelu``.
    """
    t = g("Mul", x, g.const(-math.sqrt(0.5)))
    squared = g("Mul", t, t)
    one = g.const(1.0)
    near = g(
        "Sub", one, g("Div", g("Mul", t, _polynomial(g, squared, _ERF_T)), _polynomial(g, squared, _ERF_U))
    )
    size = g("Abs", t)
    clipped = g("Min", size, g.const(8.0))
    ratio = g("Div", _polynomial(g, clipped, _ERFC_P), _polynomial(g, clipped, _ERFC_Q))
    tail = g("Mul", g("Exp", g("Neg", squared)), ratio)
    far = g("Where", g("Less", t, g.const(0.0)), g("Sub", g.const(2.0), tail), tail)
    erfc = g("Where", g("Less", size, one), near, far)
    return g("Mul", erfc, g.const(0.5))


def _polynomial(g, x, coefficients):
    """Horner's rule, highest power first."""
    value = g.const(coefficients[0])
    for coefficient in coefficients[1:]:
        value = g("Add", g("Mul", value, x), g.const(coefficient))
    return value
