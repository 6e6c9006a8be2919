"""Training engine: a skorch ``NeuralNet`` tuned for in-memory reconstruction.

skorch gives users callbacks, history, checkpoints and device handling they already
know. Its cost is per-batch overhead: a ``Dataset`` with per-row ``__getitem__``, a
``DataLoader`` that collates rows, and a ``.item()`` per batch. Here the data lives in
one tensor on the training device, batches are one indexing op each, and the epoch
loss is accumulated on the device and read once per epoch.

Stopping is held-out by default: the validation rows score the starting point (PCA's
solution, with ``init="pca"``) before the first step and after every epoch, and the
best weights seen are the ones kept (:class:`KeepBest`).
"""

from __future__ import annotations

import math
import re
import sys

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer, PrintLog, ProgressBar

from ._data import RowSubset
from ._errors import NonFiniteLossError, divergence_advice
from ._modules import random_source
from ._training import callback_copy

#: Names of the callbacks every fit adds (:func:`make_net`); a user's may not take them.
FINITE_LOSS, STOPPING = "finite_loss", "stopping"
RESERVED_CALLBACK_NAMES = (FINITE_LOSS, STOPPING)


class InterruptedBeforeTraining(BaseException):
    """Ctrl-C while the start was scored, before any training: nothing to keep.

    Not a ``KeyboardInterrupt``, which skorch's ``partial_fit`` catches to keep what
    was trained; :func:`~sklearn_ae._training.run` raises it as one again.
    """


