"""Scaling out on existing engines: dask-ml's Incremental and joblib's dask backend."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_ae import AutoencoderTransformer

da = pytest.importorskip("dask.array")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
distributed = pytest.importorskip("dask.distributed")

SMALL = {"hidden_layer_sizes": (16,), "random_state": 0}


def test_incremental_trains_over_chunks_and_maps_transform(digits):
    X = digits[0].astype(np.float32)
    chunked = da.from_array(X, chunks=(600, X.shape[1]))  # 3 chunks
    model = dask_ml_wrappers.Incremental(AutoencoderTransformer(4, **SMALL))
    for _ in range(5):  # five passes: each block is one partial_fit epoch
        model.partial_fit(chunked)
    assert model.estimator_.n_iter_ == 15
    codes = model.transform(chunked).compute()
    np.testing.assert_allclose(codes, model.estimator_.transform(X), rtol=1e-6, atol=1e-6)
    assert model.estimator_.score(X) > AutoencoderTransformer(4, max_iter=1, **SMALL).fit(X[:600]).score(X)


def test_grid_search_on_a_local_dask_cluster_with_process_workers(digits):
    from joblib import parallel_backend

    X = digits[0][:600]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", ConvergenceWarning)
        with parallel_backend("dask"):
            search = GridSearchCV(
                AutoencoderTransformer(max_iter=20, **SMALL), {"n_components": [1, 6]}, cv=2, n_jobs=-1
            ).fit(X)
    assert search.best_params_ == {"n_components": 6}
