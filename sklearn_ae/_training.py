"""The steps of a fit, in the order :meth:`AutoencoderTransformer._train` runs them.

1. :func:`plan_training`: settings resolved from the parameters and the data size;
2. :func:`fresh_start` or :func:`continued_start`: the network, the scaling and the
   rows it trains and validates on;
3. :func:`build_net`: the skorch net (``_engine.py``) around the network;
4. :func:`run`: train, and read what happened from the net.

The facade then commits the result in one place. Nothing here touches the estimator's
fitted state, so a failed fit leaves it as it was.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import sys
from numbers import Integral
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._code_size import choose_code_size
from ._data import (
    RowSubset,
    fit_scaling,
    missing_shares,
    observed_noise_variance,
    scaled_tensor,
    start_components,
    unobserved_count,
    with_columns_missing,
)
from ._device import global_rng_scope, resolve_device
from ._errors import NonFiniteLossError, divergence_advice
from ._modules import start_at_pca
from ._neighbors import NeighborLoss, fuzzy_graph, neighbor_graph
from ._penalties import ContractivePenalty, KLPenalty, SparsityPenalty
from ._sparse import ScaledSparse, fit_scaling_sparse
from ._spectral import SpectralPull, pieces, pull_steps
from ._state import Architecture

OPTIMIZERS = {
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "sgd": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "rmsprop": (torch.optim.RMSprop, {}),
}

#: ``early_stopping="auto"`` holds rows out from this many on (see defaults.rst).
AUTO_HOLDOUT_MIN_ROWS = 100

#: ``learning_rate_init="auto"``: without and with the neighbour term (see defaults.rst
#: and neighbors.rst).
AUTO_LEARNING_RATE = 1e-3
AUTO_LEARNING_RATE_NEIGHBORS = 3e-3

#: ``learning_rate_init="auto"`` of the plain autoencoder with held-out rows, fresh fits
#: from PCA's start: ``(factor, fraction)``, the rate is multiplied by ``factor`` once the
#: best held-out loss is below ``fraction`` of the start's, i.e. once training has clearly
#: left PCA's plateau (see defaults.rst).
AUTO_BOOST = (3.0, 0.9)

#: ``batch_size="auto"``: at most this many rows per batch (see defaults.rst).
AUTO_BATCH_SIZE = 128

#: ``(patience, factor)`` of the learning-rate schedule (see defaults.rst).
PLATEAU = (5, 0.5)

#: The held-out loss is also checked every ``max(CHECK_ROWS, CHECK_PER_VALID * n_valid)``
#: training rows within an epoch: patience costs a bounded number of rows on large
#: data, and scoring the held-out rows costs under a tenth of the training between
#: checks (a forward pass over n_valid rows against forward and backward over 4x).
CHECK_ROWS = 5_000
CHECK_PER_VALID = 4


def _fused_adam_supported(device):
    """Fused Adam runs on CUDA, and on the CPU from torch 2.4."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return device.type == "cuda" or (device.type == "cpu" and (major, minor) >= (2, 4))


class Plan(NamedTuple):
    """How to train, resolved from the parameters and the number of rows."""

    hidden: tuple
    optimizer: type
    optimizer_kwargs: dict
    batch_size: int
    device: torch.device
    seed: int
    holdout: bool  # monitor held-out rows and keep the best weights


def _weight_decay(optimizer, alpha):
    """``{"weight_decay": alpha}`` where ``optimizer`` takes it (always passed: AdamW's own
    default is not 0); ``{}`` for an optimizer without it (LBFGS, Rprop) when ``alpha`` is 0."""
    parameters = inspect.signature(optimizer.__init__).parameters
    takes = "weight_decay" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    if takes:
        return {"weight_decay": alpha}
    if alpha > 0:
        raise ValueError(
            f"alpha={alpha} is applied as the optimizer's weight_decay, which "
            f"{optimizer.__name__} does not take; use alpha=0 or another optimizer."
        )
    return {}


