"""The family on the digits: what each variant buys, at its default training.

Digits, 25% held out (``train_test_split(random_state=0)``), code size 8, defaults
otherwise, as in ``tests/test_family.py``:

- denoising: test images corrupted by Gaussian pixel noise of std 4, reconstructed by
  ``noise=1.0``, by the plain autoencoder and by PCA; MSE against the clean images;
- sparse: Hoyer sparsity of the held-out codes (0: all entries equal, 1: one non-zero)
  with ``sparsity=1.0`` and without, and the held-out error against PCA's;
- contractive: the encoder's mean squared Jacobian norm relative to the code's
  variance, ``contractive=1.0`` against plain;
- ``n_components=0.9``: the size chosen, PCA(0.9)'s size, and the held-out R^2.

    python benchmarks/bench_family.py
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import torch
from _common import add_common_args, command_line, markdown_table, setup, write_report
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer


def mse(model, X, target):
    return float(np.mean((model.inverse_transform(model.transform(X)) - target) ** 2))


def hoyer(Z):
    n = Z.shape[1]
    ratio = np.abs(Z).sum(axis=1) / np.sqrt((Z**2).sum(axis=1))
    return float(np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1)))


def sensitivity(model, X):
    x = torch.tensor((X - model.mean_) / model.scale_, dtype=torch.float32)
    encoder = model.encoder_
    jacobian = torch.func.vmap(torch.func.jacrev(lambda row: encoder(row[None])[0]))(x)
    with torch.no_grad():
        code = encoder(x)
    return float(jacobian.detach().square().sum(dim=(1, 2)).mean() / (code - code.mean(0)).square().mean())


def fit(**params):
    def go(X):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = AutoencoderTransformer(random_state=0, **params).fit(X)
        return model, time.perf_counter() - start

    return go


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]), rounds=False)
    args = parser.parse_args()
    setup(args)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=0.25, random_state=0)
    noisy = X_test + np.random.RandomState(1).normal(0, 4, X_test.shape)
    pca = PCA(8).fit(X_train)
    plain, t_plain = fit(n_components=8)(X_train)
    denoising, t_den = fit(n_components=8, noise=1.0)(X_train)
    sparse, t_sparse = fit(n_components=8, sparsity=1.0)(X_train)
    contractive, t_con = fit(n_components=8, contractive=1.0)(X_train)
    chosen, t_choice = fit(n_components=0.9)(X_train)
    recon = chosen.inverse_transform(chosen.transform(X_test))
    # Out-of-sample R^2, as the search scores sizes: the total about the training rows' mean.
    r2 = 1 - np.sum((recon - X_test) ** 2) / np.sum((X_test - X_train.mean(0)) ** 2)
    rows = [
        ["denoising", "MSE on noisy test images vs clean: noise=1.0", mse(denoising, noisy, X_test), t_den],
        ["denoising", "... plain autoencoder", mse(plain, noisy, X_test), t_plain],
        ["denoising", "... PCA", mse(pca, noisy, X_test), "-"],
        ["denoising", "MSE on clean test images: noise=1.0", mse(denoising, X_test, X_test), "-"],
        ["denoising", "... plain", mse(plain, X_test, X_test), "-"],
        ["sparse", "Hoyer sparsity of test codes: sparsity=1.0", hoyer(sparse.transform(X_test)), t_sparse],
        ["sparse", "... plain", hoyer(plain.transform(X_test)), "-"],
        [
            "sparse",
            "held-out MSE / PCA's, sparsity=1.0",
            mse(sparse, X_test, X_test) / mse(pca, X_test, X_test),
            "-",
        ],
        ["contractive", "Jacobian / code variance: contractive=1.0", sensitivity(contractive, X_test), t_con],
        ["contractive", "... plain", sensitivity(plain, X_test), "-"],
        ["n_components=0.9", "size chosen", chosen.n_components_, t_choice],
        ["n_components=0.9", "PCA(0.9)'s size", PCA(0.9).fit(X_train).n_components_, "-"],
        ["n_components=0.9", "held-out R^2", r2, "-"],
    ]
    table = markdown_table(["variant", "measure", "value", "fit s"], rows)
    write_report("bench_family", "The family on the digits", [("Results", table)], command_line())


if __name__ == "__main__":
    main()
