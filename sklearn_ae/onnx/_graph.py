"""Writing ONNX nodes and constants into a skl2onnx container, in one precision."""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

#: The lowest ONNX opset the converters write (``ReduceSum`` takes its axes as an input).
MIN_OPSET = 13


def input_dtype(variable):
    """The numpy dtype of a skl2onnx input variable: float32 or float64."""
    if isinstance(variable.type, DoubleTensorType):
        return np.dtype(np.float64)
    if isinstance(variable.type, FloatTensorType):
        return np.dtype(np.float32)
    raise ValueError(
        f"sklearn_ae's ONNX converters take float32 or float64 tensors, got {variable.type!r} "
        f"for the input {variable.onnx_name!r}; pass an X_sample of float32 or float64 (for a "
        "DataFrame, every column: X_sample.astype(np.float32), or np.float64)."
    )


class Graph:
    """Adds nodes and constants to one converter's part of the ONNX graph.

    Every constant is stored in ``dtype`` unless asked otherwise, so a float64
    model computes in float64 throughout.

    Parameters
    ----------
    scope, container : skl2onnx conversion objects
        What skl2onnx passes to a converter.
    dtype : numpy dtype
        float32 or float64: the precision of the graph.
    """

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self.opset = container.target_opset
        if self.opset < MIN_OPSET:
            raise ValueError(
                f"sklearn_ae's ONNX converters need target_opset >= {MIN_OPSET}, got {self.opset}."
            )

    def name(self, seed):
        """A new variable name, unique in the whole graph."""
        return self.scope.get_unique_variable_name(seed)

    def const(self, values, dtype=None):
        """A constant tensor (an initializer) holding ``values``; returns its name."""
        array = np.ascontiguousarray(values, dtype=self.dtype if dtype is None else dtype)
        name = self.name("c")
        tensor = numpy_helper.from_array(array, name)
        self.container.add_initializer(name, tensor.data_type, list(array.shape), tensor)
        return name

    def __call__(self, op, *inputs, domain="", **attrs):
        """Add one node ``op(*inputs, **attrs)`` with a single output; returns its name."""
        out = self.name(op.lower())
        self.add(op, list(inputs), [out], domain=domain, **attrs)
        return out

    def add(self, op, inputs, outputs, domain="", **attrs):
        """Add one node with the given input and output names."""
        self.container.add_node(
            op, inputs, outputs, op_domain=domain, name=self.scope.get_unique_operator_name(op), **attrs
        )

    def output(self, value, name):
        """Make ``value`` the converter's output variable ``name``."""
        self.add("Identity", [value], [name])

    def affine(self, x, weight, bias):
        """``x @ weight.T + bias`` (torch's ``nn.Linear``) as one ``Gemm``."""
        return self("Gemm", x, self.const(weight), self.const(bias), transB=1)

    def zero_where_missing(self, x, missing):
        """``x`` with 0 at the entries flagged in the boolean tensor ``missing``."""
        return self("Where", missing, self.const(0.0), x)