def _check_callbacks(callbacks):
    """A ``ValueError`` for an entry skorch cannot use, or one that takes the engine's names."""
    for item, callback in _callback_items(callbacks):
        # As skorch reads them: a callback (an instance or a class), or a (name, callback)
        # pair as a tuple or a list. A callback is what skorch calls: a Callback, or any
        # object with its initialize and set_params methods.
        named = item is not callback
        if not all(callable(getattr(callback, method, None)) for method in ("initialize", "set_params")):
            raise ValueError(
                "callbacks must hold skorch callbacks: Callback instances or classes, or "
                f"(name, callback) pairs; got {item!r}."
            )
        if named and item[0] in (reserved := _engine().RESERVED_CALLBACK_NAMES):
            raise ValueError(
                f"callbacks: the name {item[0]!r} is sklearn_ae's own callback's "
                f"({', '.join(map(repr, reserved))} are taken); give yours another name."
            )
        if _loads_best(callback):
            # It would load its own choice of weights and history after the fit has kept
            # the best held-out weights, and n_iter_, loss_curve_ and the scores with them.
            raise ValueError(
                f"callbacks: {getattr(callback, '__name__', type(callback).__name__)}(load_best=True) "
                "would replace the weights "
                "the fit keeps (the best held-out ones, with early_stopping) and its history; "
                "use load_best=False (the default)."
            )


def _loads_best(callback):
    """Whether a callback (instance, or class built with its defaults) has ``load_best`` on."""
    return bool(_setting(callback, "load_best", False))


def _setting(callback, name, absent=None):
    """A callback's setting: an instance's attribute, or the default a class is built with."""
    if isinstance(callback, type):
        try:
            default = inspect.signature(callback).parameters.get(name)
        except (TypeError, ValueError):  # no signature to inspect
            return absent
        return absent if default is None or default.default is inspect.Parameter.empty else default.default
    return getattr(callback, name, absent)


def _is_named_pair(item):
    """Whether a ``callbacks`` entry is a ``(name, callback)`` pair (tuple or list), as skorch reads one."""
    return isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)


def _callback_items(callbacks):
    """``(item, callback)`` for each entry of ``callbacks``, unpacking ``(name, callback)`` pairs."""
    for item in callbacks or ():
        yield item, (item[1] if _is_named_pair(item) else item)


def _reads_monitor(callback):
    """Whether ``callback`` reads its ``monitor`` record: skorch's ``LRScheduler`` does
    only with a ``ReduceLROnPlateau`` policy (named or given as the class)."""
    kind = callback if isinstance(callback, type) else type(callback)
    if not any(c.__name__ == "LRScheduler" and c.__module__.startswith("skorch") for c in kind.__mro__):
        return True
    policy = _setting(callback, "policy")
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau
    return policy == "ReduceLROnPlateau" or (isinstance(policy, type) and issubclass(policy, plateau))


#: The history records that only held-out rows give (skorch's ``valid_loss`` and the
#: engine's ``valid_loss_best``).
HELD_OUT_RECORDS = ("valid_loss", "valid_loss_best")


def check_monitors(est, n_samples=None, *, incremental=False):
    """A ``ValueError`` for a callback that watches a held-out record in a fit that
    holds no rows out (it would fail with a ``KeyError`` after the first epoch).

    Without ``n_samples`` (before the data is validated) only what the parameters
    decide is checked: ``partial_fit`` and ``early_stopping=False``; ``"auto"`` holds
    rows out from :data:`AUTO_HOLDOUT_MIN_ROWS` on, so it is checked with the data.
    """
    if incremental:
        why = "partial_fit never holds rows out"
    elif not isinstance(est.early_stopping, str):
        if est.early_stopping:
            return
        why = f"early_stopping={bool(est.early_stopping)}"
    elif n_samples is None or n_samples >= AUTO_HOLDOUT_MIN_ROWS:
        return
    else:
        why = (
            f"early_stopping='auto' holds rows out from {AUTO_HOLDOUT_MIN_ROWS} rows on "
            f"(got n_samples={n_samples})"
        )
    # early_stopping=True holds rows out from 2 rows on
    advice = (
        "" if incremental or (n_samples is not None and n_samples < 2) else ", or set early_stopping=True"
    )
    advice += " (with at least 2 rows)" if advice and n_samples is None else ""
    for _, callback in _callback_items(est.callbacks):
        monitor = _setting(callback, "monitor")
        if isinstance(monitor, str) and monitor in HELD_OUT_RECORDS and _reads_monitor(callback):
            raise ValueError(
                f"callbacks: {getattr(callback, '__name__', type(callback).__name__)} monitors "
                f"{monitor!r}, which is recorded only when rows are held out, and {why}; monitor "
                f"{monitor.replace('valid_', 'train_')!r} instead"
                f"{advice}."
            )


