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

Part 3 measures the boost of ``learning_rate_init="auto"``: the rate starts at 1e-3
and is multiplied by ``factor`` once the best held-out loss is below ``fraction`` of
the start's (PCA's). It sets ``sklearn_ae._training.AUTO_BOOST`` to each candidate
(None: no boost, a constant 1e-3 until the plateau schedule halves it) and fits the
part-1 cases with ``random_state`` 0 and 1, and the plateau S-curves.

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

import sklearn_ae._training as training
from sklearn_ae import AutoencoderTransformer

BOOSTS = [None, (2.0, 0.9), (3.0, 0.8), (3.0, 0.9), (3.0, 1.0), (5.0, 0.9)]
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
        ratios = plateau_ratios(quick, learning_rate_init=lr, batch_size=batch)
        stuck = sum(r > 0.9 for r in ratios)
        plateau.append([lr, batch, f"{stuck} of {len(ratios)}", float(np.median(ratios))])
    return rows, plateau


def plateau_ratios(quick, **params):
    ratios = []
    for data_seed in (0,) if quick else (0, 1, 2):
        X = make_s_curve(5000, noise=0.05, random_state=data_seed)[0]
        X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
        for seed in (0, 1):
            model, _ = fit(X_train, 2, random_state=seed, **params)
            ratios.append(heldout_ratio(model, X_train, X_test, 2))
    return ratios


def part_three(quick):
    rows, plateau = [], []
    default = training.AUTO_BOOST
    try:
        for boost in BOOSTS[::3] if quick else BOOSTS:
            training.AUTO_BOOST = boost
            label = "none" if boost is None else f"x{boost[0]:g} below {boost[1]:g}"
            for name, (X, k) in cases(quick).items():
                X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
                runs = []
                for seed in (0, 1):
                    model, seconds = fit(X_train, k, random_state=seed)
                    runs.append((heldout_ratio(model, X_train, X_test, k), model.n_iter_, seconds))
                rows.append([label, name, *np.median(runs, axis=0).tolist()])
            ratios = plateau_ratios(quick)
            stuck = sum(r > 0.9 for r in ratios)
            plateau.append([label, f"{stuck} of {len(ratios)}", float(np.median(ratios))])
    finally:
        training.AUTO_BOOST = default
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
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=False)
    args = parser.parse_args()
    setup(args)
    rows, plateau = part_one(args.quick)
    small = part_two(args.quick)
    boosted, boosted_plateau = part_three(args.quick)
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
        (
            'The boost of learning_rate_init="auto" (1e-3, times factor once the best held-out '
            "loss is below fraction of the start's; medians of random_state 0 and 1)",
            markdown_table(["boost", "data", "ratio", "epochs", "fit s"], boosted),
        ),
        (
            "The boost on the PCA plateau (the S-curves above)",
            markdown_table(["boost", "fits stuck at PCA", "median ratio"], boosted_plateau),
        ),
    ]
    write_report("bench_defaults", "How the training defaults were chosen", sections, command_line())


if __name__ == "__main__":
    main()
