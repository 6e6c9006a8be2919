"""sklearn_ae: PyTorch autoencoders as scikit-learn transformers.

The public surface is :class:`AutoencoderTransformer`, a nonlinear drop-in for
:class:`sklearn.decomposition.PCA`.
"""

from ._autoencoder import AutoencoderTransformer

__version__ = "0.1.0"

__all__ = ["AutoencoderTransformer", "__version__"]