def check_settings(est):
    """The checks of ``est``'s parameters beyond scikit-learn's constraints (``ValueError``).

    They need no data, so a fit runs them before it changes anything: a refused
    parameter leaves a fitted estimator as it was, as scikit-learn's own check does.
    """
    for name in ("n_components", "max_iter", "batch_size", "n_iter_no_change", "n_neighbors"):
        value = getattr(est, name)
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be an integer, not a bool; got {value!r}.")
    if not all(isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in _hidden(est)):
        raise ValueError(f"hidden_layer_sizes must hold positive integers, got {est.hidden_layer_sizes!r}.")
    _check_callbacks(est.callbacks)
    if not isinstance(est.optimizer, str) and not issubclass(est.optimizer, torch.optim.Optimizer):
        raise ValueError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
            f"subclass, got {est.optimizer!r}."
        )
    _weight_decay(_optimizer(est)[0], est.alpha)  # an alpha that the optimizer cannot apply
    for name, needs in BATCH_TERMS.items():
        if est.batch_size == 1 and getattr(est, name) > 0:
            raise ValueError(f"{name} > 0 {needs}, which needs at least 2 rows per batch; got batch_size=1.")
    if est.batch_norm and est.batch_size == 1:
        raise ValueError("batch_norm=True needs at least 2 rows per batch to normalise; got batch_size=1.")
    for name in ("encoder", "decoder"):
        spec = getattr(est, name)
        if isinstance(spec, type) and issubclass(spec, torch.nn.Module):
            _check_constructor(name, spec)
        elif not (spec is None or isinstance(spec, torch.nn.Module)):
            raise ValueError(f"{name} must be a torch.nn.Module subclass or instance, got {spec!r}.")
    instances = [name for name in ("encoder", "decoder") if isinstance(getattr(est, name), torch.nn.Module)]
    if instances and not isinstance(est.n_components, Integral):
        raise ValueError(
            f"n_components={est.n_components!r} tries several code sizes, but the {' and '.join(instances)} "
            f"{'is an instance' if len(instances) == 1 else 'are instances'} of one width: give "
            "module classes (built at each size) or an integer n_components."
        )
    resolve_device(est.device)  # a device this machine lacks


def callback_copy(callback):
    """A shallow copy of a user's callback (or of its ``(name, callback)`` pair), for a fit or a clone.

    skorch's set-up and run state (``initialize``, ``on_train_begin``) are set on the
    copy, so the estimator's parameter stays as given; what the callback holds (a
    TensorBoard writer, a logger's run, a list it appends to) is shared, so the
    user's objects receive the fit's records, and objects that cannot be copied (a
    writer's thread or lock) need not be.
    """
    if _is_named_pair(callback):  # the container kept (a clone's params match), other tuples plain
        pair = callback[0], callback_copy(callback[1])
        if isinstance(callback, list):
            return list(pair)
        return type(callback)._make(pair) if hasattr(type(callback), "_make") else pair
    return callback if isinstance(callback, type) else copy.copy(callback)


def _optimizer(est):
    """The optimizer class and its extra keyword arguments (``optimizer`` is checked)."""
    return OPTIMIZERS[est.optimizer] if isinstance(est.optimizer, str) else (est.optimizer, {})


def _hidden(est):
    hidden = est.hidden_layer_sizes
    return (hidden,) if isinstance(hidden, Integral) else tuple(hidden)


def plan_training(est, n_samples, *, continuing, incremental):
    """Resolve ``est``'s parameters into a :class:`Plan` (or raise ``ValueError``).

    :func:`check_settings` has checked the parameters that need no data.
    """
    hidden = _hidden(est)
    optimizer, extra = _optimizer(est)
    if isinstance(est.early_stopping, str):  # "auto"
        wants_holdout, explicit = n_samples >= AUTO_HOLDOUT_MIN_ROWS, False
    else:  # True, False or a numpy bool
        wants_holdout = explicit = bool(est.early_stopping)
    if explicit and not incremental and n_samples < 2:
        raise ValueError(
            f"early_stopping=True needs at least 2 samples to hold some out, got n_samples={n_samples}."
        )
    holdout = not incremental and wants_holdout
    check_monitors(est, n_samples, incremental=incremental)
    n_train = n_samples - (_n_valid(n_samples, est.validation_fraction) if holdout else 0)
    if est.batch_norm and n_train < 2:  # batch_size=1: check_settings
        raise ValueError(
            f"batch_norm=True needs at least 2 rows per batch to normalise, got {n_train} training "
            f"row(s) (of n_samples={n_samples})."
        )
    device = resolve_device(est.device)
    if est.optimizer in ("adam", "adamw") and _fused_adam_supported(device):
        # One kernel per step: the plain Adam's loop takes 1.16x to 1.49x the time
        # (benchmarks/bench_fit.py).
        extra = {**extra, "fused": True}
    seed = check_random_state(est.random_state).randint(np.iinfo(np.int32).max)
    if continuing:  # a new shuffle order for each continuation, still reproducible
        seed = (seed + est.n_iter_) % np.iinfo(np.int32).max
    batch_size = min(AUTO_BATCH_SIZE, n_train) if est.batch_size == "auto" else est.batch_size
    lr = est.learning_rate_init
    if lr == "auto":
        lr = AUTO_LEARNING_RATE_NEIGHBORS if est.neighbors > 0 else AUTO_LEARNING_RATE
    kwargs = {"lr": lr, **_weight_decay(optimizer, est.alpha), **extra}
    return Plan(hidden, optimizer, kwargs, batch_size, device, seed, holdout)


