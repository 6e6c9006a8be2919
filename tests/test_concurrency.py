"""One fitted estimator serves transform calls from several threads at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

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
