"""skl2onnx converters for sklearn_ae's estimators, and their registration.

skl2onnx converts a model in two passes: a *shape calculator* declares each
operator's output type and shape, then a *converter* writes its nodes. Here each
estimator's ``transform`` has both; :class:`MethodExport` stands for an estimator's
``inverse_transform`` or ``score_samples``, so that those convert through the same
machinery (skl2onnx itself only converts ``transform``/``predict``).
"""

from __future__ import annotations

from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import DoubleTensorType
from sklearn.utils.validation import check_is_fitted

from .._autoencoder import AutoencoderTransformer
from .._imputer import AutoencoderImputer
from .._variational import VariationalAutoencoderTransformer
from ._autoencoder import decode, encode, score_samples
from ._graph import Graph, input_dtype
from ._imputer import impute


class MethodExport:
    """A fitted autoencoder's ``inverse_transform`` or ``score_samples``, for skl2onnx.

    Parameters
    ----------
    estimator : AutoencoderTransformer
        A fitted autoencoder or VAE.
    method : {"inverse_transform", "score_samples"}
        The method whose graph is written.
    """

    def __init__(self, estimator, method):
        self.estimator = estimator
        self.method = method


def _input(g, operator):
    """The operator's input as one tensor.

    skl2onnx gives the first step of a pipeline exported with a DataFrame sample one
    input per column; they are joined in order.
    """
    names = [variable.full_name for variable in operator.inputs]
    return names[0] if len(names) == 1 else g("Concat", *names, axis=1)


def _graph(scope, operator, container):
    """A :class:`Graph` in the input's precision; the inputs must share one float type."""
    dtypes = {input_dtype(variable) for variable in operator.inputs}
    if len(dtypes) > 1:
        raise ValueError(
            f"{type(operator.raw_operator).__name__} takes one precision, got input columns of "
            f"{sorted(str(dtype) for dtype in dtypes)}; give every column the same float dtype."
        )
    return Graph(scope, container, dtypes.pop())


def _check_width(operator, expected, what):
    """The input's number of columns, where skl2onnx knows it, must be ``expected``."""
    widths = [variable.get_second_dimension() for variable in operator.inputs]
    width = None if None in widths else sum(widths)
    if width is not None and width != expected:
        raise ValueError(
            f"{type(operator.raw_operator).__name__} expects {expected} {what}, "
            f"got an input with {width} columns."
        )


def _set_output(operator, n_columns):
    """Declare the output: the input's type and batch dimension, ``n_columns`` wide."""
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = operator.inputs[0].type.__class__([n_rows, n_columns])


def _transform_shape(operator):
    model = operator.raw_operator
    check_is_fitted(model)
    _check_width(operator, model.n_features_in_, "features (n_features_in_)")
    _set_output(operator, model.n_components_)


def _transform_converter(scope, operator, container):
    g = _graph(scope, operator, container)
    g.output(encode(g, _input(g, operator), operator.raw_operator), operator.outputs[0].full_name)


def _imputer_shape(operator):
    imputer = operator.raw_operator
    check_is_fitted(imputer)
    if imputer.inference != "encoder":
        raise ValueError(
            f"The ONNX graph of AutoencoderImputer fills in from the encoder's codes, but this imputer has "
            f"inference={imputer.inference!r}, whose search for each row's code has no ONNX form: the "
            "exported model would fill in other values than transform does. Export "
            "imputer.set_params(inference='encoder') (no refit needed); check that its fills are good "
            "enough for you first, since they are less accurate."
        )
    _check_width(operator, imputer.n_features_in_, "features (n_features_in_)")
    kept = imputer.n_features_in_ if imputer.keep_empty_features else int((~imputer.empty_features_).sum())
    indicated = 0 if imputer.indicator_ is None else len(imputer.indicator_.features_)
    _set_output(operator, kept + indicated)


def _imputer_converter(scope, operator, container):
    g = _graph(scope, operator, container)
    g.output(impute(g, _input(g, operator), operator.raw_operator), operator.outputs[0].full_name)


def _method_shape(operator):
    export = operator.raw_operator
    model = export.estimator
    check_is_fitted(model)
    if export.method == "inverse_transform":
        _check_width(operator, model.n_components_, "code columns (n_components_)")
        _set_output(operator, model.n_features_in_)
    else:  # score_samples: one float64 score per row, whatever the input's precision
        _check_width(operator, model.n_features_in_, "features (n_features_in_)")
        operator.outputs[0].type = DoubleTensorType([operator.inputs[0].get_first_dimension()])


def _method_converter(scope, operator, container):
    export = operator.raw_operator
    graph = {"inverse_transform": decode, "score_samples": score_samples}[export.method]
    g = _graph(scope, operator, container)
    g.output(graph(g, _input(g, operator), export.estimator), operator.outputs[0].full_name)


_CONVERTERS = [
    (AutoencoderTransformer, _transform_shape, _transform_converter),
    (VariationalAutoencoderTransformer, _transform_shape, _transform_converter),
    (AutoencoderImputer, _imputer_shape, _imputer_converter),
    (MethodExport, _method_shape, _method_converter),
]


def register(classes=()):
    """Register every converter with skl2onnx (again: registering twice is harmless).

    skl2onnx finds converters by a model's exact class: ``classes`` are subclasses of
    sklearn_ae's estimators to register with their base class's converter too.
    """
    for model, shape, converter in _CONVERTERS:
        update_registered_converter(model, f"SklearnAe{model.__name__}", shape, converter)
    for cls in classes:
        _, shape, converter = next(entry for entry in reversed(_CONVERTERS) if issubclass(cls, entry[0]))
        update_registered_converter(cls, f"SklearnAe{cls.__module__}.{cls.__qualname__}", shape, converter)
