"""Scaling out on existing engines: dask-ml's Incremental and joblib's dask backend."""

import sys
import warnings

import numpy as np
import pytest
from _helpers import heldout_mse, pca_heldout_mse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AutoencoderTransformer

da = pytest.importorskip("dask.array")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
distributed = pytest.importorskip("dask.distributed")

SMALL = {"hidden_layer_sizes": (16,), "random_state": 0}


def test_incremental_trains_over_chunks_and_maps_transform(digits):
    X, X_test = digits[0][:1500].astype(np.float32), digits[0][1500:].astype(np.float32)
    chunked = da.from_array(X, chunks=(500, X.shape[1]))  # 3 chunks
    model = dask_ml_wrappers.Incremental(AutoencoderTransformer(4, **SMALL), shuffle_blocks=False)
    by_hand = AutoencoderTransformer(4, **SMALL)
    for _ in range(5):  # five passes: each block is one partial_fit epoch
        model.partial_fit(chunked)
        for rows in (slice(0, 500), slice(500, 1000), slice(1000, None)):
            by_hand.partial_fit(X[rows])
    assert model.estimator_.n_iter_ == 15
    codes = model.transform(chunked).compute()
    np.testing.assert_allclose(codes, model.estimator_.transform(X), rtol=1e-6, atol=1e-6)
    # Incremental is partial_fit over the blocks, nothing more or less.
    np.testing.assert_array_equal(model.estimator_.transform(X), by_hand.transform(X))
    # 15 chunk-epochs get as close to PCA fitted on all training rows at once, held out.
    to_pca = heldout_mse(model.estimator_, X_test) / pca_heldout_mse(X, X_test, 4)
    assert to_pca <= 1.10, f"Incremental / PCA held-out error {to_pca:.3f} (measured 0.953)"


def test_grid_search_on_a_local_dask_cluster_with_process_workers(digits, one_torch_thread):
    """Fits on a dask cluster's process workers (one thread each) score exactly as fits
    in this process, on one thread too."""
    from joblib import parallel_backend

    X = digits[0][:600]
    search = GridSearchCV(AutoencoderTransformer(max_iter=20, **SMALL), {"n_components": [1, 6]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        local = clone(search).fit(X)
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
            parallel_backend("dask"),
        ):
            on_dask = search.set_params(n_jobs=-1).fit(X)
            worker_fitted = client.run(lambda: "sklearn_ae._autoencoder" in sys.modules)
    assert any(worker_fitted.values()), "no fit ran on the cluster's workers"
    for key in ("split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(on_dask.cv_results_[key], local.cv_results_[key], rtol=1e-6, err_msg=key)
    assert on_dask.best_params_ == local.best_params_
