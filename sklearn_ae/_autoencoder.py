"""The scikit-learn facade: :class:`AutoencoderTransformer`."""

from __future__ import annotations

import copy
import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted, validate_data
from torch import nn

from ._data import INFINITY_MESSAGE, chunks, missing_per_row, result_array, scaling_overflow_message
from ._device import fit_generators
from ._errors import user_stacklevel
from ._modules import ACTIVATIONS
from ._state import FittedModel, default_new_parameters, forget_fitted
from ._training import (
    OPTIMIZERS,
    build_net,
    callback_copy,
    check_monitors,
    check_settings,
    continued_start,
    fresh_start,
    network_settings,
    plan_training,
    run,
    unobserved_features,
    warning_name,
)

_FLOATS = [np.float64, np.float32]

INFERENCE_ROWS = 4096  # rows per inference chunk: activations stay cache-sized
INFERENCE_ENTRIES = INFERENCE_ROWS * 2048  # fewer rows per chunk past 2,048 columns


def inference_rows(width):
    """Rows per inference chunk for inputs or outputs ``width`` wide.

    :data:`INFERENCE_ROWS`, fewer for very wide data, so that a chunk (densified when
    sparse, and its scaled copies) stays at most 8M entries, whatever the width.
    """
    return max(1, min(INFERENCE_ROWS, INFERENCE_ENTRIES // max(width, 1)))


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Nonlinear dimensionality reduction with a PyTorch autoencoder.

    A drop-in for :class:`sklearn.decomposition.PCA`: ``fit`` learns an encoder ``f``
    and a decoder ``g``; ``transform(X) = f(X)`` is the code and
    ``inverse_transform(Z) = g(Z)`` the reconstruction, both in the units of ``X``.
    Features are centred and divided by one global scale internally, so raw data in
    one unit needs no scaler (features in unrelated units do, as for PCA: the loss
    weighs each by its spread). By default (``init="pca"``) training starts from PCA's
    solution at the same code size, a tenth of the rows scores it and every later
    check, and the best weights seen on them are kept. NaN entries are missing values
    (:ref:`missing_values`), and scipy sparse matrices are accepted as PCA accepts
    them: centred implicitly, never densified whole (:ref:`sparse_input`).

    Read more in the :ref:`User Guide <autoencoders>`.

    Parameters
    ----------
    n_components : int or float, default=2
        Size of the code. A float in (0, 1) asks for the smallest code size whose
        held-out reconstruction R^2 (``1 - SSE / SST`` over the observed entries of
        all features, the total about the training rows' mean) reaches that
        fraction, like PCA's float ``n_components``: a fifth of the rows is held
        out, PCA's size for the target is the first bound (searched above when a
        short fit of that size falls short) and a bisection with short fits (a
        quarter of ``max_iter`` epochs, at least 5) finds it; the model is then
        fitted on all rows. A float needs dense ``X`` and at least 10 rows. Unlike
        PCA's, an integer may exceed ``n_features``: an overcomplete code (see
        ``sparsity``).
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
        Maps scaled inputs to codes.
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
        Training loss per epoch, in the units of ``X`` squared: the mean squared
        reconstruction error plus any ``sparsity``, ``contractive`` or ``neighbors``
        term, and the spectral pull while it lasts (``init="spectral"``).
    validation_scores_ : list of float or None
        Per-epoch validation score of the last ``fit`` when rows were held out
        (else None): minus the validation loss, in the units of ``X`` squared, so
        equal to ``score`` on the held-out rows when no penalty is set and the data
        is complete. With missing values the held-out rows are scored with a fixed
        share of their observed entries hidden from the encoder (see the
        :ref:`User Guide <missing_values>`), so ``score`` on them differs.
    initial_validation_score_ : float or None
        The starting point's validation score (PCA's, with ``init="pca"``).
    best_validation_score_ : float or None
        The best validation score of any check, the starting point's included; its
        weights are the ones kept, so the fitted model scores this on the held-out
        rows (on complete data, without penalties; to float rounding, as training
        runs in float32).
    n_iter_ : int
        Number of epochs run, added up over the calls that continue a model
        (``warm_start`` fits, ``partial_fit``), as ``loss_curve_`` is; unlike
        :class:`~sklearn.neural_network.MLPRegressor`'s, which counts the last
        ``fit`` only. ``validation_scores_`` covers the last ``fit``.

    See Also
    --------
    VariationalAutoencoderTransformer : The variational member of the family.
    sklearn.decomposition.PCA : The linear special case.
    sklearn.neural_network.MLPRegressor : Same training controls, for regression.

    Notes
    -----
    The training defaults (learning rate, its schedule, ``batch_size="auto"`` and
    held-out stopping) were chosen for time to quality: held-out error against
    wall-clock time on digits, the S-curve, the swiss roll, noisy digits and a
    curved 100-feature manifold. The figures and the command that produced them
    are in :ref:`defaults`; larger batches with a square-root learning-rate rule
    were measured too (``benchmarks/bench_batch_size.py``) and lost more quality
    than they saved time.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=8, random_state=0).fit(X)
    >>> ae.transform(X[:5]).shape
    (5, 8)
    >>> ae.inverse_transform(ae.transform(X[:5])).shape
    (5, 64)
    """

    _variational = False

    _parameter_constraints: dict = {
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
        ],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "sparsity": [Interval(Real, 0, None, closed="left")],
        "contractive": [Interval(Real, 0, None, closed="left")],
        "neighbors": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "init": [StrOptions({"pca", "random", "spectral"})],
        "encoder": [None, nn.Module, type],
        "decoder": [None, nn.Module, type],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=2,
        *,
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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.noise = noise
        self.sparsity = sparsity
        self.contractive = contractive
        self.neighbors = neighbors
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.optimizer = optimizer
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.init = init
        self.encoder = encoder
        self.decoder = decoder
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, in any units. NaN entries are missing values: the loss
            counts the observed entries only (see :ref:`missing_values`). Sparse
            matrices stay sparse; mini-batches are densified one at a time.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : AutoencoderTransformer
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> ae.n_components_, ae.n_iter_
        (2, 5)
        """
        warm = self.warm_start and hasattr(self, "encoder_")
        self._train_or_forget(X, epochs=self.max_iter, continuing=warm)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch over ``X``; the first call initialises the model.

        The scaling and, with ``init="pca"``, the starting point come from the first
        chunk, and so does the code size of a float ``n_components`` (searched for
        with short fits on that chunk); later calls continue training (optimizer
        state included: after a ``fit`` that kept its best held-out weights from an
        earlier epoch, Adam's moments are those of the fit's last epoch, not of
        the kept weights).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data (NaN entries are missing values).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : AutoencoderTransformer
            The updated estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> ae = AutoencoderTransformer(n_components=2, random_state=0)
        >>> for chunk in np.array_split(X, 4):
        ...     ae = ae.partial_fit(chunk)
        >>> ae.n_iter_
        4
        """
        first = not hasattr(self, "encoder_")
        if not first:  # scikit-learn's _fit_context checks the parameters on a first call only
            self._validate_params()
        elif self.init == "spectral" and warning_name(self) is not None:
            warnings.warn(
                "init='spectral' pulls the codes toward the spectral layout during the first "
                "steps of one fit; partial_fit trains one epoch per call, and only the first "
                "call's epoch gets the pull, on its chunk. Use fit, or init='pca'.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        self._train_or_forget(X, epochs=1, continuing=not first, incremental=True)
        return self

    def _validate_X(self, X, reset):
        """``X`` as float64 or float32, dense or CSR; NaN (missing) allowed, inf not.

        A CSR matrix with duplicate entries is summed first (a copy), as ``toarray``
        sums them: the same model as from the dense matrix.
        """
        X = validate_data(
            self, X, dtype=_FLOATS, ensure_all_finite="allow-nan", accept_sparse="csr", reset=reset
        )
        if issparse(X) and not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        return X

    def _train_or_forget(self, X, **kwargs):
        """Validate ``X`` and train; if a fresh fit fails, leave the estimator unfitted.

        A fresh fit that fails, even in validating ``X`` (which resets
        ``feature_names_in_``), leaves no fitted attribute behind. A failed
        continuation (``warm_start``, later ``partial_fit`` calls) keeps the previous
        model: validation then resets nothing, and :meth:`_train` changes nothing
        until training has succeeded. The ``ConvergenceWarning`` (of training, or of
        the code size search of a float ``n_components``) and the warning of features
        with no observed value come after that, so a filter that turns them into
        errors finds the fit committed either way.
        """
        check_settings(self)  # before anything changes: a refused parameter leaves the model as it was
        check_monitors(self, incremental=kwargs.get("incremental", False))
        try:
            X = self._validate_X(X, reset=not kwargs["continuing"])
            # Gradients on, whatever the caller's context (torch.inference_mode, no_grad)
            with torch.inference_mode(False), torch.enable_grad():
                notices = self._train(X, **kwargs)
        except BaseException:
            if not kwargs["continuing"]:
                forget_fitted(self)
            raise
        if warning_name(self) is not None:
            deferred = getattr(self, "_deferred_warnings", None)  # a caller that warns once it is made
            for message, category in notices:
                if deferred is not None:
                    deferred.append((message, category))
                else:
                    warnings.warn(message, category, stacklevel=user_stacklevel())

    def _train(self, X, *, epochs, continuing, incremental=False):
        """Train on validated ``X``: plan, start, build the net, run it, commit.

        Returns the warnings to give once committed, as ``(message, class)`` pairs:
        the start's (``start.notices``), then a ``ConvergenceWarning`` when the fit
        ran out of epochs while still improving.
        """
        plan = plan_training(self, X.shape[0], continuing=continuing, incremental=incremental)
        generators = fit_generators(plan.seed, plan.device)
        start = (continued_start if continuing else fresh_start)(self, X, plan, generators[0])
        notices = list(start.notices)
        net = build_net(self, start, plan, generators, notices)
        saved = self._fitted.optimizer_state if continuing and incremental else None
        result = run(net, start, plan, epochs, optimizer_state=saved)
        if result.interrupted and not getattr(self, "_keep_interrupted", True):
            raise KeyboardInterrupt  # a fit for the library's own use (a short fit of a search)
        self._commit(start, plan, result, continuing=continuing)
        if epochs > 1 and result.epochs == epochs and not result.converged and result.improving:
            notices.append((
                f"{warning_name(self)} stopped at max_iter={self.max_iter} epochs while the "
                f"{'held-out' if plan.holdout else 'training'} loss was still improving by more "
                f"than tol={self.tol}; raise max_iter or learning_rate_init.",
                ConvergenceWarning,
            ))  # fmt: skip
        kept_start = plan.holdout and result.epochs and result.best_score == result.initial_score
        if self.neighbors > 0 and kept_start:
            start_was = "the previous fit's weights" if continuing else "the weights before the first step"
            notices.append((
                f"{warning_name(self)} kept its starting point ({start_was}): no check "
                "improved on its held-out loss, so what this fit's training did to the map, "
                "with the neighbour term, was not kept. On data that the start already "
                "reconstructs this well, pass early_stopping=False to keep the trained map.",
                UserWarning,
            ))  # fmt: skip
        return notices

    def _commit(self, start, plan, result, *, continuing):
        """Set the fitted attributes: the one place a fit changes ``self``."""
        self._fitted = FittedModel(
            start.module, start.arch, plan.device, start.noise_variance, result.optimizer_state
        )
        if not continuing:
            self._network_ = network_settings(self, plan.hidden)  # what a continuation must keep
        self.mean_, self.scale_ = start.mean, start.scale
        self._unobserved_ = start.unobserved
        self.encoder_, self.decoder_ = start.module.encoder, start.module.decoder
        self.n_components_ = start.arch.n_components
        self.loss_curve_ = (list(self.loss_curve_) if continuing else []) + result.losses
        self.n_iter_ = (self.n_iter_ if continuing else 0) + result.epochs
        if plan.holdout:
            self.validation_scores_ = result.scores
            self.initial_validation_score_ = result.initial_score
            self.best_validation_score_ = result.best_score
        else:
            self.validation_scores_ = self.initial_validation_score_ = self.best_validation_score_ = None

    # ---------------------------------------------------------------- inference

    def _map(self, A, function, n_out=None):
        """Run ``function(module, x, mean, missing)`` over the rows of ``A`` in chunks, in ``A``'s precision.

        ``function`` is one of :meth:`_encode`, :meth:`_decode` or :meth:`_row_errors`;
        ``n_out`` is its output width (None for one number per row, in float64);
        ``missing`` says whether the chunk may hold NaN (its sum is not finite), so
        complete data skips the fill: a sum costs 0.4% of ``transform``, a NaN fill 4%.
        Chunks of :data:`INFERENCE_ROWS` (fewer rows for data over 2,048 columns wide,
        :func:`inference_rows`) keep activations cache-sized and memory bounded by the
        output plus one chunk; scaling happens in torch.
        """
        module = self._fitted.inference_module(A.dtype)
        device = self._fitted.device
        # Centring, scaling and differences in A's precision, the network in its own
        # (float32 on a GPU or for a float32-only custom module): float64 rows far from
        # 0 keep their digits. MPS has no float64.
        dtype = torch.float64 if A.dtype == np.float64 and device.type != "mps" else torch.float32
        mean = torch.tensor(self.mean_, dtype=dtype, device=device)  # a copy: mean_ may be read-only
        # Rows of X (not codes): a feature no row of the first fit observed is missing,
        # as it was in training, whatever A holds there.
        unobserved = unobserved_features(self) if function != self._decode else []
        unobserved = torch.tensor(unobserved, device=device) if len(unobserved) else None  # may be read-only
        if n_out is None:
            out = result_array(A.shape[0], np.float64)
        else:
            out = result_array((A.shape[0], n_out), A.dtype)
        with torch.inference_mode():
            for rows in chunks(A.shape[0], inference_rows(max(A.shape[1], n_out or 1))):
                block = A[rows]
                if issparse(block):
                    block = block.toarray()
                if not block.flags.writeable or not block.flags.c_contiguous:
                    block = np.array(block, order="C")  # torch wants writable, contiguous memory
                x = torch.from_numpy(block).to(device, dtype)
                if unobserved is not None:
                    x = x.index_fill(1, unobserved, float("nan"))  # a copy: A stays as it was
                missing = not bool(torch.isfinite(x.sum()))  # NaN (or an overflow): fill
                if missing and bool(torch.isinf(x).any()):
                    raise ValueError(INFINITY_MESSAGE)
                result = function(module, x, mean, missing)
                if function != self._decode and not bool(torch.isfinite(result.sum())):
                    # NaN also scores a row with no entries; an infinite error (a squared
                    # difference past float64) is a finite row's fair score.
                    self._check_range(module, x, mean, result, errors=function == self._row_errors)
                out[rows] = result.cpu().numpy()
        return out

    def _check_range(self, module, x, mean, result, errors=False):
        """Raise when finite rows of ``x`` overflow the network's precision, once scaled
        or inside the network, so that ``result`` (codes, or with ``errors`` the rows'
        squared errors) is not finite.

        Such rows would encode to infinite or NaN codes and score NaN. A row with no
        observed entry scores NaN, rightly, and a finite reconstruction far from its row
        has an infinite error (a score of ``-inf``), rightly too.
        """
        dtype = next(module.parameters(), x).dtype
        dtype_name = str(dtype).removeprefix("torch.")
        if bool(torch.isinf(((x - mean) / self.scale_).to(dtype)).any()):
            raise ValueError(scaling_overflow_message(dtype_name, self.scale_))
        result = result.reshape(len(result), -1)
        if errors:  # a row's error may be infinite, its codes and reconstruction not
            code = self._network(module.encode, self._scaled(x, mean, bool(torch.isnan(x).any())))
            network = torch.cat([code, self._network(module.decode, code)], dim=1)
            # The errors may be on the CPU (MPS has no float64): compare on x's device
            bad = torch.isnan(result).any(dim=1).to(x.device) | ~torch.isfinite(network).all(dim=1)
        else:
            bad = ~torch.isfinite(result).all(dim=1)
        if bool((bad & ~torch.isnan(x).all(dim=1)).any()):
            custom = " (or the custom encoder/decoder returns non-finite values for them)"
            raise ValueError(
                f"X's values overflow {dtype_name} inside the network: these rows lie far outside "
                f"the data the model was first fitted on (scale_ {self.scale_:.3g})"
                f"{custom if self._fitted.arch.custom else ''}."
            )

    def _scaled(self, x, mean, missing):
        scaled = (x - mean) / self.scale_
        # A missing entry enters the encoder as 0 in scaled units: the feature's mean. An
        # overflow stays infinite (not the largest float), so _map's check sees it.
        return torch.nan_to_num(scaled, nan=0.0, posinf=math.inf, neginf=-math.inf) if missing else scaled

    @staticmethod
    def _network(half, x):
        """``half`` (the module's ``encode`` or ``decode``) of ``x`` in the network's
        precision, returned in ``x``'s (no copies where they are the same)."""
        dtype = next(half.__self__.parameters()).dtype
        return half(x.to(dtype)).to(x.dtype)

    def _encode(self, module, x, mean, missing):
        return self._network(module.encode, self._scaled(x, mean, missing)) * self.scale_

    def _decode(self, module, z, mean, missing):
        return self._network(module.decode, z / self.scale_) * self.scale_ + mean

    def _row_errors(self, module, x, mean, missing):
        code = self._network(module.encode, self._scaled(x, mean, missing))
        decoded = self._network(module.decode, code)
        if decoded.device.type == "mps":  # MPS has no float64
            decoded, x, mean = decoded.cpu(), x.cpu(), mean.cpu()
        # In float64: a float32 row's reconstruction, back in its units, and its difference
        # can pass float32's range where the network's output did not (and score as float64's).
        squared = (decoded.double() * self.scale_ + mean.double() - x.double()).square()
        # Observed entries only; a row with none scores NaN.
        return squared.nanmean(dim=1) if missing else squared.mean(dim=1)

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, `n_features_in_`)
            Data to encode; a missing (NaN) entry enters the encoder as its
            feature's mean.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            Codes (float32 for float32 input, else float64), multiplied by
            ``scale_`` so that they are in the units of ``X``; with ``init="pca"``
            an untrained autoencoder's codes equal PCA's. (The VAE returns its
            posterior mean, whose untrained start is PCA's whitened scores times
            ``scale_``.)

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> ae.transform(X).shape
        (100, 2)
        >>> ae.transform(X.astype(np.float32)).dtype
        dtype('float32')
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._map(X, self._encode, self.n_components_)

    def inverse_transform(self, X):
        """Decode codes back to the units of the training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, `n_features_in_`)
            Reconstructions.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> ae.inverse_transform(ae.transform(X)).shape
        (100, 6)
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=_FLOATS, input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects codes with {self.n_components_} columns "
                f"(n_components_), got {Z.shape[1]}."
            )
        return self._map(Z, self._decode, self.n_features_in_)

    def score_samples(self, X):
        """Minus each row's mean squared reconstruction error (lower = more anomalous).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, `n_features_in_`)
            Data to score; missing (NaN) entries are left out of each row's error,
            and a row with no observed entry scores NaN.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean squared error of each row's reconstruction, in the units
            of ``X`` squared.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
        >>> scores = ae.score_samples(X)
        >>> scores.shape, bool((scores <= 0).all())
        ((100,), True)
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return -self._map(X, self._row_errors)

    def score(self, X, y=None, sample_weight=None):
        """Minus the mean squared reconstruction error over the observed entries of ``X``.

        Higher is better, so model selection needs no ``scoring``. Missing (NaN)
        entries are left out: each observed entry weighs the same (times its row's
        ``sample_weight``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, `n_features_in_`)
            Data to score; missing (NaN) entries are left out.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows (None: equal). Accepted, as scikit-learn's
            scorers and ``Pipeline.score`` under metadata routing pass it.

        Returns
        -------
        score : float
            Minus the mean squared reconstruction error; 0 is perfect. NaN when
            no entry of ``X`` is observed.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderTransformer
        >>> X = np.random.RandomState(0).normal(size=(100, 6))
        >>> small = AutoencoderTransformer(n_components=1, max_iter=5, random_state=0).fit(X)
        >>> large = AutoencoderTransformer(n_components=5, max_iter=5, random_state=0).fit(X)
        >>> bool(large.score(X) > small.score(X))
        True
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
            if (weights < 0).any() or not weights.any():
                raise ValueError("sample_weight must be non-negative, with at least one positive weight.")
        errors = self._map(X, self._row_errors)
        observed = X.shape[1] - missing_per_row(X)
        unobserved = unobserved_features(self)
        if len(unobserved):  # never observed at fit: missing, as _map makes them (NaN stays NaN)
            values = X[:, unobserved]
            values = values.toarray() if issparse(values) else values
            observed = observed - (~np.isnan(values)).sum(axis=1)
        if weights is None and observed.min(initial=X.shape[1]) == X.shape[1]:
            return -float(np.mean(errors))
        counts = observed if weights is None else observed * weights  # each entry's weight, summed by row
        if counts.sum() == 0:
            return float("nan")  # no entry to score, as score_samples gives NaN per row
        # A row with no entry to score (NaN error) counts 0; an infinite error stays infinite.
        return -float(np.sum(np.where(counts > 0, errors, 0.0) * counts) / counts.sum())

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = True
        # A target R^2 (a float n_components) is searched for on dense data only.
        tags.input_tags.sparse = isinstance(self.n_components, Integral)
        return tags

    def __sklearn_clone__(self):
        """:func:`sklearn.base.clone`, with ``callbacks`` copied as ``fit`` copies them.

        scikit-learn deep-copies every parameter that is not an estimator; a skorch
        callback that logs (TensorBoard's ``SummaryWriter``, with its thread and lock)
        then failed in every search and cross-validation, and one whose writer could
        be copied logged to the copy. The clone gets shallow copies: what a callback
        holds is shared, as in a plain ``fit``.
        """
        if not (isinstance(self.callbacks, list) and self.callbacks):  # others: as scikit-learn clones
            return super().__sklearn_clone__()
        twin = object.__new__(type(self))  # the same parameters, without the callbacks
        twin.__dict__.update(vars(self))
        twin.callbacks = None
        clone = BaseEstimator.__sklearn_clone__(twin)
        clone.callbacks = [callback_copy(callback) for callback in self.callbacks]
        return clone

    # --------------------------------------------------------------- pickling

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__
        for name in ("encoder", "decoder"):
            # A module instance given as the parameter may sit on a GPU (fit copies it to
            # the device it trains on): its tensors would pickle as CUDA storages, which a
            # machine without one cannot load. The copy keeps the user's object as it is.
            if isinstance(state.get(name), torch.nn.Module):
                state[name] = copy.deepcopy(state[name]).cpu()
        fitted = state.pop("_fitted", None)
        if fitted is not None:
            del state["encoder_"], state["decoder_"]  # rebuilt from the weights on load
            state.update(fitted.pickle_state(self.device))
        return state

    def __setstate__(self, state):
        if "_arch" in state:  # a fitted model: rebuild the network (see _state.py)
            fitted = FittedModel.from_pickle_state(state)
            state.update(_fitted=fitted, encoder_=fitted.module.encoder, decoder_=fitted.module.decoder)
        super().__setstate__(state)
        default_new_parameters(self)  # files from releases before a parameter existed
        if hasattr(self, "_fitted") and not hasattr(self, "_network_"):
            # Saved by 0.1.0: what a continuation must keep comes from the network itself,
            # and the start's validation score, not recorded then, is unknown.
            arch = self._fitted.arch  # what the network is, whatever the parameters say now
            self._network_ = {
                **network_settings(self, arch.hidden_layer_sizes),
                "activation": arch.activation,
                "dropout": arch.dropout,
                "batch_norm": arch.batch_norm,
            }
            if not hasattr(self, "initial_validation_score_"):
                self.initial_validation_score_ = None
