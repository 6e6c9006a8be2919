"""Shared fixtures: small datasets that ship with scikit-learn, split once."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_s_curve, make_swiss_roll
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return X, y


@pytest.fixture(scope="session")
def digits_split(digits):
    """Raw digit pixels (0..16), 25% held out."""
    X, y = digits
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="session")
def manifolds():
    """Held-out splits of the S-curve and the swiss roll (2000 points each)."""
    out = {}
    for name, make in (("s_curve", make_s_curve), ("swiss_roll", make_swiss_roll)):
        X, t = make(2000, random_state=0)
        out[name] = train_test_split(X, t, test_size=0.25, random_state=0)
    return out


def pca_heldout_mse(X_train, X_test, k):
    from sklearn.decomposition import PCA

    pca = PCA(k).fit(X_train)
    return float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
