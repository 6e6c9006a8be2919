"""Bad input and bad parameters: a ValueError that names the problem, nothing half-fitted."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

FAST = {"hidden_layer_sizes": (8,), "max_iter": 2, "random_state": 0}


@pytest.fixture
def X():
    return np.random.RandomState(0).normal(size=(50, 6))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda X: np.full_like(X, np.nan), "Every entry of X is missing"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), "infinity"),
        (
            lambda X: np.array([["a", "b"], ["c", "d"]], dtype=object),
            "could not convert string to float: 'a'",
        ),
        (lambda X: np.empty((0, 6)), "0 sample"),
        (lambda X: np.empty((5, 0)), "0 feature"),
        (lambda X: X[:, 0], "2D array"),
    ],
    ids=["all-nan", "inf", "strings", "no-rows", "no-features", "1d"],
)
def test_bad_training_data(X, bad, message):
    ae = AutoencoderTransformer(**FAST)
    with pytest.raises(ValueError, match=message):
        ae.fit(bad(X))
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_ragged_list():
    with pytest.raises(ValueError, match="setting an array element with a sequence"):
        AutoencoderTransformer(**FAST).fit([[1.0, 2.0], [3.0]])


def test_wrong_width_at_transform_and_inverse_transform(X):
    ae = AutoencoderTransformer(3, **FAST).fit(X)
    with pytest.raises(ValueError, match="6 features"):
        ae.transform(X[:, :4])
    with pytest.raises(ValueError, match="3 columns"):
        ae.inverse_transform(np.zeros((4, 5)))
    with pytest.raises(ValueError, match="NaN"):
        ae.inverse_transform(np.full((2, 3), np.nan))  # codes cannot be missing


def test_not_fitted(X):
    ae = AutoencoderTransformer()
    for method in (ae.transform, ae.inverse_transform, ae.score, ae.score_samples):
        with pytest.raises(NotFittedError):
            method(X)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"n_components": 0}, "n_components"),
        ({"n_components": "two"}, "n_components"),
        ({"activation": "swish"}, "activation"),
        ({"dropout": 1.0}, "dropout"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"batch_size": 0}, "batch_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"optimizer": "lbfgs"}, "optimizer"),
        ({"optimizer": dict}, "optimizer"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"init": "xavier"}, "init"),
        ({"device": "tpu"}, "device"),
        ({"device": "cuda:99"}, "cuda"),
        ({"callbacks": [1]}, "callbacks must hold skorch callbacks"),
        ({"callbacks": ["print_log"]}, "callbacks must hold skorch callbacks"),
        ({"callbacks": [("timer", object())]}, "callbacks must hold skorch callbacks"),
    ],
)
def test_invalid_parameters(X, params, name):
    ae = AutoencoderTransformer(**{**FAST, **params})
    with pytest.raises(ValueError, match=name):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_callbacks_as_instances_classes_and_named_pairs(X):
    from collections import namedtuple

    from sklearn.base import clone
    from skorch.callbacks import EpochTimer

    Pair = namedtuple("Pair", "name callback")
    callbacks = [EpochTimer(), EpochTimer, ("my_timer", EpochTimer()), ["listed_timer", EpochTimer()]]
    ae = AutoencoderTransformer(**{**FAST, "callbacks": [*callbacks, Pair("pair", EpochTimer())]}).fit(X)
    assert ae.n_iter_ == FAST["max_iter"]
    # A clone keeps a listed pair a list (it became a tuple) and a namedtuple a namedtuple,
    # as scikit-learn's clone keeps containers
    copied = clone(ae).callbacks
    assert [type(entry) for entry in copied] == [type(entry) for entry in ae.callbacks]
    assert clone(ae).fit(X).n_iter_ == FAST["max_iter"]  # a namedtuple pair: clone and fit work


@pytest.mark.parametrize("name", ["stopping", "finite_loss"])
def test_a_callback_may_not_take_the_engine_s_names(X, name):
    """skorch's own message ("duplicate user-set callback name") said the user set it twice."""
    from skorch.callbacks import EpochTimer

    ae = AutoencoderTransformer(**{**FAST, "callbacks": [(name, EpochTimer())]})
    with pytest.raises(ValueError, match=f"the name '{name}' is sklearn_ae's own callback's"):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


