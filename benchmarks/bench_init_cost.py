"""What the PCA start costs: ``init="pca"`` against ``init="random"``, same network and epochs.

Digits, one hidden layer of 128, batches of 64, 1 and 30 epochs, no held-out rows
(``early_stopping=False``), interleaved rounds in one process; the table gives the
median time ratio pca / random. Issue 9 measured 0.37 s against 0.28 s at 15 epochs:
numpy's OpenBLAS ran the start's 64 x 64 eigendecomposition on two threads (25 times
slower than on one on this machine), and its threads then spun beside torch's during
training. The start now runs that decomposition on one thread (``_data.py``).

    python benchmarks/bench_init_cost.py
"""

from __future__ import annotations

import argparse

from _common import add_common_args, command_line, interleaved, markdown_table, median, setup, write_report
from sklearn.datasets import load_digits

from sklearn_ae import AutoencoderTransformer


def fit(X, init, epochs):
    # tol=0 and no patience limit: exactly `epochs` epochs for both starts (the stop never fires).
    params = {"hidden_layer_sizes": (128,), "batch_size": 64, "early_stopping": False, "random_state": 0}
    params.update(tol=0.0, n_iter_no_change=10**6)
    return lambda: AutoencoderTransformer(8, init=init, max_iter=epochs, **params).fit(X)


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args()
    setup(args)
    X = load_digits().data
    rounds = args.rounds or (3 if args.quick else 15)
    rows = []
    for epochs in (1, 30):
        competitors = {init: fit(X, init, epochs) for init in ("random", "pca")}
        times, ratios, _ = interleaved(competitors, rounds, baseline="random", warmup=competitors)
        rows.append([epochs, median(times["random"]), median(times["pca"]), median(ratios["pca"])])
    table = markdown_table(["epochs", "init='random' s", "init='pca' s", "pca / random"], rows)
    write_report("bench_init_cost", "The cost of the PCA start", [("Results", table)], command_line())


if __name__ == "__main__":
    main()
