"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_ae import AutoencoderTransformer

ESTIMATORS = [
    AutoencoderTransformer(hidden_layer_sizes=(16,), max_iter=5, random_state=0),
    AutoencoderTransformer(
        hidden_layer_sizes=(16, 8),
        activation="tanh",
        batch_norm=True,
        dropout=0.1,
        early_stopping=True,
        init="random",
        max_iter=5,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
