"""Fuzzed input: only clear ValueErrors on bad data, never NaN output for finite data."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderTransformer

FAST = {"n_components": 2, "hidden_layer_sizes": (4,), "max_iter": 2, "batch_size": 16, "random_state": 0}
# derandomize: the same examples on every run (a failure found once is found again).
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


def fit_quietly(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X)


@st.composite
def finite_matrices(draw):
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64, np.int32, np.bool_, object]))
    shape = draw(st.tuples(st.integers(1, 40), st.integers(1, 6)))
    magnitude = draw(st.sampled_from([1e-30, 1e-3, 1.0, 1e4, 1e30]))
    if dtype in (np.float16, np.int32):  # keep the values representable
        magnitude = min(magnitude, 1e3)
    values = draw(hnp.arrays(np.float64, shape, elements=st.floats(-1, 1, allow_nan=False, width=32)))
    if draw(st.booleans()):
        values[:, 0] = values[0, 0]  # a constant column
    X = values * magnitude + draw(st.sampled_from([0.0, 1e4])) * (magnitude >= 1)
    return X.astype(dtype)


@SETTINGS
@given(finite_matrices())
def test_finite_input_gives_finite_output(X):
    model = fit_quietly(AutoencoderTransformer(**FAST), X)
    codes = model.transform(X)
    assert np.isfinite(codes).all()
    assert np.isfinite(model.inverse_transform(codes)).all()
    assert np.isfinite(model.score_samples(X)).all()
    assert codes.dtype == (np.float32 if X.dtype == np.float32 else np.float64)


@SETTINGS
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(2, 20), st.integers(1, 5)), elements=st.floats(-5, 5)),
    st.sampled_from([np.inf, -np.inf]),
    st.data(),
)
def test_infinite_entries_are_rejected_anywhere(X, bad, data):
    i = data.draw(st.integers(0, X.shape[0] - 1))
    j = data.draw(st.integers(0, X.shape[1] - 1))
    X = X.copy()
    X[i, j] = bad
    model = AutoencoderTransformer(**FAST)
    with pytest.raises(ValueError, match="infinity"):
        model.fit(X)
    assert not hasattr(model, "encoder_")


@SETTINGS
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(2, 20), st.integers(1, 5)), elements=st.floats(-5, 5)),
    st.floats(0.0, 0.9),
    st.integers(0, 2**31 - 1),
)
def test_missing_entries_anywhere_give_finite_codes(X, fraction, seed):
    """NaN is "missing": as long as one entry is observed, fit and transform give finite codes."""
    X = X.copy()
    X[np.random.RandomState(seed).rand(*X.shape) < fraction] = np.nan
    X[0, 0] = 1.0  # at least one observed entry
    model = fit_quietly(AutoencoderTransformer(**FAST), X)
    assert np.isfinite(model.transform(X)).all()
    assert np.isfinite(model.inverse_transform(model.transform(X))).all()


def test_sparse_input_gives_the_codes_of_the_dense_matrix():
    X = sp.random(40, 5, density=0.3, format="csr", random_state=0)
    sparse = fit_quietly(AutoencoderTransformer(**FAST), X)
    dense = fit_quietly(AutoencoderTransformer(**FAST), X.toarray())
    np.testing.assert_allclose(sparse.transform(X), dense.transform(X.toarray()), rtol=1e-5, atol=1e-6)


def test_polars_frames_are_accepted():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(np.random.RandomState(0).normal(size=(30, 3)), schema=["a", "b", "c"])
    model = fit_quietly(AutoencoderTransformer(**FAST), frame)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert np.isfinite(model.transform(frame)).all()
    codes = model.set_output(transform="polars").transform(frame)
    assert codes.columns == ["autoencodertransformer0", "autoencodertransformer1"]


def test_dataframes_are_accepted():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(30, 3)), columns=["a", "b", "c"])
    model = fit_quietly(AutoencoderTransformer(**FAST), frame)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    assert np.isfinite(model.transform(frame)).all()
    with pytest.raises(ValueError, match="could not convert string to float: 'x'"):
        AutoencoderTransformer(**FAST).fit(frame.assign(d=["x"] * 30))
