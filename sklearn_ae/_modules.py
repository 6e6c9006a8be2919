"""Torch modules: the MLP encoder and decoder and the autoencoder that joins them.

Every coder is a *linear path* plus an optional *nonlinear path*::

    coder(x) = linear(x) + mlp(x)

With ``init="pca"`` the linear paths start at PCA's components and the last layer of
each MLP starts at zero, so an untrained autoencoder is exactly PCA and training can
only move away from PCA's error by improving on it. With ``init="random"`` every
layer gets PyTorch's default initialisation.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn


class Activation(NamedTuple):
    """A supported activation: its module class and its derivative.

    ``derivative(layer, pre)`` is the elementwise derivative of ``layer`` at the
    pre-activation ``pre``; the contractive penalty multiplies it into the encoder's
    closed-form Jacobian.
    """

    module: type[nn.Module]
    derivative: Callable[[nn.Module, torch.Tensor], torch.Tensor]


def _gelu_derivative(layer, pre):
    cdf = 0.5 * (1 + torch.erf(pre / 2**0.5))
    pdf = torch.exp(-0.5 * pre.square()) / (2 * torch.pi) ** 0.5
    return cdf + pre * pdf


def _sigmoid_derivative(layer, pre):
    s = torch.sigmoid(pre)
    return s * (1 - s)


#: The one registry of activations: the ``activation`` parameter's options.
ACTIVATIONS = {
    "relu": Activation(nn.ReLU, lambda layer, pre: (pre > 0).to(pre.dtype)),
    "tanh": Activation(nn.Tanh, lambda layer, pre: 1 - torch.tanh(pre).square()),
    "sigmoid": Activation(nn.Sigmoid, _sigmoid_derivative),
    "gelu": Activation(nn.GELU, _gelu_derivative),
    "elu": Activation(
        nn.ELU,
        # exp of the clamped value: the branch not taken must not overflow (inf * 0 = NaN in backward)
        lambda layer, pre: torch.where(
            pre > 0, torch.ones_like(pre), layer.alpha * torch.exp(pre.clamp_max(0))
        ),
    ),
    "leaky_relu": Activation(
        nn.LeakyReLU,
        # Tensors of pre's dtype: a Python float pair would build the slope in float32.
        lambda layer, pre: torch.where(
            pre > 0, torch.ones_like(pre), torch.full_like(pre, layer.negative_slope)
        ),
    ),
    "identity": Activation(nn.Identity, lambda layer, pre: torch.ones_like(pre)),
}

_DERIVATIVES = {activation.module: activation.derivative for activation in ACTIVATIONS.values()}


def activation_derivative(layer: nn.Module, pre: torch.Tensor) -> torch.Tensor:
    """Elementwise derivative of activation ``layer`` at ``pre`` (from :data:`ACTIVATIONS`)."""
    try:
        derivative = _DERIVATIVES[type(layer)]
    except KeyError:
        raise TypeError(f"no closed-form derivative for {type(layer).__name__}") from None
    return derivative(layer, pre)


class Dropout(nn.Module):
    """Dropout whose masks come from the fit's own ``torch.Generator``.

    :class:`torch.nn.Dropout` draws from the process-global generator, so two fits
    in threads would interleave their draws. The training engine sets
    :attr:`generator` for the duration of a fit (see :func:`random_source`).
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def mask(self, like: torch.Tensor) -> torch.Tensor:
        """A scaled keep-mask shaped like ``like``: 0 or ``1 / (1 - p)``."""
        keep = torch.rand(like.shape, generator=self.generator, device=like.device, dtype=like.dtype)
        return (keep >= self.p).to(like.dtype) / (1 - self.p)

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * self.mask(x)

    def extra_repr(self):
        return f"p={self.p}"


