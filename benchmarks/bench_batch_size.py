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
import torch
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import digits, latent_mlp_data, machine_line

from sklearn_ae import AutoencoderTransformer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer epochs")
    args = parser.parse_args()
    torch.set_num_threads(1)
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
            rows.append((name, batch, f"{lr:.2g}", rule, epochs, f"{seconds:.2f}", f"{ratio:.3f}"))
            print(rows[-1], flush=True)
    header = "| data | batch | lr | rule | epochs | fit s | held-out MSE / PCA |"
    table = "\n".join(
        [header, "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
        + ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    )
    print(table)
    out = (
        Path(__file__).resolve().parent
        / "results"
        / ("bench_batch_size_quick.md" if args.quick else "bench_batch_size.md")
    )
    out.write_text(
        f"# bench_batch_size\n\nMachine: {machine_line()}\n\nCommand: `python benchmarks/bench_batch_size.py"
        + (" --quick" if args.quick else "")
        + "`\n\n"
        + table
        + "\n"
    )


if __name__ == "__main__":
    main()
