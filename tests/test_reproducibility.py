"""Determinism per random_state, the global RNGs, dtypes, and persistence."""

import copy
import gc
import io
import os
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_ae import AutoencoderImputer, AutoencoderTransformer, VariationalAutoencoderTransformer

PARAMS = {"n_components": 4, "hidden_layer_sizes": (32, 16), "max_iter": 5}


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.2, "batch_norm": True, "early_stopping": True}])
def test_same_random_state_same_codes(digits, extra):
    X, _ = digits
    a = AutoencoderTransformer(**PARAMS, **extra, random_state=7).fit_transform(X)
    b = AutoencoderTransformer(**PARAMS, **extra, random_state=7).fit_transform(X)
    c = AutoencoderTransformer(**PARAMS, **extra, random_state=8).fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def _global_random_states():
    """numpy's whole legacy state (key, position, cached Gaussian) and torch's CPU state."""
    return np.random.get_state(), torch.random.get_rng_state().clone()


@pytest.mark.parametrize(
    ("cls", "extra"),
    [
        (AutoencoderTransformer, {}),
        (AutoencoderTransformer, {"dropout": 0.1}),
        (AutoencoderTransformer, {"noise": 0.3}),
        (AutoencoderTransformer, {"dropout": 0.1, "noise": 0.3, "early_stopping": True}),
        (VariationalAutoencoderTransformer, {}),
        (AutoencoderTransformer, {"neighbors": 1.0}),
        (AutoencoderTransformer, {"init": "spectral"}),
        (AutoencoderTransformer, {"n_components": 0.8}),
        (AutoencoderImputer, {}),
    ],
    ids=[
        "plain",
        "dropout",
        "noise",
        "dropout-noise-early",
        "vae",
        "neighbors",
        "spectral",
        "float-k",
        "imputer",
    ],
)
def test_fit_leaves_global_random_states_untouched(digits, cls, extra):
    X, _ = digits
    X = X.copy()
    X[np.random.RandomState(0).rand(*X.shape) < 0.1] = np.nan  # the missing-value paths draw too
    np.random.standard_normal()  # leave a cached Gaussian in numpy's state, as user code may
    torch.randn(3)
    (name, key, *numpy_rest), torch_before = _global_random_states()
    model = cls(**{**PARAMS, **extra}, random_state=0).fit(X)
    if isinstance(model, VariationalAutoencoderTransformer):
        model.sample(5, random_state=0)
    (name_after, key_after, *numpy_rest_after), torch_after = _global_random_states()
    assert name_after == name
    np.testing.assert_array_equal(key_after, key, err_msg="numpy's global key changed")
    assert numpy_rest_after == numpy_rest, "numpy's global position or cached Gaussian changed"
    assert torch.equal(torch_after, torch_before), "torch's global CPU generator was advanced"


THREADED = {
    "plain": (AutoencoderTransformer, {"noise": 0.3, "dropout": 0.1}),
    "vae": (VariationalAutoencoderTransformer, {}),
    "neighbors": (AutoencoderTransformer, {"neighbors": 1.0}),
    "spectral": (AutoencoderTransformer, {"init": "spectral"}),
    "imputer": (AutoencoderImputer, {}),
}


