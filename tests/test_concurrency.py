"""One fitted estimator serves transform calls from several threads at once."""

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
    X, _ = digits
    model = AutoencoderTransformer(4, hidden_layer_sizes=(32,), max_iter=2, random_state=0).fit(X)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: model.transform(X), range(8)))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
