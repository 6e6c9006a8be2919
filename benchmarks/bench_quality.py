"""Held-out reconstruction error against fit time.

Datasets: digits (n_components 2 and 8) and ``make_s_curve`` (3 features, 2
components), split 75/25. Competitors, each fitted on the training rows and scored
on the held-out rows (mean squared reconstruction error over all entries, user units):

* ``PCA(n_components)``;
* ``AutoencoderTransformer(n_components, random_state=0)`` with *default* settings
  (``max_iter=200``, its own stopping rule) -- the headline row;
* the same with ``init="random"`` (all else default);
* the estimator at a fixed budget of epochs (``tol=0``, no rows held out), and the
  hand-written PyTorch loop with the same architecture, batch size (128, the
  estimator's ``batch_size="auto"`` here), optimizer (Adam, fused where torch has it),
  learning rate (1e-3) and epochs, to trace error against time.

Usage::

    python benchmarks/bench_quality.py
    python benchmarks/bench_quality.py --quick
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _common import (
    add_common_args,
    ae,
    command_line,
    digits,
    estimator_adam_kwargs,
    hand_loop_fit,
    hand_loop_mse,
    markdown_table,
    median,
    pyplot,
    savefig,
    setup,
    timed,
    write_report,
)


def datasets(quick):
    from sklearn.datasets import make_s_curve

    Xd = digits()
    Xs, _ = make_s_curve(n_samples=2000 if quick else 5000, noise=0.05, random_state=0)
    return [("digits, k=2", Xd, 2), ("digits, k=8", Xd, 8), ("s_curve, k=2", Xs.astype(np.float32), 2)]


def mse(est, X):
    return -est.score(X)


def run_case(X, k, budgets, rounds):
    """Rows of (label, epochs, fit seconds, test MSE) for one dataset."""
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from sklearn_ae import AutoencoderTransformer

    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    out = []

    def record(label, fit, score, epochs_of=None):
        ts, model = [], None
        for _ in range(rounds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t, model = timed(fit)
            ts.append(t)
        epochs = epochs_of(model) if epochs_of else None
        out.append((label, epochs, median(ts), score(model)))

    record(
        "PCA",
        lambda: PCA(k).fit(X_train),
        lambda m: float(np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2)),
    )
    record(
        "sklearn_ae default",
        lambda: AutoencoderTransformer(k, random_state=0).fit(X_train),
        lambda m: mse(m, X_test),
        lambda m: m.n_iter_,
    )
    record(
        "sklearn_ae default, init='random'",
        lambda: AutoencoderTransformer(k, init="random", random_state=0).fit(X_train),
        lambda m: mse(m, X_test),
        lambda m: m.n_iter_,
    )
    for epochs in budgets:
        record(
            "sklearn_ae fixed epochs",
            lambda e=epochs: ae(n_components=k, max_iter=e).fit(X_train),
            lambda m: mse(m, X_test),
            lambda m: m.n_iter_,
        )
        record(
            "sklearn_ae fixed epochs, init='random'",
            lambda e=epochs: ae(n_components=k, max_iter=e, init="random").fit(X_train),
            lambda m: mse(m, X_test),
            lambda m: m.n_iter_,
        )
        record(
            "hand loop (random init)",
            lambda e=epochs: hand_loop_fit(
                X_train, e, n_components=k, batch_size=128, optimizer_kwargs=estimator_adam_kwargs()
            ),
            lambda m: hand_loop_mse(m, X_test),
            lambda m, e=epochs: e,
        )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    args = parser.parse_args(argv)
    setup(args)
    rounds = args.rounds or 1
    budgets = [5, 25] if args.quick else [5, 25, 100]

    header = ["data", "model", "epochs", "fit s", "held-out MSE", "MSE / PCA's"]
    rows, per_case = [], []
    for name, X, k in datasets(args.quick):
        print(f"-- {name}", flush=True)
        res = run_case(X, k, budgets, rounds)
        pca_mse = res[0][3]
        rows += [[name, label, e if e is not None else "-", t, m, m / pca_mse] for label, e, t, m in res]
        per_case.append((name, res))

    body = (
        f"75/25 split; fit time is the median of {rounds} fit(s); MSE over all entries of the "
        "held-out rows, in the data's units. Headline rows: 'sklearn_ae default'.\n\n"
        + markdown_table(header, rows)
    )
    write_report(
        "bench_quality",
        "bench_quality: reconstruction error vs fit time",
        [("Held-out reconstruction error", body)],
        command_line(),
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, len(per_case), figsize=(4.2 * len(per_case), 4))
    styles = {
        "PCA": ("k", "*"),
        "sklearn_ae default": ("tab:red", "D"),
        "sklearn_ae default, init='random'": ("tab:purple", "D"),
        "sklearn_ae fixed epochs": ("tab:red", "o"),
        "sklearn_ae fixed epochs, init='random'": ("tab:purple", "o"),
        "hand loop (random init)": ("tab:blue", "s"),
    }
    for ax, (name, res) in zip(np.atleast_1d(axes), per_case, strict=True):
        for label, (color, marker) in styles.items():
            pts = [(t, m) for lbl, _, t, m in res if lbl == label]
            if pts:
                ax.plot(
                    *zip(*pts, strict=True),
                    marker=marker,
                    color=color,
                    label=label,
                    ls="-" if len(pts) > 1 else "",
                    ms=8 if len(pts) == 1 else 5,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("fit seconds")
        ax.set_ylabel("held-out MSE")
        ax.set_title(name)
        ax.grid(True, which="both", alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    savefig(fig, "bench_quality")


if __name__ == "__main__":
    main()