class _LoadsBest(__import__("skorch").callbacks.EarlyStopping):
    def __init__(self, patience=5, load_best=True):
        super().__init__(patience=patience, load_best=load_best)


@pytest.mark.parametrize("kind", ["Checkpoint", "EarlyStopping", "truthy", "class", "named"])
def test_a_callback_that_loads_its_best_weights_is_refused(X, kind, tmp_path):
    """It loaded its own weights and history after the fit kept the best held-out ones:
    n_iter_, loss_curve_ and best_validation_score_ no longer described the model."""
    from skorch import callbacks

    callback = {
        "Checkpoint": lambda: callbacks.Checkpoint(load_best=True, dirname=str(tmp_path)),
        "EarlyStopping": lambda: callbacks.EarlyStopping(load_best=True),
        "truthy": lambda: callbacks.EarlyStopping(load_best=np.True_),
        "class": lambda: _LoadsBest,  # built with its defaults
        "named": lambda: ("mine", callbacks.EarlyStopping(load_best=1)),
    }[kind]()
    ae = AutoencoderTransformer(**FAST).fit(X)
    codes = ae.transform(X)
    with pytest.raises(ValueError, match=r"\(load_best=True\) would replace the weights"):
        ae.set_params(callbacks=[callback]).fit(X)
    np.testing.assert_array_equal(ae.transform(X), codes)  # refused before anything changed


@pytest.mark.parametrize(
    ("callback", "settings", "call", "reason"),
    [
        ("EarlyStopping", {"early_stopping": False}, "fit", "early_stopping=False"),
        ("EarlyStopping", {}, "partial_fit", "partial_fit never holds rows out"),
        (
            "class",
            {"early_stopping": "auto"},
            "fit",
            r"early_stopping='auto' holds rows out from 100 rows on \(got n_samples=50\)",
        ),
        ("Checkpoint", {"early_stopping": False}, "fit", "early_stopping=False"),
    ],
)
def test_a_callback_watching_held_out_records_needs_held_out_rows(
    X, tmp_path, callback, settings, call, reason
):
    """skorch's EarlyStopping watches "valid_loss": with no rows held out it failed after
    the first epoch with a bare KeyError ("Key 'valid_loss' was not found in history")."""
    from skorch import callbacks

    made = {
        "EarlyStopping": lambda: callbacks.EarlyStopping(),
        "class": lambda: callbacks.EarlyStopping,  # built with its defaults
        "Checkpoint": lambda: ("saves", callbacks.Checkpoint(dirname=str(tmp_path))),
    }[callback]()
    ae = AutoencoderTransformer(**FAST).fit(X)
    codes = ae.transform(X)
    ae.set_params(callbacks=[made], **settings)
    with pytest.raises(ValueError, match=rf"monitors 'valid_loss(_best)?'.*held out, and {reason}"):
        getattr(ae, call)(X)
    if callback != "class":  # decided by the parameters: refused before anything changed
        np.testing.assert_array_equal(ae.transform(X), codes)
    else:  # decided by the data ("auto" and 50 rows): a refit refused on its data, nothing half-fitted
        with pytest.raises(NotFittedError):
            check_is_fitted(ae)
    monitor = "train_loss_best" if callback == "Checkpoint" else "train_loss"
    made = (
        ("saves", callbacks.Checkpoint(dirname=str(tmp_path), monitor=monitor))
        if callback == "Checkpoint"
        else (callbacks.EarlyStopping(monitor=monitor))
    )
    getattr(ae.set_params(callbacks=[made]), call)(X)  # what the message advises works


