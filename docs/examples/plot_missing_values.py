"""
============================================
Filling in missing pixels: inpainting digits
============================================

:class:`~sklearn_ae.AutoencoderImputer` fills in missing values with an autoencoder
trained on the entries that are observed. Here every digit, in training and in test,
has a 4x4 block of pixels missing at a random place (a quarter of the image), and we
compare the autoencoder's fill with scikit-learn's
:class:`~sklearn.impute.KNNImputer` and :class:`~sklearn.impute.IterativeImputer`,
with the column means of :class:`~sklearn.impute.SimpleImputer` as a floor. On these
images the nearest neighbours fill the holes best; the autoencoder comes second.
"""

# %%
# Digits with a hole
# ------------------
# No image is complete, in training or in test: the imputers learn from incomplete
# images only. We keep the complete test images to measure the error on the hidden
# pixels.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from sklearn.datasets import load_digits
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderImputer

X, y = load_digits(return_X_y=True)  # 8x8 images, pixel values 0..16
X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

rng = np.random.RandomState(0)
pixel = np.arange(64).reshape(8, 8)


def punch_holes(images):
    """A copy of ``images`` with a 4x4 block set to NaN at a random place in each,
    and the block's top-left corner (row, column) for each image."""
    holed = images.copy()
    corners = rng.randint(0, 5, size=(len(images), 2))
    for image, (row, col) in zip(holed, corners):
        image[pixel[row : row + 4, col : col + 4].ravel()] = np.nan
    return holed, corners


X_train_holed, _ = punch_holes(X_train)
X_test_holed, test_corners = punch_holes(X_test)
hidden = np.isnan(X_test_holed)
print(f"missing: {np.isnan(X_train_holed).mean():.0%} of training pixels, {hidden.mean():.0%} of test pixels")

# %%
# Four imputers
# -------------
# Each imputer is fitted on the holed training images and fills in the holed test
# images. :class:`~sklearn_ae.AutoencoderImputer` runs with its defaults: it
# standardises each pixel over its observed values and trains an autoencoder with a
# code of 16 numbers (a quarter of the pixels) whose loss counts the observed pixels
# only. During training it also hides a quarter of the observed pixels from the
# network's input at random (the share that is missing), so it learns to fill in what
# it does not see. To fill in a test image it looks for the code that best explains
# the image's observed pixels (``inference="map"``) and decodes it.
# :class:`~sklearn.impute.KNNImputer` averages the 5 nearest training
# images, compared on the pixels both have; :class:`~sklearn.impute.IterativeImputer`
# regresses each pixel on all the others, in 10 rounds (as in the benchmark; its own
# stopping criterion is not met by then, so we silence the warning that says so).
# The error is the root mean
# square over the hidden test pixels, in pixel values (ink is about 16).
imputers = {
    "column means": SimpleImputer(),
    "KNNImputer": KNNImputer(),
    "IterativeImputer": IterativeImputer(max_iter=10, random_state=0),
    "AutoencoderImputer": AutoencoderImputer(random_state=0),
}
fills = {}
print(f"{'':>18}  RMSE on hidden pixels  fit s  transform s")
for name, imputer in imputers.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[IterativeImputer\] Early stopping")
        imputer.fit(X_train_holed)
    fitted = time.perf_counter()
    fills[name] = imputer.transform(X_test_holed)
    done = time.perf_counter()
    rmse = np.sqrt(np.mean((fills[name][hidden] - X_test[hidden]) ** 2))
    print(f"{name:>18}  {rmse:21.2f}  {fitted - start:5.2f}  {done - fitted:11.2f}")

# %%
# The nearest neighbours fill the holes best, the autoencoder second and clearly
# ahead of the iterative imputer, whose linear regressions, one pixel at a time, do
# less well with a hole this large. This is one seed and one split;
# ``python benchmarks/bench_imputation.py`` repeats a 4x4 hole per image over 5
# splits (its standardized errors differ in units from these). The autoencoder and the iterative
# imputer take a few seconds to fit, where the neighbours only store the training
# images. Filling in the test images then takes each of the three a fraction of a
# second here: the nearest-neighbour search compares every new image with every
# training image, the iterative imputer runs its regressions again, and the
# autoencoder takes a few Gauss-Newton steps on each image's code.
#
# On holes like these, a block a quarter of the image, the encoder's own code does a
# little better than the fitted one: ``inference="encoder"`` (one pass through the
# network, no refit) gives a lower error below. The benchmark finds the same on the
# block, and the reverse on entries missing at random.
#
autoencoder = imputers["AutoencoderImputer"]
encoder_fill = autoencoder.set_params(inference="encoder").transform(X_test_holed)
autoencoder.set_params(inference="map")
encoder_rmse = np.sqrt(np.mean((encoder_fill[hidden] - X_test[hidden]) ** 2))
print(f'AutoencoderImputer, inference="encoder": RMSE on hidden pixels {encoder_rmse:.2f}')

# %%
# Every imputer returns the observed pixels as they are and fills in the hole only.
observed = ~hidden
unchanged = all((fill[observed] == X_test[observed]).all() for fill in fills.values())
print("observed test pixels returned unchanged:", unchanged)

# %%
# What the fills look like
# ------------------------
# Top to bottom: held-out digits, the same digits with their hole (red), and each
# imputer's fill, with the hole outlined.
n_show = 10
gray = plt.get_cmap("gray_r").with_extremes(bad="tab:red")
rows = {"original": X_test, "with the hole": X_test_holed, **fills}
fig, axes = plt.subplots(len(rows), n_show, figsize=(n_show, 1.05 * len(rows)), layout="constrained")
for row, (name, images) in zip(axes, rows.items()):
    row[0].set_ylabel(name.replace(" ", "\n", 1), rotation=0, ha="right", va="center")
    for ax, image, (top, left) in zip(row, images, test_corners):
        ax.imshow(image.reshape(8, 8), cmap=gray, vmin=0, vmax=16)
        if name != "original":
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), 4, 4, fill=False, edgecolor="tab:red"))
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %%
# Image by image
# --------------
# The averages hide how often each method wins. Per test image, the RMSE over its
# hidden pixels for the autoencoder against the nearest neighbours: points below the
# diagonal are images the autoencoder filled better.
per_image = {
    name: np.sqrt(np.nanmean(np.where(hidden, fill - X_test, np.nan) ** 2, axis=1))
    for name, fill in fills.items()
}
better = np.mean(per_image["AutoencoderImputer"] < per_image["KNNImputer"])
print(f"the autoencoder fills {better:.0%} of the test images better than KNNImputer")

fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ax.scatter(per_image["KNNImputer"], per_image["AutoencoderImputer"], s=8, alpha=0.5)
top = max(per_image["KNNImputer"].max(), per_image["AutoencoderImputer"].max())
ax.plot([0, top], [0, top], color="gray", linewidth=1)
ax.set_xlabel("KNNImputer: RMSE on the hole")
ax.set_ylabel("AutoencoderImputer: RMSE on the hole")
plt.show()

# %%
# The two are closer image by image than on average: the autoencoder fills a bit
# under half of the images better, but its bad fills are worse (the points high
# above the diagonal).
#
# When to use which
# -----------------
# On images like these, where every test digit has close relatives among the
# training digits, :class:`~sklearn.impute.KNNImputer` is hard to beat, and it has
# nothing to train. :class:`~sklearn_ae.AutoencoderImputer` learns a compact model of
# the data instead: it is the one to try when there are too many rows to search
# through at every ``transform``, and its autoencoder can also encode incomplete rows
# directly (see :ref:`missing_values`).