#: Loss terms measured across the rows of a batch, and what they measure there: each
#: refuses ``batch_size=1`` (a one-row batch that still occurs adds no such term).
BATCH_TERMS = {
    "contractive": "measures the encoder's Jacobian in units of the code's spread over the batch",
    "neighbors": "repels each row's code from the other rows of its batch",
    "sparsity": "measures each code unit in units of its spread over the batch",
}


def _n_valid(n_samples, fraction):
    return min(n_samples - 1, max(1, round(fraction * n_samples)))


class Start(NamedTuple):
    """Where training starts from."""

    module: torch.nn.Module
    arch: Architecture
    mean: np.ndarray
    scale: float
    noise_variance: float | None
    train: RowSubset
    valid: RowSubset | None
    missing: float  # share of the training data's entries that are missing (NaN)
    spread: np.ndarray | None = None  # the PCA start's code standard deviations (fresh fits)
    live_missing: float = 0.0  # the missing share in the rows and columns with an observed entry
    unobserved: np.ndarray = np.zeros(0, dtype=np.int64)  # features no row of the first fit observed
    notices: tuple = ()  # (message, warning class): the fit warns of them once it has committed


def _split(X_scaled, plan, fraction, generator):
    """Training and validation :class:`RowSubset` of ``X_scaled`` (on the device)."""
    X_scaled = X_scaled.to(plan.device)
    if not plan.holdout:
        return RowSubset(X_scaled), None, None
    order = torch.randperm(X_scaled.shape[0], generator=generator, device=generator.device)
    n_valid = _n_valid(X_scaled.shape[0], fraction)
    train_rows = order[n_valid:].sort().values  # sorted: cache-friendly gathers
    valid_rows = order[:n_valid].sort().values
    return (
        RowSubset(X_scaled, train_rows.to(plan.device)),
        RowSubset(X_scaled, valid_rows.to(plan.device)),
        train_rows,
    )


def fresh_start(est, X, plan, generator):
    """A new network (PCA's solution with ``init="pca"``) and scaling fitted on ``X``."""
    n_components = est.n_components
    if not isinstance(n_components, Integral) and sp.issparse(X):
        raise ValueError(
            f"n_components={n_components!r} (a target R^2) needs dense X; for sparse X give the "
            "code size as an integer."
        )
    notices = []  # warnings for after the commit: a filter that raises them finds the fit made
    missing, live_missing, unobserved = _missing_shares(X)
    if sp.issparse(X):
        mean, scale = fit_scaling_sparse(X)
    else:  # before the code size search: values that overflow are refused with their own message
        mean, scale = fit_scaling(X, missing=missing > 0)
    if not isinstance(n_components, Integral):
        n_components, unreached = choose_code_size(est, X, n_components, plan.seed)
        if unreached:
            notices.append((unreached, ConvergenceWarning))
    n_components = int(n_components)  # np.int64 from a grid's np.arange: torch's split takes ints only
    if len(unobserved):
        shown = ", ".join(str(j) for j in unobserved[:10]) + (", ..." if len(unobserved) > 10 else "")
        notices.append((
            f"{len(unobserved)} feature(s) of X have no observed value (column(s) {shown}): the model "
            "treats them as missing from now on, in transform, score and later partial_fit or "
            "warm_start calls too. Fit afresh on data that observes them to use them.",
            UserWarning,
        ))  # fmt: skip
    if sp.issparse(X):
        X_scaled = ScaledSparse(X, mean, scale)
    else:
        X_scaled = scaled_tensor(X, mean, scale)
    train, valid, train_rows = _split(X_scaled, plan, est.validation_fraction, generator)
    encoder, decoder = _custom_modules(est, X.shape[1], n_components, plan.seed)
    custom = encoder is not None or decoder is not None
    use_pca = est.init in ("pca", "spectral") and not custom
    pca = None
    # Features no training row observes (held-out rows may): zero eigenvalues of the PCA.
    n_unobserved = len(unobserved)
    if missing > 0 and train_rows is not None:
        n_unobserved = unobserved_count(X, train_rows.numpy())
    if use_pca or est._variational:  # PCA of the training rows only
        pca = start_components(X_scaled, train_rows, n_components, plan.seed, n_unobserved)
    arch = Architecture(
        X.shape[1], n_components, plan.hidden, est.activation, est.dropout, est.batch_norm,
        est._variational, custom,
    )  # fmt: skip
    module = arch.build(encoder=encoder, decoder=decoder, generator=generator)
    if use_pca:
        start_at_pca(module, pca)
    noise_variance = pca.noise_variance if pca is not None else None
    if est._variational and missing > 0:  # the KL's weight; the start keeps PCA's (filled) noise
        observed = observed_noise_variance(X_scaled, train_rows, n_components, n_unobserved)
        noise_variance = noise_variance if observed is None else observed
    spread = None  # the start's code spread, for init="spectral"; the VAE's start codes are whitened
    if use_pca:
        spread = pca.variances.clamp_min(0).sqrt().cpu().numpy()
        spread = np.ones_like(spread) if est._variational else spread
    return Start(
        module, arch, mean, scale, noise_variance, train, valid, missing, spread, live_missing, unobserved,
        tuple(notices),
    )  # fmt: skip


