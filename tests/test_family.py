"""The autoencoder family: denoising, sparse, contractive, variational, code size, modules."""

import threading
import warnings

import numpy as np
import pytest
import torch
from _helpers import heldout_mse, pca_heldout_mse
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback
from torch import nn

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer


def hoyer(Z):
    """Hoyer's sparsity of each row (0 = all equal, 1 = one non-zero), averaged."""
    n = Z.shape[1]
    ratio = np.abs(Z).sum(axis=1) / np.sqrt((Z**2).sum(axis=1))
    return float(np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1)))


def encoder_sensitivity(model, X):
    """Mean squared Frobenius norm of the encoder's Jacobian, in units of the code's variance."""
    x = torch.tensor((X - model.mean_) / model.scale_, dtype=torch.float32)
    encoder = model.encoder_
    jac = torch.func.vmap(torch.func.jacrev(lambda row: encoder(row[None])[0]))(x)
    with torch.no_grad():
        code = encoder(x)
        code_variance = (code - code.mean(dim=0)).square().mean()
    return float(jac.detach().square().sum(dim=(1, 2)).mean() / code_variance)


@pytest.fixture(scope="module")
def plain8(digits_split):
    return AutoencoderTransformer(8, random_state=0).fit(digits_split[0])


def test_denoising_reconstructs_corrupted_digits_closer_to_clean(digits_split, plain8):
    X_train, X_test, _, _ = digits_split
    noisy = X_test + np.random.RandomState(1).normal(0, 4, X_test.shape)  # std 4 pixel units
    denoising = AutoencoderTransformer(8, noise=1.0, random_state=0).fit(X_train)
    ratio = heldout_mse(denoising, noisy, X_test) / heldout_mse(plain8, noisy, X_test)
    assert ratio <= 0.63, f"denoising/plain error on corrupted digits {ratio:.3f} > 0.63 (measured 0.551)"
    # The noise is for training only: transform, inverse_transform and score add none.
    codes = denoising.transform(X_test)
    np.testing.assert_array_equal(denoising.transform(X_test), codes)
    rebuilt = denoising.inverse_transform(codes)
    assert -denoising.score(X_test) == pytest.approx(np.mean((rebuilt - X_test) ** 2), rel=1e-6)


def test_sparse_codes_are_sparser_and_still_beat_pca(digits_split, plain8):
    X_train, X_test, _, _ = digits_split
    sparse = AutoencoderTransformer(8, sparsity=1.0, random_state=0).fit(X_train)
    gain = hoyer(sparse.transform(X_test)) - hoyer(plain8.transform(X_test))
    assert gain >= 0.20, f"Hoyer sparsity gain {gain:.3f} < 0.20 (measured 0.225)"
    to_pca = heldout_mse(sparse, X_test) / pca_heldout_mse(X_train, X_test, 8)
    assert to_pca <= 0.68, f"sparse/PCA held-out error {to_pca:.3f} > 0.68 (measured 0.591)"


def test_contractive_lowers_encoder_sensitivity(digits_split, plain8):
    X_train, X_test, _, _ = digits_split
    contractive = AutoencoderTransformer(8, contractive=1.0, random_state=0).fit(X_train)
    ratio = encoder_sensitivity(contractive, X_test) / encoder_sensitivity(plain8, X_test)
    assert ratio <= 0.28, f"contractive/plain encoder sensitivity {ratio:.3f} > 0.28 (measured 0.246)"
    # Not met by shifting the code away from zero (which would shrink a raw mean square).
    codes = contractive.transform(X_test)
    shift = np.abs(codes.mean(axis=0)).max() / codes.std(axis=0).max()
    assert shift < 0.184, f"codes' mean {shift:.3f} of their spread (measured 0.160)"


