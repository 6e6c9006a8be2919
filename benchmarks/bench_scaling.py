"""Fit and transform time as n_samples and n_features grow.

Two sweeps on the latent-MLP data, default estimator settings except a fixed, small
number of epochs (early stopping off) and the hand loop's batch size, 256 (the
estimator's default is ``min(128, n_train)``):

* n_samples in 10k .. 1M at 100 features (``--quick``: up to 100k), 1 epoch;
* n_features in 10 .. 1000 at 20k rows (``--quick``: up to 300), 2 epochs.

Each point times, interleaved: ``AutoencoderTransformer().fit`` (default init="pca"),
the hand-written loop at the same architecture, epochs and optimizer (the estimator's
fused Adam), ``PCA(2).fit``, and the fitted estimator's ``transform``. Reported:
seconds per epoch, its ratio to the hand loop, and microseconds per row.

Usage::

    python benchmarks/bench_scaling.py
    python benchmarks/bench_scaling.py --quick
"""

from __future__ import annotations

import argparse

from _common import (
    DEFAULT_BATCH,
    add_common_args,
    ae,
    command_line,
    estimator_adam_kwargs,
    hand_loop_fit,
    interleaved,
    latent_mlp_data,
    markdown_table,
    median,
    pyplot,
    savefig,
    setup,
    write_report,
)


def sweep_point(X, epochs, rounds):
    from sklearn.decomposition import PCA

    fitted = {}

    def fit_ae():
        fitted["ae"] = ae(max_iter=epochs, batch_size=DEFAULT_BATCH).fit(X)  # the loop's batch size

    comp = {
        "sklearn_ae fit": fit_ae,
        "hand loop fit": lambda: hand_loop_fit(X, epochs, optimizer_kwargs=estimator_adam_kwargs()),
        "PCA fit": lambda: PCA(2).fit(X),
    }
    times, ratios, _ = interleaved(comp, rounds, baseline="hand loop fit")
    t_tr, _, _ = interleaved({"transform": lambda: fitted["ae"].transform(X)}, rounds)
    return {
        "ae": median(times["sklearn_ae fit"]) / epochs,
        "hand": median(times["hand loop fit"]) / epochs,
        "ratio": median(ratios["sklearn_ae fit"]),
        "pca": median(times["PCA fit"]),
        "transform": median(t_tr["transform"]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    args = parser.parse_args(argv)
    setup(args)
    rounds = args.rounds or (1 if args.quick else 2)
    sizes = [10_000, 30_000, 100_000] + ([] if args.quick else [300_000, 1_000_000])
    widths = [10, 30, 100, 300] + ([] if args.quick else [1000])
    n_fixed, d_fixed = 20_000, 100
    ep_n, ep_d = 1, 2

    header = [
        "n_samples",
        "n_features",
        "epochs",
        "sklearn_ae s/epoch",
        "hand loop s/epoch",
        "ratio",
        "sklearn_ae us/row/epoch",
        "PCA fit s",
        "transform s",
    ]
    results = {"n": [], "d": []}
    rows = {"n": [], "d": []}
    X_all = latent_mlp_data(max(sizes), d_fixed)
    sweep_point(X_all[:2000], 1, 1)  # warm-up: imports and first-call allocations, not reported
    for n in sizes:
        print(f"-- n_samples={n}", flush=True)
        res = sweep_point(X_all[:n], ep_n, rounds)
        results["n"].append((n, res))
        rows["n"].append(
            [
                n,
                d_fixed,
                ep_n,
                res["ae"],
                res["hand"],
                res["ratio"],
                res["ae"] / n * 1e6,
                res["pca"],
                res["transform"],
            ]
        )
    del X_all
    for d in widths:
        print(f"-- n_features={d}", flush=True)
        res = sweep_point(latent_mlp_data(n_fixed, d), ep_d, rounds)
        results["d"].append((d, res))
        rows["d"].append(
            [
                n_fixed,
                d,
                ep_d,
                res["ae"],
                res["hand"],
                res["ratio"],
                res["ae"] / n_fixed * 1e6,
                res["pca"],
                res["transform"],
            ]
        )

    note = f"Median of {rounds} interleaved round(s) per point; default network (256, 128), batch 256."
    write_report(
        "bench_scaling",
        "bench_scaling: time vs data size",
        [
            ("Time vs n_samples", note + "\n\n" + markdown_table(header, rows["n"])),
            ("Time vs n_features", markdown_table(header, rows["d"])),
        ],
        command_line(),
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, xlabel in (
        (axes[0], "n", "n_samples (100 features)"),
        (axes[1], "d", f"n_features ({n_fixed} rows)"),
    ):
        xs = [x for x, _ in results[key]]
        for field, label in (
            ("ae", "sklearn_ae fit / epoch"),
            ("hand", "hand loop fit / epoch"),
            ("pca", "PCA fit"),
            ("transform", "sklearn_ae transform"),
        ):
            ax.plot(xs, [r[field] for _, r in results[key]], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Scaling of fit and transform time")
    savefig(fig, "bench_scaling")


if __name__ == "__main__":
    main()
