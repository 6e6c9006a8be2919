"""The regularisers: the closed-form encoder Jacobian per activation, and the penalties on edge cases."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderTransformer
from sklearn_ae._modules import ACTIVATIONS, Coder, activation_derivative
from sklearn_ae._penalties import (
    ContractivePenalty,
    KLPenalty,
    SparsityPenalty,
    _autograd_jacobian,
    coder_jacobian,
)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_closed_form_jacobian_matches_autograd(activation, batch_norm):
    """Every registered activation has a derivative the contractive penalty can use."""
    x = torch.randn(6, 7, generator=torch.Generator().manual_seed(0))
    with torch.random.fork_rng(devices=[]):  # seeded weights; the global generator is left alone
        torch.manual_seed(0)
        coder = Coder(7, 3, (5, 4), activation, batch_norm=batch_norm).eval()
    torch.testing.assert_close(coder_jacobian(coder, x), _autograd_jacobian(coder, x))


def test_training_mode_jacobian_uses_the_batch_statistics_without_updating_them():
    """In training, batch norm is the affine map of this batch's statistics; measuring
    the Jacobian must not move the running statistics (the forward pass already did)."""
    with torch.random.fork_rng(devices=[]):  # seeded, without changing later tests' draws
        torch.manual_seed(0)
        x = torch.randn(16, 7) * 3 + 1
        coder = Coder(7, 3, (5, 4), "tanh", batch_norm=True).train()
    norms = [layer for layer in coder.mlp if isinstance(layer, torch.nn.BatchNorm1d)]
    with torch.no_grad():
        for layer in norms:  # non-trivial affine parameters
            layer.weight.uniform_(0.5, 2.0)
            layer.bias.uniform_(-1.0, 1.0)
    before = [(layer.running_mean.clone(), int(layer.num_batches_tracked)) for layer in norms]
    in_training = coder_jacobian(coder, x)
    for layer, (mean, tracked) in zip(norms, before):
        assert int(layer.num_batches_tracked) == tracked and torch.equal(layer.running_mean, mean)
    # The same map in evaluation mode, with running statistics set to the batch's own.
    inputs = []
    hooks = [layer.register_forward_pre_hook(lambda _, a: inputs.append(a[0].detach())) for layer in norms]
    with torch.no_grad():
        coder.mlp(x)
    for hook in hooks:
        hook.remove()
    for layer, h in zip(norms, inputs):
        layer.running_mean.copy_(h.mean(dim=0))
        layer.running_var.copy_(h.var(dim=0, unbiased=False))
    torch.testing.assert_close(in_training, coder_jacobian(coder.eval(), x))


def test_contractive_fit_tracks_one_batch_norm_update_per_step():
    X = np.random.RandomState(0).normal(size=(64, 6))
    kw = dict(batch_norm=True, batch_size=16, max_iter=1, early_stopping=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AutoencoderTransformer(2, contractive=0.1, **kw).fit(X)
    norms = [layer for layer in model.encoder_.mlp if isinstance(layer, torch.nn.BatchNorm1d)]
    assert norms and all(int(layer.num_batches_tracked) == 4 for layer in norms)  # 64 rows / 16


def test_elu_derivative_has_finite_gradients_for_large_inputs():
    """The branch torch.where does not take must not overflow: exp(100) * 0 is NaN."""
    pre = torch.tensor([100.0, -3.0, 0.5], requires_grad=True)
    derivative = activation_derivative(torch.nn.ELU(), pre)
    derivative.sum().backward()
    assert torch.isfinite(derivative).all() and torch.isfinite(pre.grad).all()


def test_an_unregistered_activation_is_named_in_the_error():
    with pytest.raises(TypeError, match="Softplus"):
        activation_derivative(torch.nn.Softplus(), torch.zeros(3))


def test_sparsity_on_an_overcomplete_code_trains():
    """PCA's start pads an overcomplete code with units that are zero on every row;
    the scale-invariant penalty must not turn them into NaN gradients."""
    X = np.random.RandomState(0).normal(size=(200, 4))
    model = AutoencoderTransformer(8, sparsity=1.0, max_iter=5, random_state=0).fit(X)
    assert np.isfinite(model.loss_curve_).all() and np.isfinite(model.transform(X)).all()


def test_sparsity_needs_two_rows_per_batch():
    """One row is 1 in units of its own RMS whatever its code: a constant, not a penalty."""
    code = torch.randn(1, 3, requires_grad=True)
    assert float(SparsityPenalty(5.0)(torch.zeros(1, 4), (None, code), None)) == 0.0
    X = np.random.RandomState(0).normal(size=(60, 5))
    model = AutoencoderTransformer(2, sparsity=1.0, batch_size=1, max_iter=2)
    with pytest.raises(ValueError, match=r"sparsity > 0 .* at least 2 rows per batch; got batch_size=1"):
        model.fit(X)
    assert not hasattr(model, "n_iter_")


def test_kl_term_is_per_observed_entry():
    """The reconstruction error is a mean over observed entries; the KL follows it, so a
    batch with half its entries missing weighs its KL twice as much per entry."""
    mean, log_var = torch.ones(4, 2), torch.zeros(4, 2)  # KL of 1.0 per row
    penalty = KLPenalty(0.5)
    X = torch.zeros(4, 10)
    assert float(penalty(X, (None, mean, log_var), None)) == pytest.approx(0.5 / 10)
    half = penalty(X, (None, mean, log_var), None, observed=torch.tensor(0.5))
    assert float(half) == pytest.approx(0.5 / 5)


def test_contractive_penalty_skips_a_one_row_batch():
    """A one-row held-out batch has no code spread to measure the Jacobian in."""
    code = torch.zeros(1, 2, requires_grad=True)
    penalty = ContractivePenalty(1.0)(torch.zeros(1, 3), (None, code), None)
    assert float(penalty) == 0.0
    # 1,290 rows hold out 129: batches of 128 and 1. The scores stay in the data's units:
    # the same fit on 100 times the data scores 10,000 times as much.
    X = np.random.RandomState(0).normal(size=(1290, 6))
    scores = []
    for factor in (1.0, 100.0):
        model = AutoencoderTransformer(2, contractive=0.1, max_iter=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(factor * X)
        assert np.isfinite(model.validation_scores_).all()
        scores.append([model.initial_validation_score_, *model.validation_scores_])
    np.testing.assert_allclose(scores[1], 1e4 * np.asarray(scores[0]), rtol=1e-3)
    assert all(s < 0 for s in scores[0])


def test_contractive_penalty_skips_a_batch_of_duplicate_rows(digits):
    """Duplicate rows have one code between them: no spread, so no penalty (not a
    division by a rounding error). Half of these rows are one repeated image."""
    encoder = torch.nn.Linear(3, 2)
    rows = torch.ones(4, 3)
    penalty = ContractivePenalty(1.0)(rows, (None, encoder(rows)), SimpleNamespace(encoder=encoder))
    assert float(penalty) == 0.0
    # Distinct rows keep their penalty wherever the codes sit: shifting the code by
    # 10,000 (about 17,000 times its spread) changes neither the Jacobian nor the variance.
    torch.manual_seed(0)
    encoder, rows = torch.nn.Linear(64, 8), torch.randn(256, 64)
    module = SimpleNamespace(encoder=encoder)
    unshifted = float(ContractivePenalty(1.0)(rows, (None, encoder(rows)), module))
    with torch.no_grad():
        encoder.bias.fill_(10_000.0)
    shifted = float(ContractivePenalty(1.0)(rows, (None, encoder(rows)), module))
    assert unshifted > 6.7 and shifted == pytest.approx(unshifted, rel=1e-3)  # measured 7.93
    X, _ = digits
    X = np.vstack([np.repeat(X[:1], 150, axis=0), X[1:151]])
    fits = {}
    for contractive in (0.0, 0.1):
        model = AutoencoderTransformer(4, contractive=contractive, batch_size=4, max_iter=5, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits[contractive] = model.fit(X)
    # Measured: -3.68 against -3.31 without the penalty (it was -4.7e16 with the batches
    # of duplicates divided by ~1e-24, or a non-finite optimizer state error).
    assert fits[0.1].best_validation_score_ > 1.3 * fits[0.0].best_validation_score_


def test_contractive_on_a_chunk_of_nearly_equal_rows_takes_a_bounded_step(digits):
    """Two rows a hundredth of a pixel apart have almost no code spread: divided by it,
    the penalty reached 8e8 and the chunk failed as "diverged" at any learning rate.
    With the floor it takes an ordinary step: the model scores as it did (measured
    -14.098 after, -14.105 before, on rows it was not fitted on)."""
    X, _ = digits
    for contractive in (0.1, 1.0):
        model = AutoencoderTransformer(2, contractive=contractive, random_state=0).partial_fit(X[:500])
        before = model.score(X[1000:])
        near = np.repeat(X[501:502], 2, axis=0)
        near[1, 1] += 0.01
        model.partial_fit(near)
        assert model.score(X[1000:]) > 1.01 * before  # scores are negative: at most 1% worse


@pytest.mark.parametrize("n_components", [3, 8])
def test_sparsity_with_sgd_and_units_beyond_the_datas_rank(n_components):
    """Units beyond the data's rank start at zero and are tiny after a step; the
    penalty's gradient grows as one over their spread, and SGD's loss became NaN at the
    first epoch. Rank-2 data: the code of size 2 and more reconstructs it exactly."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 2)) @ rng.normal(size=(2, 6))
    model = AutoencoderTransformer(n_components, sparsity=1.0, optimizer="sgd", max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    assert np.isfinite(model.loss_curve_).all()
    assert -model.score(X) < 1e-14 * X.var()  # measured 2.5e-15 and 2.8e-15 of it: rounding


class _DropoutEncoder(torch.nn.Module):
    """Passed as a class, so the fit builds it with its seed."""

    middle = torch.nn.Dropout

    def __init__(self, n_features, n_components):
        super().__init__()
        middle = self.middle(0.3) if self.middle is torch.nn.Dropout else self.middle(16)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_features, 16), torch.nn.ReLU(), middle, torch.nn.Linear(16, n_components)
        )

    def forward(self, x):
        return self.net(x)


def test_contractive_with_a_custom_encoder_that_has_dropout(digits):
    """torch.func draws a dropout mask per row (as in training), and the fit is reproducible."""
    X, _ = digits
    params = {"max_iter": 3, "random_state": 0, "contractive": 0.1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = [
            AutoencoderTransformer(3, encoder=_DropoutEncoder, **params).fit(X[:300]).transform(X[:5])
            for _ in range(2)
        ]
    np.testing.assert_array_equal(codes[0], codes[1])


def test_contractive_with_a_batch_norm_custom_encoder_is_a_clear_error(digits):
    X, _ = digits

    class BatchNormEncoder(_DropoutEncoder):
        middle = torch.nn.BatchNorm1d

    ae = AutoencoderTransformer(3, encoder=BatchNormEncoder, max_iter=3, contractive=0.1)
    with pytest.raises(ValueError, match="contractive > 0 needs the Jacobian of the custom encoder"):
        ae.fit(X[:300])
    assert not hasattr(ae, "encoder_")
