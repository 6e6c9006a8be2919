"""Training controls: stopping, early stopping, partial_fit, warm_start, callbacks, verbose."""

import json
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_validate, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNet
from skorch.callbacks import BatchScoring, Callback, PassthroughScoring

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

SMALL = {"n_components": 4, "hidden_layer_sizes": (32,), "random_state": 0}


def test_fitted_attributes(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, max_iter=4, early_stopping=False).fit(X)
    assert ae.n_components_ == 4 and ae.n_features_in_ == 64 and ae.n_iter_ == 4
    assert isinstance(ae.encoder_, torch.nn.Module) and isinstance(ae.decoder_, torch.nn.Module)
    assert len(ae.loss_curve_) == 4 and ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert ae.validation_scores_ is None
    # The loss curve is in the user's units: close to the final reconstruction MSE.
    assert ae.loss_curve_[-1] == pytest.approx(-ae.score(X), rel=0.017)  # measured 1.46% apart


def test_converges_before_max_iter_on_easy_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 10))
    ae = AutoencoderTransformer(2, max_iter=500, n_iter_no_change=5, random_state=0).fit(X)
    assert ae.n_iter_ <= 29, ae.n_iter_  # measured 25


def test_early_stopping_stops_on_held_out_loss(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, early_stopping=True, n_iter_no_change=3, max_iter=300).fit(X)
    assert ae.n_iter_ <= 62, ae.n_iter_  # measured 54
    assert len(ae.validation_scores_) == ae.n_iter_
    # Patience ran out: the last 3 epochs improved on the best before them by at most tol.
    scores = ae.validation_scores_
    before = max([ae.initial_validation_score_, *scores[:-3]])
    assert max(scores[-3:]) <= before + ae.tol * ae.scale_**2


def test_partial_fit_continues_training(digits):
    X, X_test = digits[0][:1500], digits[0][1500:]
    ae = AutoencoderTransformer(**SMALL)
    errors = []
    for _ in range(6):
        for chunk in np.array_split(X, 3):
            ae.partial_fit(chunk)
        errors.append(-ae.score(X_test))
    assert ae.n_iter_ == 18 and len(ae.loss_curve_) == 18
    # Held-out error after 6 passes / after the first: measured 0.923.
    assert errors[-1] / errors[0] <= 0.935, f"held-out error ratio {errors[-1] / errors[0]:.3f}"


def test_warm_start_continues_from_current_weights(digits):
    X, X_test = digits[0][:1500], digits[0][1500:]
    ae = AutoencoderTransformer(**SMALL, max_iter=3, warm_start=True).fit(X)
    first = -ae.score(X_test)
    ae.fit(X)
    assert ae.n_iter_ == 6 and len(ae.loss_curve_) == 6
    # Three more epochs from where it was, not from the start: measured 0.957 of the error.
    assert -ae.score(X_test) / first <= 0.963, f"held-out error ratio {-ae.score(X_test) / first:.3f}"


def test_user_callbacks_run_and_are_not_mutated(digits):
    X, _ = digits

    class CountEpochs(Callback):
        def __init__(self):
            self.epochs = 0

        def on_epoch_end(self, net, **kwargs):
            self.epochs += 1
            assert np.isfinite(net.history[-1, "train_loss"])

    counter, named = CountEpochs(), CountEpochs()
    ae = AutoencoderTransformer(**SMALL, max_iter=3, callbacks=[counter, ["named", named]]).fit(X)
    assert counter.epochs == named.epochs == 0  # the user's instances are copied, never changed
    assert ae.n_iter_ == 3
    clone(ae).fit(X)  # a clone's copies too (a pair given as a list was run in place)
    assert counter.epochs == named.epochs == 0

    calls = []

    class Record(Callback):
        def on_epoch_end(self, net, **kwargs):
            calls.append(net.history[-1, "train_loss"])

    AutoencoderTransformer(**SMALL, max_iter=3, callbacks=[Record()]).fit(X)
    assert len(calls) == 3


