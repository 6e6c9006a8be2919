"""Shared fixtures: small datasets that ship with scikit-learn, split once."""

import pytest
from sklearn.datasets import load_digits
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
