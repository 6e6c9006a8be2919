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

    def forward(self, x):
        code = self.encoder(x)
        return self.decoder(code), code


def build_mlp_autoencoder(n_features, n_components, hidden_layer_sizes, activation, dropout, batch_norm):
    """Build the default encoder/decoder pair; the decoder mirrors the encoder.

    Examples
    --------
    >>> ae = build_mlp_autoencoder(64, 2, (16,), "relu", 0.0, False)
    >>> import torch
    >>> reconstruction, code = ae(torch.zeros(5, 64))
    >>> tuple(reconstruction.shape), tuple(code.shape)
    ((5, 64), (5, 2))
    """
    hidden = tuple(hidden_layer_sizes)
    options = {"activation": activation, "dropout": dropout, "batch_norm": batch_norm}
    # nn.Linear draws its default weights from the global RNG; fork it so building a
    # module never changes the caller's random state (init_weights sets the weights).
    with torch.random.fork_rng(devices=[]):
        encoder = Coder(n_features, n_components, hidden, **options)
        decoder = Coder(n_components, n_features, hidden[::-1], **options)
    return Autoencoder(encoder, decoder)


@torch.no_grad()
def init_weights(autoencoder: Autoencoder, components, generator: torch.Generator):
    """Initialise ``autoencoder`` in place, deterministically from ``generator``.

    Parameters
    ----------
    autoencoder : Autoencoder
        Built by :func:`build_mlp_autoencoder`.
    components : torch.Tensor of shape (n_components, n_features) or None
        Orthonormal rows (PCA's components, zero-padded past the data's rank). When
        given, the linear paths start at them and each MLP's last layer at zero, so the
        untrained autoencoder is PCA. When None, every layer is drawn at random.
    generator : torch.Generator
        Source of all random draws; the global torch RNG is not used.
    """
    for layer in autoencoder.modules():
        if isinstance(layer, nn.Linear):
            # PyTorch's default nn.Linear scheme, drawn from our own generator.
            bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features else 0.0
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
    if components is None:
        return
    encoder, decoder = autoencoder.encoder, autoencoder.decoder
    encoder.linear.weight.copy_(components)
    decoder.linear.weight.copy_(components.T)
    encoder.linear.bias.zero_()
    decoder.linear.bias.zero_()
    for coder in (encoder, decoder):
        if coder.mlp is not None:
            last = coder.mlp[-1]
            last.weight.zero_()
            last.bias.zero_()
