"""The ``demo`` command: PCA against AutoencoderTransformer on scikit-learn's digits."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._autoencoder import AutoencoderTransformer


def compare(n_components=(2, 8, 16), random_state=0, **ae_params):
    """Fit PCA and AutoencoderTransformer at each code size on digits.

    Returns one dict per code size with the held-out reconstruction MSE of each,
    their ratio, the held-out accuracy of a LogisticRegression on each code, and
    the fit seconds.

    Examples
    --------
    >>> rows = compare(n_components=(2,), max_iter=5)
    >>> sorted(rows[0])[:3]
    ['ae_accuracy', 'ae_mse', 'ae_seconds']
    """
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=random_state)
    rows = []
    for k in n_components:
        row = {"n_components": k}
        models = {
            "pca": PCA(k, random_state=random_state),
            "ae": AutoencoderTransformer(k, random_state=random_state, **ae_params),
        }
        for name, model in models.items():
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train)
            row[f"{name}_seconds"] = time.perf_counter() - start
            reconstruction = model.inverse_transform(model.transform(X_test))
            row[f"{name}_mse"] = float(np.mean((reconstruction - X_test) ** 2))
            classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
            classifier.fit(model.transform(X_train), y_train)
            row[f"{name}_accuracy"] = float(classifier.score(model.transform(X_test), y_test))
        row["mse_ratio"] = row["ae_mse"] / row["pca_mse"]
        rows.append(row)
    return rows


def format_table(rows):
    """Render :func:`compare`'s rows as a markdown table."""
    header = (
        "| code size | PCA MSE | AE MSE | AE/PCA | PCA accuracy | AE accuracy | PCA fit s | AE fit s |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    lines = [header]
    for r in rows:
        lines.append(
            f"| {r['n_components']} | {r['pca_mse']:.2f} | {r['ae_mse']:.2f} | {r['mse_ratio']:.2f} "
            f"| {r['pca_accuracy']:.3f} | {r['ae_accuracy']:.3f} "
            f"| {r['pca_seconds']:.3f} | {r['ae_seconds']:.2f} |"
        )
    return "\n".join(lines)