def _missing_shares(X, unobserved=()):
    """:func:`~sklearn_ae._data.missing_shares`; a ``ValueError`` when nothing is observed.

    ``unobserved``: the features a continued fit treats as missing (already NaN in ``X``).
    """
    shares = missing_shares(X)
    if shares.share == 1.0:
        because = (
            f", counting the {len(unobserved)} feature(s) that the first fit never observed, which the "
            "model treats as missing"
            if len(unobserved)
            else ""
        )
        raise ValueError(f"Every entry of X is missing (NaN){because}: there is nothing to train on.")
    return shares


def continued_start(est, X, plan, generator):
    """The current network and scaling, to continue training on ``X``.

    A feature that the first fit never observed has no scaling (``mean_`` 0) and a
    network that never used it: it stays missing, whatever ``X`` holds there.
    """
    fitted = est._fitted
    _check_same_network(est, plan)
    unobserved = unobserved_features(est)
    if len(unobserved):
        X = with_columns_missing(X, unobserved)
    if sp.issparse(X):
        X_scaled = ScaledSparse(X, est.mean_, est.scale_)
    else:
        X_scaled = scaled_tensor(X, est.mean_, est.scale_)
    train, valid, _ = _split(X_scaled, plan, est.validation_fraction, generator)
    module = copy.deepcopy(fitted.module)  # the committed model stays as it is until commit
    missing, live_missing, _ = _missing_shares(X, unobserved)
    return Start(
        module, fitted.arch, est.mean_, est.scale_, fitted.noise_variance, train, valid, missing,
        live_missing=live_missing, unobserved=unobserved,
    )  # fmt: skip


def warning_name(est):
    """The estimator's name in its warnings, or None for a fit that warns of nothing.

    A private attribute (``_warn_as``) set on the instance by code that fits an
    estimator for its own use: the imputer names itself, the code-size search's short
    fits stay silent. An attribute rather than a warnings filter, which is process-wide
    state that threads fitting at once would share.
    """
    return getattr(est, "_warn_as", type(est).__name__)


def unobserved_features(est):
    """Indices of the features without an observed value in the data ``est`` was first fitted on."""
    return getattr(est, "_unobserved_", np.zeros(0, dtype=np.int64))  # none in older pickles


def network_settings(est, hidden):
    """The settings that fix the network's shape, as a fresh fit resolved them
    (``hidden``: the hidden layer sizes as a tuple)."""

    def part(spec):  # a user module: its class stands for it (instances are deep-copied)
        return None if spec is None else spec if isinstance(spec, type) else type(spec)

    return {
        "n_components": est.n_components,
        "encoder": part(est.encoder),
        "decoder": part(est.decoder),
        "hidden_layer_sizes": tuple(hidden),
        "activation": est.activation,
        "dropout": est.dropout,
        "batch_norm": est.batch_norm,
    }


