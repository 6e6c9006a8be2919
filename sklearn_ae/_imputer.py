"""Filling in missing values with an autoencoder: :class:`AutoencoderImputer`."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn import config_context
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import MissingIndicator
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ._autoencoder import INFERENCE_ROWS, AutoencoderTransformer
from ._data import INFINITY_MESSAGE, chunks
from ._errors import user_stacklevel
from ._map_codes import CodePrior, fit_prior, map_chunk_rows, map_reconstruction
from ._modules import ACTIVATIONS
from ._penalties import coder_jacobian
from ._state import default_new_parameters, forget_fitted
from ._training import check_settings

_FLOATS = [np.float64, np.float32]


def _is_nan(value):
    return isinstance(value, Real) and math.isnan(value)


def _feature_scaling(X, counts):
    """Each feature's mean and spread over its observed entries (NaN missing).

    A feature with no observed entry gets mean 0, and a constant one (to rounding,
    the test of scikit-learn's scalers) spread 1. A feature whose sum of squares
    overflows (a spread past about 1e154) has its statistics taken of its values divided
    by their largest magnitude, then scaled back: the imputer works in each feature's
    own units, so finite values of any size have finite statistics. The other features'
    statistics are computed as they are without such a feature.
    """
    n = np.maximum(counts, 1)

    def moments(values):
        mean = np.where(counts > 0, np.nansum(values, axis=0, dtype=np.float64) / n, 0.0)
        return mean, np.nansum((values - mean) ** 2, axis=0, dtype=np.float64) / n

    peak = np.ones(X.shape[1])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean, var = moments(X)
        overflowed = ~(np.isfinite(mean) & np.isfinite(var))
        if overflowed.any():
            peak = np.fmax.reduce(np.abs(X), axis=0)  # NaN for a feature with nothing observed
            peak = np.where(overflowed & (peak > 0), peak, 1.0)
            mean, var = moments(X / peak)
    eps = np.finfo(np.float64).eps
    constant = var <= n * eps * var + (n * mean * eps) ** 2  # the same test in any units
    return mean * peak, np.where(constant, 1.0, np.sqrt(var) * peak)


def default_code_size(n_features):
    """``n_components="auto"``: a quarter of the features, rounded up.

    Measured on digits (64 features) and breast cancer (30) at 20% missing
    completely at random (``benchmarks/bench_imputation.py``, ``inference="map"``):
    against a quarter, an eighth tied on digits and was 23% worse on breast cancer;
    a half was 5% worse on digits and 9% better on breast cancer. A quarter is the
    size that is not far off on either.
    """
    return max(1, math.ceil(n_features / 4))


class AutoencoderImputer(TransformerMixin, BaseEstimator):
    """Fill in missing values with an autoencoder trained on the observed entries.

    Each feature is standardised (over its observed entries), and an
    :class:`AutoencoderTransformer` learns to reconstruct the rows from what is
    observed: the loss counts observed entries only, and during training a share of
    them (as large as the share missing) is hidden from the input too, so the network
    learns to fill in what it does not see. ``transform`` finds a code for each row
    with missing entries, by default the code that best explains the row's observed
    entries (``inference="map"``), decodes it, and replaces the missing entries by the
    reconstruction; observed entries are returned exactly as given. Like
    :class:`~sklearn.impute.SimpleImputer`, it follows the ``sklearn.impute``
    conventions for indicators and empty features.

    Read more in the :ref:`User Guide <missing_values>`.

    Parameters
    ----------
    missing_values : float or int, default=np.nan
        The placeholder for missing values; every entry equal to it is imputed.
        A number (not ``None``, ``pd.NA`` or a string).
    n_components : int or "auto", default="auto"
        Code size of the autoencoder; ``"auto"`` uses a quarter of the features
        with at least one observed value, rounded up.
    hidden_layer_sizes : int or tuple of int, default=(256, 128)
        Encoder widths, mirrored by the decoder (see :class:`AutoencoderTransformer`).
    activation : {"relu", "tanh", "sigmoid", "gelu", "elu", "leaky_relu", "identity"}, \
            default="relu"
        Activation between hidden layers.
    dropout : float in [0, 1), default=0.0
        Dropout probability after each hidden activation, during training only.
    alpha : float, default=0.0
        L2 weight decay.
    learning_rate_init : float, default=1e-3
        Initial learning rate of Adam.
    batch_size : int or "auto", default="auto"
        Rows per mini-batch (see :class:`AutoencoderTransformer`).
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Improvement of the monitored loss that counts as progress.
    n_iter_no_change : int, default=10
        Checks without an improvement of ``tol`` before training stops.
    early_stopping : bool or "auto", default="auto"
        Hold out ``validation_fraction`` of the rows and keep the weights that fill
        in their hidden entries best (see :class:`AutoencoderTransformer`).
    validation_fraction : float in (0, 1), default=0.1
        Share of rows held out when early stopping is on.
    device : str or torch.device, default="cpu"
        Where ``fit`` trains, and where the fitted imputer then fills in: ``"cpu"``,
        ``"cuda"``, ``"cuda:N"``, ``"mps"`` or ``"auto"``, or a :class:`torch.device`
        (see :class:`AutoencoderTransformer`).
    add_indicator : bool, default=False
        Append a :class:`~sklearn.impute.MissingIndicator` of the features that had
        missing values at ``fit``.
    keep_empty_features : bool, default=False
        Keep the features that had no observed value at ``fit`` and fill them with 0,
        as :class:`~sklearn.impute.SimpleImputer` does; by default ``transform``
        drops them, with SimpleImputer's warning naming them.
    copy : bool, default=True
        ``False`` fills the missing entries of ``X`` in place where it can, as the
        ``sklearn.impute`` imputers do: when ``X`` is a writable NumPy array of
        ``float64`` or ``float32`` (a view writes through to its base).
        ``transform`` then returns ``X``, unless it drops empty features or appends
        the indicator (a new array, ``X`` filled all the same). Other input
        (integers, a DataFrame, a tensor, a read-only array) is filled in a copy.
        ``transform``'s checks and warnings come first: when it refuses ``X``, ``X``
        is left as it was (not so when scikit-learn's ``set_output`` container fails
        afterwards, as with SimpleImputer).
    inference : {"map", "encoder"}, default="map"
        How ``transform`` finds the code of a row with missing entries. ``"map"``:
        the most probable code given the row's observed entries (maximum a
        posteriori), under a Gaussian prior fitted to the codes of the training rows
        with an observed entry,
        searched from the encoder's code by Gauss-Newton steps; like probabilistic
        PCA's imputation, with the decoder's curvature. Its cost per row grows with
        the number of features times ``n_components`` squared. ``"encoder"``: the
        encoder's code (the row with its missing entries at the mean), one forward
        pass; faster, mostly less accurate, and what the ONNX export computes. It can
        be changed after ``fit``.
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder's initialisation, shuffling and hidden entries.
    verbose : int, default=0
        Passed to the autoencoder.

    Attributes
    ----------
    autoencoder_ : AutoencoderTransformer or None
        The fitted autoencoder, on the standardised non-empty features (None when
        every feature is empty).
    mean_ : ndarray of shape (`n_features_in_`,)
        Mean of each feature's observed entries (0 for an empty feature).
    scale_ : ndarray of shape (`n_features_in_`,)
        Standard deviation of each feature's observed entries (1 for a feature that
        is constant, to rounding, as scikit-learn's scalers decide).
    empty_features_ : ndarray of bool of shape (`n_features_in_`,)
        Features with no observed value at ``fit``.
    indicator_ : MissingIndicator or None
        The indicator appended when ``add_indicator=True``.
    code_mean_ : ndarray of shape (n_components,) or None
        Mean of the codes of the training rows with an observed entry
        (``autoencoder_.transform`` of the standardised rows): the prior's mean for
        ``inference="map"``.
    code_precision_ : ndarray of shape (n_components, n_components) or None
        Inverse covariance of those codes (plus a ridge of 1e-6 times their mean
        variance, so codes that never vary keep it finite): the prior's precision.
    noise_variance_ : float or None
        Mean squared reconstruction error of the training rows' observed entries, in
        standardised units: how closely ``inference="map"`` fits a row's observed
        entries against the prior (at least 1e-6).
    n_iter_ : int
        Epochs the autoencoder trained for (0 when every feature is empty).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` had string column names.

    See Also
    --------
    sklearn.impute.SimpleImputer : Fill with a per-feature statistic.
    sklearn.impute.KNNImputer : Fill from the nearest rows.
    sklearn.impute.IterativeImputer : Regress each feature on the others, in rounds.
    AutoencoderTransformer : Encodes rows with missing values directly.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_ae import AutoencoderImputer
    >>> X = load_digits().data
    >>> X_missing = X.copy()
    >>> X_missing[np.random.RandomState(0).rand(*X.shape) < 0.2] = np.nan
    >>> imputer = AutoencoderImputer(random_state=0).fit(X_missing)
    >>> X_filled = imputer.transform(X_missing)
    >>> bool(np.isnan(X_filled).any())
    False
    >>> observed = ~np.isnan(X_missing)
    >>> bool((X_filled[observed] == X_missing[observed]).all())
    True
    """

    _parameter_constraints: dict = {
        "missing_values": [Real],
        "n_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "device": [str, torch.device],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "copy": ["boolean"],
        "inference": [StrOptions({"map", "encoder"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        missing_values=np.nan,
        n_components="auto",
        hidden_layer_sizes=(256, 128),
        activation="relu",
        dropout=0.0,
        alpha=0.0,
        learning_rate_init=1e-3,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping="auto",
        validation_fraction=0.1,
        device="cpu",
        add_indicator=False,
        keep_empty_features=False,
        copy=True,
        inference="map",
        random_state=None,
        verbose=0,
    ):
        self.missing_values = missing_values
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.device = device
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features
        self.copy = copy
        self.inference = inference
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self, X, reset, copy=False):
        """``X`` as float (``missing_values`` still marking its missing entries), and the
        missing mask."""
        nan_marker = _is_nan(self.missing_values)
        # A pandas DataFrame of sparse columns too (one with no columns has the accessor as well).
        if sp.issparse(X) or (hasattr(X, "sparse") and len(getattr(X, "columns", ())) > 0):
            raise ValueError(
                f"{type(self).__name__} takes dense X, but sparse data was passed: its output is "
                "dense anyway; pass X.toarray() (X.sparse.to_dense() for a pandas DataFrame), "
                "or encode the sparse rows with AutoencoderTransformer, which accepts them."
            )
        X = validate_data(
            self,
            X,
            dtype=_FLOATS,
            ensure_all_finite="allow-nan" if nan_marker else True,
            reset=reset,
            copy=copy,
        )
        return X, np.isnan(X) if nan_marker else X == self.missing_values

    def _as_nan(self, X, missing):
        """``X`` with NaN at its missing entries (``X`` itself when NaN marks them)."""
        return X if _is_nan(self.missing_values) else np.where(missing, np.nan, X).astype(X.dtype, copy=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each feature's scale and train the autoencoder on the observed entries.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with missing entries equal to ``missing_values``.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : AutoencoderImputer
            The fitted imputer.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderImputer
        >>> X = np.array([[1.0, 2.0, np.nan], [2.0, np.nan, 6.0], [3.0, 6.0, 9.0]] * 10)
        >>> imputer = AutoencoderImputer(random_state=0).fit(X)
        >>> imputer.autoencoder_.n_components_
        1
        """
        # The autoencoder's own checks (a device this machine lacks, say) before anything
        # changes: a refused parameter leaves a fitted imputer as it was.
        check_settings(self._autoencoder(1 if self.n_components == "auto" else self.n_components))
        notices = []
        try:
            self._fit(X, notices)
        except BaseException:
            forget_fitted(self)  # never a half-fitted imputer, nor a stale one with new statistics
            raise
        # The inner fit's warnings, once the imputer is made: a filter that turns them
        # into errors finds it fitted, as it finds an autoencoder.
        for message, category in notices:
            warnings.warn(message, category, stacklevel=user_stacklevel())
        return self

    def _fit(self, X, notices):
        X, missing = self._validate(X, reset=True)
        raw, X = X, self._as_nan(X, missing)
        counts = (~missing).sum(axis=0)
        empty = counts == 0
        mean, scale = _feature_scaling(X, counts)
        kept = ~empty
        self.empty_features_, self.mean_, self.scale_ = empty, mean, scale  # read by _standardise
        autoencoder, prior = None, (None, None, None)
        if kept.any():
            n_kept = int(kept.sum())
            size = default_code_size(n_kept) if self.n_components == "auto" else self.n_components
            autoencoder = self._autoencoder(size)
            autoencoder._warn_as = type(self).__name__  # the user made an imputer: name it in warnings
            autoencoder._deferred_warnings = notices  # given by fit once the imputer is made
            with np.errstate(over="ignore"):
                standardised = self._standardise(X)[:, kept]
            if np.isinf(standardised).any():  # a feature whose values span more than float64's range
                raise ValueError(
                    f"X's values overflow float64 once centred by the features' means (largest "
                    f"absolute value {float(np.nanmax(np.abs(X))):.3g}): divide X by a constant "
                    "before fitting, so that each feature's values span less than float64's range."
                )
            try:
                autoencoder.fit(standardised)
            finally:
                # autoencoder_ is public: later fits of it name themselves and warn at once
                del autoencoder._warn_as, autoencoder._deferred_warnings
            # The prior is that of the codes of rows with an observed entry: a row with none
            # encodes to the mean row's code, and many of them would shrink the prior.
            empty_rows = np.isnan(standardised).all(axis=1)
            seen = standardised[~empty_rows] if empty_rows.any() else standardised
            with config_context(transform_output="default"):  # arrays, whatever the global output
                codes = autoencoder.transform(seen)
                prior = fit_prior(codes, autoencoder.inverse_transform(codes), seen)
        self.code_mean_, self.code_precision_, self.noise_variance_ = prior
        indicator = None
        if self.add_indicator:
            indicator = MissingIndicator(missing_values=self.missing_values, error_on_new=False)
            indicator.fit(raw)
        self.autoencoder_, self.indicator_ = autoencoder, indicator
        self.n_iter_ = 0 if autoencoder is None else autoencoder.n_iter_
        return self

    def _autoencoder(self, n_components):
        return AutoencoderTransformer(
            n_components,
            hidden_layer_sizes=self.hidden_layer_sizes,
            activation=self.activation,
            dropout=self.dropout,
            alpha=self.alpha,
            learning_rate_init=self.learning_rate_init,
            batch_size=self.batch_size,
            max_iter=self.max_iter,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=self.early_stopping,
            validation_fraction=self.validation_fraction,
            device=self.device,
            random_state=self.random_state,
            verbose=self.verbose,
        )

    def _standardise(self, X):
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def transform(self, X):
        """Fill in the missing entries of ``X``; observed entries are returned unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_features_in_`)
            Data with missing entries equal to ``missing_values``, at ``fit`` time
            or not.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            ``X`` without the features that were empty at ``fit`` (unless
            ``keep_empty_features``), its missing entries filled in, followed by the
            missing indicator when ``add_indicator=True``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderImputer
        >>> X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]] * 10)
        >>> imputer = AutoencoderImputer(random_state=0).fit(X)
        >>> imputer.transform([[4.0, np.nan, 12.0]]).shape
        (1, 3)
        """
        check_is_fitted(self)
        # inference can be set after fit, which is the only place scikit-learn checks it
        validate_parameter_constraints(
            {"inference": self._parameter_constraints["inference"]},
            {"inference": self.inference},
            caller_name=type(self).__name__,
        )
        # In place only into the caller's NumPy array: a DataFrame's or a tensor's memory may
        # be shared with the array made of it (pandas before 3), and is not written to.
        X, missing = self._validate(X, reset=False, copy=self.copy or not isinstance(X, np.ndarray))
        if not X.flags.writeable:  # copy=False and a read-only array (a memory map, say): a copy
            X = X.copy(order="K")
        # Before any entry is filled: the indicator reads the missing_values markers
        indicator = None
        if self.indicator_ is not None:
            with config_context(transform_output="default"):
                indicator = self.indicator_.transform(X)
        kept = ~self.empty_features_
        fill = None if self.autoencoder_ is None else self._fill(X, missing, kept)
        dropped = not self.keep_empty_features and not kept.all()
        if dropped:  # before X is written to: a filter that makes it an error leaves X as it was
            skipped = np.flatnonzero(self.empty_features_)
            if hasattr(self, "feature_names_in_"):
                skipped = self.feature_names_in_[skipped]
            warnings.warn(  # SimpleImputer's warning: the output has fewer columns than X
                f"Skipping features without any observed values: {skipped}. At least one "
                "non-missing value is needed for imputation; keep_empty_features=True keeps them "
                "(filled with 0).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        # Every check passed: only now is X (the caller's own with copy=False) written to
        if fill is not None:
            X[fill[0]] = fill[1]
        empty = np.flatnonzero(self.empty_features_)
        if len(empty):  # filled with 0 when kept
            X[:, empty] = np.where(missing[:, empty], 0, X[:, empty])
        out = np.ascontiguousarray(X[:, kept]) if dropped else X  # a mask's selection is in Fortran order
        if indicator is not None:
            out = np.hstack([out, indicator.astype(out.dtype)])
        return out

    def _fill(self, X, missing, kept):
        """``(entries, values)``: the missing entries of the kept features (an index of
        ``X``) and their fills; nothing is written to ``X``."""
        # Only the rows with a missing entry need a fill (the others are returned as given)
        rows = np.flatnonzero(missing[:, kept].any(axis=1))
        columns = np.flatnonzero(kept)
        incomplete = self._as_nan(X[rows], missing[rows])
        with np.errstate(over="ignore"):
            standardised = self._standardise(incomplete)[:, kept]
        if np.isinf(standardised).any():  # an inf in X, or finite X too far from the fit's means
            used = incomplete[:, kept]  # features dropped at fit are not used
            if np.isinf(used).any():
                raise ValueError(INFINITY_MESSAGE)
            largest = float(np.nanmax(np.abs(used)))
            raise ValueError(
                f"X's values overflow {X.dtype} once standardised by the fitted means and "
                f"spreads (largest absolute value {largest:.3g}): such rows lie far outside "
                "the data the imputer was fitted on."
            )
        del incomplete  # a copy of the incomplete rows: freed before the reconstruction's
        reconstruction = self._reconstruct(standardised)
        del standardised
        # Only the entries filled in (spreads near the precision's largest value may
        # overflow elsewhere), in X's precision, as returned
        at, on = np.nonzero(missing[np.ix_(rows, columns)])
        features = columns[on]
        with np.errstate(over="ignore"):
            fills = (reconstruction[at, on] * self.scale_[features] + self.mean_[features]).astype(X.dtype)
        if not np.isfinite(fills).all():
            raise ValueError(
                f"The filled-in values overflow {X.dtype} (the features' spreads reach "
                f"{float(self.scale_.max()):.3g}): divide X by a constant before fitting."
            )
        return (rows[at], features), fills

    def _reconstruct(self, standardised):
        """Reconstructions of standardised rows from their codes, found as ``inference`` says."""
        autoencoder = self.autoencoder_
        out = np.empty_like(standardised)
        if not len(standardised):  # inference="map" and no row with a missing entry
            return out
        with config_context(transform_output="default"):  # arrays, whatever the global output
            codes = autoencoder.transform(standardised)
        if self.inference == "encoder":
            return autoencoder.inverse_transform(codes)
        module = autoencoder._fitted.inference_module(standardised.dtype)
        dtype, device = next(module.parameters()).dtype, autoencoder._fitted.device
        mean = torch.tensor(autoencoder.mean_, dtype=dtype, device=device)
        scale = autoencoder.scale_

        def decode(z):
            return autoencoder._decode(module, z, mean, False)

        def jacobian(z):  # the scale cancels: decode's output and input are both in units of it
            return coder_jacobian(module.decoder, z / scale)

        prior = CodePrior(self.code_mean_, self.code_precision_, self.noise_variance_)
        hidden = autoencoder._fitted.arch.hidden_layer_sizes
        # About CHUNK_ENTRIES numbers per chunk, and no more rows than a chunk of transform.
        step = min(INFERENCE_ROWS, map_chunk_rows(standardised.shape[1], hidden, autoencoder.n_components_))
        for rows in chunks(len(standardised), step):
            x = torch.tensor(standardised[rows], dtype=dtype, device=device)
            z = torch.tensor(codes[rows], dtype=dtype, device=device)
            out[rows] = map_reconstruction(decode, jacobian, z, x, prior).cpu().numpy()
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: the kept inputs, then the indicator's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; by default ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The output feature names.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_ae import AutoencoderImputer
        >>> X = np.array([[1.0, np.nan], [2.0, 4.0], [np.nan, 6.0]] * 10)
        >>> imputer = AutoencoderImputer(add_indicator=True, random_state=0).fit(X)
        >>> imputer.get_feature_names_out().tolist()
        ['x0', 'x1', 'missingindicator_x0', 'missingindicator_x1']
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if not self.keep_empty_features:
            names = names[~self.empty_features_]
        if self.indicator_ is not None:
            every = _check_feature_names_in(self, input_features)  # the indicator saw a bare array
            indicated = every[self.indicator_.features_]
            names = np.concatenate([names, [f"missingindicator_{name}" for name in indicated]])
        return np.asarray(names, dtype=object)

    def __setstate__(self, state):
        super().__setstate__(state)
        default_new_parameters(self)  # a file saved before a parameter (copy) existed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = _is_nan(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
