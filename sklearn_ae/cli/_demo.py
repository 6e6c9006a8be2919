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

from .._autoencoder import AutoencoderTransformer


def compare(n_components=(2, 8, 16), random_state=0, keep_codes=False, **ae_params):
    """Fit PCA and AutoencoderTransformer at each code size on digits.

    Parameters
    ----------
    n_components : sequence of int, default=(2, 8, 16)
        Code sizes to compare.
    random_state : int, default=0
        Seed of the train/test split and of both models.
    keep_codes : bool, default=False
        Also keep each model's held-out codes (``"pca_codes"``, ``"ae_codes"``)
        and the held-out digit labels (``"y_test"``) in each row, for
        :func:`plot_comparison`.
    **ae_params
        Extra parameters of :class:`~sklearn_ae.AutoencoderTransformer`.

    Returns
    -------
    rows : list of dict
        One dict per code size with the held-out reconstruction MSE of each
        model, their ratio, the held-out accuracy of a LogisticRegression on each
        code, and the fit seconds.

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
            codes_test = model.transform(X_test)
            row[f"{name}_accuracy"] = float(classifier.score(codes_test, y_test))
            if keep_codes:
                row[f"{name}_codes"] = codes_test
        if keep_codes:
            row["y_test"] = y_test
        row["mse_ratio"] = row["ae_mse"] / row["pca_mse"]
        rows.append(row)
    return rows


def format_table(rows):
    """Render :func:`compare`'s rows as a markdown table.

    Parameters
    ----------
    rows : list of dict
        The output of :func:`compare`.

    Returns
    -------
    table : str
        A markdown table, one line per code size.
    """
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


def import_figure():
    """Return matplotlib's ``Figure`` class, or None when matplotlib is not installed.

    matplotlib is an optional dependency: only the demo's figure needs it.

    Returns
    -------
    figure_class : type or None
        :class:`matplotlib.figure.Figure`, which draws without pyplot or a GUI backend.
    """
    try:
        import matplotlib  # noqa: F401  (a missing package fails here, not halfway below)
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def plot_comparison(rows, path):
    """Save a figure of :func:`compare`'s rows to ``path``.

    Panels: the held-out 2-D codes of PCA and of the autoencoder coloured by digit
    (when code size 2 was compared with ``keep_codes=True``), and the held-out
    reconstruction MSE of both against the code size.

    Parameters
    ----------
    rows : list of dict
        The output of ``compare(..., keep_codes=True)``.
    path : str or path-like
        Where to save the figure; the extension picks the format (png, pdf, svg, ...).

    Returns
    -------
    path : str or path-like
        ``path``, once the figure is written.

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    """
    Figure = import_figure()
    if Figure is None:
        raise ImportError('the demo figure needs matplotlib: pip install "sklearn_ae[plot]"')
    two = next((r for r in rows if r["n_components"] == 2 and "ae_codes" in r), None)
    n_panels = 3 if two is not None else 1
    fig = Figure(figsize=(4.2 * n_panels, 4.0), layout="constrained")
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    if two is not None:
        for ax, name, title in zip(axes, ("pca", "ae"), ("PCA", "Autoencoder")):
            codes = two[f"{name}_codes"]
            points = ax.scatter(
                codes[:, 0], codes[:, 1], c=two["y_test"], cmap="tab10", s=6, vmin=-0.5, vmax=9.5
            )
            ax.set_title(f"{title}: 2-D code (held-out MSE {two[f'{name}_mse']:.2f})", fontsize=10)
            ax.set_xlabel("code 0")
            ax.set_ylabel("code 1")
        fig.colorbar(points, ax=axes[:2], ticks=range(10), label="digit")
    ax = axes[-1]
    sizes = [r["n_components"] for r in rows]
    ax.plot(sizes, [r["pca_mse"] for r in rows], "o-", label="PCA")
    ax.plot(sizes, [r["ae_mse"] for r in rows], "s-", label="Autoencoder")
    ax.set_xlabel("code size")
    ax.set_ylabel("held-out reconstruction MSE")
    ax.set_title("Reconstruction error by code size", fontsize=10)
    ax.set_xticks(sizes)
    ax.set_ylim(bottom=0)
    ax.legend()
    fig.suptitle("scikit-learn digits: PCA and AutoencoderTransformer on held-out rows", fontsize=11)
    fig.savefig(path, dpi=120)
    return path
