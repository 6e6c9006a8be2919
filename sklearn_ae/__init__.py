"""sklearn_ae: PyTorch autoencoders as scikit-learn transformers.

The public surface is :class:`AutoencoderTransformer`, a nonlinear drop-in for
:class:`sklearn.decomposition.PCA`, and
:class:`VariationalAutoencoderTransformer`, its variational sibling.
"""

from ._autoencoder import AutoencoderTransformer
from ._variational import VariationalAutoencoderTransformer

__version__ = "0.1.0"

__all__ = ["AutoencoderTransformer", "VariationalAutoencoderTransformer", "__version__"]