def test_a_callback_watching_held_out_records_on_one_row_gets_advice_that_works(X):
    """One row can hold none out, whatever early_stopping says: the advice to set
    early_stopping=True led to its own error ("needs at least 2 samples")."""
    from skorch.callbacks import EarlyStopping

    ae = AutoencoderTransformer(**FAST, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match=r"monitor 'train_loss' instead\.$") as raised:
        ae.fit(X[:1])
    assert "early_stopping=True" not in str(raised.value)
    ae.set_params(callbacks=[EarlyStopping(monitor="train_loss")]).fit(X[:1])  # as advised
    # Refused before the data is read (early_stopping=False): the advice says what it needs
    ae.set_params(callbacks=[EarlyStopping()], early_stopping=False)
    with pytest.raises(ValueError, match=r"or set early_stopping=True \(with at least 2 rows\)\.$"):
        ae.fit(X[:1])


def test_a_learning_rate_schedule_is_refused_only_where_it_reads_its_monitor(X):
    """skorch's LRScheduler reads ``monitor`` only with ReduceLROnPlateau: a StepLR
    schedule naming "valid_loss" runs without held-out rows, and was refused."""
    from skorch.callbacks import LRScheduler

    settings = {**FAST, "early_stopping": False}
    step = LRScheduler(policy="StepLR", step_size=1, monitor="valid_loss")
    assert AutoencoderTransformer(**settings, callbacks=[step]).fit(X).n_iter_ == FAST["max_iter"]
    for policy in ("ReduceLROnPlateau", torch.optim.lr_scheduler.ReduceLROnPlateau):
        plateau = LRScheduler(policy=policy, monitor="valid_loss")
        with pytest.raises(ValueError, match=r"LRScheduler monitors 'valid_loss'"):
            AutoencoderTransformer(**settings, callbacks=[plateau]).fit(X)