def _mlp(widths, activation, dropout, batch_norm):
    """Linear layers through ``widths``; activation (and extras) between them."""
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers.append(nn.Linear(n_in, n_out))
        if i == len(widths) - 2:
            break  # the last layer is linear: codes and reconstructions are unbounded
        if batch_norm:
            layers.append(nn.BatchNorm1d(n_out))
        layers.append(ACTIVATIONS[activation].module())
        if dropout > 0:
            layers.append(Dropout(dropout))
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
        self.n_components = int(n_components)  # torch's split refuses numpy integers
        self.generator: torch.Generator | None = None  # set by the engine during a fit

    def encode(self, x):
        return self.encoder(x)[:, : self.n_components]

    def forward(self, x):
        mean, log_var = self.encoder(x).split(self.n_components, dim=1)
        z = mean
        if self.training:
            draw = torch.randn(mean.shape, generator=self.generator, device=mean.device, dtype=mean.dtype)
            z = mean + torch.exp(0.5 * log_var) * draw
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
    generator=None,
):
    """Build the encoder/decoder pair; the default decoder mirrors the encoder.

    ``encoder``/``decoder``, when given, are ready modules used instead of the MLPs.
    The built-in coders get PyTorch's default initialisation drawn from ``generator``
    (a fixed seed when None: a fit passes its own), never from torch's global one;
    :func:`start_at_pca` then sets the PCA start on top.

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
    # nn.Linear draws its default weights from the global RNG; building on the meta
    # device draws nothing, and init_weights sets every weight from a generator.
    built = []  # only these are initialised: a module handed over keeps its weights
    if encoder is None:
        encoder = _materialised(Coder, n_features, n_out, hidden, **options)
        built.append(encoder)
    if decoder is None:
        decoder = _materialised(Coder, n_components, n_features, hidden[::-1], **options)
        built.append(decoder)
    if variational:
        autoencoder = VariationalAutoencoder(encoder, decoder, n_components)
    else:
        autoencoder = Autoencoder(encoder, decoder)
    init_weights(built, generator if generator is not None else torch.Generator().manual_seed(0))
    return autoencoder


@torch.no_grad()
def init_weights(coders, generator: torch.Generator):
    """PyTorch's default initialisation of the newly built ``coders``, drawn from ``generator``.

    Modules the user hands over (a fitted model's ``encoder_``, a pretrained network)
    are not passed here and keep their weights; the global torch RNG is not used.
    """
    for layer in (layer for coder in coders for layer in coder.modules()):
        if isinstance(layer, nn.Linear):
            # PyTorch's default nn.Linear scheme, drawn from our own generator.
            bound = 1.0 / math.sqrt(layer.in_features) if layer.in_features else 0.0
            layer.weight.uniform_(-bound, bound, generator=generator)
            layer.bias.uniform_(-bound, bound, generator=generator)
        elif isinstance(layer, nn.BatchNorm1d):
            layer.reset_parameters()  # unit scale, zero shift, fresh running statistics


@torch.no_grad()
def start_at_pca(autoencoder: Autoencoder, pca):
    """Set the linear paths to PCA's components and each MLP's last layer to zero.

    The untrained autoencoder is then PCA. A VAE starts at probabilistic PCA:
    whitened codes, and posterior variances from the noise variance.
    """
    encoder, decoder = autoencoder.encoder, autoencoder.decoder
    k = pca.components.shape[0]
    if isinstance(autoencoder, VariationalAutoencoder):
        # Whitened codes, except that, as in probabilistic PCA (whose posterior mean
        # weights a direction by sqrt(variance - noise)), a direction with no more variance
        # than the noise (past the data's rank, say) starts unused instead of being
        # whitened by a near-zero spread into huge codes.
        signal = pca.variances > pca.noise_variance
        std = torch.where(signal, pca.variances, torch.ones_like(pca.variances)).sqrt()
        encoder_rows = torch.where(signal[:, None], pca.components / std[:, None], 0.0)
        decoder_columns = torch.where(signal, pca.components.T * std, 0.0)
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


def _materialised(cls, *args, **kwargs):
    """``cls(*args, **kwargs)`` built without drawing from the global RNG.

    Parameters are created on the meta device (no data, no random draws) and then
    allocated, uninitialised, on the CPU; :func:`init_weights` or
    ``load_state_dict`` fills them.
    """
    with torch.device("meta"):
        module = cls(*args, **kwargs)
    # float32 whatever torch.set_default_dtype says: the data reach the network in float32.
    return module.to_empty(device="cpu").to(torch.float32)


@contextlib.contextmanager
def random_source(autoencoder: nn.Module, generator: torch.Generator):
    """Let the built-in modules of ``autoencoder`` draw from ``generator`` in the body.

    Dropout masks and the VAE's reparameterisation then come from the fit's own
    generator, never from torch's global one; the reference is removed afterwards,
    so the modules stay picklable and hold no generator between fits.
    """
    holders = [m for m in autoencoder.modules() if isinstance(m, (Dropout, VariationalAutoencoder))]
    for holder in holders:
        holder.generator = generator
    try:
        yield
    finally:
        for holder in holders:
            holder.generator = None
