"""skops.io: the safe persistence format, trusting only sklearn_ae's own classes."""

import numpy as np
import pytest

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