class Batches:
    """Mini-batches of a :class:`RowSubset`, yielded as ``(X_batch, X_batch)``.

    With ``with_rows``, the target is ``(X_batch, ids)`` instead, where ``ids`` are
    the batch's row indices in the full data (the neighbour term needs them).

    The permutation is drawn on the CPU from ``generator`` once per epoch and moved to
    the data's device once; each batch is then a single ``index_select`` (or a view
    when not shuffling), with no per-row Python and no host round trip. When
    shuffling (training), a one-row remainder is folded into the previous batch:
    batch norm cannot normalise a single row, and one row is a noisy step anyway.
    """

    def __init__(self, dataset: RowSubset, batch_size: int, shuffle=False, generator=None, with_rows=False):
        self.X, self.rows, self.inputs = dataset.X, dataset.rows, dataset.inputs
        self.with_rows = with_rows
        self.n_rows = len(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def _starts(self):
        starts = list(range(0, self.n_rows, self.batch_size))
        if self.shuffle and self.batch_size > 1 and len(starts) > 1 and self.n_rows - starts[-1] == 1:
            starts.pop()  # the last batch takes the one remaining row
        return starts

    def __len__(self):
        return len(self._starts())

    def __iter__(self):
        X, rows = self.X, self.rows
        if self.shuffle:
            # Where the generator lives, not torch's default device (which may be another)
            drawn_on = self.generator.device if self.generator is not None else torch.device("cpu")
            order = torch.randperm(self.n_rows, generator=self.generator, device=drawn_on).to(X.device)
            rows = order if rows is None else rows[order]
        starts = self._starts()
        for start, stop in zip(starts, [*starts[1:], self.n_rows]):
            if not isinstance(X, torch.Tensor):  # sparse rows, densified one batch at a time
                batch = X.take(slice(start, stop) if rows is None else rows[start:stop])
            elif rows is None:
                batch = X[start:stop]
            else:
                batch = X.index_select(0, rows[start:stop])
            inputs = batch if self.inputs is None else self.inputs[start:stop]
            if self.with_rows:
                ids = torch.arange(start, stop, device=batch.device) if rows is None else rows[start:stop]
                yield inputs, (batch, ids)
            else:
                yield inputs, batch


#: ANSI colour codes, as skorch's ``PrintLog`` wraps the best values in them.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PlainPrintLog(PrintLog):
    """skorch's per-epoch table, its colours (the best values) kept for a terminal only.

    Printed to a file or a pipe (a log, ``sklearn-ae fit -v | tee log``), the table is
    plain text, without the escape codes that a terminal turns into colours.
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _on_a_terminal():
            text = _ANSI.sub("", text)
        return text


def _on_a_terminal():
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


class BestFlags(Callback):
    """Record ``train_loss_best`` and, with held-out rows, ``valid_loss_best`` each epoch.

    skorch's own scoring callbacks write these flags, and callbacks such as
    ``Checkpoint`` (which monitors ``valid_loss_best`` by default) and ``PrintLog``
    read them; this engine records the losses itself, so it records the flags too.
    """

    def on_train_begin(self, net, **kwargs):
        self.best_ = {}

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            if key in row:
                best = self.best_.get(key, float("inf"))
                net.history.record(f"{key}_best", bool(row[key] < best))
                self.best_[key] = min(best, row[key])


#: An epoch loss above this many times ``1 + the loss terms' weights`` is a diverged fit
#: even while it is finite (batch normalisation, for one, keeps an exploding network's
#: loss finite). On the scaled data, predicting every feature's mean scores about 1 and
#: each term adds a small multiple of its weight (sparsity, contractive, neighbors: 1 to
#: 1.7 times it on the digits at code size 8; contractive grows with the code size, 16
#: times it at 32). Input ``noise`` is not counted: ``noise=300`` on the digits gives
#: about 9,500.
EXPLODED_LOSS = 1e4


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as an epoch's loss is not finite, or
    has exploded past :data:`EXPLODED_LOSS`."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def on_epoch_end(self, net, **kwargs):
        terms = [*getattr(net, "penalties", ()), *getattr(net, "row_terms", ())]
        limit = EXPLODED_LOSS * (1.0 + sum(float(getattr(term, "weight", 0.0)) for term in terms))
        for key, name in (("train_loss", "training"), ("valid_loss", "validation")):
            loss = net.history[-1].get(key)
            if loss is None or (math.isfinite(loss) and loss <= limit):
                continue
            if math.isfinite(loss):
                what = f"reached {loss:.3g} times the error of predicting every feature's mean"
                cause = (
                    " Rows far outside the scale the model was fitted on also make it explode: "
                    "the scaling comes from the first fit or partial_fit chunk, so a later chunk "
                    "in other units, or a first chunk too small to show the data's spread (one "
                    "row has none, and gets scale 1), does this."
                )
            else:
                what, cause = f"became {loss}", ""
            raise NonFiniteLossError(
                f"The {name} loss {what} at epoch {len(net.history)}: training diverged. "
                + divergence_advice(self.learning_rate, net.optimizer_.param_groups[0]["lr"])
                + cause
            )


#: Until a check beats the starting point by more than ``tol``, patience is this many
#: times longer and the learning rate is not reduced (see :class:`KeepBest`).
START_GRACE = 5


class KeepBest(Callback):
    """Stop when the monitored loss stops improving; keep the best weights seen.

    As in :class:`sklearn.neural_network.MLPRegressor`: a check whose loss is not
    below the best by more than ``tol`` is a miss, and ``patience`` misses in a row
    stop training. A check is made at every epoch's end and, on large data, also
    every ``check_rows`` training rows (see :meth:`AutoencoderNet.run_single_epoch`),
    so patience costs a bounded number of rows, not whole epochs.

    With ``keep_best`` (held-out monitoring), the weights of the best check, counting
    the starting point as the first, are restored at the end, so the kept model's
    validation loss is exactly :attr:`best_loss_`. With ``lr_patience``, every
    ``lr_patience`` misses in a row multiply the learning rate by ``lr_factor``. With
    ``lr_boost=(factor, fraction)``, the learning rate is multiplied by ``factor`` once,
    at the first check that has beaten the start by more than ``tol`` and whose best
    loss is below ``fraction`` of the starting point's: a rate that is safe on the
    start's plateau is slow once training has left it.

    The starting point (PCA's solution) can be a plateau that training needs some
    epochs to leave. Until a check beats it by more than ``tol``, the learning rate is
    not reduced and patience is ``grace`` times longer (:data:`START_GRACE` for a
    fresh fit from PCA's start, 1 otherwise); data on which nothing beats PCA then
    stops after that longer patience, keeping PCA's solution.

    Attributes
    ----------
    initial_loss_, best_loss_ : float or None
        The starting point's loss, and the lowest loss seen (the start's included).
    misses_ : int
        Checks since the last improvement by more than ``tol`` that count towards
        patience (none while the spectral pull holds).
    since_improvement_ : int
        Checks since the last improvement by more than ``tol``, every check counted.
        The start is no improvement, nor is the first check of an unmeasured start
        (it improves on nothing): until a check beats the best, this is at least
        ``patience`` (so not :attr:`improving`).
    """

    def __init__(
        self,
        monitor,
        patience,
        tol,
        keep_best,
        lr_patience=None,
        lr_factor=0.5,
        lr_boost=None,
        grace=START_GRACE,
    ):
        self.monitor = monitor
        self.patience = patience
        self.tol = tol
        self.keep_best = keep_best
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.lr_boost = lr_boost
        self.grace = grace

    def start(self, net, initial_loss):
        """Take the starting point (its loss, or None when unmeasured) as the first check."""
        self.initial_loss_ = self.best_loss_ = self.last_loss_ = initial_loss
        # The start is no improvement: until a check beats it, training is not "improving"
        # (unless, still on the start's plateau, its loss is falling: see improving).
        self.misses_, self.since_improvement_ = 0, self.patience
        self.falling_ = False
        self.left_start_ = initial_loss is None or self.grace == 1
        self.boosted_ = self.lr_boost is None or initial_loss is None
        self.best_weights_ = self._snapshot(net) if self.keep_best else None

    @property
    def should_stop(self):
        # The PCA start can sit on a plateau: escaping it may take a few dozen epochs
        # (the S-curve at 5,000 rows), so the start gets ``grace`` times the patience.
        patience = self.patience if self.left_start_ else self.grace * self.patience
        return self.misses_ >= patience

    @property
    def improving(self):
        """Whether one of the last ``patience`` checks beat the best by more than ``tol``,
        or, before any check has beaten the start, the last one beat the check before it
        by more than ``tol``: a loss that rose on leaving the start and is coming back."""
        return self.since_improvement_ < self.patience or (not self.left_start_ and self.falling_)

    def observe(self, net, loss):
        """Count one check with monitored loss ``loss``.

        While a loss term still shapes the start (``holding``: the spectral pull), a
        check that does not improve is not a miss: patience starts after it.
        """
        best = self.best_loss_
        self.falling_ = self.last_loss_ is not None and loss < self.last_loss_ - self.tol
        self.last_loss_ = loss
        if best is None:  # the first measure, unmeasured start: nothing yet to improve on
            self.misses_, self.since_improvement_ = 0, self.patience
        elif loss < best - self.tol:
            self.misses_ = self.since_improvement_ = 0
            self.left_start_ = True
        else:
            # A loss creeping down by less than tol per check has still left the start
            # once it is below it by more than tol (the start is the first best). That
            # check is progress: the normal patience starts after it (misses counted
            # against the start's longer patience stopped a fit as it left the plateau).
            leaves = not self.left_start_ and self.initial_loss_ is not None
            leaves = leaves and loss < self.initial_loss_ - self.tol
            self.left_start_ |= leaves
            if leaves:  # progress for the stopping rule and for the warning alike
                self.misses_ = self.since_improvement_ = 0
            else:
                self.since_improvement_ += 1
                if not any(getattr(term, "holding", False) for term in getattr(net, "row_terms", ())):
                    self.misses_ += 1
                    if self.left_start_ and self.lr_patience and self.misses_ % self.lr_patience == 0:
                        self._scale_lr(net, self.lr_factor)
        if best is None or loss < best:
            self.best_loss_ = loss
            if self.keep_best:
                self._snapshot_into(net, self.best_weights_)
        if not self.boosted_ and self.left_start_ and self.best_loss_ < self.lr_boost[1] * self.initial_loss_:
            self.boosted_ = True
            self._scale_lr(net, self.lr_boost[0])

    @staticmethod
    def _scale_lr(net, factor):
        for group in net.optimizer_.param_groups:
            group["lr"] *= factor

    def on_epoch_end(self, net, **kwargs):
        self.observe(net, net.history[-1, self.monitor])

    def on_train_end(self, net, **kwargs):
        best = getattr(self, "best_weights_", None)  # None too when Ctrl-C came before the start's score
        if self.keep_best and best is not None:
            net.module_.load_state_dict(best)

    @staticmethod
    def _snapshot_into(net, snapshot):
        """Copy the weights into ``snapshot``'s buffers: one copy of the model, not two at a time."""
        for name, value in net.module_.state_dict().items():
            snapshot[name].copy_(value)

    @staticmethod
    def _snapshot(net):
        return {name: value.detach().clone() for name, value in net.module_.state_dict().items()}


class AutoencoderNet(NeuralNet):
    """skorch ``NeuralNet`` whose loss is the reconstruction error plus penalties.

    The module returns ``(reconstruction, code, ...)``. Extra parameters:

    noise : float
        Standard deviation of the Gaussian corruption added to training inputs
        (denoising autoencoder); targets stay clean.
    penalties : list of callables
        Each ``penalty(X, y_pred, module, observed=share)`` returns a scalar added to the mean
        squared reconstruction error during training and validation; ``share`` is the
        share of the batch's target entries that are observed (None without missing data).
    generator : torch.Generator
        On the training device: every random draw of a training step (corruption
        noise, dropout masks, the VAE's sampling) comes from it.
    valid : RowSubset or None
        Validation rows; when given, ``valid_loss`` is recorded every epoch and
        the starting point is scored before the first step.
    check_rows : int or None
        With validation rows, also check the held-out loss every this many
        training rows within an epoch.
    missing : bool
        The data holds NaN (missing) entries: the input sees them as 0 (the
        feature's mean) and the loss counts observed entries only.
    hide : float
        With ``missing``, the share of observed entries also set to 0 in each
        training input (the loss still counts them).
    row_terms : tuple of callables
        Training-loss terms that need the batch's row indices: the neighbour term
        (``_neighbors.py``) and the spectral pull (``_spectral.py``). Each
        ``term(module, rows, codes)`` returns a scalar; with any, batches carry their
        row indices.
    batch_history : bool
        Record each batch's loss and size in the history, as skorch's loop does
        (``BatchScoring``, ``PassthroughScoring`` and the progress bar read them).
        Off, the loop reads no loss per step (on a GPU, each read would wait for the
        step to finish).

    The stopping rule is the callback named ``"stopping"`` (a :class:`KeepBest`).
    """

    def __init__(
        self,
        *args,
        noise=0.0,
        penalties=(),
        generator=None,
        valid=None,
        check_rows=None,
        missing=False,
        hide=0.0,
        row_terms=(),
        batch_history=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.batch_history = batch_history
        self.row_terms = row_terms
        self.missing = missing
        self.hide = hide
        self.noise = noise
        self.penalties = penalties
        self.generator = generator
        self.valid = valid
        self.check_rows = check_rows

    @property
    def stopping(self) -> KeepBest:
        return dict(self.callbacks_)[STOPPING]

    def infer(self, x, **fit_params):
        """Forward pass; in training, inputs are corrupted first when ``noise > 0``."""
        if self.missing:
            x = self._present(x)
        if self.noise > 0 and self.module_.training:
            x = x + self.noise * torch.randn(
                x.shape, generator=self.generator, device=x.device, dtype=x.dtype
            )
        return self.module_(x, **fit_params)

    def _present(self, x):
        """Missing entries as 0 (the mean); in training, also hide ``hide`` of the rest."""
        x = torch.nan_to_num(x, nan=0.0)
        if self.hide > 0 and self.module_.training:
            kept = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype) >= self.hide
            x = x * kept
        return x

    def _set_training(self, training=True):
        # skorch calls this for every batch; module.train() walks every submodule.
        if self.module_.training != training:
            super()._set_training(training)

    def get_default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer()), ("best_flags", BestFlags())]
        if self.verbose:
            callbacks.append(("print_log", PlainPrintLog()))
        if self.verbose > 1:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def get_loss(self, y_pred, y_true, X=None, training=False):
        rows = None
        if isinstance(y_true, tuple):  # (target, row indices): row terms are on
            y_true, rows = y_true
        share = None  # of the target's entries that are observed
        if self.missing:  # the mean squared error over observed entries
            observed = ~torch.isnan(y_true)
            n_observed = observed.sum().clamp_min(1)
            loss = torch.where(observed, y_pred[0] - y_true, 0.0).square().sum() / n_observed
            share = n_observed.to(loss.dtype) / observed.numel()  # int / int: the default dtype
            X = None if X is None else torch.nan_to_num(X, nan=0.0)
        else:
            loss = self.criterion_(y_pred[0], y_true)
        for penalty in self.penalties:
            loss = loss + penalty(X, y_pred, self.module_, observed=share)
        if training and rows is not None:
            for term in self.row_terms:
                loss = loss + term(self.module_, rows, y_pred[1])
        return loss

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``; records the epoch's mean loss once, at the end
        (and, with ``batch_history``, each batch's loss and size).

        In training with validation rows and ``check_rows`` set, the held-out loss is
        also checked every ``check_rows`` rows (not within the epoch's last half
        check, which the epoch-end check covers); the pass ends early when the
        stopping rule says stop.
        """
        if iterator is None:
            return
        total, n_rows, n_batches, since_check = 0.0, 0, 0, 0
        checking = training and self.valid is not None and self.check_rows
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            size = len(batch[0])
            total = total + step["loss"].detach() * size
            n_rows += size
            n_batches += 1
            if self.batch_history:
                self.history.record_batch(prefix + "_loss", step["loss"].item())
                self.history.record_batch(prefix + "_batch_size", size)
            self.notify("on_batch_end", batch=batch, training=training, **step)
            since_check += size
            if (
                checking
                and since_check >= self.check_rows
                and iterator.n_rows - n_rows > self.check_rows // 2
            ):
                since_check = 0
                self.stopping.observe(self, self.loss_over(self._valid_batches))
                self._set_training(True)
                if self.stopping.should_stop:
                    break
        self.history.record(prefix + "_batch_count", n_batches)
        self.history.record(prefix + "_loss", float(total) / max(n_rows, 1))

    def loss_over(self, iterator):
        """Mean loss over ``iterator`` in eval mode, without recording it."""
        total, n_rows = 0.0, 0
        with torch.no_grad():
            for batch in iterator:
                total = total + self.validation_step(batch)["loss"] * len(batch[0])
                n_rows += len(batch[0])
        return float(total) / max(n_rows, 1)

    def _validation_rows(self):
        """The validation rows; on missing data, with ``hide`` of the observed entries hidden.

        The hidden entries are drawn once, so every check scores the same task that
        training practises: filling in entries the network does not see.
        """
        if not (self.missing and self.hide > 0):
            return self.valid
        X, rows = self.valid.X, self.valid.rows
        if not isinstance(X, torch.Tensor):
            target = X.take(slice(None) if rows is None else rows)
        else:
            target = X if rows is None else X.index_select(0, rows)
        hidden = (
            torch.rand(target.shape, generator=self.generator, device=target.device, dtype=target.dtype)
            < self.hide
        )
        return RowSubset(target, inputs=target.masked_fill(hidden, float("nan")))

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """Train on the :class:`RowSubset` ``X`` until :attr:`stopping` says stop.

        Overrides skorch's loop to score the starting point on the validation rows
        (epoch 0) and to stop without raising: a ``KeyboardInterrupt`` is then always
        the user's, and skorch's ``partial_fit`` keeps what was trained.
        """
        epochs = self.max_epochs if epochs is None else epochs
        with random_source(self.module_, self.generator):
            try:  # a Ctrl-C before the first step: nothing trained, nothing to keep
                train = self.get_iterator(X, training=True)
                valid = None
                if self.valid is not None:
                    valid = self.get_iterator(self._validation_rows(), training=False)
                self._valid_batches = valid
                self.stopping.start(self, None if valid is None else self.loss_over(valid))
            except KeyboardInterrupt:
                raise InterruptedBeforeTraining from None
            self.interrupted_ = False
            # The whole tree in training mode once: _set_training skips a module whose
            # top-level flag already says so, and a user's encoder instance (a fitted
            # model's encoder_, say) can arrive in eval mode under a new wrapper.
            self.module_.train()
            try:
                for _ in range(epochs):
                    self.notify("on_epoch_begin", dataset_train=X, dataset_valid=self.valid)
                    self.run_single_epoch(train, training=True, prefix="train", step_fn=self.train_step)
                    self.run_single_epoch(valid, training=False, prefix="valid", step_fn=self.validation_step)
                    self.notify("on_epoch_end", dataset_train=X, dataset_valid=self.valid)
                    if self.stopping.should_stop:
                        break
            except KeyboardInterrupt:
                self.interrupted_ = True  # skorch's partial_fit swallows it: say so to the caller
                raise
        return self


def make_net(
    module,
    *,
    valid,
    optimizer,
    optimizer_kwargs,
    batch_size,
    generators,
    device,
    noise,
    missing,
    hide,
    row_terms,
    penalties,
    patience,
    tol,
    grace,
    plateau,
    boost,
    check_rows,
    callbacks,
    verbose,
):
    """Build an :class:`AutoencoderNet` around ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The autoencoder, already initialised.
    valid : RowSubset or None
        Validation rows (on ``device``): when given, the held-out loss is monitored
        and the best weights are kept; otherwise the training loss is monitored.
    generators : tuple of torch.Generator
        ``(cpu, device)``: the CPU one shuffles, the device one draws training noise.
    patience, tol : int, float
        The stopping rule (:class:`KeepBest`).
    grace : int
        Patience multiplier until a check beats the start (:class:`KeepBest`):
        :data:`START_GRACE` for a fresh fit from PCA's start, 1 otherwise.
    plateau : tuple of (int, float) or None
        ``(patience, factor)``: multiply the learning rate by ``factor`` after every
        ``patience`` checks in a row without an improvement of ``tol``, or None for
        a constant rate.
    boost : tuple of (float, float) or None
        ``(factor, fraction)``: multiply the learning rate by ``factor`` once the best
        held-out loss is below ``fraction`` of the start's (see :class:`KeepBest`).
    check_rows : int or None
        Check the held-out loss every this many training rows, too.
    missing, hide : bool, float
        NaN entries in the data, and the share of observed entries hidden in
        training (see :class:`AutoencoderNet`).
    row_terms : tuple of callables
        Training-loss terms on the batch's rows (see :class:`AutoencoderNet`).
    callbacks : list
        The user's skorch callbacks, run after ours (shallow copies: :func:`callback_copy`).
    """
    stopping = KeepBest(
        monitor="train_loss" if valid is None else "valid_loss",
        patience=patience,
        tol=tol,
        keep_best=valid is not None,
        lr_patience=None if plateau is None else plateau[0],
        lr_factor=1.0 if plateau is None else plateau[1],
        lr_boost=boost,
        grace=grace,
    )
    ours = [(FINITE_LOSS, FiniteLossGuard(optimizer_kwargs["lr"])), (STOPPING, stopping)]
    cpu_generator, device_generator = generators
    return AutoencoderNet(
        module,
        criterion=torch.nn.MSELoss,
        optimizer=optimizer,
        lr=optimizer_kwargs["lr"],
        **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items() if k != "lr"},
        batch_size=batch_size,
        iterator_train=Batches,
        iterator_train__shuffle=True,
        iterator_train__generator=cpu_generator,
        iterator_train__with_rows=bool(row_terms),
        iterator_valid=Batches,
        train_split=None,
        callbacks=ours + [callback_copy(callback) for callback in callbacks],
        batch_history=bool(callbacks) or verbose > 1,  # the user's callbacks, the progress bar
        device=device,
        noise=noise,
        missing=missing,
        hide=hide,
        row_terms=row_terms,
        penalties=penalties,
        generator=device_generator,
        valid=valid,
        check_rows=check_rows,
        verbose=verbose,
    )