@pytest.mark.parametrize("kind", sorted(THREADED))
def test_fits_in_threads_match_fits_one_after_another(digits, kind):
    """Each fit draws from its own generators, so threads cannot interleave their draws."""
    X, _ = digits
    if kind == "imputer":
        X = X.copy()
        X[np.random.RandomState(0).rand(*X.shape) < 0.1] = np.nan
    cls, extra = THREADED[kind]
    params = {**PARAMS, "max_iter": 10, **extra}

    def fit_transform(seed):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return cls(**params, random_state=seed).fit_transform(X)

    one_after_another = [fit_transform(seed) for seed in (0, 1)]
    with ThreadPoolExecutor(2) as pool:
        at_the_same_time = list(pool.map(fit_transform, (0, 1)))
    for seed, (alone, threaded) in enumerate(zip(one_after_another, at_the_same_time)):
        np.testing.assert_array_equal(threaded, alone, err_msg=f"random_state={seed}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input(digits, dtype):
    X = digits[0].astype(dtype)
    ae = AutoencoderTransformer(**PARAMS, random_state=0).fit(X)
    codes = ae.transform(X)
    assert codes.dtype == dtype
    assert ae.inverse_transform(codes).dtype == dtype
    np.testing.assert_allclose(codes, ae.transform(X.astype(np.float64)), rtol=1e-4, atol=1e-4)


def test_results_are_writable_cpu_arrays_whatever_torchs_default_device(digits):
    """Inference results are allocated by torch (no huge-page stalls), on the CPU even when
    torch's default device is another (here "meta", which holds no data)."""
    X = digits[0].astype(np.float32)
    ae = AutoencoderTransformer(**PARAMS, random_state=0).fit(X)
    expected = ae.inverse_transform(ae.transform(X))
    with torch.device("meta"):
        codes = ae.transform(X)
        rebuilt = ae.inverse_transform(codes)
    np.testing.assert_array_equal(rebuilt, expected)
    for result in (codes, rebuilt):
        assert type(result) is np.ndarray and result.dtype == np.float32
        assert result.flags.writeable and result.flags.c_contiguous
    copied = pickle.loads(pickle.dumps(rebuilt))
    rebuilt += 1.0  # in place, in memory the array keeps alive
    gc.collect()
    np.testing.assert_array_equal(rebuilt, copied + 1.0)


@pytest.mark.parametrize(
    "fit",
    [
        lambda X: AutoencoderTransformer(**PARAMS, random_state=0).fit(X),
        lambda X: AutoencoderTransformer(**PARAMS, neighbors=1.0, random_state=0).fit(X),
        lambda X: AutoencoderTransformer(**PARAMS, random_state=0).partial_fit(X).partial_fit(X),
    ],
    ids=["fit", "neighbors", "partial_fit"],
)
def test_training_ignores_torchs_default_device(digits, fit):
    """A fit under another default device (here "meta", which holds no data; "cuda" for a
    user who set it) draws its shuffles and validation split where its generators live:
    the same model as under the CPU default."""
    X = digits[0][:300]
    expected = fit(X).transform(X)
    with torch.device("meta"):
        ae = fit(X)
    np.testing.assert_array_equal(ae.transform(X), expected)


def test_integer_input_gives_float64(digits):
    X = digits[0].astype(np.int64)
    assert AutoencoderTransformer(**PARAMS, random_state=0).fit(X).transform(X).dtype == np.float64


ROUND_TRIPS = {
    "pickle": lambda est: pickle.loads(pickle.dumps(est)),
    "joblib": lambda est: _joblib_round_trip(est),
    "deepcopy": copy.deepcopy,
}


def _joblib_round_trip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_vae_and_imputer_round_trips_give_identical_outputs(digits, how):
    X, _ = digits
    X_missing = X.copy()
    X_missing[np.random.RandomState(0).rand(*X.shape) < 0.1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vae = VariationalAutoencoderTransformer(**PARAMS, random_state=0).fit(X)
        imputer = AutoencoderImputer(**PARAMS, random_state=0).fit(X_missing)
    restored_vae, restored_imputer = ROUND_TRIPS[how](vae), ROUND_TRIPS[how](imputer)
    np.testing.assert_array_equal(restored_vae.transform(X), vae.transform(X))
    np.testing.assert_array_equal(restored_vae.sample(5, random_state=1), vae.sample(5, random_state=1))
    np.testing.assert_array_equal(restored_imputer.transform(X_missing), imputer.transform(X_missing))


@pytest.mark.parametrize("how", sorted(ROUND_TRIPS))
def test_round_trip_gives_identical_transforms(digits, how):
    X, _ = digits
    ae = AutoencoderTransformer(**PARAMS, batch_norm=True, random_state=0).fit(X)
    restored = ROUND_TRIPS[how](ae)
    np.testing.assert_array_equal(restored.transform(X), ae.transform(X))
    np.testing.assert_array_equal(
        restored.inverse_transform(ae.transform(X)), ae.inverse_transform(ae.transform(X))
    )
    # An unfitted estimator round-trips too.
    assert ROUND_TRIPS[how](AutoencoderTransformer(3)).get_params() == AutoencoderTransformer(3).get_params()


def test_restored_model_keeps_training(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**PARAMS, random_state=0).fit(X)
    restored = pickle.loads(pickle.dumps(ae))
    restored.partial_fit(X)
    ae.partial_fit(X)
    np.testing.assert_array_equal(restored.transform(X), ae.transform(X))  # optimizer state and all
    assert restored.n_iter_ == PARAMS["max_iter"] + 1


class _Bfloat16Momentum(torch.optim.Optimizer):
    """SGD with momentum kept in bfloat16, as memory-saving optimizers keep their state."""

    def __init__(self, params, lr=1e-3, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure=None):
        with torch.enable_grad():
            loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                momentum = self.state[param].setdefault(
                    "momentum", torch.zeros_like(param, dtype=torch.bfloat16)
                )
                momentum.mul_(0.9).add_(param.grad.to(torch.bfloat16))
                param.add_(momentum.float(), alpha=-group["lr"])
        return loss


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("how", ["pickle", "deepcopy", "joblib"])
def test_optimizer_state_of_a_dtype_numpy_lacks_round_trips(digits, how):
    """A fit with an optimizer keeping bfloat16 state could not be pickled, copied or
    dumped (numpy has no bfloat16); the state now keeps its bytes, and the restored
    model continues training as the original does."""
    X = digits[0][:300]
    ae = AutoencoderTransformer(**PARAMS, optimizer=_Bfloat16Momentum, random_state=0).fit(X)
    if how == "joblib":
        buffer = io.BytesIO()
        joblib.dump(ae, buffer)
        restored = joblib.load(io.BytesIO(buffer.getvalue()))
    else:
        restored = pickle.loads(pickle.dumps(ae)) if how == "pickle" else copy.deepcopy(ae)
    kept = next(iter(restored._fitted.optimizer_state["state"].values()))["momentum"]
    assert kept.dtype == torch.bfloat16
    restored.partial_fit(X)
    ae.partial_fit(X)
    np.testing.assert_array_equal(restored.transform(X), ae.transform(X))


def test_tensors_of_a_dtype_numpy_lacks_keep_shape_and_values():
    """Empty (an empty tensor saved but could not be loaded), 0-d and non-contiguous
    tensors come back equal; a damaged record is a ValueError."""
    from sklearn_ae._state import to_numpy_tree, to_tensor_tree

    tensors = [torch.zeros(3, 0), torch.tensor(1.5), torch.arange(6.0).reshape(2, 3).T]
    for tensor in (t.to(torch.bfloat16) for t in tensors):
        restored = to_tensor_tree(pickle.loads(pickle.dumps(to_numpy_tree(tensor))))
        assert restored.dtype == torch.bfloat16 and torch.equal(restored, tensor)
    damaged = {**to_numpy_tree(torch.ones(3, dtype=torch.bfloat16)), "shape": [4]}
    with pytest.raises(ValueError, match="damaged"):
        to_tensor_tree(damaged)


def test_pickle_recorded_on_cuda_loads_on_cpu(digits):
    """A model fitted on a GPU unpickles on a machine without one."""
    X, _ = digits
    ae = AutoencoderTransformer(**PARAMS, random_state=0).fit(X)
    expected = ae.transform(X)
    state = ae.__getstate__()
    state["_device"] = "cuda:0"  # as pickled on a GPU machine
    restored = AutoencoderTransformer.__new__(AutoencoderTransformer)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    if not torch.cuda.is_available():
        assert next(restored.encoder_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(restored.transform(X), expected, rtol=1e-5, atol=1e-5)


def test_an_encoder_instance_on_a_gpu_pickles_for_a_machine_without_one(digits, monkeypatch):
    """The ``encoder`` parameter may be a module the user moved to a GPU; its tensors
    pickled as CUDA storages, which torch refuses to load without CUDA. Simulated: the
    storages of the user's instance are tagged as torch.save tags a GPU's."""
    X = digits[0][:200]
    encoder = torch.nn.Sequential(torch.nn.Linear(64, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(2, encoder=encoder, max_iter=2, random_state=0).fit(X)
    on_gpu = {tensor.untyped_storage().data_ptr() for tensor in encoder.state_dict().values()}
    real_tag = torch.serialization.location_tag
    monkeypatch.setattr(
        torch.serialization,
        "location_tag",
        lambda storage: "cuda:0" if storage.data_ptr() in on_gpu else real_tag(storage),
    )
    data = pickle.dumps(ae)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    restored = pickle.loads(data)
    assert isinstance(restored.encoder, torch.nn.Sequential)
    assert all(tensor.device.type == "cpu" for tensor in restored.encoder.state_dict().values())
    np.testing.assert_array_equal(
        restored.get_params()["encoder"][0].weight.detach(), encoder[0].weight.detach()
    )
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ae)).transform(X), ae.transform(X))


def test_clone_of_fitted_is_unfitted(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**PARAMS, random_state=0).fit(X)
    fresh = clone(ae)
    assert fresh.get_params() == ae.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)


def test_lazy_custom_modules_are_initialised_by_the_fits_seed(digits):
    """A lazy layer takes its shape, and its initial weights, at the first forward pass:
    from the fit's seed, whatever the user's global generator holds, which is left alone."""
    X = digits[0][:300]
    encoder = torch.nn.Sequential(torch.nn.LazyLinear(16), torch.nn.ReLU(), torch.nn.LazyLinear(2))
    codes = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        untouched = torch.rand(1)
        torch.manual_seed(global_seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = AutoencoderTransformer(2, encoder=encoder, max_iter=2, random_state=0).fit(X)
        assert torch.rand(1) == untouched
        codes.append(model.transform(X[:5]))
    np.testing.assert_array_equal(*codes)


def test_custom_modules_do_not_depend_on_fork_rngs_device_type(digits, monkeypatch):
    """Before torch 2.9, ``fork_rng(device_type=None)`` raises (``torch.device(None)``);
    every fit with a custom module failed there, within our declared torch range."""
    original = torch.random.fork_rng

    def fork_rng_before_2_9(devices=None, enabled=True, device_type="cuda", **kwargs):
        torch.device(device_type)  # what torch 2.2 to 2.8 do first: TypeError for None
        return original(devices=devices, enabled=enabled, device_type=device_type, **kwargs)

    monkeypatch.setattr(torch.random, "fork_rng", fork_rng_before_2_9)
    encoder = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AutoencoderTransformer(2, encoder=encoder, max_iter=2, random_state=0).fit(digits[0][:300])
    assert np.isfinite(model.transform(digits[0][:5])).all()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize(
    "module, name", [("sklearn_ae._device", "_GLOBAL_RNG_LOCK"), ("sklearn_ae._state", "_INFERENCE_LOCK")]
)
def test_a_lock_held_by_another_thread_at_a_fork_is_free_in_the_child(module, name):
    """A fit with a custom module holds the global-generator lock; a fork at that moment
    (multiprocessing's default start on Linux) left it held in the child, whose own
    custom-module fits then hung for ever."""
    import importlib
    import threading

    lock = getattr(importlib.import_module(module), name)
    held, release = threading.Event(), threading.Event()

    def hold():
        with lock:
            held.set()
            release.wait()

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12+: fork with threads
            pid = os.fork()
        if pid == 0:  # the child: exit 0 if the lock can be taken
            child_lock = getattr(importlib.import_module(module), name)
            os._exit(0 if child_lock.acquire(timeout=5) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        thread.join()
    assert os.waitstatus_to_exitcode(status) == 0


def _local_modules():
    """Module classes defined in a function, as in a script's ``__main__``: a worker
    process cannot import them, so only a pickle that stores them by value rebuilds them."""

    class Encoder(torch.nn.Module):
        def __init__(self, n_features=64, n_components=2):
            super().__init__()
            self.linear = torch.nn.Linear(n_features, n_components)

        def forward(self, x):
            return self.linear(x)

    return Encoder


@pytest.mark.parametrize("as_instance", [True, False], ids=["instance", "class"])
def test_custom_modules_from_a_script_cross_validate_in_worker_processes(digits, as_instance):
    from sklearn.model_selection import cross_validate

    Encoder = _local_modules()
    encoder = Encoder() if as_instance else Encoder
    model = AutoencoderTransformer(2, encoder=encoder, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = cross_validate(model, digits[0][:400], cv=2, n_jobs=2, return_estimator=True)
    assert np.isfinite(result["test_score"]).all() and len(result["estimator"]) == 2


def test_copies_of_models_with_module_instances(digits):
    """``copy.copy`` hands the pickled state over as it is, and ``copy.deepcopy`` must
    not need the module to pickle (a parametrized layer does not)."""
    X = digits[0][:300]
    encoder = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(64, 2))
    unfitted = AutoencoderTransformer(2, encoder=encoder, max_iter=2, random_state=0)
    assert isinstance(copy.copy(unfitted).encoder, torch.nn.Module)
    assert isinstance(copy.deepcopy(unfitted).encoder, torch.nn.Module)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = clone(unfitted).fit(X)
    for copied in (copy.copy(fitted), copy.deepcopy(fitted)):
        np.testing.assert_array_equal(copied.transform(X), fitted.transform(X))
