"""
===========================================
Sparse and contractive codes on the digits
===========================================

Two penalties change what the code looks like without changing what the
autoencoder is for:

* ``sparsity`` asks for codes whose entries are mostly near zero, with a few large
  ones, so that each image is described by a few active units;
* ``contractive`` asks for codes that barely move when the input moves a little, so
  that small perturbations of an image do not change its code.

Both are weights of extra terms in the training loss of
:class:`~sklearn_ae.AutoencoderTransformer`. We fit a plain, a sparse and a
contractive autoencoder with 8 code units each and measure what each penalty buys
and what it costs in reconstruction error.
"""

# %%
# Three autoencoders and PCA
# --------------------------
# All three train with the default settings; only the penalty differs.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

settings = {"plain": {}, "sparse": {"sparsity": 1.0}, "contractive": {"contractive": 1.0}}
models = {
    name: AutoencoderTransformer(n_components=8, random_state=0, **extra).fit(X_train)
    for name, extra in settings.items()
}
pca = PCA(n_components=8).fit(X_train)


def held_out_mse(model):
    return np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)


print(f"PCA: held-out reconstruction MSE {held_out_mse(pca):.2f}")
for name, model in models.items():
    print(f"{name:>11} autoencoder: {held_out_mse(model):.2f}")

# %%
# Both penalties cost some reconstruction accuracy against the plain autoencoder,
# and both models still reconstruct better than PCA at the same code size.
#
# Sparsity
# --------
# We measure the sparsity of each code with Hoyer's measure: for a code
# :math:`z` of :math:`k` numbers it is
# :math:`(\sqrt{k} - \lVert z \rVert_1 / \lVert z \rVert_2) / (\sqrt{k} - 1)`,
# 0 when all entries have the same size and 1 when only one is non-zero.


def hoyer(Z):
    """Hoyer's sparsity of each row of ``Z``."""
    k = Z.shape[1]
    ratio = np.abs(Z).sum(axis=1) / np.sqrt((Z**2).sum(axis=1))
    return (np.sqrt(k) - ratio) / (np.sqrt(k) - 1)


codes = {name: models[name].transform(X_test) for name in ("plain", "sparse")}
codes["PCA"] = pca.transform(X_test)
for name, Z in codes.items():
    print(f"{name:>6}: mean Hoyer sparsity of the held-out codes {hoyer(Z).mean():.2f}")

# %%
# The penalty divides each code unit by its root mean square over the batch, so
# shrinking the code cannot satisfy it; only a change of shape can. The histograms
# show that change: each code entry in units of its unit's RMS. The sparse model's
# entries pile up at zero and the rest spread into long tails, which reach past the
# plotted range of 4 RMS; the plain model's are spread out around zero.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
bins = np.linspace(-4, 4, 81)
for name in ("plain", "sparse"):
    Z = codes[name]
    relative = Z / np.sqrt(np.mean(Z**2, axis=0))
    axes[0].hist(relative.ravel(), bins=bins, histtype="step", linewidth=1.5, label=name)
    axes[1].hist(hoyer(Z), bins=np.linspace(0, 1, 41), histtype="step", linewidth=1.5, label=name)
axes[0].set_xlabel("code entry / RMS of its unit (within ±4)")
axes[0].set_ylabel("count")
axes[0].set_title("code entries")
axes[1].set_xlabel("Hoyer sparsity of a code")
axes[1].set_title("codes, one per held-out digit")
axes[1].legend()
plt.show()

# %%
# The codes of the first 30 held-out digits, one row each, make the same point:
# most entries of a sparse code are near zero (white), and which units are active
# depends on the digit.
order = np.argsort(y_test[:30], kind="stable")
fig, axes = plt.subplots(1, 2, figsize=(8, 5), layout="constrained")
for ax, name in zip(axes, ("plain", "sparse")):
    Z = codes[name][:30][order]
    Z = Z / np.abs(Z).max(axis=0)
    ax.imshow(Z, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_yticks(range(30), labels=y_test[:30][order], fontsize=7)
    ax.set_xticks(range(8))
    ax.set_xlabel("code unit")
    ax.set_title(f"{name} codes")
axes[0].set_ylabel("digit")
plt.show()

# %%
# Contraction
# -----------
# The contractive penalty is the squared Frobenius norm of the encoder's Jacobian
# (how much the code moves per unit of input movement), relative to the code's
# variance. We compute that same quantity on the held-out digits with
# :mod:`torch.func`. ``encoder_`` works on the internally scaled data,
# ``(X - mean_) / scale_``.


def relative_jacobian_norm(model, X):
    """Mean squared Frobenius norm of the encoder's Jacobian / variance of the code."""
    x = torch.tensor((X - model.mean_) / model.scale_, dtype=torch.float32)
    encoder = model.encoder_
    jacobian = torch.func.vmap(torch.func.jacrev(lambda row: encoder(row[None])[0]))(x)
    with torch.no_grad():
        code = encoder(x)
        variance = (code - code.mean(dim=0)).square().mean()
    return float(jacobian.detach().square().sum(dim=(1, 2)).mean() / variance)


sensitivity = {name: relative_jacobian_norm(models[name], X_test) for name in ("plain", "contractive")}
for name, value in sensitivity.items():
    print(f"{name:>11}: relative Jacobian norm {value:.3f}")
print(f"reduction: {1 - sensitivity['contractive'] / sensitivity['plain']:.0%}")

# %%
# The same effect seen from the outside: perturb each held-out digit with small
# random pixel noise and measure how far its code moves, relative to the spread of
# the codes. The contractive code moves less than half as far, at every perturbation
# size.
rng = np.random.RandomState(0)
sizes = np.array([0.1, 0.2, 0.5, 1.0, 2.0])
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name in ("plain", "contractive"):
    model = models[name]
    Z = model.transform(X_test)
    spread = np.sqrt(np.mean(np.sum((Z - Z.mean(axis=0)) ** 2, axis=1)))
    moves = []
    for size in sizes:
        Z_moved = model.transform(X_test + rng.normal(0, size, X_test.shape))
        moves.append(np.mean(np.linalg.norm(Z_moved - Z, axis=1)) / spread)
    ax.plot(sizes, moves, marker="o", label=name)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("std of the pixel perturbation")
ax.set_ylabel("code movement / code spread")
ax.legend()
plt.show()

# %%
# The penalty is meant to make the code flat along the directions the data do not
# vary in (Rifai et al., 2011), so that it is robust to small changes of the input,
# as measured above; the decoder still reconstructs well because the code keeps
# moving along the directions the digits do vary in.