def test_vae_transform_is_deterministic_and_sample_in_user_units(digits_split, plain8):
    X_train, X_test, _, _ = digits_split
    vae = VariationalAutoencoderTransformer(8, random_state=0).fit(X_train)
    np.testing.assert_array_equal(vae.transform(X_test), vae.transform(X_test))
    # Reconstruction-based score, comparable with the plain autoencoder's and with PCA:
    # the smooth, sampleable code costs next to nothing in reconstruction.
    assert vae.score(X_test) == pytest.approx(-heldout_mse(vae, X_test))
    vae_to_pca = heldout_mse(vae, X_test) / pca_heldout_mse(X_train, X_test, 8)
    assert vae_to_pca <= 0.54, f"VAE / PCA held-out error {vae_to_pca:.3f} (measured 0.474)"
    vae_to_plain = heldout_mse(vae, X_test) / heldout_mse(plain8, X_test)
    assert vae_to_plain <= 1.16, f"VAE / plain held-out error {vae_to_plain:.3f} (measured 1.01)"
    samples = vae.sample(200, random_state=0)
    assert samples.shape == (200, 64)
    np.testing.assert_array_equal(samples, vae.sample(200, random_state=0))
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        vae.sample(True)  # a bool is not a count
    # Decoded prior draws look like digits: pixel means and spread near the data's
    # (2,000 draws, so that the draws' own noise is small next to the bound).
    many = vae.sample(2000, random_state=0)
    mean_gap = np.abs(many.mean(axis=0) - X_train.mean(axis=0)).mean()
    assert mean_gap <= 0.25, f"mean pixel gap {mean_gap:.3f} (measured 0.219)"
    spread = many.std() / X_train.std()
    assert 0.765 <= spread <= 1.035, f"spread ratio {spread:.3f} (measured 0.900)"


def test_vae_beta_trades_reconstruction_for_prior_fit(digits_split):
    X_train, X_test, _, _ = digits_split
    low = VariationalAutoencoderTransformer(4, beta=0.1, max_iter=60, random_state=0).fit(X_train)
    high = VariationalAutoencoderTransformer(4, beta=10.0, max_iter=60, random_state=0).fit(X_train)
    # Measured: held-out error 5.21 against 11.31 (0.46x); code spread 0.344 against 1.006 (0.34x).
    error_ratio = low.score(X_test) / high.score(X_test)
    assert error_ratio <= 0.53, f"low-beta / high-beta held-out error {error_ratio:.3f}"
    spread_ratio = (
        np.abs(high.transform(X_test) / high.scale_).std() / np.abs(low.transform(X_test) / low.scale_).std()
    )
    assert spread_ratio <= 0.39, f"high-beta / low-beta code spread {spread_ratio:.3f}"
    # The prior fit itself: the held-out posteriors' KL to N(0, I), 13.9 and 1.03 nats.
    kl_ratio = heldout_kl(high, X_test) / heldout_kl(low, X_test)
    assert kl_ratio <= 0.085, f"high-beta / low-beta held-out KL {kl_ratio:.3f} (measured 0.074)"


def heldout_kl(model, X):
    """Mean KL of the posteriors of X's rows to the standard normal prior, in nats."""
    x = torch.as_tensor((X - model.mean_) / model.scale_, dtype=torch.float32)
    with torch.no_grad():
        out = model.encoder_(x)
    k = model.n_components_
    mean, log_var = out[:, :k], out[:, k:]
    return float((0.5 * (mean.square() + log_var.exp() - 1 - log_var)).sum(dim=1).mean())


def _rank_two_with_unit_noise(n=4000, d=10):
    rng = np.random.RandomState(0)
    signal = rng.normal(size=(n, 2)) * np.array([3.0, 2.0])
    basis = np.linalg.qr(rng.normal(size=(d, 2)))[0]
    return signal @ basis.T + rng.normal(size=(n, d)), rng


