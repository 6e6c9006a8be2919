"""Model files written by an earlier release load and transform as they did then.

The fixtures in ``tests/data/`` were written by ``tests/data/make_persistence_fixtures.py``
(sklearn_ae 0.1.0): a joblib pickle and a ``.skops`` file of each estimator, with the codes
each gave for ``load_digits`` rows 200:220.
"""

from pathlib import Path

import joblib
import numpy as np
import pytest

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

DATA = Path(__file__).parent / "data"
CLASSES = {"ae": AutoencoderTransformer, "vae": VariationalAutoencoderTransformer}
VERSIONS = ["v0_1_0"]
FIXTURES = [(prefix, version, fmt) for prefix in CLASSES for version in VERSIONS for fmt in ("pkl", "skops")]


def load_skops(path):
    """Load a .skops file trusting sklearn_ae's own classes and nothing else."""
    sio = pytest.importorskip("skops.io")
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted and all(name.startswith("sklearn_ae.") for name in untrusted), untrusted
    return sio.load(path, trusted=untrusted)


@pytest.fixture(params=FIXTURES, ids=["-".join(f) for f in FIXTURES])
def saved(request):
    """A model loaded from a fixture file, its class and the codes it gave when saved."""
    prefix, version, fmt = request.param
    path = DATA / f"{prefix}_{version}.{fmt}"
    model = load_skops(path) if fmt == "skops" else joblib.load(path)
    expected = np.load(DATA / f"{prefix}_{version}_expected.npy")
    return model, CLASSES[prefix], expected


def test_old_model_files_transform_as_when_saved(saved, digits):
    model, cls, expected = saved
    X, _ = digits
    assert type(model) is cls
    assert expected.shape == (20, 3) and expected.dtype == np.float64
    np.testing.assert_allclose(model.transform(X[200:220]), expected, rtol=1e-6, atol=1e-12)


def test_old_model_files_decode_score_and_keep_training(saved, digits):
    model, _, expected = saved
    X, _ = digits
    reconstructed = model.inverse_transform(expected)
    assert reconstructed.shape == (20, 64) and np.isfinite(reconstructed).all()
    score = model.score(X[200:220])
    assert np.isfinite(score) and score < 0
    n_iter = model.n_iter_
    model.partial_fit(X[:200])  # one more epoch on the training rows
    assert model.n_iter_ == n_iter + 1
    codes = model.transform(X[200:220])
    assert codes.shape == (20, 3) and np.isfinite(codes).all()
    assert not np.allclose(codes, expected)  # the epoch changed the weights
