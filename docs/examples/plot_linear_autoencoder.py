"""
==========================================
A linear autoencoder finds PCA's subspace
==========================================

With only linear layers, the best an autoencoder can do is PCA's reconstruction
error, and every set of weights that achieves it decodes onto PCA's principal
subspace (Baldi and Hornik, 1989). Here a linear
:class:`~sklearn_ae.AutoencoderTransformer` is trained from *random* weights
(``init="random"``) on the digits, and we watch its decoder's subspace turn into
PCA's, measured by the principal angles between the two subspaces.
"""

# %%
# A linear autoencoder
# --------------------
# ``hidden_layer_sizes=()`` removes the MLPs, leaving one linear map in the encoder and
# one in the decoder (``activation="identity"`` with hidden layers would also be
# linear). ``partial_fit`` trains one epoch per call, so we can measure the subspace
# as training goes. Each step uses all rows (``batch_size=len(X)``): mini-batches
# would add noise that keeps the subspace wobbling around PCA's.
import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sklearn_ae import AutoencoderTransformer

X, _ = load_digits(return_X_y=True)
k = 4
pca = PCA(n_components=k).fit(X)
pca_mse = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)


def decoder_directions(ae):
    """A basis (as columns) of the directions the decoder can produce."""
    offset = ae.inverse_transform(np.zeros((1, k)))
    return (ae.inverse_transform(np.eye(k)) - offset).T


def largest_angle(ae):
    """Largest principal angle, in degrees, between the decoder's subspace and PCA's."""
    return np.degrees(subspace_angles(decoder_directions(ae), pca.components_.T).max())


n_epochs, every = 300, 10
models, angles = {}, {}
for init in ("random", "pca"):
    ae = AutoencoderTransformer(
        n_components=k,
        hidden_layer_sizes=(),
        init=init,
        batch_size=len(X),
        learning_rate_init=1e-2,
        random_state=0,
    )
    angles[init] = []
    for epoch in range(1, n_epochs + 1):
        ae.partial_fit(X)
        if epoch % every == 0:
            angles[init].append(largest_angle(ae))
    models[init] = ae

ae = models["random"]
mse = np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2)
print(f"PCA reconstruction MSE:                       {pca_mse:.4f}")
print(f"linear autoencoder (init='random'), 300 epochs: {mse:.4f}")
print(f"largest principal angle to PCA's subspace:    {angles['random'][-1]:.4f} degrees")

# %%
# Training curves
# ---------------
# Left: the training loss of the randomly initialised network falls to PCA's error
# and no further. Right: the largest principal angle between the decoder's subspace
# and PCA's (0 degrees: the same subspace; 90 degrees: some direction of one is
# orthogonal to the other) falls by orders of magnitude. Started from PCA
# (``init="pca"``), the network begins in PCA's subspace; the optimizer's first steps
# nudge it by about two degrees, and it then settles back.
checkpoints = np.arange(every, n_epochs + 1, every)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
left.plot(np.arange(1, ae.n_iter_ + 1), ae.loss_curve_, label="linear autoencoder, init='random'")
left.axhline(pca_mse, color="gray", linestyle="--", label="PCA")
left.set_yscale("log")
left.set_xlabel("epoch")
left.set_ylabel("training MSE")
left.legend()
for init, values in angles.items():
    right.plot(checkpoints, np.maximum(values, 1e-4), marker="o", markersize=3, label=f"init={init!r}")
right.set_yscale("log")
right.set_xlabel("epoch")
right.set_ylabel("largest principal angle (degrees; below 1e-4 drawn at 1e-4)")
right.legend()
plt.show()

# %%
# Same subspace, different code
# -----------------------------
# The code itself is not PCA's code: any invertible mixing of the code coordinates
# that the decoder undoes is just as good. Regressing the autoencoder's code on
# PCA's gives an almost perfect fit with a full, non-diagonal mixing matrix: the same
# information, in other coordinates.
Z_pca, Z_ae = pca.transform(X), ae.transform(X)
mixing, residuals, *_ = np.linalg.lstsq(Z_pca, Z_ae, rcond=None)
r2 = 1 - residuals.sum() / np.sum((Z_ae - Z_ae.mean(axis=0)) ** 2)
print(f"R^2 of the autoencoder's code from PCA's code: {r2:.5f}")

fig, ax = plt.subplots(figsize=(4.4, 3.6), layout="constrained")
limit = np.abs(mixing).max()
image = ax.imshow(mixing, cmap="RdBu_r", vmin=-limit, vmax=limit)
ax.set_xticks(range(k))
ax.set_yticks(range(k))
ax.set_xlabel("autoencoder code coordinate")
ax.set_ylabel("PCA component")
ax.set_title("autoencoder code = PCA code @ M")
fig.colorbar(image, ax=ax, label="entry of M")
plt.show()
