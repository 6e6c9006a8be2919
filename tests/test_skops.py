"""skops.io: the safe persistence format, trusting only sklearn_ae's own classes."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

sio = pytest.importorskip("skops.io")


@pytest.mark.parametrize("cls", [AutoencoderTransformer, VariationalAutoencoderTransformer])
def test_skops_round_trip_trusts_only_sklearn_ae(tmp_path, digits, cls):
    X, _ = digits
    model = cls(4, hidden_layer_sizes=(16,), max_iter=3, random_state=0).fit(X)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == [f"{cls.__module__}.{cls.__name__}"]
    restored = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    restored.partial_fit(X)  # and it keeps training
    assert restored.n_iter_ == 4


def test_a_module_instance_or_a_fitted_custom_network_gets_a_clear_error(digits):
    """skops cannot store a torch module safely: a clear TypeError, not torch's
    "Cannot directly construct TensorBase" (or a file that fails to load)."""
    X, _ = digits
    encoder = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    unfitted = AutoencoderTransformer(4, encoder=encoder, max_iter=1, random_state=0)
    for model in (unfitted, clone(unfitted).fit(X)):
        with pytest.raises(TypeError, match=r"skops.io cannot store a torch module.*joblib"):
            sio.dumps(model)
