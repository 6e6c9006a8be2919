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


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: results saved or computed elsewhere with one
    thread match bit for bit only then (a fit depends on the thread count, see
    docs/user_guide/training.rst)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
