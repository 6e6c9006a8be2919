"""Collection settings for the whole repository (tests and doctests)."""

import importlib.util

# sklearn_ae.onnx needs the `onnx` extra; without it its doctests cannot be collected.
_ONNX = ("onnx", "skl2onnx", "onnxruntime")
collect_ignore_glob = [] if all(importlib.util.find_spec(name) for name in _ONNX) else ["sklearn_ae/onnx/*"]
