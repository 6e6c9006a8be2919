"""The regularisers' building blocks: the closed-form encoder Jacobian, per activation."""

import pytest
import torch

from sklearn_ae._modules import ACTIVATIONS, Coder, activation_derivative
from sklearn_ae._penalties import _autograd_jacobian, coder_jacobian


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
