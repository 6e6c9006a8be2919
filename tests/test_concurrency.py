"""One fitted estimator serves transform calls from several threads at once."""

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_ae import AutoencoderTransformer


def test_transform_is_thread_safe(digits):
    X, _ = digits
    model = AutoencoderTransformer(4, hidden_layer_sizes=(32,), max_iter=3, random_state=0).fit(X)
    chunks = np.array_split(X, 16)
    expected = [model.transform(c) for c in chunks] + [
        model.inverse_transform(model.transform(c)) for c in chunks
    ]

    def work(i):
        c = chunks[i % 16]
        return model.transform(c) if i < 16 else model.inverse_transform(model.transform(c))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(32)))
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def test_float64_inference_copy_is_built_once_under_threads(digits):
    """Eight threads ask for the float64 copy of the network at once: one copy is made,
    and every thread runs that same module."""
    X, _ = digits
    model = AutoencoderTransformer(4, hidden_layer_sizes=(32,), max_iter=2, random_state=0).fit(X)
    fitted = model._fitted
    barrier = threading.Barrier(8)

    def work(_):
        barrier.wait()  # all eight ask at the same moment
        return fitted.inference_module(np.float64), model.transform(X)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    modules = {id(module) for module, _ in results}
    assert len(modules) == 1 and next(iter(modules)) == id(fitted.inference_module(np.float64))
    for _, codes in results[1:]:
        np.testing.assert_array_equal(codes, results[0][1])
    assert np.isfinite(results[0][1]).all()


def test_fits_in_threads_leave_the_warning_filters_alone(digits):
    """A float n_components runs short fits that must not warn. A warnings filter to
    silence them is process-wide: threads restoring it at different times left an
    "ignore ConvergenceWarning" behind that hid every later warning."""
    X = digits[0][:300]
    filters = list(warnings.filters)

    def fit(seed):
        return AutoencoderTransformer(0.8, hidden_layer_sizes=(8,), max_iter=6, random_state=seed).fit(X)

    for _ in range(3):
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fit, range(8)))

    # Compared by what the filters do, not as a list: scikit-learn's check_array enters
    # catch_warnings on every call, which under threads can leave an equivalent copy.
    def plain(f):  # a regex or its pattern: the same filter
        return (f[0], getattr(f[1], "pattern", f[1]), f[2], getattr(f[3], "pattern", f[3]))

    before = {plain(f) for f in filters}
    leaked = [f for f in warnings.filters if f[0] == "ignore" and plain(f) not in before]
    assert leaked == [], leaked
    # Appended, so a leaked "ignore" in front of it would still hide the warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=ConvergenceWarning, append=True)
        AutoencoderTransformer(2, hidden_layer_sizes=(8,), max_iter=2, random_state=0).fit(X)
    assert any(w.category is ConvergenceWarning for w in caught)
