"""
=================================================
A convolutional autoencoder from your own modules
=================================================

The default encoder and decoder of :class:`~sklearn_ae.AutoencoderTransformer` are
multilayer perceptrons that treat the 64 pixels of a digit as an unordered list.
``encoder=`` and ``decoder=`` accept any :class:`torch.nn.Module` class (or
instance) instead; here we pass a small convolutional network that knows the pixels
form an 8x8 image. Everything else stays the same: the estimator still scales the
data, trains, stops, and works with :func:`~sklearn.base.clone` and
:class:`~sklearn.model_selection.GridSearchCV`.
"""

# %%
# The modules
# -----------
# A class is called as ``cls(n_features=..., n_components=...)`` when ``fit``
# starts. The encoder receives float32 batches of shape ``(batch, n_features)``
# holding the *scaled* data (centred, divided by ``scale_``) and returns codes of
# shape ``(batch, n_components)``; the decoder maps codes back to
# ``(batch, n_features)`` on the same scale, so it needs no output activation.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from torch import nn

from sklearn_ae import AutoencoderTransformer


class ConvEncoder(nn.Module):
    """An 8x8 image (as 64 numbers) -> code, through two convolutions."""

    def __init__(self, n_features=64, n_components=2):
        super().__init__()
        if n_features != 64:
            raise ValueError(f"ConvEncoder expects 8x8 images (64 features), got {n_features}")
        self.layers = nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 16, kernel_size=3, padding=1),  # 16 x 8 x 8
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),  # 32 x 4 x 4
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, n_components),
        )

    def forward(self, x):
        return self.layers(x)


class ConvDecoder(nn.Module):
    """Code -> an 8x8 image (as 64 numbers), mirroring :class:`ConvEncoder`."""

    def __init__(self, n_features=64, n_components=2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(n_components, 32 * 4 * 4),
            nn.ReLU(),
            nn.Unflatten(1, (32, 4, 4)),
            nn.ConvTranspose2d(32, 16, kernel_size=4, stride=2, padding=1),  # 16 x 8 x 8
            nn.ReLU(),
            nn.Conv2d(16, 1, kernel_size=3, padding=1),  # 1 x 8 x 8
            nn.Flatten(),
        )

    def forward(self, z):
        return self.layers(z)


# %%
# Convolutional, MLP and PCA codes of 8 numbers
# ---------------------------------------------
# With custom modules ``init="pca"`` does not apply: the network starts from random
# weights (seeded by ``random_state``), so it needs more epochs than the MLP, which
# starts from PCA's solution. Both train with the default settings: each stops when
# its error on a tenth of the training rows, held out by ``fit``, stops improving,
# so the convolutional network simply runs for more epochs.
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

models = {
    "PCA": PCA(n_components=8),
    "MLP autoencoder": AutoencoderTransformer(n_components=8, random_state=0),
    "conv autoencoder": AutoencoderTransformer(
        n_components=8, encoder=ConvEncoder, decoder=ConvDecoder, random_state=0
    ),
}
mse = {}
for name, model in models.items():
    model.fit(X_train)
    mse[name] = np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)
    epochs = f" ({model.n_iter_} epochs)" if hasattr(model, "n_iter_") else ""
    print(f"{name:>16}: held-out reconstruction MSE {mse[name]:.2f}{epochs}")


def n_weights(model):
    return sum(p.numel() for part in (model.encoder_, model.decoder_) for p in part.parameters())


conv = models["conv autoencoder"]
print(f"{type(conv.encoder_).__name__} + {type(conv.decoder_).__name__}: {n_weights(conv):,} weights")
print(f"MLP encoder + decoder: {n_weights(models['MLP autoencoder']):,} weights")

# %%
# The convolutional autoencoder, with about a fifth of the MLP's weights and no PCA
# start, reconstructs about twice as well as PCA and nearly as well as the MLP,
# which began at PCA's solution. The fitted modules are
# ``encoder_`` and ``decoder_``, instances of our classes. The plot shows held-out
# digits and their reconstructions from 8 numbers.
n_show = 10
rows = {"original": X_test[:n_show]}
for name, model in models.items():
    rows[name] = model.inverse_transform(model.transform(X_test[:n_show]))
fig, axes = plt.subplots(len(rows), n_show, figsize=(n_show, 1.1 * len(rows)), layout="constrained")
for row, (name, images) in zip(axes, rows.items()):
    label = name if name == "original" else f"{name}\nMSE {mse[name]:.2f}"
    row[0].set_ylabel(label, rotation=0, ha="right", va="center")
    for ax, image in zip(row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %%
# Cloning and grid search
# -----------------------
# ``encoder`` and ``decoder`` are ordinary parameters: :func:`~sklearn.base.clone`
# copies them (a class stays the class), and
# :class:`~sklearn.model_selection.GridSearchCV` can tune ``n_components`` (or the
# modules themselves) as for any estimator. Each candidate builds fresh modules
# at its own code size. Without ``y`` and ``scoring``, the search ranks candidates
# by the held-out reconstruction score. (15 epochs per fit keep the search quick;
# these short fits are far from converged, so compare the sizes, not the values.
# Each one stops at ``max_iter`` while its loss is still falling, which ``fit``
# reports with a :class:`~sklearn.exceptions.ConvergenceWarning`; we silence it.)
template = clone(conv).set_params(max_iter=15)
params = template.get_params()
print("clone keeps the classes:", params["encoder"].__name__, params["decoder"].__name__)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", category=ConvergenceWarning)
    search = GridSearchCV(template, {"n_components": [2, 4, 8]}, cv=2).fit(X_train)
sizes = search.cv_results_["param_n_components"].astype(int)
errors = -search.cv_results_["mean_test_score"]
for size, error in zip(sizes, errors):
    print(f"n_components={size}: cross-validated reconstruction MSE {error:.2f}")
print("best:", search.best_params_, "refitted encoder:", type(search.best_estimator_.encoder_).__name__)

fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
ax.bar([str(size) for size in sizes], errors, color="tab:green")
ax.set_xlabel("n_components")
ax.set_ylabel("cross-validated MSE")
ax.set_title("GridSearchCV over the conv autoencoder's code size")
plt.show()

# %%
# Saving a model with custom modules
# ----------------------------------
# A model with custom modules pickles (with :mod:`pickle` or :mod:`joblib`) as a
# PyTorch object, so the module classes must be importable, under the same module
# path, wherever the file is loaded: define them in a module of your project, not
# in a script or notebook. Such models cannot be saved with :mod:`skops.io` (see
# :ref:`persistence`).
