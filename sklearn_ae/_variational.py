"""The variational autoencoder: :class:`VariationalAutoencoderTransformer`."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import AutoencoderTransformer
from ._penalties import KLPenalty


class VariationalAutoencoderTransformer(AutoencoderTransformer):
    """Variational autoencoder (VAE) as a scikit-learn transformer.

    Same parameters, methods and guarantees as :class:`AutoencoderTransformer`,
    plus ``beta``. The encoder outputs a Gaussian posterior over the code; training
    minimises the reconstruction error of a draw from it plus ``beta`` times its KL
    divergence from the standard normal prior, which makes the code space smooth
    and lets :meth:`sample` generate new rows.

    With ``beta=1`` the loss is the negative ELBO of a Gaussian decoder whose noise
    variance is probabilistic PCA's estimate at the same code size (the mean
    variance of the discarded principal directions), so a linear VAE recovers
    probabilistic PCA. With ``init="pca"`` training starts near that solution
    (whitened principal scores; the decoder at PCA's components).

    Parameters
    ----------
    n_components : int or float, default=2
        Size of the code; a float in (0, 1) chooses it as for
        :class:`AutoencoderTransformer`.
    beta : float, default=1.0
        Weight of the KL term; larger values give smoother, less detailed codes
        (the beta-VAE), 0 gives a (noisy) plain autoencoder.
    __SHARED_PARAMETERS__
    Attributes
    ----------
    n_components_ : int
        Size of the code.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` had string column names.
    encoder_ : torch.nn.Module
        Maps scaled inputs to the posterior mean and log-variance (``2 * n_components_``
        outputs).
    decoder_ : torch.nn.Module
        Maps codes to scaled reconstructions.
    mean_ : ndarray of shape (`n_features_in_`,)
        Per-feature mean of the training data.
    scale_ : float
        Global scale: the root mean square of the centred training data.
    loss_curve_ : list of float
        Training loss per epoch (reconstruction plus KL term), in the units of ``X``.
    validation_scores_ : list of float or None
        Per-epoch validation score when ``early_stopping=True``.
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    AutoencoderTransformer : The deterministic autoencoder.

    Notes
    -----
    :meth:`transform` returns the posterior mean, so it is deterministic.
    :meth:`score` and :meth:`score_samples` measure the reconstruction of that mean
    (minus the mean squared error), exactly as for :class:`AutoencoderTransformer`,
    so the two are comparable; they are not the ELBO or a log-likelihood.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import VariationalAutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> vae = VariationalAutoencoderTransformer(n_components=4, max_iter=10, random_state=0).fit(X)
    >>> vae.transform(X[:3]).shape
    (3, 4)
    >>> vae.sample(5, random_state=0).shape
    (5, 64)
    """

    _variational = True

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=2,
        *,
        beta=1.0,
        hidden_layer_sizes=(256, 128),
        activation="relu",
        dropout=0.0,
        batch_norm=False,
        noise=0.0,
        sparsity=0.0,
        contractive=0.0,
        alpha=0.0,
        optimizer="adam",
        learning_rate_init=2e-3,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping="auto",
        validation_fraction=0.1,
        warm_start=False,
        init="pca",
        encoder=None,
        decoder=None,
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            dropout=dropout,
            batch_norm=batch_norm,
            noise=noise,
            sparsity=sparsity,
            contractive=contractive,
            alpha=alpha,
            optimizer=optimizer,
            learning_rate_init=learning_rate_init,
            batch_size=batch_size,
            max_iter=max_iter,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
            init=init,
            encoder=encoder,
            decoder=decoder,
            callbacks=callbacks,
            device=device,
            random_state=random_state,
            verbose=verbose,
        )
        self.beta = beta

    def _penalties(self, noise_variance):
        return [*super()._penalties(noise_variance), KLPenalty(self.beta * 2.0 * noise_variance)]

    def sample(self, n_samples=1, random_state=None):
        """Generate new rows by decoding draws from the standard normal prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the prior draws.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Rows in the units of the training data.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import VariationalAutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> vae = VariationalAutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> vae.sample(3, random_state=0).shape
        (3, 6)
        """
        check_is_fitted(self)
        if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        z = check_random_state(random_state).standard_normal((n_samples, self.n_components_))
        # transform's codes are latent values times scale_; decode expects the same.
        return self._map(z * self.scale_, self._decode, self.n_features_in_)


def _shared_parameters():
    """The parameter docs the VAE shares with AutoencoderTransformer, verbatim."""
    doc = AutoencoderTransformer.__doc__
    shared = doc[doc.index("    hidden_layer_sizes :") : doc.index("    Attributes\n")]
    return shared


VariationalAutoencoderTransformer.__doc__ = VariationalAutoencoderTransformer.__doc__.replace(
    "    __SHARED_PARAMETERS__\n", _shared_parameters()
)
