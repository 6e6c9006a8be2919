"""
==========================================
Denoising: reconstructing corrupted digits
==========================================

A denoising autoencoder is trained to rebuild clean rows from corrupted copies of
them. With ``noise=1.0``, :class:`~sklearn_ae.AutoencoderTransformer` adds Gaussian
noise to every training batch (with a standard deviation of one ``scale_``, the root
mean square of the centred data) and asks for the clean row back. Here we corrupt
held-out digits with strong pixel noise and compare what a plain autoencoder and a
denoising one make of them.
"""

# %%
# Two autoencoders, one difference
# --------------------------------
# Both keep 8 numbers per image and train with the default settings. Only the
# training inputs of the second are corrupted; ``transform`` never adds noise, and
# the rows ``fit`` holds out to decide when to stop are scored clean.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)  # 8x8 images, pixel values 0..16
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

plain = AutoencoderTransformer(n_components=8, random_state=0).fit(X_train)
denoising = AutoencoderTransformer(n_components=8, noise=1.0, random_state=0).fit(X_train)
pca = PCA(n_components=8).fit(X_train)

# ``noise`` is in units of ``scale_``: here one unit is about 4.3 pixel values.
print(f"scale_ = {denoising.scale_:.2f}, so noise=1.0 adds noise of std {denoising.scale_:.2f} pixels")

# %%
# Corrupt the test digits
# -----------------------
# Independent Gaussian noise of standard deviation 4 on every pixel, on a scale
# where ink is about 16. Each model encodes the *noisy* image and decodes it; we
# measure the error against the *clean* image.
noisy = X_test + np.random.RandomState(1).normal(0, 4, X_test.shape)
models = {"PCA": pca, "plain autoencoder": plain, "denoising autoencoder": denoising}


def mse_to_clean(model, inputs):
    """Mean squared error between the reconstructions of ``inputs`` and ``X_test``."""
    return np.mean((model.inverse_transform(model.transform(inputs)) - X_test) ** 2)


print(f"{'':>22}  clean input  noisy input")
for name, model in models.items():
    print(f"{name:>22}  {mse_to_clean(model, X_test):11.2f}  {mse_to_clean(model, noisy):11.2f}")
print(f"{'noisy image itself':>22}  {0:11.2f}  {np.mean((noisy - X_test) ** 2):11.2f}")

# %%
# On clean inputs the plain autoencoder reconstructs a little better: the denoising
# one spent part of its capacity on undoing noise. On noisy inputs the order flips,
# and clearly so: the plain model was never shown a corrupted digit, and noise that
# pushes an image away from the digits it was trained on moves its code and its
# reconstruction too, while the denoising model maps a noisy digit back towards a
# clean one.
#
# What the reconstructions look like
# ----------------------------------
# Top to bottom: clean held-out digits, their noisy versions (the input), and what
# each model rebuilds from the noisy input.
n_show = 10
rows = {
    "clean": X_test[:n_show],
    "noisy input": noisy[:n_show],
    **{name: model.inverse_transform(model.transform(noisy[:n_show])) for name, model in models.items()},
}
fig, axes = plt.subplots(len(rows), n_show, figsize=(n_show, 1.05 * len(rows)), layout="constrained")
for row, (name, images) in zip(axes, rows.items()):
    row[0].set_ylabel(name.replace(" ", "\n", 1), rotation=0, ha="right", va="center")
    for ax, image in zip(row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %%
# Error against the amount of corruption
# --------------------------------------
# The same comparison for noise levels from none to strong. The denoising model
# pays a small price on clean inputs and gains more the noisier the input gets. The
# plain autoencoder's advantage over PCA melts away as the noise grows, and from a
# standard deviation of about 5 it does worse than PCA.
levels = np.arange(0, 7)
rng = np.random.RandomState(2)
errors = {name: [] for name in models}
for level in levels:
    corrupted = X_test + rng.normal(0, level, X_test.shape)
    for name, model in models.items():
        errors[name].append(mse_to_clean(model, corrupted))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, values in errors.items():
    ax.plot(levels, values, marker="o", label=name)
ax.set_xlabel("standard deviation of the pixel noise")
ax.set_ylabel("MSE of reconstruction vs. clean digit")
ax.legend()
plt.show()