def test_a_callback_watching_a_record_of_its_own_is_not_refused(X):
    """Only the held-out records the fit itself writes are refused without held-out rows:
    a user's callback may record a "valid_" metric of its own (a held-out set of theirs)."""
    from skorch.callbacks import Callback, EarlyStopping

    class ExternalScore(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("valid_external", float(len(net.history)))

    settings = {**FAST, "early_stopping": False}
    callbacks = [ExternalScore(), EarlyStopping(monitor="valid_external", lower_is_better=False)]
    ae = AutoencoderTransformer(**settings, callbacks=callbacks).fit(X)
    assert ae.n_iter_ == FAST["max_iter"]


def test_diverging_loss_raises_clear_error_and_leaves_unfitted(digits):
    X, _ = digits
    ae = AutoencoderTransformer(8, learning_rate_init=1e6, optimizer="sgd", max_iter=20, random_state=0)
    with pytest.raises(ValueError, match=r"epoch \d+.*Lower learning_rate_init"):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        ae.transform(X)


@pytest.mark.parametrize("early_stopping", [True, False])
def test_a_loss_that_explodes_while_finite_is_a_diverged_fit(digits, early_stopping):
    """Batch normalisation keeps an exploding network's loss finite: the fit must still
    stop with the divergence advice, not commit a model that transforms garbage."""
    X, _ = digits
    ae = AutoencoderTransformer(
        4, batch_norm=True, learning_rate_init=10.0, max_iter=5, early_stopping=early_stopping, random_state=0
    )
    with pytest.raises(ValueError, match=r"reached .* times the error of predicting.*Lower learning_rate"):
        ae.fit(X[:500])
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_a_partial_fit_chunk_in_other_units_is_refused_with_the_reason(digits):
    X, _ = digits
    ae = AutoencoderTransformer(8, random_state=0).partial_fit(X)
    before = ae.transform(X)
    with pytest.raises(ValueError, match="far outside the scale the model was fitted on"):
        ae.partial_fit(300 * X)  # the scaling came from the first chunk
    np.testing.assert_array_equal(ae.transform(X), before)


def test_failed_continuation_keeps_previous_model(digits):
    X, _ = digits
    ae = AutoencoderTransformer(4, max_iter=3, random_state=0).fit(X)
    ae.set_params(learning_rate_init=1e6, optimizer="sgd")
    with pytest.raises(ValueError, match="Lower learning_rate_init"):
        for _ in range(5):
            before = ae.transform(X)
            ae.partial_fit(X)
    np.testing.assert_array_equal(ae.transform(X), before)
    assert np.isfinite(before).all()


def test_values_that_overflow_float64_get_a_clear_error():
    """Squared errors in the user's units must be finite: 1e300 is refused up front."""
    X = 1e300 * np.random.RandomState(0).uniform(0.5, 1.5, size=(50, 4))
    ae = AutoencoderTransformer(max_iter=2)
    with pytest.raises(ValueError, match="overflow float64"):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_continuing_on_values_far_outside_the_scale_keeps_the_model(X):
    ae = AutoencoderTransformer(3, **FAST).fit(X)
    before = ae.transform(X)
    with pytest.raises(ValueError, match="overflow float32"):
        ae.partial_fit(1e300 * X)
    np.testing.assert_array_equal(ae.transform(X), before)
    assert ae.n_iter_ == FAST["max_iter"]


@pytest.mark.parametrize(
    ("params", "n_rows", "message"),
    [
        ({"batch_norm": True, "batch_size": 1}, 50, r"batch_norm=True needs at least 2 .*batch_size=1"),
        ({"batch_norm": True, "early_stopping": True}, 2, r"batch_norm=True needs at least 2 .*1 training"),
        ({"contractive": 0.1, "batch_size": 1}, 50, r"contractive > 0 .*at least 2 rows.*batch_size=1"),
    ],
    ids=["batch-norm-batch-size-1", "batch-norm-one-training-row", "contractive-batch-size-1"],
)
def test_settings_that_need_two_rows_per_batch(X, params, n_rows, message):
    ae = AutoencoderTransformer(**{**FAST, **params})
    with pytest.raises(ValueError, match=message):
        ae.fit(X[:n_rows])
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_early_stopping_accepts_numpy_booleans(X):
    """A grid such as ``{"early_stopping": np.array([True, False])}`` passes numpy booleans."""
    for flag in (True, False):
        plain = AutoencoderTransformer(early_stopping=flag, **FAST).fit(X)
        numpy = AutoencoderTransformer(early_stopping=np.bool_(flag), **FAST).fit(X)
        assert (numpy.validation_scores_ is None) == (not flag)
        np.testing.assert_array_equal(numpy.transform(X), plain.transform(X))


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("batch_size", -5),
        ("batch_size", 0),
        ("noise", -1.0),
        ("learning_rate_init", "fast"),
        ("optimizer", "x"),
    ],
)
def test_partial_fit_checks_parameters_set_between_calls(X, param, value):
    """scikit-learn checks parameters on a first partial_fit only: -5 trained on no batch, a
    negative noise counted as 0, others failed deep inside. Now the same error as fit's."""
    ae = AutoencoderTransformer(**FAST).partial_fit(X)
    weights = [w.detach().clone() for w in ae.encoder_.parameters()]
    with pytest.raises(ValueError, match=f"The '{param}' parameter of AutoencoderTransformer must be"):
        ae.set_params(**{param: value}).partial_fit(X)
    assert ae.n_iter_ == 1 and len(ae.loss_curve_) == 1
    assert all(torch.equal(a, b) for a, b in zip(weights, ae.encoder_.parameters()))


def test_partial_fit_never_holds_out_even_with_early_stopping(X):
    ae = AutoencoderTransformer(early_stopping=True, **FAST)
    for chunk in (X[:20], X[20:40], X[:1]):  # a one-row chunk: nothing to hold out, none needed
        ae.partial_fit(chunk)
    assert ae.n_iter_ == 3


