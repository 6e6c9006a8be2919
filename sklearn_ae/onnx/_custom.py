"""Custom ``encoder=``/``decoder=`` modules: traced by ``torch.onnx.export``, spliced into the graph.

The built-in networks are written from their weights (:mod:`._network`); a user's
module can hold anything, so it goes through PyTorch's own exporter. The
TorchScript exporter (``dynamo=False``) is used: it needs no package beyond torch
and onnx, whereas the dynamo exporter also needs ``onnxscript``. Tracing records
one run of the module, so a trace that torch warns may not generalise (Python
control flow on tensor values, tensors turned into Python numbers) is refused
rather than exported wrong.
"""

from __future__ import annotations

import copy
import inspect
import io
import warnings

import numpy as np
import onnx
import skl2onnx
import torch
from onnx import AttributeProto, TensorProto, helper, numpy_helper

from .._errors import user_stacklevel

# The highest opset the installed torch's TorchScript exporter writes (20 in torch
# 2.13, 17 in 2.2). Spliced nodes take the whole graph's opset: fine from 20 (at most
# 22 with skl2onnx 1.20; 21 and 22 only added element types), not below, where opset
# 18 changed operators (ReduceMean's axes, Split, Pad) that a module may use.
_TORCHSCRIPT_MAX_OPSET = int(
    getattr(getattr(torch.onnx, "_constants", None), "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", 17)
)
_SPLICES_UP_FROM = 20

_TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def emit_custom(g, x, module, n_in):
    """The nodes of ``module`` applied to ``x`` (``n_in`` columns); returns the output name."""
    return _splice(g, export_module(module, n_in, g.dtype, g.opset), x, type(module).__name__)


def export_module(module, n_in, dtype, opset):
    """``module`` as an ONNX model with one input of shape ``(rows, n_in)`` in ``dtype``."""
    if _TORCHSCRIPT_MAX_OPSET < _SPLICES_UP_FROM and opset > _TORCHSCRIPT_MAX_OPSET:
        raise ValueError(
            _cannot(
                module,
                f"torch {torch.__version__}'s exporter writes ONNX opset {_TORCHSCRIPT_MAX_OPSET} "
                f"at most, and the graph's opset is {opset}: pass target_opset="
                f"{_TORCHSCRIPT_MAX_OPSET}, or upgrade torch",
            )
        )
    # Newer torch defaults to the dynamo exporter; torch before 2.4 has no such argument.
    torchscript = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    module = copy.deepcopy(module).cpu().to(_TORCH_DTYPES[np.dtype(dtype)]).eval()
    example = torch.zeros(2, n_in, dtype=_TORCH_DTYPES[np.dtype(dtype)], device="cpu")
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch.onnx.export(
                module,
                (example,),
                buffer,
                **torchscript,
                input_names=["input"],
                output_names=["output"],
                dynamic_axes={"input": {0: "rows"}, "output": {0: "rows"}},
                opset_version=min(opset, _TORCHSCRIPT_MAX_OPSET),
            )
        except Exception as exc:
            raise ValueError(
                _cannot(module, f"torch.onnx.export (TorchScript) failed: {_first_line(exc).rstrip('.!')}")
            ) from exc
    exported = onnx.load_from_string(buffer.getvalue())
    returned = exported.graph.output[0].type.tensor_type.elem_type
    expected = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    if returned != expected:
        raise ValueError(
            _cannot(
                module,
                f"it returns {helper.tensor_dtype_to_np_dtype(returned)} from {np.dtype(dtype)} "
                f"input, and the graph computes in {np.dtype(dtype)}: "
                "return the input's dtype (no fixed casts), or export with a sample of the "
                "dtype it returns",
            )
        )
    for warning in caught:  # a refused trace first: no warning may stand in for its error
        if issubclass(warning.category, torch.jit.TracerWarning):
            raise ValueError(
                _cannot(module, f"the trace may not generalise: {_first_line(warning.message).rstrip('.!')}")
            )
    for warning in caught:
        if not issubclass(warning.category, DeprecationWarning):  # the TorchScript exporter's notice
            warnings.warn(warning.message, warning.category, stacklevel=user_stacklevel(skl2onnx))
    if np.dtype(dtype) == np.float64:
        _warn_below_float64(exported, module)
    return exported


