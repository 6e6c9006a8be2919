"""Does a larger batch with a square-root learning-rate rule buy quality per second?

Compares, over a fixed number of epochs on all rows (no held-out stopping), batches of
256 rows at ``learning_rate_init=1e-3`` against batches of 1,024 with the learning rate
kept or scaled by ``sqrt(batch / 256)`` (the square-root rule for Adam). Reports
held-out MSE relative to PCA and fit seconds. (``batch_size="auto"`` is now
``min(128, n_train)``; ``bench_defaults.py`` compares 128 with 256.)

Usage: ``python benchmarks/bench_batch_size.py [--quick]``
"""

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    add_common_args,
    command_line,
    digits,
    latent_mlp_data,
    markdown_table,
    setup,
    write_report,
)

from sklearn_ae import AutoencoderTransformer


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=False)
    args = parser.parse_args()
    setup(args)
    n_large = 20_000 if args.quick else 100_000
    datasets = {
        "digits": (digits(), 100),
        f"latent MLP {n_large} x 100": (latent_mlp_data(n_large, 100), 10),
    }
    rows = []
    for name, (X, epochs) in datasets.items():
        X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)
        pca = PCA(2).fit(X_train)
        pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
        for batch, rule in [(256, "base"), (1024, "same lr"), (1024, "sqrt rule")]:
            lr = 1e-3 * (math.sqrt(batch / 256) if rule == "sqrt rule" else 1.0)
            model = AutoencoderTransformer(
                2,
                batch_size=batch,
                learning_rate_init=lr,
                max_iter=epochs,
                early_stopping=False,
                tol=0.0,
                n_iter_no_change=10**9,
                random_state=0,
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train)
            seconds = time.perf_counter() - start
            ratio = -model.score(X_test) / pca_mse
            rows.append([name, batch, f"{lr:.2g}", rule, epochs, seconds, ratio])
            print(rows[-1], flush=True)
    table = markdown_table(["data", "batch", "lr", "rule", "epochs", "fit s", "held-out MSE / PCA"], rows)
    notes = (
        "One fit per row, in the order shown, after an untimed warm-up fit; no held-out "
        "stopping (fixed epochs on all training rows); the script takes no `--rounds`."
    )
    write_report(
        "bench_batch_size",
        "Batch size and the square-root rule",
        [("Results", table), ("Notes", notes)],
        command_line(),
    )


if __name__ == "__main__":
    main()