def _check_same_network(est, plan):
    """A ``ValueError`` when a continuation asks for a different network than the fitted one.

    ``warm_start`` and ``partial_fit`` continue the fitted network as it is; a changed
    shape or layer setting would otherwise be ignored without a word. The MLP's
    settings count only where a part of the network is the built-in MLP.
    """
    fitted = getattr(est, "_network_", None)
    if fitted is None:  # a model pickled before the settings were kept
        return
    asked = network_settings(est, plan.hidden)
    both_custom = fitted["encoder"] is not None and fitted["decoder"] is not None
    mlp = ("hidden_layer_sizes", "activation", "dropout", "batch_norm")
    free = set(mlp) if both_custom else set()
    if fitted["hidden_layer_sizes"] == asked["hidden_layer_sizes"] == ():
        free |= {"activation", "dropout", "batch_norm"}  # a linear MLP has none of them
    if asked["n_components"] == getattr(est, "n_components_", None):
        free.add("n_components")  # the size a fraction's search chose, now given as a number
    changed = [
        f"{name}={asked[name]!r} (fitted: {value!r})"
        for name, value in fitted.items()
        if asked[name] != value and name not in free
    ]
    if changed:
        raise ValueError(
            f"{', '.join(changed)}: warm_start and partial_fit continue the fitted network, "
            "which these settings would change. Set warm_start=False to fit a new network "
            "(or use a fresh estimator instead of partial_fit)."
        )


def _custom_modules(est, n_features, n_components, seed):
    """The user's encoder and decoder, ready to train (None where the MLP is used).

    Instances are deep-copied, so the user's module is never trained in place;
    classes are called as ``cls(n_features=..., n_components=...)`` with torch's
    global generator seeded and under a lock (:func:`global_rng_scope`), where an
    encoder's ``n_components`` is its output width.
    """
    widths = {"encoder": 2 * n_components if est._variational else n_components, "decoder": n_components}
    modules = []
    for name in ("encoder", "decoder"):
        spec = getattr(est, name)
        if spec is None:
            modules.append(None)
        elif isinstance(spec, torch.nn.Module):
            modules.append(copy.deepcopy(spec))
        else:  # a module class (check_settings checked)
            with global_rng_scope(seed, torch.device("cpu")):
                modules.append(spec(n_features=n_features, n_components=widths[name]))
    # float32, as the data reach them, whatever torch's default dtype built them in
    encoder, decoder = (None if module is None else module.float() for module in modules)
    if encoder is None and decoder is None:
        return [encoder, decoder]
    code = "2 * n_components: posterior means and log-variances" if est._variational else "n_components"
    # Seeded like the modules' construction and training: a lazy layer is initialised
    # here, by the fit's seed, and the user's global generator is left alone.
    with global_rng_scope(seed, torch.device("cpu")):
        _check_widths("encoder", encoder, n_features, widths["encoder"], f"n_features in, {code} out")
        _check_widths("decoder", decoder, n_components, n_features, "n_components in, n_features out")
    return [encoder, decoder]


def _check_constructor(name, cls):
    """A ``ValueError`` when ``cls`` cannot be called as ``cls(n_features=..., n_components=...)``."""
    try:
        inspect.signature(cls).bind(n_features=1, n_components=1)
    except TypeError as exc:
        raise ValueError(
            f"{name}={cls.__name__} is called as {cls.__name__}(n_features=..., n_components=...) "
            f"at fit, which its constructor does not accept ({exc}). Give a class with those "
            f"keyword arguments, or an instance (copied at fit)."
        ) from None
    except ValueError:  # no signature to inspect (some builtins): let the call decide
        pass


def _check_widths(name, module, n_in, n_out, rule):
    """A ``ValueError`` naming the widths when a user's module does not fit them.

    One row of zeros goes through ``module`` in eval mode, without gradients, in float32
    as in training (the modules are cast to float32 before it).
    """
    if module is None:
        return
    params = list(module.parameters())
    device = params[0].device if params else torch.device("cpu")
    training = module.training
    module.eval()
    try:
        with torch.no_grad():
            out = module(torch.zeros(1, n_in, dtype=torch.float32, device=device))
    except Exception as error:
        raise ValueError(
            f"The {name} must map rows of {n_in} columns to {n_out} ({rule}); "
            f"it failed on a row of {n_in}: {error}"
        ) from error
    finally:
        module.train(training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[1] != n_out:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"The {name} must map rows of {n_in} columns to {n_out} ({rule}); it returned {shape}."
        )


