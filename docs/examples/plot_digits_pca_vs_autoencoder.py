"""
=========================================
PCA and the autoencoder on the digits
=========================================

:class:`~sklearn_ae.AutoencoderTransformer` is used exactly like
:class:`~sklearn.decomposition.PCA`. Here both compress the 8x8 images of
:func:`~sklearn.datasets.load_digits` (64 pixel values from 0 to 16) to a code of
two numbers per image. We compare the two codes, coloured by the digit they encode,
and what each model can rebuild from its code.
"""

# %%
# Fit both models on the same training rows
# -----------------------------------------
# No scaler is needed: the autoencoder centres and scales the pixels internally and
# returns codes and reconstructions in pixel units. It starts from PCA's solution
# (``init="pca"``). With the default settings ``fit`` holds out a tenth of its
# training rows, stops when the error on them stops improving and keeps the best
# weights seen, the start's included: on those rows the model ends no worse than
# PCA, up to the noise of the split. The test rows below show how it does on rows
# it never saw.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

pca = PCA(n_components=2).fit(X_train)
ae = AutoencoderTransformer(n_components=2, random_state=0).fit(X_train)


def held_out_mse(model):
    """Mean squared error of the reconstructions of the test rows, in pixel units."""
    return np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)


mse = {"PCA": held_out_mse(pca), "Autoencoder": held_out_mse(ae)}
for name, value in mse.items():
    print(f"{name:>11}: held-out reconstruction MSE {value:.2f}")
print(f"Autoencoder / PCA: {mse['Autoencoder'] / mse['PCA']:.2f}")

# %%
# The two-dimensional codes
# -------------------------
# Each point is a held-out image placed at its code. PCA's code is the projection on
# the two directions of largest variance; the autoencoder bends its code to follow
# the data, and in this plot the classes overlap less.
codes = {"PCA": pca.transform(X_test), "Autoencoder": ae.transform(X_test)}
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for ax, (name, Z) in zip(axes, codes.items()):
    points = ax.scatter(Z[:, 0], Z[:, 1], c=y_test, cmap="tab10", s=12, vmin=-0.5, vmax=9.5)
    ax.set_title(f"{name} code (held-out MSE {mse[name]:.1f})")
    ax.set_xlabel("code 1")
    ax.set_ylabel("code 2")
fig.colorbar(points, ax=axes, ticks=range(10), label="digit")
plt.show()

# %%
# Reconstructions from two numbers
# --------------------------------
# Top row: held-out images. Then what PCA and the autoencoder rebuild from their
# two-number codes. PCA's reconstructions are blends of the mean image and two
# fixed patterns; the autoencoder's decoder is nonlinear and draws recognisable
# digits for many of them.
n_show = 10
rows = {
    "original": X_test[:n_show],
    "PCA": pca.inverse_transform(codes["PCA"][:n_show]),
    "Autoencoder": ae.inverse_transform(codes["Autoencoder"][:n_show]),
}
fig, axes = plt.subplots(3, n_show, figsize=(n_show, 3.4), layout="constrained")
for row, (name, images) in zip(axes, rows.items()):
    row[0].set_ylabel(name, rotation=0, ha="right", va="center")
    for ax, image in zip(row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %%
# The training curve
# ------------------
# ``loss_curve_`` holds the training loss of each epoch in the units of ``X``
# (squared pixels); it starts near PCA's training error. ``validation_scores_``
# holds minus the error on the rows ``fit`` held out, measured after each epoch, and
# ``initial_validation_score_`` the error of the starting point, PCA, on them
# (epoch 0). Training stopped after ``n_iter_no_change=10`` checks in a row without
# an improvement of more than ``tol`` (longer while PCA's start is not yet beaten),
# and the weights with the lowest held-out error were kept.
pca_train_mse = np.mean((pca.inverse_transform(pca.transform(X_train)) - X_train) ** 2)
held_out = -np.r_[ae.initial_validation_score_, ae.validation_scores_]
best_epoch = int(np.argmin(held_out))
print(f"{ae.n_iter_} epochs; the weights kept are those after epoch {best_epoch}")
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(np.arange(1, ae.n_iter_ + 1), ae.loss_curve_, label="autoencoder (training loss)")
ax.plot(np.arange(ae.n_iter_ + 1), held_out, label="autoencoder (held-out loss)")
ax.plot(best_epoch, held_out[best_epoch], "o", color="C1", label="weights kept")
ax.axhline(pca_train_mse, color="gray", linestyle="--", label="PCA (training error)")
ax.set_xlabel("epoch")
ax.set_ylabel("mean squared error")
ax.legend()
plt.show()
