"""How well can the encoder carry a UMAP map to held-out rows? (digits, 2-D)

``neighbors=1.0`` misses UMAP's held-out kNN accuracy on the digits (see
``bench_embedding.py``). This script asks whether the loss or the parametric map is what
falls short: it takes UMAP's own training map as given and trains the estimator's default
encoder to reproduce it, then scores the encoder's codes of the held-out rows as
``bench_embedding.py`` does.

Data and protocol as ``bench_embedding.py``'s digits: ``load_digits()``,
``train_test_split(X, y, stratify=y, random_state=42)`` (1,347 training and 450 held-out
rows); kNN accuracy is a default ``KNeighborsClassifier`` fitted on the training codes and
scored on the held-out codes; trustworthiness is
``trustworthiness(X_test, Z_test, n_neighbors=15)``. The training map's own quality is
the 5-fold cross-validated accuracy of a default ``KNeighborsClassifier`` on the training
codes alone (``cross_val_score``, unshuffled stratified folds). Seeds 0-4 (``--rounds`` sets how
many; ``--quick`` runs one seed and 50 epochs).

Rows, each seed ``s``:

- ``UMAP``: ``umap.UMAP(random_state=s).fit(X_train)``; training codes its ``embedding_``,
  held-out codes its ``transform`` (which places each new row among its neighbours in the
  training map: not a forward pass);
- ``encoder regressed onto UMAP's map``: the estimator's default encoder (a linear path
  plus an MLP of 256 and 128 ReLU units, PyTorch's default initialisation drawn with seed
  ``s``), on the rows scaled as the estimator scales them (centred, one global RMS),
  trained to output UMAP's training map (the same seed's, centred and divided by its
  RMS) by mean squared error: Adam (the estimator's options) at 3e-3 (the estimator's
  rate with ``neighbors > 0``), batches of 128, 200 epochs. Held-out codes are its
  forward pass. ``R^2 on UMAP's map`` says how closely it fits what it was shown;
- the same, each input row given Gaussian noise of standard deviation 0.5 (scaled units)
  at every step, as ``sklearn_ae._neighbors.JITTER`` jitters the rows of the neighbour
  term;
- ``AutoencoderTransformer(2, neighbors=1.0, random_state=s)``, the estimator's own map,
  measured in the same run.

Cells are "median [min, max]" over seeds. One torch thread (``--threads``).

    python benchmarks/bench_map_ceiling.py
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from _common import (
    add_common_args,
    build_module,
    command_line,
    estimator_adam_kwargs,
    markdown_table,
    pin_numba_threads,
    setup,
    standardize_like_estimator,
    write_report,
)
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier

from sklearn_ae import AutoencoderTransformer

LEARNING_RATE = 3e-3
BATCH = 128
EPOCHS = 200
JITTER = 0.5


def regress_encoder(T_train, target, seed, epochs, jitter):
    """The default encoder trained by MSE to output ``target`` for the rows ``T_train``."""
    gen = torch.Generator().manual_seed(seed)
    encoder = build_module(T_train.shape[1], 2, generator=torch.Generator().manual_seed(seed)).encoder
    optimizer = torch.optim.Adam(encoder.parameters(), lr=LEARNING_RATE, **estimator_adam_kwargs())
    for _ in range(epochs):
        order = torch.randperm(len(T_train), generator=gen)
        for start in range(0, len(T_train), BATCH):
            batch = order[start : start + BATCH]
            x = T_train[batch]
            if jitter:
                x = x + jitter * torch.randn(x.shape, generator=gen)
            loss = (encoder(x) - target[batch]).square().sum(dim=1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return encoder


def scores(Z_train, Z_test, X_test, y_train, y_test):
    return {
        "knn": KNeighborsClassifier().fit(Z_train, y_train).score(Z_test, y_test),
        "train_knn": cross_val_score(KNeighborsClassifier(), Z_train, y_train, cv=5).mean(),
        "trust": trustworthiness(X_test, Z_test, n_neighbors=15),
    }


def one_seed(seed, epochs, X_train, X_test, y_train, y_test):
    import umap

    rows = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapper = umap.UMAP(random_state=seed).fit(X_train)
        rows["UMAP (transform: neighbours in its training map)"] = scores(
            mapper.embedding_, mapper.transform(X_test), X_test, y_train, y_test
        )
    T_train, mean, scale = standardize_like_estimator(X_train)
    T_test = (torch.from_numpy(X_test.astype(np.float32)) - mean) / scale
    layout = mapper.embedding_ - mapper.embedding_.mean(axis=0)
    layout = torch.as_tensor(layout / np.sqrt(np.mean(layout**2)), dtype=torch.float32)
    variants = [("encoder regressed onto UMAP's map", 0.0), ("the same, inputs jittered (0.5)", JITTER)]
    for name, jitter in variants:
        encoder = regress_encoder(T_train, layout, seed, epochs, jitter)
        with torch.inference_mode():
            Z_train, Z_test = encoder(T_train), encoder(T_test)
        fit = 1.0 - float((Z_train - layout).square().sum() / layout.square().sum())
        rows[name] = {**scores(Z_train.numpy(), Z_test.numpy(), X_test, y_train, y_test), "r2": fit}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(2, neighbors=1.0, random_state=seed).fit(X_train)
    rows["AutoencoderTransformer(2, neighbors=1.0)"] = scores(
        model.transform(X_train), model.transform(X_test), X_test, y_train, y_test
    )
    return rows


def cell(values):
    if not values:
        return "-"
    return f"{np.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args()
    setup(args)
    pin_numba_threads(args.threads)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=42)
    seeds = list(range(args.rounds or (1 if args.quick else 5)))
    epochs = 50 if args.quick else EPOCHS
    per_seed = [one_seed(seed, epochs, X_train, X_test, y_train, y_test) for seed in seeds]
    names = list(per_seed[0])
    keys = ("knn", "trust", "train_knn", "r2")
    rows = [[name] + [cell([r[name][k] for r in per_seed if k in r[name]]) for k in keys] for name in names]
    header = ["codes from", "kNN accuracy", "trustworthiness(15)", "training map's kNN (5-fold)"]
    header.append("R^2 on UMAP's map")
    table = markdown_table(header, rows)
    by_seed = markdown_table(
        ["seed", *names],
        [[seed] + [f"{result[name]['knn']:.3f}" for name in names] for seed, result in zip(seeds, per_seed)],
    )
    notes = (
        f"Seeds {seeds}; medians [min, max]. The regressions: the estimator's default encoder, "
        f"Adam at {LEARNING_RATE}, batches of {BATCH}, {epochs} epochs, mean squared error to UMAP's "
        "training map (the same seed's, centred, divided by its RMS). Every score is on the 450 "
        "held-out rows except the training map's kNN accuracy (5-fold cross-validation on the training "
        "codes); kNN accuracy is a default KNeighborsClassifier fitted on the training codes."
    )
    write_report(
        "bench_map_ceiling",
        "How well the encoder carries UMAP's map to held-out rows (digits)",
        [("Results", table), ("kNN accuracy by seed", by_seed), ("Notes", notes)],
        command_line(),
    )


if __name__ == "__main__":
    main()