@pytest.mark.parametrize("factor", [1e18, 1e19], ids=["infinite-moments", "non-finite-loss"])
def test_a_failed_partial_fit_leaves_the_optimizer_state_as_it_was(X, factor):
    """The kept model continues exactly as one whose failed call never happened.

    At 1e18 the loss stays finite but explodes, and the squared gradients overflow
    Adam's moments: that chunk fails too, instead of freezing the weights for every
    later call."""

    def two_chunks():
        ae = AutoencoderTransformer(**FAST)
        ae.partial_fit(X)
        return ae.partial_fit(X)

    failed, clean = two_chunks(), two_chunks()
    with pytest.raises(ValueError, match=r"non-finite optimizer state|loss became inf|loss reached"):
        failed.partial_fit(X * factor)
    for ae in (failed, clean):
        for _ in range(3):
            ae.partial_fit(X)
    np.testing.assert_array_equal(failed.transform(X), clean.transform(X))


class _InfiniteMoments(torch.optim.Adam):
    """Adam whose second moments overflow at every step (as squared gradients of huge
    rows do), while the weights and the loss stay finite (its steps become 0)."""

    def step(self, closure=None):
        loss = super().step(closure)
        for state in self.state.values():
            state["exp_avg_sq"].fill_(float("inf"))
        return loss


def test_infinite_optimizer_moments_are_refused_and_the_model_kept(X):
    """They would freeze the weights of every later partial_fit: the call fails and the
    model continues as before it (no other test reached this check)."""
    ae = AutoencoderTransformer(**FAST).partial_fit(X)
    codes = ae.transform(X)
    ae.set_params(optimizer=_InfiniteMoments)
    with pytest.raises(ValueError, match=r"non-finite optimizer state \(exp_avg_sq\)"):
        ae.partial_fit(X)
    np.testing.assert_array_equal(ae.transform(X), codes)


@pytest.mark.parametrize(
    ("variational", "module", "shape", "message"),
    [
        (False, "encoder", (6, 3), r"encoder must map rows of 6 columns to 2 \(n_features in, n_comp"),
        (False, "encoder", (5, 2), r"encoder must map rows of 6 columns to 2 .*failed on a row of 6"),
        (False, "decoder", (2, 5), r"decoder must map rows of 2 columns to 6"),
        (True, "encoder", (6, 2), r"encoder must map rows of 6 columns to 4 \(n_features in, 2 \* n_comp"),
    ],
    ids=["encoder-width", "encoder-input", "decoder-width", "vae-encoder-width"],
)
def test_custom_modules_of_the_wrong_width_are_named(X, variational, module, shape, message):
    estimator = VariationalAutoencoderTransformer if variational else AutoencoderTransformer
    ae = estimator(2, max_iter=2, random_state=0, **{module: torch.nn.Linear(*shape)})
    with pytest.raises(ValueError, match=message):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


@pytest.mark.parametrize("module", ["encoder", "decoder"])
def test_a_module_class_without_the_width_arguments_is_named(X, module):
    """A class is called as cls(n_features=..., n_components=...); one that cannot be
    gets a ValueError that says so, not the constructor's TypeError."""
    ae = AutoencoderTransformer(2, max_iter=2, **{module: torch.nn.Linear})
    with pytest.raises(ValueError, match=rf"{module}=Linear is called as Linear\(n_features=\.\.\., n_comp"):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        check_is_fitted(ae)


def test_a_refit_that_fails_validation_leaves_nothing_fitted(X):
    """Validation resets ``feature_names_in_`` before it fails: no half-fitted mix of the
    old weights and the new names."""
    pd = pytest.importorskip("pandas")
    good = pd.DataFrame(X, columns=["a", "b", "c", "d", "e", "f"])
    bad = pd.DataFrame(X.copy(), columns=list("uvwxyz"))  # older pandas shares X's memory
    bad.iloc[0, 0] = np.inf
    ae = AutoencoderTransformer(**FAST).fit(good)
    with pytest.raises(ValueError, match="infinity"):
        ae.fit(bad)
    assert not [name for name in vars(ae) if name.endswith("_")]
    with pytest.raises(NotFittedError):
        ae.transform(good)


def test_a_float_code_size_with_module_instances_says_to_give_classes(X):
    """The search of a float n_components builds the network at several sizes; an
    instance has one width (the error named a size the user never asked for)."""
    encoder, decoder = torch.nn.Linear(6, 3), torch.nn.Linear(3, 6)
    with pytest.raises(
        ValueError, match="tries several code sizes, but the encoder and decoder are instances"
    ):
        AutoencoderTransformer(0.9, encoder=encoder, decoder=decoder, **FAST).fit(X)


