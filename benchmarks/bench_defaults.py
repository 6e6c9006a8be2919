"""How the training defaults were chosen: learning rate and batch size, the small-data path.

Part 1 fits the autoencoder with each learning rate in {1e-3, 2e-3, 3e-3} and each
batch size in {128, 256} (everything else at its default, held-out stopping on) on
the issue-9 data sets, 20% held out, and on a 5,000-point noisy S-curve whose PCA
solution is a plateau (three data seeds x two ``random_state``): it counts how often
a fit never leaves PCA's error (held-out ratio above 0.9).

Part 2 asks what small data should do, on random subsets of the digits (the other
rows held out): hold out a tenth and keep the best weights (``early_stopping=True``),
train on all rows with the training-loss stop (``False``), or hold out to choose the
number of epochs and then refit on all rows for that many ("refit").

    python benchmarks/bench_defaults.py
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import add_common_args, command_line, markdown_table, setup, write_report
from sklearn.datasets import load_digits, make_s_curve, make_swiss_roll
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer

SETTINGS = [(lr, batch) for lr in (1e-3, 2e-3, 3e-3) for batch in (128, 256)]


def heldout_ratio(model, X_train, X_test, k):
    def mse(m):
        return float(np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2))

    return mse(model) / mse(PCA(k).fit(X_train))


def fit(X, k, **params):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoencoderTransformer(k, **params).fit(X)
    return model, time.perf_counter() - start


def cases(quick):
    digits = load_digits().data
    out = {
        "digits, k=2": (digits, 2),
        "digits, k=8": (digits, 8),
        "S-curve 3,000, k=2": (make_s_curve(3000, random_state=0)[0], 2),
        "swiss roll 3,000, k=2": (make_swiss_roll(3000, random_state=0)[0], 2),
        "digits + noise std 4, k=8": (digits + np.random.RandomState(0).normal(0, 4, digits.shape), 8),
    }
    return dict(list(out.items())[:2]) if quick else out


def part_one(quick):
    rows = []
    for name, (X, k) in cases(quick).items():
        X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
        for lr, batch in SETTINGS:
            model, seconds = fit(X_train, k, learning_rate_init=lr, batch_size=batch, random_state=0)
            rows.append([name, lr, batch, heldout_ratio(model, X_train, X_test, k), model.n_iter_, seconds])
    plateau = []
    for lr, batch in SETTINGS:
        ratios = []
        for data_seed in (0,) if quick else (0, 1, 2):
            X = make_s_curve(5000, noise=0.05, random_state=data_seed)[0]
            X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
            for seed in (0, 1):
                model, _ = fit(X_train, 2, learning_rate_init=lr, batch_size=batch, random_state=seed)
                ratios.append(heldout_ratio(model, X_train, X_test, 2))
        stuck = sum(r > 0.9 for r in ratios)
        plateau.append([lr, batch, f"{stuck} of {len(ratios)}", float(np.median(ratios))])
    return rows, plateau


def part_two(quick):
    X = load_digits().data
    rows = []
    for n in (100, 200) if quick else (100, 200, 500, 1000):
        ratios = {"early_stopping=True": [], "early_stopping=False": [], "refit": []}
        for seed in range(2 if quick else 5):
            order = np.random.RandomState(seed).permutation(len(X))
            X_train, X_test = X[order[:n]], X[order[n:]]
            held, _ = fit(X_train, 8, early_stopping=True, random_state=seed)
            ratios["early_stopping=True"].append(heldout_ratio(held, X_train, X_test, 8))
            full, _ = fit(X_train, 8, early_stopping=False, random_state=seed)
            ratios["early_stopping=False"].append(heldout_ratio(full, X_train, X_test, 8))
            scores = [held.initial_validation_score_, *held.validation_scores_]
            epochs = int(np.argmax(scores))  # 0: the start was best
            if epochs == 0:  # PCA's solution on all rows (a step of 1e-12 changes nothing)
                refit, _ = fit(X_train, 8, early_stopping=False, learning_rate_init=1e-12, max_iter=1)
            else:
                refit, _ = fit(X_train, 8, early_stopping=False, max_iter=epochs, random_state=seed)
            ratios["refit"].append(heldout_ratio(refit, X_train, X_test, 8))
        for how, values in ratios.items():
            rows.append([n, how, float(np.median(values)), float(np.max(values))])
    return rows


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args()
    setup(args)
    rows, plateau = part_one(args.quick)
    small = part_two(args.quick)
    sections = [
        (
            "Learning rate and batch size (20% held out; ratio = held-out MSE / PCA's)",
            markdown_table(["data", "learning_rate_init", "batch_size", "ratio", "epochs", "fit s"], rows),
        ),
        (
            "The PCA plateau: 5,000-point S-curve, noise 0.05, 25% held out",
            markdown_table(
                ["learning_rate_init", "batch_size", "fits stuck at PCA", "median ratio"], plateau
            ),
        ),
        (
            "Small data: digits subsets of n rows, k=8, the other rows held out (5 seeds)",
            markdown_table(["n rows", "training", "median ratio", "worst ratio"], small),
        ),
    ]
    write_report("bench_defaults", "How the training defaults were chosen", sections, command_line())


if __name__ == "__main__":
    main()
