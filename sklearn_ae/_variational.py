"""The variational autoencoder: :class:`VariationalAutoencoderTransformer`."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import AutoencoderTransformer


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
    (whitened principal scores, times ``scale_`` in ``transform``; the decoder at
    PCA's components).

    That noise variance, and with it the KL term's weight, is estimated once, at the
    start (in :meth:`partial_fit`, on the first chunk). Where the code leaves no
    principal direction out (``n_components`` at or above the rank of the data, or a
    first chunk of complete data with at most ``n_components + 1`` rows), the estimate
    is close to 0 and so is the KL term's weight: the VAE then trains like a plain autoencoder.

    Read more in the :ref:`User Guide <variational>`.

    Parameters
    ----------
    n_components : int or float, default=2
        Size of the code; a float in (0, 1) chooses it as for
        :class:`AutoencoderTransformer`.
    beta : float, default=1.0
        Weight of the KL term; larger values give smoother, less detailed codes
        (the beta-VAE), 0 gives a (noisy) plain autoencoder.
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them. ``()`` gives
        a linear autoencoder.
    activation : {"relu", "tanh", "sigmoid", "gelu", "elu", "leaky_relu", "identity"}, \
            default="relu"
        Activation between hidden layers. ``"identity"`` makes the whole network
        linear: it then spans PCA's principal subspace.
    dropout : float in [0, 1), default=0.0
        Dropout probability after each hidden activation, during training only.
    batch_norm : bool, default=False
        Batch normalisation after each hidden linear layer.
    noise : float, default=0.0
        Denoising autoencoder: standard deviation of the Gaussian noise added to the
        training inputs (never at ``transform``), in units of ``scale_``, the root mean
        square of the centred data; the target stays the clean input. 0.5 to 1.0 suits
        inputs that arrive noisy.
    sparsity : float, default=0.0
        Sparse autoencoder: weight of an L1 penalty on the code, each code unit
        measured in units of its root mean square over the batch (so the penalty
        cannot be met by shrinking the code). Around 1.0 gives clearly sparser codes.
    contractive : float, default=0.0
        Contractive autoencoder: weight of the squared Frobenius norm of the
        encoder's Jacobian, in units of the code's variance over the batch. It makes
        codes insensitive to small input changes; 0.01 to 1.0 are useful values.
    neighbors : float, default=0.0
        Neighbour-preserving codes: weight of UMAP's cross-entropy between the
        training rows' k-nearest-neighbour graph (fuzzy memberships, symmetrised)
        and the codes, added to the reconstruction loss (a fraction of the data's
        variance). 1.0 gives UMAP-like 2-D maps that still decode; ``transform``
        stays a plain forward pass (see :ref:`neighbors`). Its settings were chosen
        with the plain autoencoder; with the VAE, whose codes start whitened, it is
        not measured to help.
    n_neighbors : int, default=15
        Neighbours per row in that graph (used when ``neighbors > 0`` or
        ``init="spectral"``, whose layout is of the same graph).
    alpha : float, default=0.0
        L2 weight decay passed to the optimizer as ``weight_decay`` (not passed to an
        optimizer without that argument, such as LBFGS, which then needs ``alpha=0``).
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass, \
            default="adam"
        ``"sgd"`` uses Nesterov momentum 0.9.
    learning_rate_init : float or "auto", default="auto"
        Initial learning rate of the optimizer; ``"auto"`` is 1e-3, or 3e-3 with
        ``neighbors > 0`` (chosen by measurement, :ref:`defaults`). With held-out rows (see
        ``early_stopping``) it is halved after every 5 checks in a row without an
        improvement of ``tol`` (a reduce-on-plateau schedule); otherwise constant.
        In a fresh :class:`AutoencoderTransformer` fit from PCA's start
        (``init="pca"``, no custom modules, no neighbour term) with held-out rows and
        Adam or AdamW, ``"auto"`` also triples the rate once, when the best held-out loss first falls
        below 0.9 of PCA's: training has then left PCA's plateau, where a larger rate
        risks staying stuck, and converges in fewer epochs (about 40% fewer on the
        digits, ``python benchmarks/bench_defaults.py``). The VAE keeps the rate (not measured there).
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; ``"auto"`` uses ``min(128, n_train)``, where ``n_train``
        is the number of rows trained on (the held-out rows excluded).
    max_iter : int, default=200
        Maximum number of epochs. A default fit usually stops far earlier, when
        the held-out loss stops improving.
    tol : float, default=1e-4
        Improvement of the monitored loss that counts as progress. Losses are
        measured on the internally scaled data, where predicting the mean scores 1.0,
        so ``tol`` is a fraction of the data's total variance.
    n_iter_no_change : int, default=10
        Stop after this many checks in a row without an improvement of ``tol``. A
        check is made at the end of every epoch and, with held-out rows, also
        every ``max(5000, 4 * n_valid)`` training rows within an epoch
        (``n_valid`` held-out rows), so on large data patience is counted in
        rows, not whole epochs. A fresh fit from PCA's start with held-out rows
        waits five times as many checks until one beats the start by ``tol``
        (PCA's solution is a plateau that training can take a while to leave).
    early_stopping : bool or "auto", default="auto"
        ``True`` holds out ``validation_fraction`` of the rows, scores the starting
        point and every check on them, stops when their loss stops improving and
        keeps the best weights seen: with ``init="pca"`` a fit then never ends with
        a worse held-out loss than its start, PCA's solution (for the VAE, a start
        near probabilistic PCA's), up to the noise of the split. That loss includes
        any penalty (and the VAE's KL term), so a penalised fit can trade some
        reconstruction for it, but not the ``neighbors`` term or the spectral pull
        (``init="spectral"``).
        ``False`` trains on all rows and monitors the training loss. ``"auto"`` (the
        default) is ``True`` from 100 rows on and ``False`` below. :meth:`partial_fit`
        never holds rows out.
    validation_fraction : float in (0, 1), default=0.1
        Share of rows held out when early stopping is on.
    warm_start : bool, default=False
        Let ``fit`` continue from the current weights and scaling instead of
        starting again.
    init : {"pca", "random", "spectral"}, default="pca"
        ``"pca"`` starts the linear paths at PCA's components and the nonlinear
        paths at zero, so training begins at PCA's reconstruction error.
        ``"random"`` uses PyTorch's default random initialisation everywhere.
        ``"spectral"`` starts as ``"pca"`` does, then, for the first 800 training
        steps (half the planned steps, if fewer), also pulls each training
        row's code toward its place in the spectral layout of the rows'
        ``n_neighbors``-nearest-neighbour graph (UMAP's default start). It unrolls
        curved sheets that PCA's view folds, such as the swiss roll and the
        S-curve, and it harms maps of separate clusters (see :ref:`neighbors`).
    encoder : torch.nn.Module class or instance, default=None
        Replaces the MLP encoder. A class is called as
        ``encoder(n_features=..., n_components=...)``; an instance is deep-copied at
        fit. It maps ``(batch, n_features)`` float32 tensors of scaled data to
        ``(batch, n_components)`` codes; for the VAE, ``2 * n_components`` (means and
        log-variances), and a class is called with ``n_components=2 *
        n_components``, the width it returns. With a
        custom part, ``init="pca"`` does not apply and the model is pickled as a torch
        object, so its class must be importable where it is loaded.
    decoder : torch.nn.Module class or instance, default=None
        Replaces the MLP decoder; called as ``decoder(n_features=..., n_components=...)``
        and maps codes back to ``(batch, n_features)``.
    callbacks : list of skorch callbacks, default=None
        Extra :mod:`skorch.callbacks` run by the training engine (copied at fit).
        The names ``"finite_loss"`` and ``"stopping"`` are taken by the engine's own.
    device : str or torch.device, default="cpu"
        Where a fit trains: ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or
        ``"auto"`` (CUDA, then MPS, then CPU), or a :class:`torch.device`. The fitted
        network stays there for ``transform``, ``inverse_transform`` and the scores;
        a new ``device`` takes effect at the next ``fit`` or ``partial_fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the validation split. The global numpy
        and torch random states are left as they were (for ``None``, one seed is
        drawn from numpy's global state, as scikit-learn does).
    verbose : int, default=0
        0 is silent; 1 prints a line per epoch; 2 adds a progress bar per epoch.
        The printed losses are in scaled units (``X`` centred and divided by
        ``scale_``); ``loss_curve_`` and the validation scores hold the same
        values times ``scale_ ** 2``, in the units of ``X`` squared.

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
        Maps codes to scaled reconstructions. Both are in eval mode after a fit;
        inference uses eval mode even if you set them to training mode to
        fine-tune them (through a copy; one made at each call, as large as the
        network, for float32 input, on a GPU and for a float32-only custom
        module: call ``.eval()`` on them when done; a custom module that cannot
        be copied runs in the mode you left it in).
    mean_ : ndarray of shape (`n_features_in_`,)
        Per-feature mean of the training data.
    scale_ : float
        Global scale: the root mean square of the centred training data.
    loss_curve_ : list of float
        Training loss per epoch (reconstruction of a draw from each row's posterior,
        plus the KL term and any other term such as ``neighbors``), in the units of
        ``X`` squared.
    validation_scores_ : list of float or None
        Per-epoch validation score of the last ``fit`` when rows were held out
        (else None): minus the validation loss, the reconstruction from the posterior
        mean (no draw, so the checks are deterministic) plus the KL term. It is
        therefore not ``score`` on the held-out rows (which has no KL term), nor
        minus a value of ``loss_curve_``, whose reconstructions are of draws.
    initial_validation_score_ : float or None
        The starting point's validation score: minus PCA's reconstruction error plus
        the start's KL term, with ``init="pca"``.
    best_validation_score_ : float or None
        The best validation score of any check, the starting point's included; its
        weights are the ones kept.
    n_iter_ : int
        Number of epochs run, added up over the calls that continue a model
        (``warm_start`` fits, ``partial_fit``), as ``loss_curve_`` is; unlike
        :class:`~sklearn.neural_network.MLPRegressor`'s, which counts the last
        ``fit`` only. ``validation_scores_`` covers the last ``fit``.

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
    >>> vae = VariationalAutoencoderTransformer(n_components=4, random_state=0).fit(X)
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
        neighbors=0.0,
        n_neighbors=15,
        alpha=0.0,
        optimizer="adam",
        learning_rate_init="auto",
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
            neighbors=neighbors,
            n_neighbors=n_neighbors,
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

    def sample(self, n_samples=1, random_state=None):
        """Generate new rows by decoding draws from the standard normal prior.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to generate.
        random_state : int, RandomState instance or None, default=None
            Seeds the prior draws. None draws them from numpy's global random state
            (and so advances it), as scikit-learn estimators do with None.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_features_in_`)
            Rows in the units of the training data, float64: the decoder's outputs
            for the draws (the means of the Gaussian decoder, without its noise of
            variance ``sigma^2``), so they spread less than the data: that noise is the
            variance the code leaves unexplained.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import VariationalAutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> vae = VariationalAutoencoderTransformer(n_components=2, random_state=0).fit(X)
        >>> vae.sample(3, random_state=0).shape
        (3, 6)
        """
        check_is_fitted(self)
        count = isinstance(n_samples, (int, np.integer)) and not isinstance(n_samples, (bool, np.bool_))
        if not count or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        z = check_random_state(random_state).standard_normal((n_samples, self.n_components_))
        # transform's codes are latent values times scale_; decode expects the same.
        return self._map(z * self.scale_, self._decode, self.n_features_in_)
