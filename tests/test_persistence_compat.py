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
    decoded = model.inverse_transform(model.transform(X[200:220]))
    assert score == pytest.approx(-np.mean((X[200:220] - decoded) ** 2), rel=1e-6)
    n_iter = model.n_iter_
    model.partial_fit(X[:200])  # one more epoch on the training rows
    assert model.n_iter_ == n_iter + 1
    codes = model.transform(X[200:220])
    assert codes.shape == (20, 3) and np.isfinite(codes).all()
    assert not np.allclose(codes, expected)  # the epoch changed the weights


def test_old_model_files_refuse_a_continuation_with_another_network(saved, digits):
    """As a model saved now does: 0.1.0 files carry no record of the settings, so the
    network itself gives them (a changed network was silently ignored)."""
    model, _, _ = saved
    X, _ = digits
    assert model.initial_validation_score_ is None  # not recorded by 0.1.0
    model.set_params(warm_start=True, hidden_layer_sizes=(64, 32), max_iter=2)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(64, 32\) \(fitted: \(16,\)\)"):
        model.fit(X[:200])
    model.set_params(hidden_layer_sizes=(16,))
    model.fit(X[:200])  # the same network: it continues
    assert model.n_iter_ > 2


def test_weights_edited_in_place_reach_every_precision(tmp_path, digits):
    """The float64 copy of the network follows in-place edits of encoder_/decoder_
    (fine-tuning by hand), as float32 inference and a saved file do."""
    import pickle
    import warnings

    import torch

    X, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=4, random_state=0).fit(X[:300])
    before = model.transform(X[:50])
    with torch.no_grad():
        model.encoder_.linear.weight.mul_(2.0)
    after = model.transform(X[:50])
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, model.transform(X[:50].astype(np.float32)), rtol=1e-4, atol=1e-3)
    for _ in range(2):  # a replaced tensor, twice: both new ones start at version 0
        weight = model.encoder_.linear.weight.detach().clone() * 3
        model.encoder_.linear.weight = torch.nn.Parameter(weight)
        replaced = model.transform(X[:50])
        np.testing.assert_allclose(replaced, model.transform(X[:50].astype(np.float32)), rtol=1e-4, atol=1e-2)
    after = replaced
    np.testing.assert_allclose(pickle.loads(pickle.dumps(model)).transform(X[:50]), after, rtol=1e-12)
    # A model opened read-only (joblib's mmap_mode) transforms without torch's warning.
    joblib.dump(model, tmp_path / "model.joblib")
    opened = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(opened.transform(X[:50]), after)


def test_a_0_1_0_file_records_the_network_it_holds(digits):
    """0.1.0 let parameters change after fit and before saving: the network itself, not
    the parameters, says what a continuation must keep."""
    import warnings

    X, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X[:200])
        model.set_params(activation="tanh", dropout=0.2)
        state = model.__getstate__()
        del state["_network_"], state["initial_validation_score_"]  # as 0.1.0 wrote it
        old = AutoencoderTransformer.__new__(AutoencoderTransformer)
        old.__setstate__(state)
        with pytest.raises(ValueError, match=r"activation='tanh' \(fitted: 'relu'\)"):
            old.set_params(warm_start=True).fit(X[:200])
        old.set_params(activation="relu", dropout=0.0).fit(X[:200])  # the network it holds
    assert old.n_iter_ == 4


def test_a_read_only_model_with_an_unobserved_feature_transforms_quietly(tmp_path, digits):
    import warnings

    X = digits[0][:300].copy()
    X[:, 5] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X)
    joblib.dump(model, tmp_path / "model.joblib")
    opened = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(opened.score_samples(X[:5]), model.score_samples(X[:5]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_network_left_in_training_mode_still_infers_in_eval_mode(digits, dtype):
    """Fine-tuning encoder_ by hand puts it in training mode; transform and score then
    drew dropout masks from torch's global generator (different codes at each call) and
    updated batch norm's running statistics inside inference."""
    import copy
    import warnings

    import torch

    X, _ = digits
    X = X[:300].astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        settings = {"hidden_layer_sizes": (16,), "dropout": 0.5, "batch_norm": True, "max_iter": 3}
        model = AutoencoderTransformer(3, early_stopping=False, random_state=0, **settings).fit(X)
    reference = copy.deepcopy(model)  # used as fitted; model itself has not inferred yet
    codes, score = reference.transform(X), reference.score(X)
    running = [b.clone() for b in model.encoder_.buffers()]
    model.encoder_.train()
    model.decoder_.train()
    global_rng = torch.get_rng_state()
    np.testing.assert_array_equal(model.transform(X), codes)
    assert model.score(X) == score
    assert all(torch.equal(a, b) for a, b in zip(running, model.encoder_.buffers()))
    assert torch.equal(torch.get_rng_state(), global_rng)
    assert model.encoder_.training  # the mode the user set is kept


def test_a_fitted_network_keeps_no_gradients(digits):
    """The last step's gradients stayed on every parameter: memory as large as the
    weights (on the training device), and stale gradients for whoever fine-tunes."""
    X, _ = digits
    model = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=2, random_state=0).fit(X[:300])
    model.partial_fit(X[:300])
    assert all(p.grad is None for p in [*model.encoder_.parameters(), *model.decoder_.parameters()])


class _Float32Encoder(__import__("torch").nn.Module):
    """A custom encoder that computes in float32 whatever it is given, with dropout."""

    def __init__(self):
        import torch

        super().__init__()
        self.linear = torch.nn.Linear(6, 2)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.linear(x.float()))


def test_a_float32_custom_network_left_in_training_mode_infers_in_eval_mode():
    """Float64 rows through a float32-only custom module use the module itself; the
    cache of that choice, filled in eval mode, kept serving it after .train()."""
    import warnings

    X = np.random.RandomState(0).normal(size=(200, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(2, encoder=_Float32Encoder(), max_iter=3, random_state=0).fit(X)
    codes = model.transform(X[:5])  # fills the float64 cache in eval mode
    model.encoder_.train()
    np.testing.assert_array_equal(model.transform(X[:5]), codes)
    np.testing.assert_array_equal(model.transform(X[:5]), codes)