#: Float types below float64 that a node may cast to (torch writes ``Celu`` that way).
_LOWER_FLOATS = {
    TensorProto.FLOAT: "float32",
    TensorProto.FLOAT16: "float16",
    TensorProto.BFLOAT16: "bfloat16",
}


def _warn_below_float64(model, module):
    """Warn when a float64 graph computes part of ``module`` in less precision.

    torch's exporter casts to float32 around operators ONNX defines for float32 only
    (``Celu``), and ONNX Runtime computes ``Gelu`` (``nn.GELU(approximate="tanh")``) to
    float32 precision on float64 input: such graphs load and run, but their results
    agree with the estimator's float64 ones to about 1e-7, not 1e-10.
    """
    try:
        graph = onnx.shape_inference.infer_shapes(model).graph
    except Exception:  # inference only helps here: without it, every cast to float32 warns
        graph = model.graph
    types = {v.name: v.type.tensor_type.elem_type for v in [*graph.input, *graph.value_info, *graph.output]}
    types.update((t.name, t.data_type) for t in graph.initializer)
    steps = set()
    for node in model.graph.node:
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        narrows = types.get(node.input[0] if node.input else "") in (TensorProto.DOUBLE, None, 0)
        if node.op_type == "Cast" and attributes.get("to") in _LOWER_FLOATS and narrows:
            # (a cast from a mask or an integer loses nothing; an input of unknown type may)
            steps.add(f"casts to {_LOWER_FLOATS[attributes['to']]}")
        elif node.op_type == "Gelu" and attributes.get("approximate") == b"tanh":
            # (the exact Gelu has no float64 kernel at all: such a graph does not load)
            steps.add("Gelu, which ONNX Runtime computes to float32 precision")
    if steps:
        warnings.warn(
            f"The custom module {type(module).__name__} exports to a float64 graph that computes "
            f"part of its work in lower precision ({'; '.join(sorted(steps))}): its results agree "
            "with the estimator's float64 ones to about 1e-7 in float32, not 1e-10. Export with a "
            "float32 sample to compute in float32 throughout.",
            UserWarning,
            stacklevel=user_stacklevel(skl2onnx),
        )


def _first_line(message):
    text = str(message).strip()
    return text.splitlines()[0] if text else type(message).__name__


def _cannot(module, reason):
    return (
        f"Cannot export the custom module {type(module).__name__} to ONNX: {reason}. A custom "
        "encoder/decoder exports when PyTorch's TorchScript exporter can trace it: every operation "
        "has an ONNX equivalent, and no Python control flow depends on tensor values."
    )


def _splice(g, model, x, label):
    """Copy ``model``'s nodes and weights into ``g``, its input renamed to ``x``."""
    graph = model.graph
    names = {graph.input[0].name: x, "": ""}
    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        names[tensor.name] = g.const(array, dtype=array.dtype)
    for node in graph.node:
        attributes = {}
        for attribute in node.attribute:
            if attribute.type in (AttributeProto.GRAPH, AttributeProto.GRAPHS):
                raise ValueError(
                    f"Cannot export the custom module {label} to ONNX: its exported graph has "
                    f"control flow ({node.op_type}), which sklearn_ae does not splice."
                )
            attributes[attribute.name] = helper.get_attribute_value(attribute)
        inputs = [names[name] for name in node.input]
        while inputs and inputs[-1] == "":  # optional inputs left off at the end, as ONNX allows
            inputs.pop()
        if "" in inputs:  # an optional input left empty before a given one
            if node.op_type != "Clip":
                raise ValueError(
                    f"Cannot export the custom module {label} to ONNX: its {node.op_type} operation "
                    "leaves an optional input empty before a given one, which sklearn_ae does not splice."
                )
            inputs[1] = g.const(-np.inf)  # clamp(max=...): Clip without a lower bound
        outputs = [g.name("custom") if name else "" for name in node.output]
        names.update(zip(node.output, outputs))
        g.add(node.op_type, inputs, outputs, domain=node.domain, **attributes)
    return names[graph.output[0].name]
