"""
===============================================
Maps of the digits that decode: ``neighbors``
===============================================

A two-dimensional code of the digits is also a map: each image is a point, and
similar images should be close. UMAP draws such maps well, but it learns no decoder
that turns a point of its map back into an image. The autoencoder has a decoder,
but it places images only so that they can be rebuilt, and its map mixes classes
that UMAP keeps apart. ``neighbors`` adds UMAP's objective to the
autoencoder's (see :ref:`neighbors`). Here we compare the maps of
:class:`~sklearn.decomposition.PCA`, the plain autoencoder and
``AutoencoderTransformer(2, neighbors=1.0)`` (and UMAP's, when umap-learn is
installed), score each on images it did not train on, and decode a straight path
across the neighbour-preserving map.
"""

# %%
# The data and the scores
# -----------------------
# The split is the one umap-learn's documentation uses for the digits: a stratified
# split with ``random_state=42``, 1,347 images to train on and 450 held out. Every
# score is computed on the held-out images:
#
# - **kNN accuracy**: a 5-nearest-neighbours classifier fitted on the training
#   images' codes predicts the digit of each held-out image from its code;
# - **trustworthiness** (:func:`~sklearn.manifold.trustworthiness`, 15 neighbours):
#   1 when the neighbours of a held-out image on the map are also its neighbours
#   among the images;
# - **reconstruction**: the mean squared error of decoding the held-out codes, as a
#   multiple of PCA's at the same code size.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=42)

# %%
# Fit the models
# --------------
# Both autoencoders use the default settings; the second adds the neighbour term
# with weight 1.0. UMAP, when installed, is fitted with its defaults (and a fixed
# ``random_state``) on the same images and places the held-out images with its
# ``transform``.
models = {
    "PCA": PCA(n_components=2),
    "autoencoder": AutoencoderTransformer(n_components=2, random_state=0),
    "neighbors=1.0": AutoencoderTransformer(n_components=2, neighbors=1.0, random_state=0),
}
try:
    import umap
except ImportError:
    print("umap-learn is not installed: its map is left out.")
else:
    models["UMAP"] = umap.UMAP(random_state=42, n_jobs=1)

fit_seconds, train_codes, test_codes = {}, {}, {}
for name, model in models.items():
    start = time.perf_counter()
    train_codes[name] = model.fit_transform(X_train)
    fit_seconds[name] = time.perf_counter() - start
    test_codes[name] = model.transform(X_test)

# %%
# Score the held-out images
# -------------------------
# UMAP's reconstruction is not scored: its ``inverse_transform`` builds an image for
# a point of the map from the training images around that point, by an optimisation
# that needs them; it is not a learned decoder.
pca_error = np.mean((models["PCA"].inverse_transform(test_codes["PCA"]) - X_test) ** 2)

row = "{:>14} {:>6} {:>6} {:>12} {:>15} {:>15}"
print(row.format("", "fit s", "epochs", "kNN accuracy", "trustworthiness", "reconstruction"))
for name, model in models.items():
    epochs = model.n_iter_ if isinstance(model, AutoencoderTransformer) else "-"
    accuracy = KNeighborsClassifier().fit(train_codes[name], y_train).score(test_codes[name], y_test)
    trust = trustworthiness(X_test, test_codes[name], n_neighbors=15)
    if name == "UMAP":
        reconstruction = "-"
    else:
        error = np.mean((model.inverse_transform(test_codes[name]) - X_test) ** 2)
        reconstruction = f"{error / pca_error:.2f}x PCA"
    seconds = f"{fit_seconds[name]:.1f}"
    print(row.format(name, seconds, epochs, f"{accuracy:.3f}", f"{trust:.3f}", reconstruction))

# %%
# The maps
# --------
# Each point is a held-out image at its code, coloured by its digit; each digit's
# number is written at the median of its images' codes. Each map's two axes have the
# same scale.
fig, axes = plt.subplots(1, len(models), figsize=(3.4 * len(models), 3.8), layout="constrained")
for ax, (name, Z) in zip(axes, test_codes.items()):
    ax.scatter(Z[:, 0], Z[:, 1], c=y_test, cmap="tab10", s=5, vmin=-0.5, vmax=9.5)
    for digit in range(10):
        middle = np.median(Z[y_test == digit], axis=0)
        ax.text(*middle, str(digit), fontsize=12, weight="bold", ha="center", va="center")
    ax.set_title(name)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %%
# Decoding a path across the map
# ------------------------------
# Any point of the ``neighbors=1.0`` map decodes to an image. We walk in a straight
# line from the middle of the training images of 0 (the mean of their codes) to the
# middle of the 6s, and decode 12 evenly spaced points along the way with
# ``inverse_transform``.
ae = models["neighbors=1.0"]
Z = train_codes["neighbors=1.0"]
start, end = Z[y_train == 0].mean(axis=0), Z[y_train == 6].mean(axis=0)
path = start + np.linspace(0, 1, 12)[:, None] * (end - start)
images = ae.inverse_transform(path)

fig = plt.figure(figsize=(8, 7), layout="constrained")
top, bottom = fig.subfigures(2, 1, height_ratios=[5, 1])
ax = top.subplots()
ax.scatter(Z[:, 0], Z[:, 1], c=y_train, cmap="tab10", s=3, vmin=-0.5, vmax=9.5, alpha=0.5)
ax.plot(path[:, 0], path[:, 1], "k.-")
ax.set_title("neighbors=1.0: training images and the path from 0 to 6")
ax.set_aspect("equal", adjustable="datalim")
ax.set_xticks([])
ax.set_yticks([])
for ax, image in zip(bottom.subplots(1, len(path)), images):
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    ax.axis("off")
plt.show()

# %%
# Reading the results
# -------------------
# The neighbour term does what it is for. Held-out images land among their
# neighbours far more often than on the plain autoencoder's map: the kNN accuracy
# rises from 0.853 to 0.936 and the trustworthiness from 0.912 to 0.954, and on the
# map the 0s, 2s, 4s, 6s and 7s form islands of their own. The map still decodes,
# and on the digits its held-out reconstruction error is even lower than the plain
# autoencoder's (0.54 against 0.60 times PCA's). The price is time: each training
# step also encodes a sampled neighbour of every row and compares the batch's codes
# pairwise, so each epoch costs more (the fit times in the table above).
#
# It is not UMAP's map. In the user guide's benchmark (:ref:`neighbors`) UMAP
# separates the classes into tight, distant islands and stays ahead on both neighbour
# scores: medians over seeds 0-4 of 0.978 and 0.970, against the autoencoder's 0.918
# and 0.946 (0.936 and 0.954 for the seed used here), so the autoencoder's kNN
# accuracy stays below the 0.95 it was aimed at. (The documentation is built without
# umap-learn, so the published map and table have no UMAP entry; run the example
# with umap-learn installed to add them, its fit time then including numba's
# compilation.) Other seeds of the autoencoder give other maps, with kNN accuracies
# from 0.909 to 0.936 over seeds 0-4.
#
# What UMAP's map does not offer is the last figure: a learned decoder. Every point
# of the path from the 0s to the 6s decodes to an image, and the 0 opens, step by
# step, into a 6. Between the clusters, where no training image lies, those images
# are the decoder's interpolation, not images the data contain.
