"""The public entry point, :func:`to_onnx`."""

from __future__ import annotations

import numpy as np
import onnx
import scipy.sparse as sp
import skl2onnx
from sklearn.base import is_classifier
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from .._autoencoder import AutoencoderTransformer
from .._imputer import AutoencoderImputer
from ._converters import _CONVERTERS, MethodExport, register

METHODS = ("transform", "inverse_transform", "score_samples")


def to_onnx(
    model_or_pipeline,
    X_sample,
    method: str = "transform",
    *,
    target_opset: int | None = None,
    options: dict | None = None,
) -> onnx.ModelProto:
    """Convert a fitted sklearn_ae estimator, or a pipeline that holds one, to ONNX.

    Importing :mod:`sklearn_ae.onnx` registers sklearn_ae's converters with
    skl2onnx, so ``skl2onnx.to_onnx`` converts the same models; this function adds
    checks with clear errors, ``inverse_transform`` and ``score_samples``, and
    classifier probabilities as a plain tensor. The graph of a built-in network is
    written from its weights and reproduces the estimator's method: the centring and
    scaling, missing (NaN) inputs handled as in ``transform``, batch norm in
    inference form, no dropout. Custom ``encoder``/``decoder`` modules are traced by
    ``torch.onnx.export``.

    Read more in the :ref:`User Guide <deployment>`.

    Parameters
    ----------
    model_or_pipeline : estimator
        A fitted :class:`~sklearn_ae.AutoencoderTransformer`,
        :class:`~sklearn_ae.VariationalAutoencoderTransformer` or
        :class:`~sklearn_ae.AutoencoderImputer`, or a fitted scikit-learn
        :class:`~sklearn.pipeline.Pipeline`, :class:`~sklearn.compose.ColumnTransformer`
        or other model that skl2onnx converts and that holds one.
    X_sample : array-like of shape (n_samples, n_columns)
        Rows like the ones the exported graph will take: their dtype (float32 or
        float64) is the graph's input and computing precision, their number of
        columns its input width. For ``method="inverse_transform"`` they are codes
        (``n_components_`` columns). The number of rows does not matter: the batch
        dimension of the graph is dynamic.
    method : {"transform", "inverse_transform", "score_samples"}, default="transform"
        The method the graph computes. ``inverse_transform`` and ``score_samples``
        take a bare autoencoder (not a pipeline); ``score_samples`` returns one
        float64 score per row.
    target_opset : int or None, default=None
        ONNX opset of the graph (13 or higher); None lets skl2onnx choose its latest
        tested opset.
    options : dict or None, default=None
        skl2onnx conversion options. None means ``{"zipmap": False}`` when
        ``model_or_pipeline`` is a classifier, so that probabilities come out as an
        ``(n_samples, n_classes)`` tensor rather than skl2onnx's default list of
        dictionaries, and no options otherwise.

    Returns
    -------
    onnx_model : onnx.ModelProto
        The graph, with one input ``"X"`` (a pipeline exported with a DataFrame
        sample: one input per column, as skl2onnx names them); its outputs are
        skl2onnx's: the result of a transformer (``"variable"``), or ``"label"``
        and ``"probabilities"`` for a classifier.

    Raises
    ------
    ValueError
        If ``model_or_pipeline`` is not fitted (:class:`~sklearn.exceptions.NotFittedError`),
        ``X_sample`` has the wrong number of columns (or, for a bare sklearn_ae
        estimator, is not a float array: a pipeline's dtype is skl2onnx's to check),
        ``method`` is unknown or not available for
        ``model_or_pipeline``, or a custom module
        cannot be exported.

    See Also
    --------
    skl2onnx.to_onnx : The converter this function calls.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer
    >>> from sklearn_ae.onnx import to_onnx
    >>> X = load_digits().data.astype(np.float32)
    >>> ae = AutoencoderTransformer(n_components=8, random_state=0).fit(X)
    >>> onx = to_onnx(ae, X[:1])
    >>> session = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> codes = session.run(None, {"X": X})[0]
    >>> codes.shape, codes.dtype
    ((1797, 8), dtype('float32'))
    >>> bool(np.allclose(codes, ae.transform(X), rtol=1e-5, atol=1e-4))
    True
    """
    model = model_or_pipeline
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    check_is_fitted(model)
    if method != "transform" and not isinstance(model, AutoencoderTransformer):
        raise ValueError(
            f"method={method!r} exports a bare AutoencoderTransformer or VariationalAutoencoderTransformer; "
            f"got {type(model).__name__}. Pipelines and the imputer export their transform (or predict)."
        )
    X_sample = _check_sample(model, X_sample, method)
    if options is None and is_classifier(model):
        options = {"zipmap": False}
    register(_subclasses(model))
    target = model if method == "transform" else MethodExport(model, method)
    return skl2onnx.to_onnx(target, X_sample, target_opset=target_opset, options=options)


#: sklearn_ae's estimators that the converters handle (and their subclasses).
_OURS = (AutoencoderTransformer, AutoencoderImputer)


def _subclasses(model):
    """Subclasses of sklearn_ae's estimators in ``model`` and its nested parameters
    (a pipeline's steps, a column transformer's transformers)."""
    registered = {entry[0] for entry in _CONVERTERS}
    parts = [model]
    if hasattr(model, "get_params"):
        parts += list(model.get_params(deep=True).values())
    return {type(part) for part in parts if isinstance(part, _OURS) and type(part) not in registered}


def _check_sample(model, X_sample, method):
    """The sample must be 2-D and as wide as the method's input; for sklearn_ae's own
    estimators, a float array (a DataFrame becomes one, rather than one input per column)."""
    if sp.issparse(X_sample):
        raise ValueError(
            "X_sample must be dense: the ONNX graph takes a dense tensor. Pass "
            "X_sample[:1].toarray() (only its dtype and width are used)."
        )
    ours = isinstance(model, _OURS)
    if ours:  # pandas' nullable dtypes (Float64) too: check_array turns them into float
        X_sample = check_array(
            X_sample, dtype=None, ensure_all_finite=False, ensure_2d=False, ensure_min_samples=0
        )
    shape = getattr(X_sample, "shape", None)
    if shape is None or len(shape) != 2:
        raise ValueError(f"X_sample must be a 2-D array or DataFrame, got {type(X_sample).__name__} {shape}.")
    inverse = method == "inverse_transform"
    expected = model.n_components_ if inverse else getattr(model, "n_features_in_", None)
    if expected is not None and shape[1] != expected:
        what = "code columns (n_components_)" if inverse else "features"
        raise ValueError(
            f"X_sample has {shape[1]} columns, but {type(model).__name__} expects {expected} {what}."
        )
    if ours and X_sample.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"X_sample must be float32 or float64 (the graph's precision), got {X_sample.dtype}."
        )
    return X_sample
