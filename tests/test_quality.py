"""Reconstruction quality against PCA, measured in the same test on real data."""

import numpy as np
import pytest
from _helpers import heldout_mse, pca_heldout_mse
from sklearn.datasets import load_digits, make_s_curve, make_swiss_roll
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer


def _case(name):
    """The issue-9 cases: 20% held out, default settings."""
    if name in ("digits", "noisy digits"):
        X = load_digits().data
        if name == "noisy digits":  # a small, noisy set: training error alone overfits it
            X = X + np.random.RandomState(0).normal(0, 4, X.shape)
    elif name == "s_curve":
        X = make_s_curve(3000, random_state=0)[0]
    elif name == "curved":  # 20,000 rows near a curved 8-D manifold in 100-D
        rng = np.random.RandomState(0)
        W1, W2 = rng.normal(size=(8, 64)) * 1.5, rng.normal(size=(64, 100)) / 8
        X = np.tanh(rng.uniform(-1, 1, size=(20_000, 8)) @ W1) @ W2
        X += 0.02 * rng.normal(size=X.shape)
    else:
        X = make_swiss_roll(3000, random_state=0)[0]
    return train_test_split(X, test_size=0.2, random_state=0)


# Bounds: the ceiling, or about 1.15x the figure this test measures with the
# defaults, whichever is lower, so a regression fails. benchmarks/bench_time_to_quality.py
# fits the same cases and measures the same figures.
QUALITY = [
    ("digits", 8, 0.52),  # measured 0.473 (0.474 on another machine)
    ("digits", 2, 0.66),  # measured 0.627
    ("noisy digits", 8, 1.0),  # measured 0.947: never worse than PCA on held-out rows
    ("curved", 8, 0.053),  # measured 0.0465 (the ceiling: 0.12)
]


@pytest.mark.parametrize(("name", "k", "bound"), QUALITY, ids=[f"{n}-k{k}" for n, k, _ in QUALITY])
def test_default_fit_beats_pca_on_held_out_rows(name, k, bound):
    X_train, X_test = _case(name)
    ae = AutoencoderTransformer(k, random_state=0).fit(X_train)
    ratio = heldout_mse(ae, X_test) / pca_heldout_mse(X_train, X_test, k)
    assert ratio <= bound, f"{name}, k={k}: AE/PCA held-out MSE ratio {ratio:.3f} > {bound}"


def _median_ratio(X_train, X_test, seeds=range(5)):
    """Median over ``seeds`` of the default fit's held-out MSE as a multiple of PCA's (k=2)."""
    pca_mse = pca_heldout_mse(X_train, X_test, 2)
    return np.median([
        heldout_mse(AutoencoderTransformer(2, random_state=s).fit(X_train), X_test) / pca_mse for s in seeds
    ])  # fmt: skip


def test_default_fits_on_the_swiss_roll_median_over_seeds():
    """Issue 9's swiss roll (ceiling 0.12x PCA's). One seed's ratio is chaotic: seed 0
    measured 0.056, and 0.075 or 0.069 with the inputs changed by 1e-7 or 1e-6, so this
    holds the median over five seeds: 0.0761 on these rows, 0.0752 and 0.0712 with those
    changes; the bound is 1.15x the largest."""
    median = _median_ratio(*_case("swiss_roll"))
    assert median <= 0.0875, f"median AE/PCA held-out MSE ratio {median:.4f} (measured 0.0761)"


def test_default_fits_on_the_s_curve_median_over_seeds():
    """A single S-curve fit is chaotic: relative changes of 1e-7 to the input move one
    seed's ratio anywhere from 0.001 to 0.066 (when it leaves PCA's plateau decides), so
    this holds the median over five seeds. Measured 0.0036 on these rows, 0.011 and 0.0073
    with inputs changed by 1e-7 and 1e-6; the bound is 1.15x the largest of those."""
    X_train, X_test = _case("s_curve")
    pca_mse = pca_heldout_mse(X_train, X_test, 2)
    ratios = [
        heldout_mse(AutoencoderTransformer(2, random_state=s).fit(X_train), X_test) / pca_mse
        for s in range(5)
    ]
    assert np.median(ratios) <= 0.0126, f"AE/PCA held-out MSE ratios {np.round(ratios, 4)}"


