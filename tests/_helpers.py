"""Measurements shared by the tests: held-out reconstruction errors.

Importable as ``from _helpers import ...``: pytest's default ``prepend`` import mode
puts ``tests/`` (which has no ``__init__.py``) on ``sys.path``.
"""

import numpy as np
from sklearn.decomposition import PCA


def heldout_mse(model, X_test, target=None):
    """Mean squared error of ``model``'s reconstructions of ``X_test``.

    ``target`` (default ``X_test``) is what the reconstructions are compared with,
    e.g. the clean rows when ``X_test`` is a corrupted copy.
    """
    target = X_test if target is None else target
    return float(np.mean((model.inverse_transform(model.transform(X_test)) - target) ** 2))


def pca_heldout_mse(X_train, X_test, k):
    """Held-out reconstruction error of PCA with ``k`` components fitted on ``X_train``."""
    return heldout_mse(PCA(k).fit(X_train), X_test)


def hide_at_random(X, fraction, seed=0):
    """A float copy of ``X`` with ``fraction`` of its entries set to NaN, completely at random."""
    X = np.array(X, dtype=np.float64)
    X[np.random.RandomState(seed).rand(*X.shape) < fraction] = np.nan
    return X


def imputation_rmse(X_true, X_filled, missing, X_reference):
    """RMSE over the ``missing`` entries, each feature in units of its std in ``X_reference``."""
    std = X_reference.std(axis=0)
    std[std == 0] = 1.0
    return float(np.sqrt(np.mean(((X_filled - X_true) / std)[missing] ** 2)))


def topic_corpus(n_docs=3000, n_words=1000, n_topics=8, length=300, seed=0):
    """Word counts (CSR) of documents whose topic mix lies on a circle: nonlinear bag-of-words.

    Each document has an angle; its weight on each of ``n_topics`` topics placed around
    the circle falls off with the angular distance, and its ``length`` words are drawn
    from the mixed topics' word distributions (sparse Dirichlet draws).
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    topics = rng.dirichlet(np.full(n_words, 0.05), size=n_topics)
    angle = rng.uniform(0, 2 * np.pi, n_docs)
    centres = np.linspace(0, 2 * np.pi, n_topics, endpoint=False)
    mix = np.exp(4.0 * np.cos(angle[:, None] - centres[None, :]))
    mix /= mix.sum(axis=1, keepdims=True)
    counts = np.vstack([rng.multinomial(length, p) for p in mix @ topics])
    return sp.csr_matrix(counts.astype(np.float64)), angle
