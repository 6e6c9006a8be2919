"""Held-out stopping: the start is scored, the best weights are kept, failures leave nothing."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from skorch.callbacks import Callback

import sklearn_ae._training as training_module
from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

SMALL = {"n_components": 4, "hidden_layer_sizes": (32,), "random_state": 0}


class RecordValidationRows(Callback):
    """Capture the validation rows the engine held out (a user-callback seam)."""

    rows = None

    def on_train_begin(self, net, **kwargs):
        type(self).rows = net.valid.rows.cpu().numpy()


def test_kept_weights_reproduce_the_best_validation_score(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, n_iter_no_change=3, callbacks=[RecordValidationRows()]).fit(X)
    rows = RecordValidationRows.rows
    assert len(rows) == round(0.1 * len(X))
    assert ae.best_validation_score_ == max([ae.initial_validation_score_, *ae.validation_scores_])
    kept = ae.score(X[rows])
    assert kept == pytest.approx(ae.best_validation_score_, rel=1e-5), (kept, ae.best_validation_score_)
    # Training went on past the best epoch, whose weights were restored.
    assert ae.validation_scores_[-1] < ae.best_validation_score_


def test_the_start_is_kept_when_no_epoch_beats_it_on_held_out_rows(digits):
    """A learning rate that only makes things worse leaves PCA's solution, not the last epoch."""
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, learning_rate_init=0.3, n_iter_no_change=2, max_iter=20).fit(X)
    assert ae.best_validation_score_ == ae.initial_validation_score_, ae.validation_scores_
    # The same split and PCA start, untrained (a step of 1e-12 changes nothing).
    pca_start = AutoencoderTransformer(**SMALL, learning_rate_init=1e-12, max_iter=1)
    np.testing.assert_allclose(ae.transform(X), pca_start.fit(X).transform(X), rtol=1e-4, atol=1e-3)


def test_auto_holds_rows_out_on_moderate_data_only(digits):
    X, _ = digits
    assert AutoencoderTransformer(**SMALL, max_iter=2).fit(X).validation_scores_ is not None
    tiny = AutoencoderTransformer(**SMALL, max_iter=2).fit(X[:60])
    assert tiny.validation_scores_ is None and tiny.best_validation_score_ is None
    assert AutoencoderTransformer(**SMALL, max_iter=2, early_stopping=False).fit(X).validation_scores_ is None


class RecordRate(Callback):
    """The learning rate at the start and after each epoch's checks (user callbacks run
    after the stopping rule). Callbacks are copied at fit, so the record lives on the
    class, as in :class:`RecordValidationRows`."""

    rates = boost = None

    def on_train_begin(self, net, **kwargs):
        type(self).rates = [net.optimizer_.param_groups[0]["lr"]]
        type(self).boost = net.stopping.lr_boost  # (factor, fraction) where the boost applies

    def on_epoch_end(self, net, **kwargs):
        type(self).rates.append(net.optimizer_.param_groups[0]["lr"])


@pytest.fixture(autouse=True)
def _nothing_recorded_yet():
    """A test reads only its own fit's record, not one a previous test left."""
    RecordRate.rates = RecordRate.boost = None


def test_auto_rate_triples_once_training_has_left_the_start(digits):
    """learning_rate_init="auto": 1e-3, times 3 at the first check 10% below PCA's held-out loss."""
    X, _ = digits
    ae = AutoencoderTransformer(8, random_state=0, max_iter=40, callbacks=[RecordRate()]).fit(X)
    start, *after_epoch = RecordRate.rates
    assert start == 1e-3
    best = np.minimum.accumulate([-score for score in ae.validation_scores_])
    below = best < 0.9 * -ae.initial_validation_score_
    assert below.any() and not below[0]  # the fit leaves the start, after its first epoch
    first = int(np.argmax(below))
    assert after_epoch[:first] == [1e-3] * first
    assert after_epoch[first] == pytest.approx(3e-3)
    assert max(after_epoch) == pytest.approx(3e-3)  # once