def test_linear_vae_recovers_probabilistic_pca():
    """beta=1 is a proper VAE: a linear one converges to probabilistic PCA's solution,
    decoder directions of length sqrt(lambda - sigma^2) and posterior variances
    sigma^2 / lambda. (Measured: lengths within 0.5%, log-variances within 0.011;
    dropping the KL's factor 2 or its division by the features moves them by 8% or more.)"""
    X, _ = _rank_two_with_unit_noise()
    model = VariationalAutoencoderTransformer(
        2, hidden_layer_sizes=(), max_iter=150, early_stopping=False, learning_rate_init=3e-3, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    pca = PCA(2).fit(X)
    n = len(X)
    lam = pca.explained_variance_ * (n - 1) / n / model.scale_**2  # in the model's scaled units
    sigma2 = pca.noise_variance_ * (n - 1) / n / model.scale_**2
    lengths = np.linalg.norm(model.decoder_.linear.weight.detach().numpy(), axis=0)
    np.testing.assert_allclose(lengths, np.sqrt(lam - sigma2), rtol=0.01)
    log_var = model.encoder_.linear.bias.detach().numpy()[2:]
    np.testing.assert_allclose(log_var, np.log(sigma2 / lam), atol=0.02)


def test_vae_noise_variance_on_missing_data_counts_observed_pairs():
    """The KL's weight uses probabilistic PCA's noise variance; with half the entries
    missing it comes from the covariance over pairs observed together (measured 0.973
    against the true 1.0; from the mean-filled data it was 0.776)."""
    X, rng = _rank_two_with_unit_noise()
    X[rng.rand(*X.shape) < 0.5] = np.nan
    model = VariationalAutoencoderTransformer(2, hidden_layer_sizes=(), max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    noise = model._fitted.noise_variance * model.scale_**2  # back in the units of X
    assert noise == pytest.approx(1.0, rel=0.032)


@pytest.mark.parametrize("holes", [0.0, 0.3])
def test_vae_noise_variance_ignores_features_never_observed(holes):
    """A feature with no observed value (which the fit warns it treats as missing) is a
    zero eigenvalue among the discarded ones: counting it pulled the KL's noise variance
    down by (d_observed - k) / (d - k), 8/11 with three such features of 13 (beta=1
    then acted as 0.73), both on complete data and on data with missing entries."""
    X, rng = _rank_two_with_unit_noise()
    X[rng.rand(*X.shape) < holes] = np.nan

    def noise(data):
        model = VariationalAutoencoderTransformer(2, hidden_layer_sizes=(), max_iter=1, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the unobserved features, max_iter
            model.fit(data)
        return model._fitted.noise_variance * model.scale_**2

    padded = np.hstack([X, np.full((len(X), 3), np.nan)])
    assert noise(padded) == pytest.approx(noise(X), rel=1e-3)


def test_vae_noise_variance_ignores_features_only_held_out_rows_observe():
    """The noise comes from the training rows: a feature observed in held-out rows only
    is, there, a zero eigenvalue like a feature observed nowhere (measured 8/9 of the
    noise on 300 rows of 10 features with 30% missing)."""
    from skorch.callbacks import Callback

    class HeldOut(Callback):
        rows = None

        def on_train_begin(self, net, **kwargs):
            type(self).rows = net.valid.rows.cpu().numpy()

    X, rng = _rank_two_with_unit_noise(n=300)
    X[rng.rand(*X.shape) < 0.3] = np.nan

    def noise(data, callbacks=None):
        model = VariationalAutoencoderTransformer(
            2, hidden_layer_sizes=(), max_iter=1, early_stopping=True, callbacks=callbacks, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(data)
        return model._fitted.noise_variance * model.scale_**2

    expected = noise(X, [HeldOut()])
    column = np.full((len(X), 1), np.nan)
    column[HeldOut.rows[:3], 0] = [1.0, -1.0, 0.5]  # the same split: it depends on the seed and n only
    assert noise(np.hstack([X, column])) == pytest.approx(expected, rel=1e-3)


def test_vae_fit_on_missing_data_weighs_the_kl_per_observed_entry(monkeypatch):
    """The engine hands the KL the share of each batch's entries that are observed."""
    import sklearn_ae._penalties as penalties_module

    shares = []
    kl = penalties_module.KLPenalty.__call__

    def recording(self, X, y_pred, module, observed=None):
        shares.append(None if observed is None else float(observed))
        return kl(self, X, y_pred, module, observed=observed)

    monkeypatch.setattr(penalties_module.KLPenalty, "__call__", recording)
    X, rng = _rank_two_with_unit_noise(n=500)
    X[rng.rand(*X.shape) < 0.3] = np.nan  # 30% missing: the observed share is about 0.7
    VariationalAutoencoderTransformer(2, max_iter=1, early_stopping=False, random_state=0).fit(X)
    assert shares and None not in shares
    assert 0.6 <= np.mean(shares) <= 0.8


def test_float_n_components_reaches_target_with_fewer_components_than_pca(digits_split):
    X_train, X_test, _, _ = digits_split
    ae = AutoencoderTransformer(0.9, random_state=0).fit(X_train)
    assert ae.n_components_ < PCA(0.9).fit(X_train).n_components_  # 21
    assert ae.n_components_ <= 16, f"chose {ae.n_components_} (measured 14)"
    reconstruction = ae.inverse_transform(ae.transform(X_test))
    r2 = 1 - np.sum((reconstruction - X_test) ** 2) / np.sum((X_test - X_test.mean(0)) ** 2)
    assert r2 >= 0.9
    assert ae.transform(X_test).shape[1] == ae.n_components_


def test_float_n_components_searches_above_pcas_size_when_the_short_fits_fall_short():
    """PCA's size is only a first bound: here a short fit of that size (16) misses the
    target, so the search goes above it; the size chosen reaches the target in the
    search's own short fits, and the one below does not."""
    from sklearn_ae._code_size import _pca_size, choose_code_size, heldout_r2

    X = np.random.RandomState(0).normal(size=(150, 30)) @ np.diag(np.linspace(3, 0.3, 30))
    estimator = AutoencoderTransformer(0.84, max_iter=20, hidden_layer_sizes=(16,), random_state=0)
    size, unreached = choose_code_size(estimator, X, 0.84, seed=0)
    assert unreached is None
    order = np.random.RandomState(0).permutation(150)  # the search's split: a fifth held out
    held, fit = X[order[:30]], X[order[30:]]
    short = clone(estimator).set_params(max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = [
            heldout_r2(clone(short).set_params(n_components=k).fit(fit), held, fit.mean(axis=0))
            for k in (size - 1, size)
        ]
    assert scores[0] < 0.84 <= scores[1]
    first_bound = _pca_size(fit, held, fit.mean(axis=0), 0.84)  # the search's first bound
    assert size > first_bound, (size, first_bound)


def test_float_n_components_warns_when_no_size_reaches_the_target():
    X = np.random.RandomState(0).normal(size=(100, 5))
    with pytest.warns(ConvergenceWarning, match="No code size up to n_features=5 reached"):
        model = AutoencoderTransformer(0.999, init="random", max_iter=4, random_state=0).fit(X)
    assert model.n_components_ == 5


def test_float_n_components_warns_after_the_fit_is_made():
    """A filter that turns the search's ConvergenceWarning into an error finds the model
    fitted (as for training's own warning), not a fit abandoned half-way."""
    X = np.random.RandomState(0).normal(size=(100, 5))
    model = AutoencoderTransformer(0.999, init="random", max_iter=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="No code size up to n_features=5 reached"):
            model.fit(X)
    assert model.n_components_ == 5 and model.transform(X).shape == (100, 5)


@pytest.mark.parametrize("seed", [0, 2])
def test_float_n_components_when_the_held_out_rows_are_all_alike(seed):
    """Count data: most rows all zeros. Seeds 0 and 2 hold out only zero rows, whose
    spread about their own mean is 0 (the search fell back to all 10 features, with a
    warning); R^2 is measured about the training rows' mean, so the zeros reconstructed
    count as explained, and the size stays within the data's rank."""
    rng = np.random.RandomState(0)
    X = np.vstack([np.zeros((24, 10)), rng.normal(size=(6, 2)) @ rng.normal(size=(2, 10))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the final fit's, on 30 rows
        warnings.filterwarnings("error", message="No code size")
        model = AutoencoderTransformer(0.9, random_state=seed).fit(X)
    assert model.n_components_ <= PCA(0.9).fit(X).n_components_ == 2


def test_float_n_components_ignores_a_feature_the_short_fits_never_see():
    """A feature observed in two rows only, both held out by the search: no code size
    can learn it from the other rows, so it does not count (it forced n_features)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 3)) @ rng.normal(size=(3, 12)) + 0.05 * rng.normal(size=(80, 12))
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)  # the fit's seed for random_state=0
    held = np.random.RandomState(seed).permutation(80)[:16]  # the search's held-out fifth
    X[:, 0] = np.nan
    X[held[:2], 0] = [40.0, -30.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the feature no training row observes, and max_iter
        warnings.filterwarnings("error", message="No code size")
        model = AutoencoderTransformer(0.9, max_iter=8, hidden_layer_sizes=(8,), random_state=0).fit(X)
    assert model.n_components_ <= 4, f"chose {model.n_components_} of 12 (the rank is 3)"


def test_pcas_bound_scores_as_the_search_does():
    """PCA's size for the target, scored as the short fits are (about the training
    rows' mean, observed entries of observed features only), against PCA's
    reconstructions of every size, scored the same way."""
    from sklearn_ae._code_size import _column_means, _pca_size, _r2

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 12)) @ np.diag(np.linspace(3, 0.2, 12)) + 5.0
    for missing in (False, True):
        Xm = X.copy()
        if missing:
            Xm[rng.rand(*X.shape) < 0.2] = np.nan
            Xm[40:, 0] = np.nan  # feature 0: observed in held-out rows only
        held, fit = Xm[:40], Xm[40:]
        means = _column_means(fit)
        filled = np.where(np.isnan(fit), np.nan_to_num(means), fit)
        pca = PCA().fit(filled)
        held_filled = np.where(np.isnan(held), np.nan_to_num(means), held)
        scores = [
            _r2(
                pca.mean_ + (held_filled - pca.mean_) @ pca.components_[:k].T @ pca.components_[:k],
                held,
                means,
            )
            for k in range(1, 13)
        ]
        for target in (0.3, 0.6, 0.9, 0.99):
            expected = next((k for k, r2 in enumerate(scores, start=1) if r2 >= target), 12)
            assert _pca_size(fit, held, means, target) == expected, (missing, target)


def test_float_n_components_refuses_held_out_rows_with_nothing_to_score():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3)) @ rng.normal(size=(3, 8))
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)  # the fit's seed for random_state=0
    X[np.random.RandomState(seed).permutation(30)[:6]] = np.nan  # the search's held-out rows
    model = AutoencoderTransformer(0.9, random_state=0)
    with pytest.raises(ValueError, match=r"no observed entry that varies.*Give the code size as an integer"):
        model.fit(X)
    assert not hasattr(model, "n_components_")


def test_float_n_components_on_values_that_overflow_gets_the_overflow_error():
    """Not the search's "nothing varies" (its totals overflowed to inf), and no RuntimeWarning."""
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(60, 3)) @ rng.normal(size=(3, 6))) * 1e160
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="overflow float64 arithmetic"):
            AutoencoderTransformer(0.9, max_iter=8, random_state=0).fit(X)


@pytest.mark.parametrize("units", [1e19, 1e37])
def test_float_n_components_scores_float32_data_in_large_units_in_float64(units):
    """Rank-3 data times 1e19: the search squared float32 errors, which overflowed to
    inf (R^2 of -inf for sizes 3, 6 and 8), picked 9 and let numpy's overflow warning
    through; times 1e37 the float32 column sums overflowed (infinite means: size 1).
    It picks 3, as for the same data in float64. (At 1e37 scikit-learn's own finiteness
    check, a float32 sum, overflows and warns.)"""
    rng = np.random.RandomState(0)
    X = (rng.normal(size=(300, 3)) @ rng.normal(size=(3, 10)) + 0.2 * rng.normal(size=(300, 10))) * units
    with warnings.catch_warnings():
        warnings.simplefilter("error" if units < 1e30 else "ignore", RuntimeWarning)
        model = AutoencoderTransformer(0.9, max_iter=20, random_state=0).fit(X.astype(np.float32))
    assert model.n_components_ == 3


def test_continuing_with_the_size_a_fraction_chose_is_not_a_change():
    """``set_params(n_components=model.n_components_)`` names the fitted network's size;
    warm_start and partial_fit refused it ("n_components=4 (fitted: 0.9)")."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 12)) + 0.1 * rng.normal(size=(300, 12))
    model = AutoencoderTransformer(0.9, max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
        chosen, epochs = model.n_components_, model.n_iter_
        model.set_params(n_components=chosen, warm_start=True, max_iter=2).fit(X)
    model.partial_fit(X)
    assert model.n_components_ == chosen and model.n_iter_ == epochs + 3
    with pytest.raises(ValueError, match=rf"n_components={chosen + 1} \(fitted: 0.9\)"):
        model.set_params(n_components=chosen + 1).partial_fit(X)


def test_float_n_components_refuses_held_out_rows_that_only_show_a_constant_feature():
    """Scored entries with no variation about the training means judge nothing: every
    size's float32 rounding was all of the error, so every feature was used, with a
    warning to raise max_iter."""
    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=(50, 2)) @ rng.normal(size=(2, 6)), np.full(50, 7.3)]
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)  # the fit's seed for random_state=0
    X[np.random.RandomState(seed).permutation(50)[:10], :6] = np.nan  # the search's held-out rows
    model = AutoencoderTransformer(0.9, max_iter=8, random_state=0)
    with pytest.raises(ValueError, match=r"no observed entry that varies.*constant"):
        model.fit(X)
    assert not hasattr(model, "n_components_")


def test_float_n_components_needs_ten_rows_and_leaves_nothing_fitted():
    """Two held-out rows at the least: a fifth of 10."""
    X = np.random.RandomState(0).normal(size=(9, 2)) @ np.random.RandomState(1).normal(size=(2, 10))
    model = AutoencoderTransformer(0.9, random_state=0)
    with pytest.raises(ValueError, match=r"at least 10 rows.*n_samples=9"):
        model.fit(X)
    assert not hasattr(model, "n_components_") and not hasattr(model, "encoder_")
    X10 = np.vstack([X, X[:1] + 0.01])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert AutoencoderTransformer(0.9, max_iter=8, random_state=0).fit(X10).n_components_ <= 2  # the rank


class CountTrainings(Callback):
    trainings = 0

    def on_train_begin(self, net, **kwargs):
        type(self).trainings += 1


def test_float_n_components_search_runs_no_user_callback_and_no_warning():
    """The search's short fits are its own: the user's callbacks (a Checkpoint would
    write files) and verbose logs see only the fit itself, and they warn of nothing."""
    X = np.random.RandomState(0).normal(size=(200, 3)) @ np.random.RandomState(1).normal(size=(3, 12))
    CountTrainings.trainings = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        options = {"hidden_layer_sizes": (8,), "max_iter": 40, "callbacks": [CountTrainings()]}
        model = AutoencoderTransformer(0.8, **options).fit(X)
    assert CountTrainings.trainings == 1 and 1 <= model.n_components_ <= 3
    assert [str(w.message) for w in caught if w.category is not ConvergenceWarning] == []


def test_float_n_components_on_constant_data_warns_of_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AutoencoderTransformer(0.9, hidden_layer_sizes=(8,), max_iter=3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(np.ones((50, 5)))
    assert model.n_components_ == 1


def test_float_n_components_search_draws_one_seed_like_any_fit():
    """With random_state=None the search's short fits use the fit's seed: the global
    generator advances by the one draw every fit makes, and no more."""
    X = np.random.RandomState(0).normal(size=(60, 5))
    after = []
    for n_components in (2, 0.8):
        np.random.seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            AutoencoderTransformer(n_components, hidden_layer_sizes=(8,), max_iter=5).fit(X)
        after.append(np.random.rand())
    assert after[0] == after[1]


def test_vae_start_leaves_directions_past_the_rank_unused():
    """Probabilistic PCA weights a direction by its variance above the noise: past the
    data's rank there is none, so rows just off the training data keep prior-sized codes
    (they were whitened by a near-zero spread into codes in the hundreds)."""
    rng = np.random.RandomState(0)
    X = np.outer(rng.normal(size=200), rng.normal(size=6))  # rank 1
    model = VariationalAutoencoderTransformer(3, hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    near = X[:20] + 1e-3 * rng.normal(size=(20, 6))
    codes = np.abs(model.transform(near)).max()
    assert codes < 2.3, f"largest code {codes:.2f} (measured 1.96)"
    weight = float(model.encoder_.linear.weight.abs().max())
    assert weight < 0.35, f"largest encoder weight {weight:.2f} (measured 0.30)"


class ConvEncoder(nn.Module):
    """8x8 images -> code, with two small convolutions."""

    def __init__(self, n_features=64, n_components=2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 8, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, n_components),
        )

    def forward(self, x):
        return self.net(x)


class ConvDecoder(nn.Module):
    """code -> 8x8 images."""

    def __init__(self, n_features=64, n_components=2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_components, 16 * 4 * 4),
            nn.ReLU(),
            nn.Unflatten(1, (16, 4, 4)),
            nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 1, 3, padding=1),
            nn.Flatten(),
        )

    def forward(self, z):
        return self.net(z)


def test_custom_conv_modules_train_clone_search_and_pickle(digits_split):
    import pickle

    X, X_test, _, _ = digits_split
    ae = AutoencoderTransformer(8, encoder=ConvEncoder, decoder=ConvDecoder, max_iter=15, random_state=0)
    search = GridSearchCV(ae, {"n_components": [2, 8]}, cv=2).fit(X)
    assert search.best_params_ == {"n_components": 8}
    best = search.best_estimator_
    assert isinstance(best.encoder_, ConvEncoder)
    # Trained, not left at its random start: 15 epochs get close to PCA at the same size
    # on held-out images.
    conv_to_pca = heldout_mse(best, X_test) / pca_heldout_mse(X, X_test, 8)
    assert conv_to_pca <= 1.23, f"conv / PCA held-out error {conv_to_pca:.3f} (measured 1.073)"
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(best)).transform(X), best.transform(X))

    # An instance is copied, never trained in place; clone keeps the parameter.
    instance = ConvEncoder(n_components=8)
    before = [p.detach().clone() for p in instance.parameters()]
    fitted = AutoencoderTransformer(8, encoder=instance, max_iter=2, random_state=0).fit(X)
    assert all(torch.equal(a, b) for a, b in zip(before, instance.parameters()))
    assert fitted.encoder_ is not instance
    cloned = clone(fitted).encoder  # clone deep-copies a module parameter: same weights, own copy
    assert cloned is not instance and isinstance(cloned, ConvEncoder)
    assert all(torch.equal(a, b) for a, b in zip(cloned.parameters(), instance.parameters()))


def test_custom_module_instance_keeps_its_own_initial_weights(digits):
    X, _ = digits
    instance = ConvEncoder(n_components=4)
    model = AutoencoderTransformer(4, encoder=instance, learning_rate_init=1e-12, max_iter=1, random_state=0)
    model.fit(X)
    for trained, original in zip(model.encoder_.parameters(), instance.parameters()):
        torch.testing.assert_close(trained, original, rtol=0, atol=1e-6)


class Float32Encoder(nn.Module):
    """Casts its input to float32, as a module written for float32 data may."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_features, n_components)

    def forward(self, x):
        return self.linear(x.float())


class ChecksFloat32Encoder(Float32Encoder):
    """Refuses anything but float32, as a module may check its input."""

    def forward(self, x):
        assert x.dtype == torch.float32, x.dtype
        return self.linear(x)


class LockedEncoder(nn.Module):
    """Holds a lock, so it cannot be copied (a float64 copy fails with a TypeError)."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.linear = nn.Linear(n_features, n_components)
        self.lock = threading.Lock()

    def forward(self, x):
        with self.lock:
            return self.linear(x)


@pytest.mark.parametrize(
    "encoder", [Float32Encoder, ChecksFloat32Encoder, LockedEncoder], ids=["casts", "checks", "uncopyable"]
)
def test_a_module_that_casts_to_float32_serves_float64_input(digits, encoder):
    """A float32-only custom module trains on float64 X; transform, inverse_transform
    and score_samples of float64 rows then compute in float32 (they failed with torch's
    dtype mismatch, or, for a module with no float64 copy, "cannot pickle
    '_thread.lock' object"), as float32 input does, and return float64."""
    X = digits[0][:400]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AutoencoderTransformer(4, encoder=encoder, max_iter=2, random_state=0).fit(X)
    codes = model.transform(X)
    assert codes.dtype == np.float64
    np.testing.assert_allclose(codes, model.transform(X.astype(np.float32)), rtol=1e-5, atol=1e-4)
    assert model.inverse_transform(codes).dtype == np.float64
    assert np.isfinite(model.score_samples(X)).all()


def test_float32_inference_of_float64_rows_centres_in_float64():
    """Rows a million away from 0: cast to float32 before centring, their codes were
    off by 3% of their spread (0.044 of 1.34); centred in float64 first, then cast,
    they match the network applied to the exactly centred rows."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2)) @ rng.normal(size=(2, 10)) + 1e6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = AutoencoderTransformer(2, encoder=Float32Encoder, max_iter=2, random_state=0).fit(X)
    scaled = torch.tensor((X - model.mean_) / model.scale_, dtype=torch.float32)
    with torch.no_grad():
        expected = model.encoder_(scaled).double().numpy() * model.scale_
    np.testing.assert_allclose(model.transform(X), expected, rtol=1e-5, atol=1e-5 * expected.std())
    with torch.no_grad():
        decoded = model.decoder_(torch.tensor(expected / model.scale_, dtype=torch.float32))
    # Un-scaled and shifted back in float64: exact to float64 rounding about 1e6.
    np.testing.assert_allclose(
        model.inverse_transform(expected), decoded.double().numpy() * model.scale_ + model.mean_, rtol=1e-12
    )


@pytest.mark.parametrize("batch_norm", [False, True])
def test_a_fitted_models_halves_start_a_new_fit_where_they_ended(digits, batch_norm):
    """``encoder=fitted.encoder_`` (a built-in MLP, trained) keeps its trained weights
    (and batch norm's, whose running statistics training then updates as usual): the
    new fit starts at the fitted model, not at a fresh random network (it was
    re-initialised, and scored about a hundredfold worse)."""
    X, _ = digits
    params = dict(hidden_layer_sizes=(32,), batch_norm=batch_norm, random_state=0)
    fitted = AutoencoderTransformer(4, max_iter=20, **params).fit(X)
    reused = AutoencoderTransformer(
        4, encoder=fitted.encoder_, decoder=fitted.decoder_, learning_rate_init=1e-12, max_iter=1,
        early_stopping=False, **params,
    ).fit(X)  # fmt: skip
    for part in ("encoder_", "decoder_"):
        for new, old in zip(getattr(reused, part).parameters(), getattr(fitted, part).parameters()):
            torch.testing.assert_close(new, old, rtol=0, atol=1e-6)
    # measured 0.63% apart with batch norm (its running statistics), 5e-14 without
    assert reused.score(X) == pytest.approx(fitted.score(X), rel=0.0075)
