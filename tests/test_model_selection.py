"""AutoencoderTransformer where PCA goes: Pipeline, GridSearchCV, set_output."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from sklearn_ae import AutoencoderTransformer


def test_pipeline_grid_search_matches_pca_accuracy(digits):
    X, y = digits
    grid = {"reduce__n_components": [5, 15, 30]}
    scores = {}
    for name, reducer in (("pca", PCA(random_state=0)), ("ae", AutoencoderTransformer(random_state=0))):
        pipe = Pipeline(
            [("scale", StandardScaler()), ("reduce", reducer), ("clf", LogisticRegression(max_iter=2000))]
        )
        scores[name] = GridSearchCV(pipe, grid, n_jobs=2).fit(X, y).best_score_
    # Measured: 0.908 against PCA's 0.907 (5-fold; the default C).
    assert scores["ae"] >= scores["pca"] - 0.003, scores


def test_unsupervised_grid_search_uses_score(digits):
    """No y and no scoring: score (minus reconstruction error) picks the larger code."""
    X, _ = digits
    search = GridSearchCV(AutoencoderTransformer(random_state=0), {"n_components": [2, 8]}).fit(X)
    assert search.best_params_ == {"n_components": 8}


def test_unsupervised_grid_search_over_a_pipeline_under_metadata_routing(digits):
    """Pipeline.score passes sample_weight=None under routing, which a score without the
    parameter refused: every candidate scored NaN and the first one won."""
    import sklearn

    X = digits[0][:300]
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("reduce", AutoencoderTransformer(max_iter=3, random_state=0))]
    )
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(pipeline, {"reduce__n_components": [1, 8]}, cv=2).fit(X)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_ == {"reduce__n_components": 8}


def test_score_weighs_rows_by_sample_weight(digits):
    X = digits[0][:200].copy()
    ae = AutoencoderTransformer(4, max_iter=3, random_state=0).fit(X)
    weights = np.random.RandomState(0).rand(len(X))
    assert ae.score(X, sample_weight=weights) == pytest.approx(
        np.average(ae.score_samples(X), weights=weights)
    )
    assert ae.score(X, sample_weight=np.ones(len(X))) == pytest.approx(ae.score(X))
    X[:50, :32] = np.nan  # each observed entry weighs its row's weight
    observed = (~np.isnan(X)).sum(axis=1)
    expected = np.sum(ae.score_samples(X) * observed * weights) / np.sum(observed * weights)
    assert ae.score(X, sample_weight=weights) == pytest.approx(expected)
    with pytest.raises(ValueError, match="non-negative"):
        ae.score(X, sample_weight=-weights)
    with pytest.raises(ValueError, match=r"(positive|non-zero)"):  # scikit-learn's own check from 1.7 on
        ae.score(X, sample_weight=np.zeros(len(X)))


def test_set_output_pandas(digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    ae = AutoencoderTransformer(3, max_iter=3, random_state=0).set_output(transform="pandas")
    codes = ae.fit_transform(frame)
    assert list(codes.columns) == [f"autoencodertransformer{i}" for i in range(3)]
    assert codes.index.equals(frame.index)
    np.testing.assert_array_equal(ae.feature_names_in_, frame.columns)
    with pytest.raises(ValueError, match="feature names"):
        ae.transform(frame.rename(columns={"pixel0": "other"}))


class CountFits(Callback):
    """Counts training runs; the count lives on the class, not the instance.

    It must not be instance state: ``Pipeline(memory=...)`` hashes the unfitted
    estimator, callbacks included, to find a cached fit.
    """

    fits = 0

    def on_train_begin(self, net, **kwargs):
        type(self).fits += 1


def test_pipeline_memory_caches_the_autoencoder_across_classifier_settings(digits, tmp_path):
    """A search over the classifier's C fits the autoencoder once per fold, not once per C."""
    X, y = digits
    CountFits.fits = 0
    pipe = Pipeline(
        [
            (
                "reduce",
                AutoencoderTransformer(5, max_iter=3, random_state=0, callbacks=[CountFits()]),
            ),
            ("classify", LogisticRegression(max_iter=500)),
        ],
        memory=str(tmp_path),
    )
    search = GridSearchCV(pipe, {"classify__C": [0.01, 0.1, 1.0]}, cv=3).fit(X, y)
    # 3 folds plus the refit on all rows; without the cache it would be 3 x 3 + 1.
    assert CountFits.fits == 4, CountFits.fits
    assert search.best_score_ >= 0.82, search.best_score_  # measured 0.849 (3 epochs)


def test_searches_share_a_logging_callbacks_writer(digits):
    """``clone`` deep-copied the callbacks: a logging callback's writer (with a lock, as
    TensorBoard's has) failed every search and cross-validation, and a copyable one
    received nothing. A clone copies them as ``fit`` does: the writer is shared."""
    import threading

    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    class Writer(list):
        def __init__(self):
            super().__init__()
            self.lock = threading.Lock()

    class LogLoss(Callback):
        def __init__(self, writer):
            self.writer = writer

        def on_epoch_end(self, net, **kwargs):
            self.writer.append(net.history[-1, "train_loss"])

    writer = Writer()
    ae = AutoencoderTransformer(
        2, hidden_layer_sizes=(8,), max_iter=2, random_state=0, callbacks=[LogLoss(writer)]
    ).set_output(transform="pandas")
    twin = clone(ae)
    assert twin.callbacks[0] is not ae.callbacks[0] and twin.callbacks[0].writer is writer
    assert twin.get_params()["max_iter"] == 2 and twin._sklearn_output_config == ae._sklearn_output_config
    result = cross_validate(ae, digits[0][:300], cv=3, return_estimator=True)
    assert len(writer) == sum(model.n_iter_ for model in result["estimator"]) == 6
    assert not hasattr(ae, "n_iter_")  # the user's estimator is left unfitted
    # A value fit refuses (a tuple) is cloned as scikit-learn clones it: still refused
    assert isinstance(clone(AutoencoderTransformer(callbacks=(LogLoss([]),))).callbacks, tuple)
