"""Fixtures of the command line's tests: a small table and a model fitted on it."""

import numpy as np
import pytest

from sklearn_ae.cli import main

from .helpers import COLUMNS, FAST, write_csv


@pytest.fixture(scope="module")
def data():
    """60 rows x 5 columns of rank 3, far from zero and unscaled."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)) @ rng.normal(size=(3, 5)) * 10 + 100


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, data):
    """A CSV file and the model ``sklearn-ae fit`` trained on it."""
    folder = tmp_path_factory.mktemp("fitted")
    csv = write_csv(folder / "data.csv", data, COLUMNS)
    model = folder / "model.joblib"
    assert main(["fit", str(csv), "--model", str(model), "--n-components", "2", *FAST]) == 0
    return csv, model