@pytest.mark.parametrize(
    ("estimator", "params", "rate"),
    [
        (AutoencoderTransformer, {"learning_rate_init": 1e-3}, 1e-3),
        (AutoencoderTransformer, {"early_stopping": False}, 1e-3),
        (AutoencoderTransformer, {"init": "random"}, 1e-3),
        (AutoencoderTransformer, {"init": "spectral"}, 1e-3),
        (AutoencoderTransformer, {"neighbors": 1.0}, 3e-3),
        (VariationalAutoencoderTransformer, {}, 1e-3),
        (AutoencoderTransformer, {"optimizer": "sgd"}, 1e-3),
        (AutoencoderTransformer, {"optimizer": "rmsprop"}, 1e-3),
    ],
    ids=[
        "explicit-rate",
        "no-held-out-rows",
        "random-start",
        "spectral",
        "neighbour-term",
        "vae",
        "sgd",
        "rmsprop",
    ],
)
def test_no_boost_outside_fresh_plain_fits_from_pca(digits, estimator, params, rate):
    """The boost is not armed for these fits, and their rate never rises (the plateau
    schedule may still halve it). Most would triple it within 40 epochs if it applied;
    SGD and the fit without held-out rows would not get there, so the armed boost is
    checked too."""
    X, _ = digits
    estimator(8, random_state=0, max_iter=40, callbacks=[RecordRate()], **params).fit(X)
    assert RecordRate.boost is None
    assert RecordRate.rates[0] == max(RecordRate.rates) == rate, RecordRate.rates


def test_no_boost_when_continuing(digits):
    X, _ = digits
    ae = AutoencoderTransformer(8, random_state=0, max_iter=2, warm_start=True).fit(X)
    ae.set_params(max_iter=40, callbacks=[RecordRate()]).fit(X)
    assert RecordRate.rates[0] == max(RecordRate.rates) == 1e-3, RecordRate.rates


def test_partial_fit_holds_no_rows_out(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL).partial_fit(X)
    assert ae.validation_scores_ is None and ae.n_iter_ == 1


def test_no_convergence_warning_unless_still_improving(digits):
    X, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        AutoencoderTransformer(8, random_state=0).fit(X)
    with pytest.warns(ConvergenceWarning, match="still improving"):
        AutoencoderTransformer(8, max_iter=3, random_state=0).fit(X)