def test_a_callback_s_writer_is_shared_not_copied(digits):
    """Logging callbacks (skorch's TensorBoard, a logger's run) hold a writer with a lock
    or thread: deep-copying them at fit failed ("cannot pickle '_thread.lock'"), and a
    copyable writer received nothing. The fit's copy writes to the user's writer."""
    import threading

    class Writer:
        def __init__(self):
            self.lock, self.rows = threading.Lock(), []

    class LogLoss(Callback):
        def __init__(self, writer):
            self.writer = writer

        def on_epoch_end(self, net, **kwargs):
            with self.writer.lock:
                self.writer.rows.append(net.history[-1, "train_loss"])

    writer = Writer()
    logger = LogLoss(writer)
    ae = AutoencoderTransformer(**SMALL, max_iter=3, callbacks=[logger, ("named", LogLoss(writer))]).fit(
        digits[0]
    )
    assert len(writer.rows) == 2 * ae.n_iter_ == 6
    assert ae.get_params()["callbacks"][0] is logger and logger.writer is writer


def _fit_with_batch_callbacks(X, callbacks):
    """Fit with ``callbacks``; return the last epoch's history row."""
    seen = {}

    class LastEpoch(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen["row"] = net.history[-1]

    ae = AutoencoderTransformer(**SMALL, max_iter=2, early_stopping=True, callbacks=[*callbacks, LastEpoch()])
    assert ae.fit(X).n_iter_ == 2
    return seen["row"]


def test_skorch_callbacks_that_read_each_batch_work(digits):
    """PassthroughScoring reads each batch's loss and size from the history, which the
    loop did not record (a KeyError)."""
    X, _ = digits
    row = _fit_with_batch_callbacks(X, [PassthroughScoring("train_loss", on_train=True)])
    train = [b for b in row["batches"] if "train_loss" in b]
    rows = sum(b["train_batch_size"] for b in train)
    assert 0.85 * len(X) < rows < len(X)  # the training rows, a tenth held out
    losses, sizes = zip(*((b["train_loss"], b["train_batch_size"]) for b in train))
    # PassthroughScoring's size-weighted mean of the batch losses is the epoch's loss.
    assert np.isclose(row["train_loss"], np.average(losses, weights=sizes), rtol=1e-5)


@pytest.mark.skipif(
    not hasattr(NeuralNet, "__sklearn_tags__"),
    reason="this skorch predates scikit-learn's __sklearn_tags__: its scorers cannot score a net",
)
def test_batch_scoring_scores_the_held_out_batches(digits):
    scoring = BatchScoring("neg_mean_squared_error", name="valid_neg_mse", lower_is_better=False)
    assert np.isfinite(_fit_with_batch_callbacks(digits[0], [scoring])["valid_neg_mse"])


@pytest.mark.parametrize("held_out", [True, False])
def test_keyboard_interrupt_leaves_a_usable_model(digits, held_out):
    """Ctrl-C during fit (skorch catches it) keeps the finished epochs and a working model:
    with held-out rows the best weights seen, without them the weights reached, the
    interrupted epoch's first step included (training.rst)."""
    X, _ = digits

    class InterruptMidway(Callback):
        """Raise KeyboardInterrupt at the end of the third epoch's first batch."""

        reached = None

        def on_batch_end(self, net, training=True, **kwargs):
            if training and len(net.history) == 3:  # the history has a row for the epoch under way
                type(self).reached = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
                raise KeyboardInterrupt

    ae = AutoencoderTransformer(**SMALL, max_iter=10, early_stopping=held_out, callbacks=[InterruptMidway()])
    ae.fit(X)
    assert ae.n_iter_ == 2 and len(ae.loss_curve_) == 2
    assert np.isfinite(ae.transform(X)).all()
    kept = ae._fitted.module.state_dict()
    same = all(torch.equal(kept[k].cpu(), v.cpu()) for k, v in InterruptMidway.reached.items())
    # Held out: the best check's weights (the step after the last check was never scored).
    assert same is not held_out


def test_verbose_prints_per_epoch(digits, capsys):
    X, _ = digits
    AutoencoderTransformer(**SMALL, max_iter=3, early_stopping=True, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out and "dur" in out
    assert "\x1b[" not in out  # not a terminal (a log, a pipe): no colour codes around the best values
    AutoencoderTransformer(**SMALL, max_iter=3).fit(X)
    assert capsys.readouterr().out == ""


def test_verbose_colours_the_best_values_on_a_terminal(digits, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    AutoencoderTransformer(**SMALL, max_iter=3, early_stopping=True, verbose=1).fit(digits[0])
    assert "\x1b[" in capsys.readouterr().out


def test_unscaled_offset_data_needs_no_scaler(digits):
    """Features in the thousands with offsets of 1e4 train as well as the raw data."""
    X, X_test = digits[0][:1500], digits[0][1500:]
    params = {**SMALL, "max_iter": 30}
    raw = AutoencoderTransformer(**params).fit(X)
    shifted = 1e4 + 500.0 * X
    big = AutoencoderTransformer(**params).fit(shifted)
    raw_mse = -raw.score(X_test)
    big_mse = -big.score(1e4 + 500.0 * X_test) / 500.0**2
    assert big_mse == pytest.approx(raw_mse, rel=1e-3)  # held out; measured equal to 4 digits
    assert abs(big.inverse_transform(big.transform(shifted)).mean() - shifted.mean()) < 0.01 * shifted.std()


def test_score_samples_flags_an_unseen_class_better_than_pca(digits):
    """Trained without the 9s, the reconstruction error picks out held-out 9s among
    held-out other digits far better than PCA's at the same code size (ROC AUC measured
    0.954 against PCA's 0.646)."""
    X, y = digits
    normal, unseen = X[y != 9], X[y == 9]
    train, test = train_test_split(normal, test_size=0.25, random_state=0)
    ae = AutoencoderTransformer(4, random_state=0).fit(train)
    pca = PCA(4).fit(train)
    labels = np.r_[np.zeros(len(test)), np.ones(len(unseen))]
    ours = roc_auc_score(labels, -np.r_[ae.score_samples(test), ae.score_samples(unseen)])
    both = np.vstack([test, unseen])
    theirs = roc_auc_score(labels, ((pca.inverse_transform(pca.transform(both)) - both) ** 2).mean(axis=1))
    assert ours >= 0.947 and ours > theirs + 0.27, (ours, theirs)  # 1 - AUC within 1.15x; the gap 0.31
    assert ae.score(test) == pytest.approx(ae.score_samples(test).mean())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_device_matches_cpu(digits):
    X = digits[0].astype(np.float32)
    cpu = AutoencoderTransformer(**SMALL, max_iter=3).fit(X)
    gpu = AutoencoderTransformer(**SMALL, max_iter=3, device="cuda").fit(X)
    assert next(gpu.encoder_.parameters()).device.type == "cuda"
    np.testing.assert_allclose(gpu.transform(X), cpu.transform(X), rtol=1e-2, atol=1e-2)


def test_a_numbered_gpu_this_machine_lacks_loads_on_the_cpu(monkeypatch):
    """A model pickled on cuda:1 and loaded where there is one GPU runs on the CPU."""
    from sklearn_ae._device import available_or_cpu

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert available_or_cpu(torch.device("cuda:1")) == torch.device("cpu")
    assert available_or_cpu(torch.device("cuda:0")) == torch.device("cuda:0")


def test_auto_device_falls_back_to_an_available_device(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, max_iter=1, device="auto").fit(X)
    assert ae.transform(X).shape == (X.shape[0], 4)
    mps = getattr(torch.backends, "mps", None)
    expected = "cuda" if torch.cuda.is_available() else "mps" if mps and mps.is_available() else "cpu"
    assert next(ae.encoder_.parameters()).device.type == expected


def test_skorch_checkpoint_saves_the_best_epoch(tmp_path):
    """skorch's ``Checkpoint`` monitors ``valid_loss_best``, which the engine records."""
    from skorch.callbacks import Checkpoint

    X = np.random.RandomState(0).normal(size=(150, 5))
    ae = AutoencoderTransformer(
        2, hidden_layer_sizes=(4,), max_iter=3, early_stopping=True, random_state=0,
        callbacks=[Checkpoint(dirname=str(tmp_path))],
    )  # fmt: skip
    with pytest.warns(ConvergenceWarning):
        ae.fit(X)
    assert (tmp_path / "params.pt").exists()
    best = max(range(3), key=lambda i: ae.validation_scores_[i])
    history = json.loads((tmp_path / "history.json").read_text())
    flags = [row["valid_loss_best"] for row in history]
    assert flags[0] and flags[best]  # the first epoch, and the best one, were checkpointed


@pytest.mark.parametrize("how", ["fit", "fit_transform", "pipeline", "cross_validate"])
def test_convergence_warning_points_at_the_callers_line(how):
    X = np.random.RandomState(0).normal(size=(150, 5))
    ae = AutoencoderTransformer(hidden_layer_sizes=(4,), max_iter=2, tol=0, random_state=0)
    fit = {
        "fit": ae.fit,
        "fit_transform": ae.fit_transform,
        "pipeline": make_pipeline(StandardScaler(), ae).fit,
        "cross_validate": lambda X: cross_validate(ae, X, cv=2),
    }
    with pytest.warns(ConvergenceWarning) as record:
        fit[how](X)
    assert record[0].filename == __file__


def test_custom_parts_make_the_mlp_settings_free_to_change():
    """With a custom encoder and decoder, activation and the like build nothing."""

    class Decoder(torch.nn.Linear):
        def __init__(self, n_features, n_components):
            super().__init__(n_components, n_features)

    X = np.random.RandomState(0).normal(size=(120, 6))
    ae = AutoencoderTransformer(
        2, encoder=_Encoder, decoder=Decoder, max_iter=2, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X).set_params(activation="tanh", hidden_layer_sizes=(4,)).fit(X)
    assert ae.n_iter_ == 4


class _Encoder(torch.nn.Linear):
    def __init__(self, n_features, n_components):
        super().__init__(n_features, n_components)


@pytest.mark.parametrize(
    "change",
    [
        {"n_components": 3},
        {"n_components": 0.99},
        {"hidden_layer_sizes": (16,)},
        {"activation": "tanh"},
        {"dropout": 0.2},
        {"encoder": _Encoder},
    ],
    ids=["n_components", "n_components-float", "hidden_layer_sizes", "activation", "dropout", "encoder"],
)
def test_continuing_refuses_a_changed_network(change):
    """warm_start and partial_fit continue the fitted network: a changed shape is an error,
    not silently ignored, and the fitted model is kept."""
    X = np.random.RandomState(0).normal(size=(120, 6))
    params = {"n_components": 2, "hidden_layer_sizes": (8,), "max_iter": 2, "random_state": 0}
    for warm in (True, False):
        ae = AutoencoderTransformer(**params, warm_start=warm)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # 2 epochs
            ae.fit(X)
        before = ae.transform(X)
        ae.set_params(**change)
        name = next(iter(change))
        with pytest.raises(ValueError, match=rf"{name}=.*\(fitted: .*warm_start=False"):
            ae.fit(X) if warm else ae.partial_fit(X)
        np.testing.assert_array_equal(ae.transform(X), before)


def test_a_linear_network_continues_whatever_its_activation_setting():
    """Without hidden layers there is no activation, dropout or batch norm to change."""
    X = np.random.RandomState(0).normal(size=(120, 6))
    ae = AutoencoderTransformer(2, hidden_layer_sizes=(), max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
        ae.set_params(activation="tanh", dropout=0.2, batch_norm=True).fit(X)
        ae.partial_fit(X)
    assert ae.n_iter_ == 5  # 2 epochs, 2 more continued (a restart would count 2), 1 partial_fit


def test_an_optimizer_without_weight_decay_trains_when_alpha_is_zero(digits):
    """alpha is passed as weight_decay only to optimizers that take it (Rprop does not)."""
    X, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae = AutoencoderTransformer(4, optimizer=torch.optim.Rprop, max_iter=3, random_state=0).fit(X[:300])
    assert np.isfinite(ae.score(X[:300]))
    ae = AutoencoderTransformer(4, optimizer=torch.optim.Rprop, alpha=1e-3, max_iter=3)
    with pytest.raises(ValueError, match=r"alpha=0\.001 is applied as the optimizer's weight_decay"):
        ae.fit(X[:300])
    assert not hasattr(ae, "encoder_")


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_module_handed_over_in_eval_mode_trains_in_training_mode(early_stopping):
    """A user's encoder instance in eval mode (a fitted model's ``encoder_`` is) trained
    with its batch norm frozen and its dropout off when no rows were held out: only
    scoring held-out rows put the whole network through a mode change."""

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(6, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
            )

        def forward(self, x):
            return self.net(x)

    X = np.random.RandomState(0).normal(size=(300, 6)) * 5 + 3
    model = AutoencoderTransformer(
        encoder=Encoder().eval(), max_iter=3, early_stopping=early_stopping, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    # every step updated the batch norm's statistics: 3 epochs of 3 batches (270 or 300 rows, 128 a batch)
    assert int(model.encoder_.net[1].num_batches_tracked) == 9


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


class _LinearEncoder(torch.nn.Linear):
    def __init__(self, n_features, n_components):
        super().__init__(n_features, n_components)


@pytest.mark.parametrize(
    "make",
    [
        lambda: AutoencoderTransformer(2, max_iter=3, random_state=0),
        lambda: AutoencoderTransformer(2, max_iter=3, neighbors=1.0, random_state=0),
        lambda: VariationalAutoencoderTransformer(2, max_iter=3, random_state=0),
    ],
    ids=["plain", "neighbors", "variational"],
)
@pytest.mark.parametrize("missing", [False, True], ids=["complete", "missing"])
def test_torch_default_dtype_float64_changes_nothing(float64_default, make, missing):
    """Scientific code often sets torch's default dtype to float64. The built-in
    network stays float32, as the data reach it: fits, and continued fits of a pickled
    model, failed with a dtype mismatch; and the random draws of a step (entries hidden
    with missing values, the neighbour term's partners) stay float32 draws, the same
    stream."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 10))
    if missing:
        X[rng.rand(*X.shape) < 0.2] = np.nan
    model = make().fit(X)
    torch.set_default_dtype(torch.float32)
    expected = make().fit(X).transform(X)
    torch.set_default_dtype(torch.float64)
    np.testing.assert_array_equal(model.transform(X), expected)
    restored = pickle.loads(pickle.dumps(model))
    restored.partial_fit(X)
    assert np.isfinite(restored.transform(X)).all()


def test_custom_modules_built_under_a_float64_default_train_in_float32(float64_default):
    """A class built while torch's default dtype is float64 has float64 weights; the data
    reach it as float32, and the fit failed the width check with a dtype mismatch."""
    X = np.random.RandomState(0).normal(size=(200, 6))
    model = AutoencoderTransformer(2, max_iter=3, encoder=_LinearEncoder, random_state=0).fit(X)
    assert next(model.encoder_.parameters()).dtype == torch.float32
    assert np.isfinite(model.transform(X)).all()


@pytest.mark.parametrize("context", [torch.inference_mode, torch.no_grad], ids=["inference_mode", "no_grad"])
def test_fit_inside_a_torch_no_gradient_context(digits, context):
    """A caller's ``torch.inference_mode()`` made fit fail with torch's "element 0 of
    tensors does not require grad"; the fit is the one made outside it."""
    X = digits[0][:300]
    params = dict(n_components=2, max_iter=2, random_state=0)
    outside = AutoencoderTransformer(**params).fit(X).transform(X)
    with context():
        inside = AutoencoderTransformer(**params).fit(X).transform(X)
    np.testing.assert_array_equal(inside, outside)


@pytest.mark.parametrize("custom", [False, True], ids=["built-in", "custom"])
def test_model_loaded_inside_inference_mode_serves_float64_rows(custom):
    """A pickle loaded inside ``torch.inference_mode()`` (as serving code does) rebuilt
    its weights as inference tensors, and every float64 ``transform``,
    ``inverse_transform`` and ``score_samples`` then failed with torch's "Inference
    tensors do not track version counter"; the loaded model serves as the original."""
    X = np.random.RandomState(0).normal(size=(200, 6))
    params = dict(encoder=_LinearEncoder) if custom else {}
    model = AutoencoderTransformer(2, max_iter=3, random_state=0, **params).fit(X)
    with torch.inference_mode():
        loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    np.testing.assert_array_equal(loaded.inverse_transform(X[:, :2]), model.inverse_transform(X[:, :2]))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))
    loaded.partial_fit(X)  # and it trains on
    assert np.isfinite(loaded.transform(X)).all()


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "missing"])
def test_scaling_passes_hold_a_bounded_float64_chunk_on_wide_data(missing):
    """The scaling passes took chunks of 65,536 rows whatever the width: on wide data a
    chunk was a float64 copy of the whole input (20,000 x 2,000 float32, 153 MiB: 305 MiB
    added, 1,296 MiB with missing entries). Chunks now hold at most 64 MiB of float64:
    128 and 255 MiB measured, and 128 MiB for the scaled tensor's pass (numpy's
    allocations, traced; the bounds are 1.15x these)."""
    import tracemalloc

    from sklearn_ae._data import fit_scaling, scaled_tensor

    X = np.random.RandomState(0).normal(size=(20_000, 2_000)).astype(np.float32)
    if missing:
        X[0, 0] = np.nan
    tracemalloc.start()
    try:
        mean, scale = fit_scaling(X, missing=missing)
        scaling_mib = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.reset_peak()
        scaled_tensor(X, mean, scale)
        tensor_mib = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert scaling_mib < (294 if missing else 147), scaling_mib
    assert tensor_mib < 147, tensor_mib  # the float32 tensor is torch's, not traced
