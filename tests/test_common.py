"""scikit-learn's estimator checks, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from sklearn_ae import AutoencoderImputer, AutoencoderTransformer, VariationalAutoencoderTransformer


class TinyEncoder(nn.Module):
    """A user-supplied encoder class, built from the data's shape."""

    def __init__(self, n_features, n_components):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 8), nn.Tanh(), nn.Linear(8, n_components))

    def forward(self, x):
        return self.net(x)


ESTIMATORS = [
    # As users construct them: every default (the checks took 12 s for the three).
    AutoencoderTransformer(),
    VariationalAutoencoderTransformer(),
    AutoencoderImputer(),
    AutoencoderTransformer(encoder=TinyEncoder, max_iter=5, random_state=0),
    AutoencoderTransformer(
        hidden_layer_sizes=(16,), noise=0.1, sparsity=0.1, contractive=0.1, max_iter=5, random_state=0
    ),
    AutoencoderTransformer(0.8, hidden_layer_sizes=(8,), max_iter=8, random_state=0),
    VariationalAutoencoderTransformer(hidden_layer_sizes=(16,), beta=0.5, max_iter=5, random_state=0),
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
    # Batch norm on all rows: no held-out rows to hide a one-row last batch.
    AutoencoderTransformer(
        hidden_layer_sizes=(16,), batch_norm=True, early_stopping=False, max_iter=5, random_state=0
    ),
    # The neighbour term, and the pull toward the graph's spectral layout.
    AutoencoderTransformer(
        hidden_layer_sizes=(16,), neighbors=1.0, n_neighbors=5, max_iter=5, random_state=0
    ),
    AutoencoderTransformer(hidden_layer_sizes=(16,), init="spectral", max_iter=5, random_state=0),
    AutoencoderImputer(hidden_layer_sizes=(16,), max_iter=5, random_state=0),
    AutoencoderImputer(
        missing_values=-1.0,
        add_indicator=True,
        keep_empty_features=True,
        hidden_layer_sizes=(8,),
        max_iter=3,
        random_state=0,
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
