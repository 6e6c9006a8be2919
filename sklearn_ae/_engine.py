"""Training engine: a skorch ``NeuralNet`` tuned for in-memory reconstruction.

skorch gives users callbacks, history, checkpoints and device handling they already
know. Its cost is per-batch overhead: a ``Dataset`` with per-row ``__getitem__``, a
``DataLoader`` that collates rows, and a ``.item()`` per batch. Here the data lives in
one tensor on the training device, batches are one indexing op each, and the epoch
loss is accumulated on the device and read once per epoch.
"""

from __future__ import annotations

import math

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, EpochTimer, PrintLog, ProgressBar
from skorch.helper import predefined_split


class TensorDataset(torch.utils.data.Dataset):
    """Rows of ``X`` (a tensor already on the training device).

    ``rows``, an index tensor on the same device, selects a subset without copying
    ``X`` (the training and validation parts of one scaled array).
    """

    def __init__(self, X: torch.Tensor, rows: torch.Tensor | None = None):
        self.X = X
        self.rows = rows

    def __len__(self):
        return len(self.X) if self.rows is None else len(self.rows)

    def __getitem__(self, i):
        row = self.X[i if self.rows is None else self.rows[i]]
        return row, row


class TensorBatches:
    """Mini-batches of a :class:`TensorDataset`, yielded as ``(X_batch, X_batch)``.

    The permutation is drawn on the CPU from ``generator`` once per epoch and moved to
    the data's device once; each batch is then a single ``index_select`` (or a view
    when not shuffling), with no per-row Python and no host round trip.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.X, self.rows = dataset.X, dataset.rows
        self.n_rows = len(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return math.ceil(self.n_rows / self.batch_size)

    def __iter__(self):
        X, rows, size = self.X, self.rows, self.batch_size
        if self.shuffle:
            order = torch.randperm(self.n_rows, generator=self.generator).to(X.device)
            rows = order if rows is None else rows[order]
        for start in range(0, self.n_rows, size):
            if rows is None:
                batch = X[start : start + size]  # a view
            else:
                batch = X.index_select(0, rows[start : start + size])
            yield batch, batch


class NonFiniteLossError(ValueError):
    """The training loss became NaN or infinite."""


class FiniteLossGuard(Callback):
    """Stop training with a clear error as soon as an epoch's loss is not finite."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def on_epoch_end(self, net, **kwargs):
        for key, name in (("train_loss", "training"), ("valid_loss", "validation")):
            loss = net.history[-1].get(key)
            if loss is not None and not math.isfinite(loss):
                raise NonFiniteLossError(
                    f"The {name} loss became {loss} at epoch {len(net.history)}: "
                    "training diverged. "
                    f"Lower learning_rate_init (it is {self.learning_rate:g}; try "
                    f"{self.learning_rate / 10:g}), or raise alpha."
                )


class AutoencoderNet(NeuralNet):
    """skorch ``NeuralNet`` whose loss is the reconstruction error plus penalties.

    The module returns ``(reconstruction, code, ...)``. Extra parameters:

    noise : float
        Standard deviation of the Gaussian corruption added to training inputs
        (denoising autoencoder); targets stay clean.
    penalties : list of callables
        Each ``penalty(X, y_pred, module)`` returns a scalar added to the mean
        squared reconstruction error during training and validation.
    """

    def __init__(self, *args, noise=0.0, penalties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.noise = noise
        self.penalties = penalties

    def infer(self, x, **fit_params):
        """Forward pass; in training, inputs are corrupted first when ``noise > 0``."""
        if self.noise > 0 and self.module_.training:
            x = x + self.noise * torch.randn_like(x)
        return self.module_(x, **fit_params)

    def _set_training(self, training=True):
        # skorch calls this for every batch; module.train() walks every submodule.
        if self.module_.training != training:
            super()._set_training(training)

    def get_default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        if self.verbose:
            callbacks.append(("print_log", PrintLog()))
        if self.verbose > 1:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = self.criterion_(y_pred[0], y_true)
        for penalty in self.penalties:
            loss = loss + penalty(X, y_pred, self.module_)
        return loss

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over ``iterator``; records the epoch's mean loss once, at the end."""
        if iterator is None:
            return
        total, n_rows, n_batches = 0.0, 0, 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            size = len(batch[0])
            total = total + step["loss"].detach() * size
            n_rows += size
            n_batches += 1
            self.notify("on_batch_end", batch=batch, training=training, **step)
        self.history.record(prefix + "_batch_count", n_batches)
        self.history.record(prefix + "_loss", float(total) / max(n_rows, 1))


def make_net(
    module,
    *,
    valid,
    optimizer,
    optimizer_kwargs,
    batch_size,
    generator,
    device,
    noise,
    penalties,
    stopping,
    callbacks,
    verbose,
):
    """Build an :class:`AutoencoderNet` around ``module``.

    Parameters
    ----------
    module : torch.nn.Module
        The autoencoder, already initialised.
    valid : TensorDataset or None
        Validation rows (on ``device``); when given, ``valid_loss`` is recorded.
    stopping : dict or None
        ``{"monitor", "patience", "tol", "load_best"}`` for skorch's ``EarlyStopping``.
    callbacks : list
        The user's skorch callbacks, run after ours.
    """
    ours = [("finite_loss", FiniteLossGuard(optimizer_kwargs["lr"]))]
    if stopping is not None:
        ours.append(
            (
                "stopping",
                EarlyStopping(
                    monitor=stopping["monitor"],
                    patience=stopping["patience"],
                    threshold=stopping["tol"],
                    threshold_mode="abs",
                    load_best=stopping["load_best"],
                    sink=print if verbose else _silent,
                ),
            )
        )
    return AutoencoderNet(
        module,
        criterion=torch.nn.MSELoss,
        optimizer=optimizer,
        lr=optimizer_kwargs["lr"],
        **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items() if k != "lr"},
        batch_size=batch_size,
        iterator_train=TensorBatches,
        iterator_train__shuffle=True,
        iterator_train__generator=generator,
        iterator_valid=TensorBatches,
        train_split=None if valid is None else predefined_split(valid),
        callbacks=ours + list(callbacks),
        device=device,
        noise=noise,
        penalties=penalties,
        verbose=verbose,
    )


def _silent(*args, **kwargs):
    pass