def test_a_float64_module_trains_in_float32_and_the_users_stays_as_given(X):
    encoder = torch.nn.Linear(6, 3).double()
    ae = AutoencoderTransformer(3, encoder=encoder, **FAST).fit(X)
    assert next(ae.encoder_.parameters()).dtype == torch.float32 and np.isfinite(ae.transform(X)).all()
    assert encoder.weight.dtype == torch.float64  # a copy was cast


def test_device_takes_a_torch_device(X):
    codes = AutoencoderTransformer(**FAST, device=torch.device("cpu")).fit_transform(X)
    np.testing.assert_array_equal(codes, AutoencoderTransformer(**FAST).fit_transform(X))


def test_cuda_without_a_number_is_pinned_to_the_current_gpu(monkeypatch):
    """An unnumbered "cuda" follows the calling thread's current GPU, so a model fitted
    or loaded under one and used under another mixed GPUs; the fitted device and a
    loaded model's device carry the number (simulated: two GPUs, the current one 1)."""
    from sklearn_ae._device import available_or_cpu, resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    for name in ("cuda", "auto", torch.device("cuda")):
        assert resolve_device(name) == torch.device("cuda", 1), name
    assert resolve_device("cuda:0") == torch.device("cuda", 0)
    assert available_or_cpu(torch.device("cuda")) == torch.device("cuda", 1)
    assert available_or_cpu(torch.device("cuda:0")) == torch.device("cuda", 0)


@pytest.mark.parametrize(("requested", "saved"), [("cuda", "cuda"), ("auto", "cuda"), ("cuda:1", "cuda:1")])
def test_a_saved_model_names_a_gpu_only_where_the_user_did(X, requested, saved):
    """The number pinning adds is not saved: a model fitted with device="cuda" on GPU 1
    then loaded on the CPU of a one-GPU machine (a number it lacks) instead of its GPU."""
    ae = AutoencoderTransformer(**FAST).fit(X)
    ae._fitted.device = torch.device("cuda", 1)  # as fitted on the second GPU, current there
    assert ae.set_params(device=requested).__getstate__()["_device"] == saved


@pytest.mark.parametrize(
    "bad",
    [
        {"hidden_layer_sizes": (0,)},
        {"max_iter": True},
        {"device": "tpu"},
        {"dropout": 1.0},  # scikit-learn's own check
        {"sparsity": 1.0, "batch_size": 1},
        {"batch_norm": True, "batch_size": 1},
        {"optimizer": torch.optim.LBFGS, "alpha": 0.1},
        {"encoder": int},  # was checked while building the network: the old model was forgotten
    ],
    ids=["hidden-0", "bool", "device", "constraint", "batch-term", "batch-norm", "weight-decay", "encoder"],
)
def test_a_refused_parameter_leaves_a_fitted_model_as_it_was(X, bad):
    """Every parameter check runs before a fit changes anything, scikit-learn's and ours
    alike (ours used to come after the old model was forgotten)."""
    ae = AutoencoderTransformer(**FAST).fit(X)
    codes = ae.transform(X)
    with pytest.raises(ValueError):
        ae.set_params(**bad).fit(X)
    np.testing.assert_array_equal(ae.transform(X), codes)
    with pytest.raises(ValueError):  # a continued fit refuses it the same way
        ae.partial_fit(X)
    np.testing.assert_array_equal(ae.transform(X), codes)


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VariationalAutoencoderTransformer])
def test_a_numpy_integer_code_size_is_an_integer(X, cls):
    """A grid built with ``np.arange`` gives ``np.int64``: the VAE failed at its first step
    (torch's ``split`` takes Python ints only), so every fit of such a search failed."""
    model = cls(**{**FAST, "n_components": np.int64(2)}).fit(X)
    assert model.n_components_ == 2 and type(model.n_components_) is int
    assert model.transform(X).shape == (len(X), 2)


