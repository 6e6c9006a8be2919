"""Reconstruction quality against PCA, measured in the same test on real data."""

import numpy as np
import pytest
from conftest import pca_heldout_mse
from sklearn.decomposition import PCA

from sklearn_ae import AutoencoderTransformer


def heldout_mse(model, X_test):
    return float(np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2))


@pytest.mark.parametrize(("k", "bound"), [(8, 0.75), (2, 0.85)])
def test_beats_pca_on_unscaled_digits(digits_split, k, bound):
    X_train, X_test, _, _ = digits_split
    ae = AutoencoderTransformer(k, random_state=0).fit(X_train)
    ratio = heldout_mse(ae, X_test) / pca_heldout_mse(X_train, X_test, k)
    assert ratio <= bound, f"AE/PCA held-out MSE ratio {ratio:.3f} > {bound}"


@pytest.mark.parametrize(("name", "bound"), [("s_curve", 0.3), ("swiss_roll", 0.5)])
def test_unrolls_manifolds_better_than_pca(manifolds, name, bound):
    X_train, X_test, _, _ = manifolds[name]
    ae = AutoencoderTransformer(2, random_state=0).fit(X_train)
    ratio = heldout_mse(ae, X_test) / pca_heldout_mse(X_train, X_test, 2)
    assert ratio <= bound, f"{name}: AE/PCA held-out MSE ratio {ratio:.3f} > {bound}"


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_layer_sizes": ()},
        {"hidden_layer_sizes": (32,), "activation": "identity"},
    ],
    ids=["no-hidden-layers", "identity-activation"],
)
def test_linear_autoencoder_trained_from_scratch_is_pca(digits_split, params):
    """A linear encoder and decoder learn PCA's subspace, from a random start."""
    X_train, X_test, _, _ = digits_split
    k = 5
    ae = AutoencoderTransformer(
        k, init="random", max_iter=400, early_stopping=False, random_state=0, **params
    ).fit(X_train)
    pca = PCA(k).fit(X_train)
    pca_mse = pca_heldout_mse(X_train, X_test, k)
    assert heldout_mse(ae, X_test) <= 1.02 * pca_mse

    # The decoded codes lie in PCA's principal subspace (affine: around the mean).
    decoded = ae.inverse_transform(ae.transform(X_test)) - pca.mean_
    outside = decoded - decoded @ pca.components_.T @ pca.components_
    assert np.linalg.norm(outside) <= 0.05 * np.linalg.norm(decoded)


def test_pca_init_starts_at_pca(digits_split):
    """With init="pca" an untrained model (0 learning rate) is exactly PCA of the rows it trains on."""
    X_train, X_test, _, _ = digits_split
    ae = AutoencoderTransformer(3, learning_rate_init=1e-12, max_iter=1, early_stopping=False, random_state=0)
    ae.fit(X_train)
    pca = PCA(3).fit(X_train)
    np.testing.assert_allclose(ae.transform(X_test), pca.transform(X_test), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(heldout_mse(ae, X_test), pca_heldout_mse(X_train, X_test, 3), rtol=1e-4)


def test_recovers_exactly_low_rank_data():
    """Data of rank 3 in 20 features, offset by 1e4: reconstructed almost exactly, as by PCA."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(500, 3)) @ rng.normal(size=(3, 20)) * 50 + 1e4
    ae = AutoencoderTransformer(3, max_iter=20, random_state=0).fit(X)
    relative = np.linalg.norm(ae.inverse_transform(ae.transform(X)) - X) / np.linalg.norm(X - X.mean(0))
    assert relative < 1e-2
