"""sklearn_ae under ``python -OO``, where docstrings are None: import, inference, and a clear error to fit."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

USE = """
import numpy as np
import sklearn_ae
if sklearn_ae.VariationalAutoencoderTransformer.__doc__ is not None:  # (-OO strips asserts too)
    raise SystemExit("docstrings were not stripped")
X = np.random.RandomState(0).normal(size=(20, 3))
for cls in (sklearn_ae.AutoencoderTransformer, sklearn_ae.VariationalAutoencoderTransformer):
    cls(1, hidden_layer_sizes=(4,), max_iter=1, random_state=0).fit(X).transform(X)
"""

# skorch 1.0 to 1.4 cannot be imported under -OO: skorch/classifier.py builds its
# docstrings from NeuralNet.__doc__ at import. This finder compiles skorch's own
# source with its docstrings, so that the check below covers sklearn_ae's modules.
SKORCH_WITH_DOCSTRINGS = """
import importlib.machinery
import sys

class _Loader(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return compile(self.get_data(path), path, "exec", dont_inherit=True, optimize=0)

class _Finder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] != "skorch":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _Loader(spec.loader.name, spec.loader.path)
        return spec

sys.meta_path.insert(0, _Finder)
"""


def _run_optimized(code):
    return subprocess.run(
        [sys.executable, "-OO", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_sklearn_ae_needs_no_docstrings():
    """Our own modules under -OO (the VAE once built its docstring from the base class's)."""
    result = _run_optimized(SKORCH_WITH_DOCSTRINGS + USE)
    assert result.returncode == 0, result.stderr


def test_import_and_inference_under_OO(tmp_path):
    """``python -OO -c "import sklearn_ae"`` works; a saved model loads and transforms.

    Training imports skorch, which (up to 1.4 at least) cannot be imported under -OO;
    a fit there raises an ImportError that says so, and leaves nothing fitted.
    """
    import joblib
    import numpy as np

    from sklearn_ae import AutoencoderTransformer

    X = np.random.RandomState(0).normal(size=(50, 3))
    model = AutoencoderTransformer(1, hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X)
    joblib.dump(model, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "codes.npy", model.transform(X))
    code = f"""
import joblib, numpy as np
import sklearn_ae
model = joblib.load({str(tmp_path / "model.joblib")!r})
X = np.load({str(tmp_path / "X.npy")!r})
np.testing.assert_array_equal(model.transform(X), np.load({str(tmp_path / "codes.npy")!r}))
fresh = sklearn_ae.AutoencoderTransformer(1, max_iter=1)
try:
    fresh.fit(X)
except ImportError as exc:  # (-OO strips assert statements: checks that exit instead)
    if "-OO" not in str(exc):
        raise SystemExit(f"the ImportError does not name -OO: {{exc}}")
    if hasattr(fresh, "n_iter_"):
        raise SystemExit("a failed fit left fitted attributes")
else:
    import skorch  # a skorch that imports under -OO: then fitting works too
"""
    result = _run_optimized(code)
    assert result.returncode == 0, result.stderr