@pytest.mark.parametrize(
    "name", ["n_components", "max_iter", "batch_size", "n_iter_no_change", "n_neighbors"]
)
def test_booleans_are_not_integers(X, name):
    with pytest.raises(ValueError, match=rf"{name} must be an integer, not a bool"):
        AutoencoderTransformer(**{**FAST, name: True}).fit(X)


def test_a_user_optimizers_own_state_is_not_checked_for_finiteness(X):
    """Only the moments (state shaped like its parameter) must be finite after a call."""

    class WithSentinel(torch.optim.SGD):
        def step(self, closure=None):
            loss = super().step(closure)
            for group in self.param_groups:
                for param in group["params"]:
                    self.state[param]["best"] = torch.tensor(float("inf"))
            return loss

    ae = AutoencoderTransformer(**{**FAST, "optimizer": WithSentinel})
    ae.partial_fit(X)
    ae.partial_fit(X)
    assert ae.n_iter_ == 2


@pytest.mark.parametrize("dtype, big", [(np.float64, 1e306), (np.float32, 1e36)])
def test_finite_rows_that_overflow_once_scaled_are_a_clear_error_after_fit(dtype, big):
    """Rows far outside the fit's scale overflowed once divided by ``scale_`` and encoded
    to NaN codes and a NaN score, silently, where ``partial_fit`` refused them."""
    X = 1e-3 * np.random.RandomState(0).normal(size=(200, 5))
    ae = AutoencoderTransformer(**FAST).fit(X)
    far = X[:3].astype(dtype)
    far[0, 0] = big
    with_a_hole = far.copy()
    with_a_hole[2, 1] = np.nan  # the chunk takes the fill path, which turned inf into 1.8e308
    for method in (ae.transform, ae.score_samples):
        for rows in (far, with_a_hole):
            with pytest.raises(ValueError, match=r"overflow float(32|64) once centred and divided by scale_"):
                method(rows)
    assert np.isfinite(ae.transform(far[1:])).all()
    if dtype == np.float32:  # finite rows whose sum overflows: the fill path too
        with pytest.raises(ValueError, match="overflow float32 once centred"):
            ae.transform(np.full((2, 5), 2e38, dtype=np.float32))
    # Finite once scaled (3.3e35 / scale_ < 3.4e38), infinite after the first layer.
    inside = X[:3].astype(dtype)
    inside[0, :] = 3.3e35 if dtype == np.float32 else 1e303
    if dtype == np.float32:
        for method in (ae.transform, ae.score_samples, ae.score):
            with pytest.raises(ValueError, match=r"overflow float32 inside the network"):
                method(inside)
    else:  # the codes stay finite; only the squared error overflows: the worst score, not an error
        scores = ae.score_samples(inside)
        assert scores[0] == -np.inf and np.isfinite(scores[1:]).all()
        assert np.isfinite(ae.transform(inside)).all()
    assert np.isnan(ae.score_samples(np.full((1, 5), np.nan, dtype=dtype))).all()  # nothing observed


def test_codes_that_overflow_are_an_error_in_scores_too():
    """A one-unit linear network turns an infinite code into an infinite (not NaN)
    reconstruction: score_samples gave -inf silently where transform raised."""
    X = np.random.RandomState(0).normal(size=(200, 5))
    ae = AutoencoderTransformer(1, hidden_layer_sizes=(), max_iter=3, random_state=0).fit(X)
    rows = X[:3].copy()
    direction = np.sign(next(ae.encoder_.parameters()).detach().numpy()[0]).astype(np.float64)
    rows[0] = direction * 1.5e308 * ae.scale_  # finite; its code overflows float64
    for method in (ae.transform, ae.score_samples, ae.score):
        with pytest.raises(ValueError, match=r"overflow float64 inside the network"):
            method(rows)


