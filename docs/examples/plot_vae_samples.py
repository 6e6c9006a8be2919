"""
===========================================
A variational autoencoder that draws digits
===========================================

:class:`~sklearn_ae.VariationalAutoencoderTransformer` is a transformer like
:class:`~sklearn_ae.AutoencoderTransformer` (``transform`` gives a deterministic
code, the posterior mean) that is also a generative model: its code space is pulled
towards a standard normal distribution during training, so decoding random normal
draws, which :meth:`~sklearn_ae.VariationalAutoencoderTransformer.sample` does, gives
new rows that look like the training data.
"""

# %%
# Fit two VAEs
# ------------
# One with 8 latent dimensions to draw samples from, one with 2 to look at. Both
# train with the default settings, ``beta=1.0`` included.
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_ae import VariationalAutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

vae8 = VariationalAutoencoderTransformer(n_components=8, random_state=0).fit(X_train)
vae2 = VariationalAutoencoderTransformer(n_components=2, random_state=0).fit(X_train)

# %%
# ``score`` is minus the mean squared error of reconstructing each row from its
# posterior mean, exactly as for the plain autoencoder, so it compares directly with
# PCA's reconstruction error (it is not the ELBO).
for k, vae in ((8, vae8), (2, vae2)):
    pca = PCA(n_components=k).fit(X_train)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    print(f"{k} components: VAE held-out MSE {-vae.score(X_test):.2f}, PCA {pca_mse:.2f}")

# %%
# New digits from the prior
# -------------------------
# ``sample(n, random_state=...)`` decodes ``n`` draws from the standard normal
# prior and returns rows in the units of the training data (pixel values here).
samples = vae8.sample(40, random_state=0)
fig, axes = plt.subplots(4, 10, figsize=(10, 4.3), layout="constrained")
for ax, image in zip(axes.ravel(), samples):
    ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("VariationalAutoencoderTransformer(n_components=8).sample(40)")
plt.show()

# %%
# The two-dimensional code space
# ------------------------------
# ``transform`` returns the posterior mean multiplied by ``scale_`` (the same units
# as the plain autoencoder's codes), so dividing by ``scale_`` puts the held-out
# digits in the units of the prior. The KL term keeps them in a round cloud about
# the size of a standard normal (circles at radius 1, 2 and 3), with the classes in
# neighbouring regions.
#
# On the right, what the decoder draws across the code space: a 12 x 12 grid of
# latent points at evenly spaced quantiles of the normal distribution (latent 1 from
# left to right, latent 2 from bottom to top), each decoded with
# ``inverse_transform`` (which, like ``transform``, works in units of ``scale_``).
latent = vae2.transform(X_test) / vae2.scale_
fig, axes = plt.subplots(1, 2, figsize=(11, 5), layout="constrained")
points = axes[0].scatter(latent[:, 0], latent[:, 1], c=y_test, cmap="tab10", s=10, vmin=-0.5, vmax=9.5)
angle = np.linspace(0, 2 * np.pi, 200)
for radius in (1, 2, 3):
    axes[0].plot(radius * np.cos(angle), radius * np.sin(angle), color="gray", linewidth=0.6)
axes[0].set_aspect("equal")
axes[0].set_xlabel("latent 1")
axes[0].set_ylabel("latent 2")
axes[0].set_title("held-out digits, posterior means")
fig.colorbar(points, ax=axes[0], ticks=range(10), label="digit", shrink=0.8)

n_grid = 12
values = norm.ppf(np.linspace(0.03, 0.97, n_grid))
grid = np.array([[a, b] for b in values[::-1] for a in values])  # top row: largest latent 2
images = vae2.inverse_transform(grid * vae2.scale_).reshape(n_grid, n_grid, 8, 8)
images = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))  # a blank border around each digit
mosaic = images.transpose(0, 2, 1, 3).reshape(n_grid * 10, n_grid * 10)
axes[1].imshow(mosaic, cmap="gray_r", vmin=0, vmax=16)
axes[1].set_xticks([])
axes[1].set_yticks([])
axes[1].set_title("decoded latent grid")
plt.show()

# %%
# ``beta`` sets the weight of the pull towards the prior. ``beta=1`` is the ELBO of
# a Gaussian decoder whose noise variance is probabilistic PCA's; smaller values
# reconstruct better and sample worse, larger ones give a smoother, blurrier model.
# Because ``score`` measures reconstruction only, a grid search over ``beta`` with
# the default score picks the ``beta`` that reconstructs held-out rows best, usually
# a small one (though a small ``beta`` can also act as a regulariser), not the best
# sampler: choose it by eye or by a criterion of your own.