def penalties(est, start):
    """The loss terms added to the reconstruction error, each one small object (``_penalties.py``).

    The VAE's KL weight is ``beta * 2 * noise_variance``: the negative ELBO of a
    Gaussian decoder with probabilistic PCA's noise variance at the start.
    """
    terms = []
    if est.sparsity > 0:
        terms.append(SparsityPenalty(est.sparsity))
    if est.contractive > 0:
        terms.append(ContractivePenalty(est.contractive))
    if est._variational:
        terms.append(KLPenalty(est.beta * 2.0 * start.noise_variance))
    return terms


def hide_fraction(missing):
    """Share of the observed entries hidden from the input at each training step.

    With missing data, the network is trained as it is used: observed entries are
    hidden at random (set to the feature's mean, like a missing one) while the loss
    still counts them, so the decoder learns to fill in what the encoder did not see.
    ``missing`` is the missing share in the rows and columns with an observed entry:
    a column that is never observed is missing in every row alike and teaches nothing
    about filling in the others.
    """
    return missing


def _row_terms(est, start, plan, generator, notices):
    """The loss terms on the training rows' kNN graph: the neighbour term and the spectral pull.

    The pull (``init="spectral"``) acts in fresh fits that start at PCA, with more
    training rows than code dimensions plus one (a layout needs them), on a graph in
    one piece (else it leaves the pull out, and adds a warning to the list ``notices``,
    given once the fit has committed).
    """
    pull = est.init == "spectral" and start.spread is not None and len(start.train) > len(start.spread) + 1
    if est.neighbors <= 0 and not pull:
        return ()
    graph, train_ids = fuzzy_graph(start.train, est.n_neighbors)
    X, n_total = start.train.X, start.train.X.shape[0]
    terms = []
    if est.neighbors > 0:
        edges = neighbor_graph(graph, train_ids, n_total, plan.device)
        terms.append(NeighborLoss(est.neighbors, edges, X, generator))
    if pull and _connected_for_layout(est, graph, notices):
        dtype = X.dtype if isinstance(X, torch.Tensor) else torch.float32  # sparse rows come as float32
        steps = pull_steps(len(start.train), plan.batch_size, est.max_iter)
        spectral = SpectralPull.build(
            graph, train_ids, n_total, start.spread, plan.seed, dtype, X.device, steps=steps
        )
        if spectral is not None:
            terms.append(spectral)
    return tuple(terms)


def _connected_for_layout(est, graph, notices):
    """Whether the graph is in one piece; if not, adds to ``notices`` that
    ``init="spectral"`` has no pull."""
    n_pieces = pieces(graph)
    if n_pieces > 1 and warning_name(est) is not None:
        notices.append((
            f"init='spectral': the training rows' {est.n_neighbors}-nearest-neighbour graph is in "
            f"{n_pieces} separate pieces, whose spectral layout collapses each piece to a point; "
            "the fit starts from PCA's solution without the pull. Raise n_neighbors to connect the "
            "graph, or use init='pca'.",
            UserWarning,
        ))  # fmt: skip
    return n_pieces == 1


def _boost(est, start, plan):
    """:data:`AUTO_BOOST` where it was measured, else None.

    That is ``learning_rate_init="auto"`` with held-out rows, in a fresh fit from PCA's
    start (``start.spread`` is set only there: not from a random start, whose high loss
    falls 10% at once, nor with custom modules or when continuing), for the
    reconstruction loss alone (no neighbour term, no spectral pull, not the VAE), with
    Adam or AdamW (the tripled rate made LBFGS diverge on the digits, and was not
    measured with the others).
    """
    plain = est.neighbors <= 0 and est.init == "pca" and not est._variational
    fresh_from_pca = start.spread is not None
    adam = issubclass(_optimizer(est)[0], (torch.optim.Adam, torch.optim.AdamW))
    applies = est.learning_rate_init == "auto" and plan.holdout and plain and fresh_from_pca and adam
    return AUTO_BOOST if applies else None


def build_net(est, start, plan, generators, notices):
    """The skorch net that trains ``start.module``; warnings to give once the fit has
    committed are added to the list ``notices``."""
    return _engine().make_net(
        start.module,
        valid=start.valid,
        optimizer=plan.optimizer,
        optimizer_kwargs=plan.optimizer_kwargs,
        batch_size=plan.batch_size,
        generators=generators,
        device=plan.device,
        noise=est.noise,
        missing=start.missing > 0,
        hide=hide_fraction(start.live_missing),
        row_terms=_row_terms(est, start, plan, generators[1], notices),
        penalties=penalties(est, start),
        patience=est.n_iter_no_change,
        tol=est.tol,
        # Only PCA's solution is a plateau worth waiting on; a continuation starts elsewhere.
        grace=_engine().START_GRACE if start.spread is not None else 1,
        plateau=PLATEAU if plan.holdout else None,  # early_stopping=False: a constant rate
        boost=_boost(est, start, plan),
        check_rows=None if start.valid is None else max(CHECK_ROWS, CHECK_PER_VALID * len(start.valid)),
        callbacks=est.callbacks or [],
        verbose=est.verbose,
    )