def test_default_fit_leaves_the_pca_plateau_of_a_larger_s_curve():
    """PCA's solution is a plateau here: the loss stays flat for a few dozen epochs.

    The start gets five times the patience (and no learning-rate cuts) until a check
    beats it; with the plain rule the fit stopped at PCA's error (ratio 1.0). One seed
    is chaotic (seed 0: 0.020, and 0.015 or 0.033 with the inputs changed by 1e-7 or
    1e-6), so this holds the median over five seeds: 0.0223 on these rows, 0.0206 and
    0.0262 with those changes; the bound is 1.15x the largest.
    """
    X = make_s_curve(5000, noise=0.05, random_state=0)[0]
    median = _median_ratio(*train_test_split(X, test_size=0.25, random_state=0))
    assert median <= 0.030, f"median AE/PCA held-out MSE ratio {median:.4f} (measured 0.0223)"


@pytest.mark.parametrize(
    ("params", "outside_bound"),
    [
        ({"hidden_layer_sizes": ()}, 0.012),  # measured 0.0105
        ({"hidden_layer_sizes": (32,), "activation": "identity"}, 0.024),  # measured 0.0206
    ],
    ids=["no-hidden-layers", "identity-activation"],
)
def test_linear_autoencoder_trained_from_scratch_is_pca(digits_split, params, outside_bound):
    """A linear encoder and decoder learn PCA's subspace, from a random start."""
    X_train, X_test, _, _ = digits_split
    k = 5
    ae = AutoencoderTransformer(
        k, init="random", max_iter=400, early_stopping=False, tol=0, random_state=0, **params
    ).fit(X_train)
    pca = PCA(k).fit(X_train)
    pca_mse = pca_heldout_mse(X_train, X_test, k)
    assert heldout_mse(ae, X_test) <= 1.005 * pca_mse  # measured 1.0000 and 1.0004

    # The decoded codes lie in PCA's principal subspace (affine: around the mean).
    decoded = ae.inverse_transform(ae.transform(X_test)) - pca.mean_
    outside = decoded - decoded @ pca.components_.T @ pca.components_
    share = np.linalg.norm(outside) / np.linalg.norm(decoded)
    assert share <= outside_bound, f"share of the reconstruction outside PCA's subspace {share:.4f}"


def test_pca_init_starts_at_pca(digits_split):
    """With init="pca" an untrained model (0 learning rate) is exactly PCA of the rows it trains on."""
    X_train, X_test, _, _ = digits_split
    ae = AutoencoderTransformer(3, learning_rate_init=1e-12, max_iter=1, early_stopping=False, random_state=0)
    ae.fit(X_train)
    pca = PCA(3).fit(X_train)
    np.testing.assert_allclose(ae.transform(X_test), pca.transform(X_test), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(heldout_mse(ae, X_test), pca_heldout_mse(X_train, X_test, 3), rtol=1e-4)


def test_recovers_exactly_low_rank_data():
    """Data of rank 3 in 20 features, offset by 1e4: new rows are reconstructed almost
    exactly, as PCA reconstructs them (to float32 precision, where PCA computes in float64)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 3)) @ rng.normal(size=(3, 20)) * 50 + 1e4
    X_train, X_test = X[:500], X[500:]
    ae = AutoencoderTransformer(3, max_iter=20, random_state=0).fit(X_train)
    pca = PCA(3).fit(X_train)
    spread = np.linalg.norm(X_test - X_test.mean(0))
    relative = np.linalg.norm(ae.inverse_transform(ae.transform(X_test)) - X_test) / spread
    pca_relative = np.linalg.norm(pca.inverse_transform(pca.transform(X_test)) - X_test) / spread
    assert pca_relative < 1e-9
    # Two float32 epsilons (1.2e-7): round-off, not training error, sets this floor.
    assert relative < 1e-7, (
        f"relative held-out error {relative:.2e} (measured 3.8e-8; PCA {pca_relative:.1e})"
    )
