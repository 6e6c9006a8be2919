"""The regularisers: the closed-form encoder Jacobian per activation, and the penalties on edge cases."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderTransformer
from sklearn_ae._modules import ACTIVATIONS, Coder, activation_derivative
from sklearn_ae._penalties import ContractivePenalty, _autograd_jacobian, coder_jacobian


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("batch_norm", [False, True])
def test_closed_form_jacobian_matches_autograd(activation, batch_norm):
    """Every registered activation has a derivative the contractive penalty can use."""
    x = torch.randn(6, 7, generator=torch.Generator().manual_seed(0))
    coder = Coder(7, 3, (5, 4), activation, batch_norm=batch_norm).eval()
    torch.testing.assert_close(coder_jacobian(coder, x), _autograd_jacobian(coder, x))


def test_an_unregistered_activation_is_named_in_the_error():
    with pytest.raises(TypeError, match="Softplus"):
        activation_derivative(torch.nn.Softplus(), torch.zeros(3))


def test_sparsity_on_an_overcomplete_code_trains():
    """PCA's start pads an overcomplete code with units that are zero on every row;
    the scale-invariant penalty must not turn them into NaN gradients."""
    X = np.random.RandomState(0).normal(size=(200, 4))
    model = AutoencoderTransformer(8, sparsity=1.0, max_iter=5, random_state=0).fit(X)
    assert np.isfinite(model.loss_curve_).all() and np.isfinite(model.transform(X)).all()


def test_contractive_penalty_skips_a_one_row_batch():
    """A one-row held-out batch has no code spread to measure the Jacobian in."""
    code = torch.zeros(1, 2, requires_grad=True)
    penalty = ContractivePenalty(1.0)(torch.zeros(1, 3), (None, code), None)
    assert float(penalty) == 0.0
    # 1,290 rows hold out 129: batches of 128 and 1. The scores stay in the data's units.
    X = np.random.RandomState(0).normal(size=(1290, 6))
    model = AutoencoderTransformer(2, contractive=0.1, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    assert -2.0 < model.initial_validation_score_ < 0 and all(-2.0 < s < 0 for s in model.validation_scores_)
