"""The scikit-learn facade: :class:`AutoencoderTransformer`."""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from torch import nn

from ._code_size import choose_code_size
from ._data import chunks, fit_scaling, principal_components, scaled_tensor
from ._device import available_or_cpu, resolve_device, seeded_scope
from ._engine import TensorDataset, make_net
from ._modules import ACTIVATIONS, build_autoencoder, init_weights
from ._penalties import ContractivePenalty, SparsityPenalty
from ._persistence import to_numpy_tree, to_tensor_tree

OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (torch.optim.RMSprop, {}),
}

_FLOATS = [np.float64, np.float32]


def _fused_adam_supported(device):
    """Fused Adam runs on CUDA, and on the CPU from torch 2.4."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return device.type == "cuda" or (device.type == "cpu" and (major, minor) >= (2, 4))


INFERENCE_ROWS = 4096  # rows per inference chunk (see benchmarks/profile_transform.py)


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Nonlinear dimensionality reduction with a PyTorch autoencoder.

    A drop-in for :class:`sklearn.decomposition.PCA`: ``fit`` learns an encoder ``f``
    and a decoder ``g``; ``transform(X) = f(X)`` is the code and
    ``inverse_transform(Z) = g(Z)`` the reconstruction, both in the units of ``X``.
    Features are centred and divided by one global scale internally, so raw data
    needs no scaler. By default (``init="pca"``) training starts from PCA's solution
    at the same code size and improves on it.

    Parameters
    ----------
    n_components : int or float, default=2
        Size of the code. A float in (0, 1) asks for the smallest code size whose
        held-out reconstruction R^2 (``1 - SSE / SST`` over all features) reaches that
        fraction, like PCA's float ``n_components``: a fifth of the rows is held out,
        PCA bounds the size from above and a bisection with short fits (a quarter of
        ``max_iter``) finds it; the model is then fitted on all rows.
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
    alpha : float, default=0.0
        L2 weight decay passed to the optimizer.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch.optim.Optimizer subclass, \
            default="adam"
        ``"sgd"`` uses Nesterov momentum 0.9.
    learning_rate_init : float, default=1e-3
        Learning rate of the optimizer.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch; ``"auto"`` uses ``min(256, n_samples)``. (Larger
        batches with a square-root learning-rate rule were measured and lost more
        quality than they saved time: see ``benchmarks/bench_batch_size.py``.)
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Improvement of the monitored loss that counts as progress. Losses are
        measured on the internally scaled data, where predicting the mean scores 1.0,
        so ``tol`` is a fraction of the data's total variance.
    n_iter_no_change : int, default=10
        Stop after this many epochs without an improvement of ``tol``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, monitor their loss instead of
        the training loss, and restore the weights of the best epoch.
    validation_fraction : float in (0, 1), default=0.1
        Share of rows held out when ``early_stopping=True``.
    warm_start : bool, default=False
        Let ``fit`` continue from the current weights and scaling instead of
        starting again.
    init : {"pca", "random"}, default="pca"
        ``"pca"`` starts the linear paths at PCA's components and the nonlinear
        paths at zero, so training begins at PCA's reconstruction error.
        ``"random"`` uses PyTorch's default random initialisation everywhere.
    encoder : torch.nn.Module class or instance, default=None
        Replaces the MLP encoder. A class is called as
        ``encoder(n_features=..., n_components=...)``; an instance is deep-copied at
        fit. It maps ``(batch, n_features)`` float32 tensors of scaled data to
        ``(batch, n_components)`` codes (``2 * n_components`` for the VAE). With a
        custom part, ``init="pca"`` does not apply and the model is pickled as a torch
        object, so its class must be importable where it is loaded.
    decoder : torch.nn.Module class or instance, default=None
        Replaces the MLP decoder; called as ``decoder(n_features=..., n_components=...)``
        and maps codes back to ``(batch, n_features)``.
    callbacks : list of skorch callbacks, default=None
        Extra :mod:`skorch.callbacks` run by the training engine (copied at fit).
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"`` (CUDA, then
        MPS, then CPU).
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the validation split. The global numpy
        and torch random states are left as they were (for ``None``, one seed is
        drawn from numpy's global state, as scikit-learn does).
    verbose : int, default=0
        0 is silent; 1 prints a line per epoch; 2 adds a progress bar per epoch.

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
        Maps codes to scaled reconstructions.
    mean_ : ndarray of shape (`n_features_in_`,)
        Per-feature mean of the training data.
    scale_ : float
        Global scale: the root mean square of the centred training data.
    loss_curve_ : list of float
        Training loss per epoch, in the units of ``X`` squared: the mean squared
        reconstruction error plus any ``sparsity``/``contractive`` penalty.
    validation_scores_ : list of float or None
        Per-epoch validation score when ``early_stopping=True`` (else None): minus
        the validation loss, so equal to ``score`` when no penalty is set.
    best_validation_score_ : float or None
        Best of ``validation_scores_``; its weights are the ones kept.
    n_iter_ : int
        Number of epochs run.

    See Also
    --------
    sklearn.decomposition.PCA : The linear special case.
    sklearn.neural_network.MLPRegressor : Same training controls, for regression.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> ae = AutoencoderTransformer(n_components=8, max_iter=20, random_state=0).fit(X)
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
        "alpha": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "warm_start": ["boolean"],
        "init": [StrOptions({"pca", "random"})],
        "encoder": [None, nn.Module, type],
        "decoder": [None, nn.Module, type],
        "callbacks": [list, None],
        "device": [str],
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
        alpha=0.0,
        optimizer="adam",
        learning_rate_init=1e-3,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
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
        X : array-like of shape (n_samples, n_features)
            Training data, in any units.
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
        X = validate_data(self, X, dtype=_FLOATS, reset=not warm)
        self._train_or_forget(X, epochs=self.max_iter, continuing=warm, keep_optimizer=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one epoch over ``X``; the first call initialises the model.

        The scaling and, with ``init="pca"``, the starting point come from the first
        chunk; later calls continue training (optimizer state included).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
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
        X = validate_data(self, X, dtype=_FLOATS, reset=first)
        self._train_or_forget(X, epochs=1, continuing=not first, keep_optimizer=True)
        return self

    def _custom_modules(self, n_features, n_components, seed):
        """The user's encoder and decoder, ready to train (or None for the MLPs).

        Instances are deep-copied, so the user's module is never trained in place;
        classes are called as ``cls(n_features=..., n_components=...)`` under a seeded
        RNG, where an encoder's ``n_components`` is its output width.
        """
        widths = {
            "encoder": 2 * n_components if self._variational else n_components,
            "decoder": n_components,
        }
        modules = []
        for name in ("encoder", "decoder"):
            spec = getattr(self, name)
            if spec is None:
                modules.append(None)
            elif isinstance(spec, nn.Module):
                modules.append(copy.deepcopy(spec))
            elif isinstance(spec, type) and issubclass(spec, nn.Module):
                with seeded_scope(seed, torch.device("cpu")):
                    modules.append(spec(n_features=n_features, n_components=widths[name]))
            else:
                raise ValueError(f"{name} must be a torch.nn.Module subclass or instance, got {spec!r}.")
        return modules

    def _penalties(self, noise_variance):
        """Loss terms added to the reconstruction error (see ``_penalties.py``)."""
        penalties = []
        if self.sparsity > 0:
            penalties.append(SparsityPenalty(self.sparsity))
        if self.contractive > 0:
            penalties.append(ContractivePenalty(self.contractive))
        return penalties

    def _train_or_forget(self, X, **kwargs):
        """Train; if a fresh fit fails, leave the estimator unfitted, not half-fitted.

        A failed continuation (``warm_start``, later ``partial_fit`` calls) keeps the
        previous model: :meth:`_train` changes nothing until training has succeeded.
        """
        try:
            self._train(X, **kwargs)
        except BaseException:
            if not kwargs["continuing"]:
                for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
                    delattr(self, name)
            raise

    def _check_training_params(self, n_samples):
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
        if not all(isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in hidden):
            raise ValueError(
                f"hidden_layer_sizes must hold positive integers, got {self.hidden_layer_sizes!r}."
            )
        if isinstance(self.optimizer, str):
            optimizer, extra = OPTIMIZERS[self.optimizer]
        elif issubclass(self.optimizer, torch.optim.Optimizer):
            optimizer, extra = self.optimizer, {}
        else:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                f"subclass, got {self.optimizer!r}."
            )
        if self.early_stopping and n_samples < 2:
            raise ValueError(
                f"early_stopping=True needs at least 2 samples to hold some out, got n_samples={n_samples}."
            )
        batch_size = min(256, n_samples) if self.batch_size == "auto" else self.batch_size
        return hidden, optimizer, extra, max(1, batch_size)

    def _train(self, X, *, epochs, continuing, keep_optimizer):
        """Train on validated ``X``; set fitted attributes only if training succeeds."""
        n_samples = X.shape[0]
        hidden, optimizer, optimizer_extra, batch_size = self._check_training_params(n_samples)
        device = resolve_device(self.device)
        if self.optimizer in ("adam", "adamw") and _fused_adam_supported(device):
            optimizer_extra = {**optimizer_extra, "fused": True}  # one kernel per step: ~15% faster fits
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        if continuing:  # a new shuffle order for each continuation, still reproducible
            seed = (seed + self.n_iter_) % np.iinfo(np.int32).max
        generator = torch.Generator().manual_seed(seed)

        if continuing:
            mean, scale, noise_variance = self.mean_, self.scale_, self._noise_variance
            X_scaled, _ = scaled_tensor(X, mean, scale)
            module = copy.deepcopy(self._module)
            arch = self._arch
        else:
            n_components = self.n_components
            if not isinstance(n_components, Integral):
                n_components = choose_code_size(self, X, n_components, seed)
            mean, scale = fit_scaling(X)
            encoder, decoder = self._custom_modules(X.shape[1], n_components, seed)
            use_pca = self.init == "pca" and encoder is None and decoder is None
            X_scaled, cov = scaled_tensor(X, mean, scale, with_covariance=use_pca or self._variational)
            pca = principal_components(cov, n_components) if cov is not None else None
            noise_variance = pca.noise_variance if pca is not None else None
            arch = {
                "n_features": X.shape[1],
                "n_components": n_components,
                "hidden_layer_sizes": hidden,
                "activation": self.activation,
                "dropout": self.dropout,
                "batch_norm": self.batch_norm,
                "variational": self._variational,
            }
            module = build_autoencoder(**arch, encoder=encoder, decoder=decoder)
            arch["custom"] = encoder is not None or decoder is not None
            init_weights(module, pca if use_pca else None, generator)

        X_scaled = X_scaled.to(device)
        train, valid = TensorDataset(X_scaled), None
        if self.early_stopping:  # index the one scaled array: no copies
            order = torch.randperm(n_samples, generator=generator).to(device)
            n_valid = min(n_samples - 1, max(1, round(self.validation_fraction * n_samples)))
            train, valid = TensorDataset(X_scaled, order[n_valid:]), TensorDataset(X_scaled, order[:n_valid])

        net = make_net(
            module,
            valid=valid,
            optimizer=optimizer,
            optimizer_kwargs={"lr": self.learning_rate_init, "weight_decay": self.alpha, **optimizer_extra},
            batch_size=batch_size,
            generator=generator,
            device=device,
            noise=self.noise,
            penalties=self._penalties(noise_variance),
            stopping={
                "monitor": "valid_loss" if self.early_stopping else "train_loss",
                "patience": self.n_iter_no_change,
                "tol": self.tol,
                "load_best": self.early_stopping,
            },
            callbacks=copy.deepcopy(self.callbacks or []),
            verbose=self.verbose,
        )
        with seeded_scope(seed, device):
            net.initialize()
            saved = getattr(self, "_optimizer_state", None)
            if continuing and keep_optimizer and saved and saved["optimizer"] == optimizer.__qualname__:
                # Keep the moments; take the hyper-parameters from the current settings.
                state = net.optimizer_.state_dict()
                state["state"] = saved["state"]
                net.optimizer_.load_state_dict(state)
            net.partial_fit(train, epochs=epochs)

        # Whole epochs only: a KeyboardInterrupt (which skorch catches) can end one midway.
        history = [row for row in net.history if "train_loss" in row]
        squared_scale = scale**2
        losses = [row["train_loss"] * squared_scale for row in history]
        stopped = dict(net.callbacks_)["stopping"]
        converged = stopped.misses_ >= stopped.patience

        # Commit: nothing above touched self, so a failed fit leaves it as it was.
        module.eval()
        self.mean_, self.scale_ = mean, scale
        self._arch = arch
        self._module = module
        self._noise_variance = noise_variance
        self.encoder_, self.decoder_ = module.encoder, module.decoder
        self.n_components_ = arch["n_components"]
        self._device = device
        self._optimizer_state = {
            "optimizer": optimizer.__qualname__,
            "state": net.optimizer_.state_dict()["state"],
        }
        self._inference = {}
        self.loss_curve_ = (list(self.loss_curve_) if continuing else []) + losses
        self.n_iter_ = (self.n_iter_ if continuing else 0) + len(history)
        if self.early_stopping:
            scores = [-row["valid_loss"] * squared_scale for row in history if "valid_loss" in row]
            self.validation_scores_ = (list(self.validation_scores_ or []) if continuing else []) + scores
            self.best_validation_score_ = max(self.validation_scores_, default=None)
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
        if epochs > 1 and not converged and len(history) == epochs:
            warnings.warn(
                f"AutoencoderTransformer stopped at max_iter={self.max_iter} epochs before the "
                f"{'validation' if self.early_stopping else 'training'} loss converged "
                f"(tol={self.tol}); raise max_iter or learning_rate_init.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # ---------------------------------------------------------------- inference

    def _inference_module(self, dtype):
        """The autoencoder in eval mode, in ``dtype`` (float64 copies are cached).

        Inference in the input's precision keeps results independent of how rows
        are batched, which float32 matrix products do not guarantee.
        """
        if self._device.type == "mps":
            dtype = np.float32
        key = np.dtype(dtype).name
        module = self._inference.get(key)
        if module is None:
            module = self._module.eval()
            if key == "float64":
                module = copy.deepcopy(module).double()
            self._inference[key] = module
        return module

    def _map(self, A, which, n_out=None):
        """Run ``which`` over the rows of ``A`` in chunks, in ``A``'s precision.

        ``which`` is "encode", "decode", "reconstruct", or "error" (each row's mean
        squared reconstruction error, float64, shape ``(n_rows,)``). Chunks of
        :data:`INFERENCE_ROWS` keep activations cache-sized and memory bounded by the
        output plus one chunk; scaling happens in torch, without float64 temporaries.
        """
        module = self._inference_module(A.dtype)
        dtype, device = next(module.parameters()).dtype, self._device
        mean = torch.as_tensor(self.mean_, dtype=dtype, device=device)
        scale = self.scale_
        out = np.empty((A.shape[0],) if which == "error" else (A.shape[0], n_out), dtype=A.dtype)
        if which == "error":
            out = out.astype(np.float64)
        with torch.inference_mode():
            for rows in chunks(A.shape[0], INFERENCE_ROWS):
                block = A[rows]
                if not block.flags.writeable or not block.flags.c_contiguous:
                    block = np.array(block, order="C")  # torch wants writable, contiguous memory
                x = torch.from_numpy(block).to(device, dtype)
                if which == "decode":
                    result = module.decode(x / scale) * scale + mean
                elif which == "encode":
                    result = module.encode((x - mean) / scale) * scale
                else:
                    result = module.decode(module.encode((x - mean) / scale)) * scale + mean
                    if which == "error":
                        result = (result - x).double().square().mean(dim=1)
                out[rows] = result.cpu().numpy()
        return out

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_features_in_`)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            Codes (float32 for float32 input, else float64), multiplied by
            ``scale_`` so that they are in the units of ``X``; with ``init="pca"``
            an untrained autoencoder's codes equal PCA's. (The VAE returns its
            posterior mean, whose untrained start is PCA's whitened scores.)

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
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return self._map(X, "encode", self.n_components_)

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
        return self._map(Z, "decode", self.n_features_in_)

    def score_samples(self, X):
        """Minus each row's mean squared reconstruction error (lower = more anomalous).

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_features_in_`)
            Data to score.

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
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        return -self._map(X, "error")

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error over all entries of ``X``.

        Higher is better, so model selection needs no ``scoring``.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_features_in_`)
            Data to score.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        score : float
            Minus the mean squared reconstruction error; 0 is perfect.

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
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # --------------------------------------------------------------- pickling

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns __dict__
        state.pop("_inference", None)
        module = state.pop("_module", None)
        if module is not None:
            del state["encoder_"], state["decoder_"]
            if state["_arch"]["custom"]:  # the user's classes must be importable on load
                state["_module_object"] = copy.deepcopy(module).cpu()
            else:  # weights only: device independent, no torch objects in the pickle
                state["_weights"] = to_numpy_tree(module.state_dict())
            state["_optimizer_state"] = to_numpy_tree(state.get("_optimizer_state"))
            state["_device"] = str(state["_device"])
        return state

    def __setstate__(self, state):
        weights = state.pop("_weights", None)
        module = state.pop("_module_object", None)
        if weights is not None:
            arch = {k: v for k, v in state["_arch"].items() if k != "custom"}
            module = build_autoencoder(**arch)
            module.load_state_dict(to_tensor_tree(weights))
        if module is not None:
            device = available_or_cpu(torch.device(state["_device"]))
            module.to(device).eval()
            state.update(
                _module=module,
                encoder_=module.encoder,
                decoder_=module.decoder,
                _device=device,
                _inference={},
                _optimizer_state=to_tensor_tree(state.get("_optimizer_state")),
            )
        super().__setstate__(state)
