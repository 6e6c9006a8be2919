"""sklearn_ae: PyTorch autoencoders as scikit-learn transformers.

The public surface is :class:`AutoencoderTransformer`, a nonlinear drop-in for
:class:`sklearn.decomposition.PCA`, and
:class:`VariationalAutoencoderTransformer`, its variational sibling, and
:class:`AutoencoderImputer`, which fills in missing values with an autoencoder.
"""

from ._autoencoder import AutoencoderTransformer
from ._imputer import AutoencoderImputer
from ._variational import VariationalAutoencoderTransformer

__version__ = "0.1.0"

__all__ = ["AutoencoderImputer", "AutoencoderTransformer", "VariationalAutoencoderTransformer", "__version__"]
