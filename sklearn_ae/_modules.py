"""Torch modules: the MLP encoder and decoder and the autoencoder that joins them.

Every coder is a *linear path* plus an optional *nonlinear path*::

    coder(x) = linear(x) + mlp(x)

With ``init="pca"`` the linear paths start at PCA's components and the last layer of
each MLP starts at zero, so an untrained autoencoder is exactly PCA and training can
only move away from PCA's error by improving on it. With ``init="random"`` every
layer gets PyTorch's default initialisation.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def _mlp(widths, activation, dropout, batch_norm):
    """Linear layers through ``widths``; activation (and extras) between them."""
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i == len(widths) - 2:
            break  # the last layer is linear: codes and reconstructions are unbounded
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class Coder(nn.Module):
    """One half of the autoencoder: a linear map plus an optional MLP.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths.
    hidden : tuple of int
        Widths of the MLP's hidden layers; ``()`` leaves only the linear map.
    activation : str
        A key of :data:`ACTIVATIONS`.
    dropout : float
        Dropout probability after each hidden activation.
    batch_norm : bool
        Batch normalisation after each hidden linear layer.
    """

    def __init__(self, n_in, n_out, hidden=(), activation="relu", dropout=0.0, batch_norm=False):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.mlp = _mlp((n_in, *hidden, n_out), activation, dropout, batch_norm) if hidden else None

    def forward(self, x):
        out = self.linear(x)
        if self.mlp is not None:
            out = out + self.mlp(x)
        return out


class Autoencoder(nn.Module):
    """Encoder and decoder; ``forward`` returns ``(reconstruction, code)``."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x):
        """The code of ``x`` (deterministic)."""
        return self.encoder(x)

    def decode(self, z):
        """The reconstruction from code ``z``."""
        return self.decoder(z)

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code


class VariationalAutoencoder(Autoencoder):
    """A Gaussian VAE: the encoder outputs ``2 * n_components`` numbers per row.

    The first half is the posterior mean, the second the log-variance. In training
    mode ``forward`` decodes a reparameterised draw; in eval mode the mean.
    ``forward`` returns ``(reconstruction, mean, log_variance)``.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, n_components: int):
        super().__init__(encoder, decoder)
        self.n_components = n_components

    def encode(self, x):
        return self.encoder(x)[:, : self.n_components]

    def forward(self, x):
        mean, log_var = self.encoder(x).split(self.n_components, dim=1)
        z = mean
        if self.training:
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decoder(z), mean, log_var


def build_autoencoder(
    n_features,
    n_components,
    hidden_layer_sizes,
    activation,
    dropout,
    batch_norm,
    variational=False,
    encoder=None,
    decoder=None,
):
    """Build the encoder/decoder pair; the default decoder mirrors the encoder.

    ``encoder``/``decoder``, when given, are ready modules used instead of the MLPs.

    Examples
    --------
    >>> ae = build_autoencoder(64, 2, (16,), "relu", 0.0, False)
    >>> import torch
    >>> reconstruction, code = ae(torch.zeros(5, 64))
    >>> tuple(reconstruction.shape), tuple(code.shape)
    ((5, 64), (5, 2))
    """
    hidden = tuple(hidden_layer_sizes)
    options = {"activation": activation, "dropout": dropout, "batch_norm": batch_norm}
    n_out = 2 * n_components if variational else n_components
    # nn.Linear draws its default weights from the global RNG; fork it so building a
    # module never changes the caller's random state (init_weights sets the weights).
    with torch.random.fork_rng(devices=[]):
        if encoder is None:
            encoder = Coder(n_features, n_out, hidden, **options)
        if decoder is None:
            decoder = Coder(n_components, n_features, hidden[::-1], **options)
    if variational:
        return VariationalAutoencoder(encoder, decoder, n_components)
    return Autoencoder(encoder, decoder)


@torch.no_grad()
def init_weights(autoencoder: Autoencoder, pca, generator: torch.Generator):
    """Initialise the built-in coders of ``autoencoder`` in place, from ``generator``.

    Parameters
    ----------
    autoencoder : Autoencoder
        Built by :func:`build_autoencoder`. Custom (non-:class:`Coder`) parts keep
        their own initialisation.
    pca : PrincipalComponents or None
        When given, the linear paths start at PCA's components and each MLP's last
        layer at zero, so the untrained autoencoder is PCA. A VAE starts at
        probabilistic PCA: whitened codes, and posterior variances from the noise
        variance. When None, every layer is drawn at random.
    generator : torch.Generator
        Source of all random draws; the global torch RNG is not used.
    """
    coders = [part for part in (autoencoder.encoder, autoencoder.decoder) if isinstance(part, Coder)]
    for layer in (layer for coder in coders for layer in coder.modules()):
        if isinstance(layer, nn.Linear):
            # PyTorch's default nn.Linear scheme, drawn from our own generator.
            bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features else 0.0
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
    if pca is None:
        return
    encoder, decoder = autoencoder.encoder, autoencoder.decoder
    k = pca.components.shape[0]
    if isinstance(autoencoder, VariationalAutoencoder):
        std = pca.variances.clamp_min(1e-12).sqrt()
        encoder_rows = pca.components / std[:, None]
        decoder_columns = pca.components.T * std
    else:
        encoder_rows, decoder_columns = pca.components, pca.components.T
    encoder.linear.weight.zero_()
    encoder.linear.weight[:k] = encoder_rows
    decoder.linear.weight.copy_(decoder_columns)
    encoder.linear.bias.zero_()
    decoder.linear.bias.zero_()
    if isinstance(autoencoder, VariationalAutoencoder):
        posterior = pca.noise_variance / (pca.variances + pca.noise_variance)
        encoder.linear.bias[k:] = torch.log(posterior)
    for coder in (encoder, decoder):
        if coder.mlp is not None:
            last = coder.mlp[-1]
            last.weight.zero_()
            last.bias.zero_()