def _engine():
    """The training engine, imported when a fit needs it.

    skorch (up to 1.4 at least) fails to import under ``python -OO``: it builds
    docstrings from docstrings, which -OO removes. Importing it only to train keeps
    ``import sklearn_ae`` and inference with fitted or unpickled models working there.
    """
    try:
        from . import _engine
    except AttributeError as exc:
        if sys.flags.optimize < 2:
            raise
        raise ImportError(
            "Training needs skorch, which cannot be imported under `python -OO` (it builds "
            "docstrings at import). Fit without -OO; fitted models load and transform under -OO."
        ) from exc
    return _engine


class Run(NamedTuple):
    """What one training run produced, in the user's units."""

    losses: list  # training loss per finished epoch
    scores: list | None  # minus the validation loss per finished epoch (holdout only)
    initial_score: float | None  # minus the validation loss of the starting point
    best_score: float | None  # the kept weights' validation score
    epochs: int
    converged: bool  # stopped by the rule, not by running out of epochs
    improving: bool  # one of the last n_iter_no_change checks beat the best by more than tol
    optimizer_state: dict
    interrupted: bool  # a Ctrl-C ended training (skorch caught it)


def run(net, start, plan, epochs, optimizer_state=None):
    """Train ``net`` for at most ``epochs`` epochs and read the result.

    ``optimizer_state`` (from an earlier fit with the same optimizer) restores the
    optimizer's moments, as ``partial_fit`` continues.
    """
    # Only user-supplied modules draw from torch's global generators.
    scope = global_rng_scope(plan.seed, plan.device) if start.arch.custom else contextlib.nullcontext()
    with scope:
        net.initialize()
        if optimizer_state and optimizer_state["optimizer"] == plan.optimizer.__qualname__:
            state = net.optimizer_.state_dict()  # the moments; hyper-parameters from the settings
            # A copy: the optimizer updates loaded tensors in place, and the kept model's
            # moments must survive a continuation that fails.
            state["state"] = copy.deepcopy(optimizer_state["state"])
            net.optimizer_.load_state_dict(state)
        try:
            net.partial_fit(start.train, epochs=epochs)
        except _engine().InterruptedBeforeTraining:
            raise KeyboardInterrupt from None
    _check_finite(net.module_, net.optimizer_, plan, net.optimizer_.param_groups[0]["lr"])
    squared = start.scale**2
    # Whole epochs only: a KeyboardInterrupt (which skorch catches) can end one midway.
    key = "valid_loss" if plan.holdout else "train_loss"
    history = [row for row in net.history if key in row]
    stopping = net.stopping
    moments = net.optimizer_.state_dict()["state"]
    scores = [-row["valid_loss"] * squared for row in history] if plan.holdout else None
    return Run(
        losses=[row["train_loss"] * squared for row in history],
        scores=scores,
        initial_score=-stopping.initial_loss_ * squared if plan.holdout else None,
        best_score=-stopping.best_loss_ * squared if plan.holdout else None,
        epochs=len(history),
        converged=stopping.should_stop,
        improving=stopping.improving,
        optimizer_state={"optimizer": plan.optimizer.__qualname__, "state": moments},
        interrupted=net.interrupted_,
    )


def _check_finite(module, optimizer, plan, current_lr):
    """A last non-finite step can leave NaN weights after a finite epoch loss; an
    overflowing gradient can leave infinite optimizer moments (the state tensors shaped
    like their parameter), which would freeze those weights in every later
    ``partial_fit``. Other state (a user optimizer's scalars) is not checked."""
    weights = [(f"weights ({name})", value) for name, value in module.state_dict().items()]
    moments = [
        (f"optimizer state ({key})", value)
        for param, state in optimizer.state.items()
        for key, value in state.items()
        if isinstance(value, torch.Tensor) and value.shape == param.shape
    ]
    for what, value in weights + moments:
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise NonFiniteLossError(
                f"Training produced non-finite {what}. "
                + divergence_advice(plan.optimizer_kwargs["lr"], current_lr)
            )
