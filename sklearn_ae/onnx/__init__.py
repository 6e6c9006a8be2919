"""Export to ONNX: sklearn_ae's estimators, alone or inside scikit-learn pipelines.

Importing this module registers converters for
:class:`~sklearn_ae.AutoencoderTransformer`,
:class:`~sklearn_ae.VariationalAutoencoderTransformer` and
:class:`~sklearn_ae.AutoencoderImputer` with skl2onnx, so that
``skl2onnx.to_onnx(pipeline, X)`` converts pipelines that hold them;
:func:`to_onnx` does the same with checks, and also exports ``inverse_transform``
and ``score_samples``. It needs the ``onnx`` extra:
``pip install "sklearn_ae[onnx]"``.
"""

try:
    import onnx  # noqa: F401
    import skl2onnx  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"sklearn_ae.onnx needs onnx and skl2onnx ({exc.name} is missing): "
        'pip install "sklearn_ae[onnx]" (onnx, skl2onnx, onnxruntime).'
    ) from exc

from ._converters import register
from ._export import to_onnx

register()

__all__ = ["to_onnx"]