def test_float32_rows_whose_reconstruction_passes_float32_score_as_in_float64():
    """Codes and decoder output finite in float32, the reconstruction in the row's units
    (times ``scale_``, plus the mean) past float32's range: the row scored -inf silently
    in float32 and a finite error in float64."""
    X = 1e37 * np.random.RandomState(0).normal(size=(150, 6))
    ae = AutoencoderTransformer(2, max_iter=3, random_state=0).fit(X)
    direction = np.sign(next(ae.encoder_.parameters()).detach().numpy()[0]).astype(np.float64)
    row = (3e38 * direction)[None]
    as64 = ae.score_samples(row)
    assert np.isfinite(as64).all()
    np.testing.assert_allclose(ae.score_samples(row.astype(np.float32)), as64, rtol=1e-4)


def test_score_keeps_an_infinite_error_with_missing_entries():
    """With missing entries score() weighs rows by their observed entries; it turned
    an infinite error into 1.8e308 (a finite score) where score_samples gives -inf."""
    X = np.random.RandomState(0).normal(size=(200, 5))
    ae = AutoencoderTransformer(2, hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X)
    rows = X[:3].copy()
    rows[0] = [np.nan, np.nan, np.nan, 1.7e308, np.nan]
    assert ae.score_samples(rows)[0] == -np.inf
    assert ae.score(rows) == -np.inf


def test_infinity_is_a_value_error_even_when_scikit_learns_check_is_off(digits):
    """``assume_finite=True`` skips scikit-learn's check; the overflow message then hit
    ``int(log10(inf))`` and raised an ``OverflowError``."""
    import scipy.sparse as sp
    from sklearn import config_context

    X = digits[0][:100].copy()
    X[0, 0] = np.inf
    for data in (X, sp.csr_matrix(X)):  # sparse input said "overflow ... divide X by a constant"
        model = AutoencoderTransformer(max_iter=2)
        with config_context(assume_finite=True), pytest.raises(ValueError, match="contains infinity"):
            model.fit(data)
        assert not hasattr(model, "n_iter_")


def test_infinity_past_scikit_learns_check_is_a_value_error_after_fit_too(digits):
    """Past ``assume_finite=True``, ``transform`` and ``score_samples`` took an infinite
    entry for a missing one and returned codes of about 1e308 and a score of -inf;
    ``partial_fit`` (dense and sparse) and the imputer's ``transform`` called it an
    overflow. Each now says what it is, and ``partial_fit`` leaves the model as it was."""
    import scipy.sparse as sp
    from sklearn import config_context

    from sklearn_ae import AutoencoderImputer

    X = digits[0][:100]
    bad = X.copy()
    bad[0, 0] = np.inf
    dense = AutoencoderTransformer(**FAST).fit(X)
    sparse = AutoencoderTransformer(**FAST).fit(sp.csr_matrix(X))
    holes = X.copy()
    holes[::3, 5] = np.nan
    imputer = AutoencoderImputer(max_iter=2, random_state=0).fit(holes)
    bad_holes = holes.copy()
    bad_holes[0, 0] = np.inf  # row 0 has a missing entry, so the imputer computes on it
    # A feature with no value at fit is not used: infinity there is not the model's concern
    dropped = np.column_stack([holes, np.full(len(holes), np.nan)])
    dropping = AutoencoderImputer(max_iter=2, random_state=0).fit(dropped)
    dropped[0, -1] = np.inf
    with config_context(assume_finite=True), pytest.warns(UserWarning, match="Skipping features"):
        assert np.isfinite(dropping.transform(dropped)).all()
    calls = [
        lambda: dense.transform(bad),
        lambda: dense.score_samples(bad),
        lambda: dense.inverse_transform(np.array([[np.inf, 0.0]])),
        lambda: dense.partial_fit(bad),
        lambda: sparse.transform(sp.csr_matrix(bad)),
        lambda: sparse.partial_fit(sp.csr_matrix(bad)),
        lambda: imputer.transform(bad_holes),
    ]
    for call in calls:
        with config_context(assume_finite=True), pytest.raises(ValueError, match="contains infinity"):
            call()
    assert dense.n_iter_ == sparse.n_iter_ == FAST["max_iter"]