def test_no_convergence_warning_when_nothing_beat_the_start():
    """Isotropic noise: no epoch beats PCA, and max_iter runs out during the start's
    longer patience. The held-out loss was not improving, so there is nothing to warn of."""
    X = np.random.RandomState(0).normal(size=(300, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoencoderTransformer(2, hidden_layer_sizes=(16,), max_iter=30, random_state=0).fit(X)
    assert ae.n_iter_ == 30 and ae.best_validation_score_ == ae.initial_validation_score_


@pytest.mark.parametrize("max_iter", [3, 5])
def test_the_start_is_not_an_improvement(max_iter):
    """Fewer epochs than n_iter_no_change, none better than the start: no "still
    improving" warning (the start used to count as the last improvement)."""
    X = np.random.RandomState(0).normal(size=(300, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoencoderTransformer(2, hidden_layer_sizes=(16,), max_iter=max_iter, random_state=0).fit(X)
        assert ae.best_validation_score_ == ae.initial_validation_score_
        ae.set_params(warm_start=True).fit(X)  # a short continuation of a model that has converged
    assert ae.n_iter_ == 2 * max_iter


def test_a_loss_coming_back_towards_the_start_is_still_improving(digits):
    """Leaving PCA's start, the held-out loss can rise first and then fall: cut off by
    max_iter before it beats the start, that fit has not converged, and says so."""
    X = digits[0]
    with pytest.warns(ConvergenceWarning, match="held-out loss was still improving"):
        ae = AutoencoderTransformer(8, hidden_layer_sizes=(32,), noise=1.0, max_iter=5, random_state=0).fit(X)
    assert ae.best_validation_score_ == ae.initial_validation_score_
    assert ae.validation_scores_[-1] > ae.validation_scores_[-2] + 1e-4  # falling loss, rising score


def test_a_convergence_warning_turned_error_finds_the_fit_committed(digits):
    """The warning comes after the fit is committed: fresh fits and continuations alike."""
    X = digits[0][:400]
    ae = AutoencoderTransformer(4, hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="still improving"):
            ae.fit(X)
        assert ae.n_iter_ == 3
        codes = ae.transform(X)
        with pytest.raises(ConvergenceWarning, match="training loss was still improving"):
            ae.set_params(warm_start=True, early_stopping=False).fit(X)
    assert ae.n_iter_ == 6 and not np.array_equal(ae.transform(X), codes)


class _CtrlCWhileTheStartIsScored(torch.nn.Module):
    """A linear encoder that raises KeyboardInterrupt at its second forward pass in
    eval mode: the first checks its output's shape, the second scores the start."""

    evaluated = 0

    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, n_components)

    def forward(self, x):
        if not self.training:
            type(self).evaluated += 1
            if type(self).evaluated == 2:
                raise KeyboardInterrupt
        return self.linear(x)


def test_ctrl_c_while_the_held_out_batches_are_drawn_keeps_nothing(digits, monkeypatch):
    from sklearn_ae import _engine

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(_engine.AutoencoderNet, "_validation_rows", interrupted)
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        ae.fit(digits[0][:300])
    with pytest.raises(NotFittedError):
        ae.transform(digits[0][:5])


def test_ctrl_c_before_training_began_keeps_nothing(digits):
    """Scoring the start comes before any epoch: the interrupt reaches the caller
    (it was an AttributeError), and the fresh fit is left unfitted."""
    _CtrlCWhileTheStartIsScored.evaluated = 0
    ae = AutoencoderTransformer(4, encoder=_CtrlCWhileTheStartIsScored, max_iter=3, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        ae.fit(digits[0][:300])
    with pytest.raises(NotFittedError):
        ae.transform(digits[0][:5])


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VariationalAutoencoderTransformer])
def test_ctrl_c_during_the_code_size_search_stops_it(digits, monkeypatch, cls):
    """A short fit of the float n_components search caught the interrupt (skorch does)
    and was judged on its truncated weights; the search went on. Now the interrupt
    stops the search, reaches the caller, and the estimator is left unfitted."""
    from sklearn_ae import _engine

    epochs = {"run": 0}
    original = _engine.AutoencoderNet.run_single_epoch

    def interrupt_the_third(self, iterator, training, *args, **kwargs):
        if training:
            epochs["run"] += 1
            if epochs["run"] == 3:
                raise KeyboardInterrupt
        return original(self, iterator, training, *args, **kwargs)

    monkeypatch.setattr(_engine.AutoencoderNet, "run_single_epoch", interrupt_the_third)
    model = cls(n_components=0.8, hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        model.fit(digits[0][:400])
    assert epochs["run"] == 3  # nothing trained after the interrupt
    with pytest.raises(NotFittedError):
        model.transform(digits[0][:5])


def test_no_convergence_warning_when_the_held_out_loss_got_worse(digits, monkeypatch):
    """The spectral pull holds misses back; the warning still looks at the checks themselves.
    (The pull now lasts at most half the planned steps; made to last the whole fit here.)"""
    X, _ = digits
    monkeypatch.setattr(training_module, "pull_steps", lambda n_train, batch_size, max_iter: 800)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoencoderTransformer(
            2, hidden_layer_sizes=(32,), init="spectral", max_iter=30, n_iter_no_change=3, random_state=0
        ).fit(X[:600])
    assert ae.n_iter_ == 30
    assert max(ae.validation_scores_[-3:]) < ae.best_validation_score_  # the last checks were misses


def test_no_still_improving_warning_when_the_training_loss_rose():
    """Without held-out rows the first epoch has nothing to improve on: a loss that then
    rises (here SGD's rate is too high) is not "still improving"."""
    X = np.random.RandomState(0).normal(size=(60, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoencoderTransformer(max_iter=2, optimizer="sgd", learning_rate_init=3.0, random_state=0)
        ae.fit(X)
    assert ae.validation_scores_ is None and ae.loss_curve_[1] > 2 * ae.loss_curve_[0]
    with pytest.warns(ConvergenceWarning, match="training loss was still improving"):
        AutoencoderTransformer(max_iter=2, random_state=0).fit(X)


def test_a_continuation_gets_the_plain_patience(digits):
    """The start's longer patience is for PCA's plateau; a warm start of a converged
    model stops after n_iter_no_change misses and halves its rate on the way."""
    X, _ = digits
    ae = AutoencoderTransformer(4, hidden_layer_sizes=(32,), random_state=0).fit(X[:600])
    ae.set_params(warm_start=True, max_iter=100, callbacks=[RecordRate()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae.fit(X[:600])
    assert len(RecordRate.rates) <= 2 * ae.n_iter_no_change, len(RecordRate.rates)
    assert min(RecordRate.rates) < max(RecordRate.rates) == 1e-3, RecordRate.rates


@pytest.mark.parametrize("n_samples", [257, 129])
def test_batch_norm_never_sees_a_one_row_batch(n_samples):
    """257 rows at batch size 256 (or 129 at 128) would leave one row for the last batch."""
    X = np.random.RandomState(0).normal(size=(n_samples, 6))
    batch_size = 256 if n_samples == 257 else 128
    ae = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(8,),
        batch_norm=True,
        batch_size=batch_size,
        early_stopping=False,
        max_iter=2,
        random_state=0,
    )
    assert np.isfinite(ae.fit(X).transform(X)).all()


class CountSteps(Callback):
    sizes = []

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            type(self).sizes.append(len(batch[0]))


def test_batch_size_one_takes_one_step_per_row():
    """Only a one-row remainder of larger batches joins the batch before it."""
    X = np.random.RandomState(0).normal(size=(7, 4))
    for batch_size, sizes in [(1, [1] * 7), (3, [3, 4])]:
        CountSteps.sizes = []
        options = {"batch_size": batch_size, "max_iter": 1, "callbacks": [CountSteps()]}
        AutoencoderTransformer(2, hidden_layer_sizes=(8,), **options).fit(X)
        assert CountSteps.sizes == sizes


class PoisonAfterEpoch(Callback):
    """Make the weights non-finite once epoch ``epoch``'s loss was recorded finite."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            net.module_.decoder.linear.bias.data.fill_(float("nan"))


def test_non_finite_weights_after_the_last_step_fail_the_fit(digits):
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, max_iter=2, early_stopping=False, callbacks=[PoisonAfterEpoch(2)])
    with pytest.raises(ValueError, match="non-finite weights"):
        ae.fit(X)
    with pytest.raises(NotFittedError):
        ae.transform(X)


def test_failed_refit_leaves_exactly_an_unfitted_estimator(digits):
    """After a good fit, a diverging fresh fit forgets everything: it pickles and copies as new."""
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, max_iter=2).fit(X)
    ae.set_params(learning_rate_init=1e6, optimizer="sgd", max_iter=20)
    with pytest.raises(ValueError, match="Lower learning_rate_init"):
        ae.fit(X)
    fresh = AutoencoderTransformer(**SMALL, learning_rate_init=1e6, optimizer="sgd", max_iter=20)
    assert vars(ae).keys() == vars(fresh).keys()
    with pytest.raises(NotFittedError):
        ae.transform(X)
    for copied in (pickle.loads(pickle.dumps(ae)), copy.deepcopy(ae)):
        assert vars(copied).keys() == vars(fresh).keys()
        with pytest.raises(NotFittedError):
            copied.transform(X)


def test_held_out_checks_within_epochs(digits, monkeypatch):
    """Besides each epoch's end, the held-out loss is checked every
    max(CHECK_ROWS, 4 * n_valid) training rows (not in an epoch's last half interval).
    Digits: 180 held out, so every 720 rows; 1,617 training rows in batches of 128 give a
    check after 768 rows (849 left) and none after 1,536 (81 left): two per epoch."""
    import sklearn_ae._engine as engine
    import sklearn_ae._training as training

    observed = []
    original = engine.KeepBest.observe

    def counting(self, net, loss):
        observed.append(loss)
        return original(self, net, loss)

    monkeypatch.setattr(engine.KeepBest, "observe", counting)
    monkeypatch.setattr(training, "CHECK_ROWS", 100)
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, max_iter=3, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    assert ae.n_iter_ == 3 and len(observed) == 6
    # The best of all checks, the mid-epoch ones included (and the start), is the one kept.
    best = max(ae.initial_validation_score_, -min(observed) * ae.scale_**2)
    assert ae.best_validation_score_ == pytest.approx(best, rel=1e-9)


def test_partial_fit_never_warns_and_keeps_its_rate(digits):
    """partial_fit runs one epoch per call at learning_rate_init: no stopping rule, no
    schedule, no convergence warning; a rate set between calls is the next call's, the
    way large_data.rst says to schedule it."""
    X, _ = digits
    ae = AutoencoderTransformer(**SMALL, callbacks=[RecordRate()])
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for chunk in np.array_split(X, 3):
            ae.partial_fit(chunk)
            assert set(RecordRate.rates) == {1e-3}, RecordRate.rates
        ae.set_params(learning_rate_init=2.5e-4).partial_fit(X[:100])
    assert set(RecordRate.rates) == {2.5e-4}, RecordRate.rates
    assert ae.n_iter_ == 4


def test_nothing_beats_pca_so_the_fit_stops_after_the_starts_patience_at_pca():
    """A linear network on isotropic noise cannot beat PCA: the fit stops after
    START_GRACE * n_iter_no_change = 50 checks, without a warning, and keeps PCA's
    solution (training.rst, "The learning rate")."""
    X = np.random.RandomState(0).normal(size=(300, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ae = AutoencoderTransformer(2, hidden_layer_sizes=(), random_state=0, max_iter=200).fit(X)
    assert ae.n_iter_ == 50
    assert ae.best_validation_score_ == ae.initial_validation_score_


def _stopping_from_a_start_of(start_loss):
    """A held-out stopping rule (patience 10, tol 1e-4, halving after 5 misses, 5x the
    patience at the start) started at ``start_loss``, on a stub of what it touches."""
    from sklearn_ae._engine import KeepBest

    class Net:
        module_ = torch.nn.Linear(1, 1)
        row_terms = ()
        optimizer_ = torch.optim.SGD(module_.parameters(), lr=1e-3)

    stopping = KeepBest(
        "valid_loss", patience=10, tol=1e-4, keep_best=True, lr_patience=5, lr_boost=None, grace=5
    )
    net = Net()
    stopping.start(net, start_loss)
    return stopping, net


def test_a_loss_creeping_below_the_start_has_left_it():
    """The start's longer patience and its frozen rate last until a check beats the
    start by more than tol, as documented, even when no single check beats the best
    so far by that much (a loss creeping down by tol / 2 per check)."""
    stopping, net = _stopping_from_a_start_of(1.0)
    for i in range(1, 3):
        stopping.observe(net, 1.0 - 5e-5 * i)
    assert not stopping.left_start_  # 1e-4 below the start: not more than tol
    stopping.observe(net, 1.0 - 1.5e-4)
    assert stopping.left_start_
    for i in range(4, 8):
        stopping.observe(net, 1.0 - 5e-5 * i)
    assert net.optimizer_.param_groups[0]["lr"] == 1e-3  # 4 misses since it left
    stopping.observe(net, 1.0 - 1.9e-4)
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(5e-4)  # the 5th miss since it left halves it


def test_leaving_the_start_late_starts_the_normal_patience_afresh():
    """Misses counted against the start's longer patience (grace x patience) stopped a fit
    at the very check where its creeping loss left the start, sooner than one that
    stayed flat on it."""
    stopping, net = _stopping_from_a_start_of(1.0)
    for i in range(1, 22):  # creeping by 5e-6 per check: 21 misses, then below the start by > tol
        stopping.observe(net, 1.0 - 5e-6 * i)
    assert stopping.left_start_ and not stopping.should_stop
    assert stopping.improving  # a fit cut off by max_iter here warns: it had just made progress
    for i in range(9):
        stopping.observe(net, 1.0 - 1.05e-4 - 1e-6 * i)
    assert not stopping.should_stop
    stopping.observe(net, 1.0 - 1.2e-4)
    assert stopping.should_stop  # the normal patience, 10 checks, after leaving
