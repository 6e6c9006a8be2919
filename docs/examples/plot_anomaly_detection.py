"""
=====================================================
Finding unusual images with the reconstruction error
=====================================================

An autoencoder trained on normal data rebuilds normal rows well and unusual rows
badly. :meth:`~sklearn_ae.AutoencoderTransformer.score_samples` returns minus each
row's mean squared reconstruction error, so *low* scores flag rows that do not look
like the training data. Here the model is trained on handwritten digits and asked to
spot two kinds of images it has never seen: mirrored digits and two digits drawn on
top of each other.
"""

# %%
# Normal and unusual images
# -------------------------
# The model trains on 60% of the digits. Of the rest, 15% are kept to choose a
# threshold at the end, and 25% are the normal test images; the unusual images are
# made from those test digits, so they share the same strokes and pixel statistics.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.model_selection import train_test_split

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_normal = train_test_split(X, test_size=0.25, random_state=0)
X_train, X_threshold = train_test_split(X_train, test_size=0.2, random_state=0)

rng = np.random.default_rng(0)
n_odd = 100
mirrored = X_normal[:n_odd].reshape(-1, 8, 8)[:, :, ::-1].reshape(n_odd, 64)
first, second = rng.integers(len(X_normal), size=(2, n_odd))
overlaid = np.maximum(X_normal[first], X_normal[second])
groups = {"normal": X_normal, "mirrored": mirrored, "overlaid": overlaid}

fig, axes = plt.subplots(3, 8, figsize=(8, 3.3), layout="constrained")
for row, (name, images) in zip(axes, groups.items()):
    row[0].set_ylabel(name, rotation=0, ha="right", va="center")
    for ax, image in zip(row, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %%
# Score every image
# -----------------
# An 8-number code, trained with the default settings (``fit`` holds out a tenth of
# the training rows to decide when to stop). The anomaly score is minus
# ``score_samples``: the reconstruction error, in squared pixel units.
ae = AutoencoderTransformer(n_components=8, random_state=0).fit(X_train)
anomaly_score = {name: -ae.score_samples(images) for name, images in groups.items()}
for name, scores in anomaly_score.items():
    print(f"{name:>9}: median reconstruction error {np.median(scores):5.1f}")

# %%
# Most unusual images score far above most normal ones, but the groups overlap: a
# mirrored 0, 1 or 8 still looks like a digit, and a few genuine digits are badly
# written.
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
bins = np.linspace(0, np.percentile(np.concatenate(list(anomaly_score.values())), 99), 40)
for name, scores in anomaly_score.items():
    ax.hist(scores, bins=bins, density=True, alpha=0.5, label=name)
ax.set_xlabel("reconstruction error (minus score_samples)")
ax.set_ylabel("density")
ax.legend()
plt.show()

# %%
# How well does the score separate them?
# --------------------------------------
# The area under the ROC curve is the probability that a random unusual image scores
# higher than a random normal one. We compare with PCA at the same code size, whose
# reconstruction error is computed by hand (``PCA.score_samples`` is a
# log-likelihood, a different quantity).
pca = PCA(n_components=8).fit(X_train)


def pca_error(images):
    return np.mean((pca.inverse_transform(pca.transform(images)) - images) ** 2, axis=1)


fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
for ax, name in zip(axes, ["mirrored", "overlaid"]):
    is_odd = np.r_[np.zeros(len(X_normal)), np.ones(n_odd)]
    for label, errors in [
        ("autoencoder", np.r_[anomaly_score["normal"], anomaly_score[name]]),
        ("PCA", np.r_[pca_error(X_normal), pca_error(groups[name])]),
    ]:
        auc = roc_auc_score(is_odd, errors)
        print(f"{name:>9}, {label:>11}: ROC AUC {auc:.3f}")
        RocCurveDisplay.from_predictions(is_odd, errors, name=label, ax=ax)
    ax.set_title(f"normal vs {name}")
plt.show()

# %%
# Choosing a threshold
# --------------------
# In practice there are no labelled anomalies to draw a ROC curve from. A common rule
# is to flag whatever scores above a high percentile of the scores of normal rows.
# Take those rows from data the model did *not* train on: the model rebuilds its
# training rows better than new ones, so a threshold set on them flags far too many
# normal images. With the 99th percentile of the scores of the 15% of normal images
# kept aside, far fewer new normal images are flagged, a few percent (a 99th
# percentile estimated from about 270 rows is rough), along with most of the
# unusual ones. A higher threshold flags fewer of both.
thresholds = {
    "training rows": np.percentile(-ae.score_samples(X_train), 99),
    "rows kept aside": np.percentile(-ae.score_samples(X_threshold), 99),
}
for source, threshold in thresholds.items():
    flagged = ", ".join(f"{name} {np.mean(scores > threshold):.0%}" for name, scores in anomaly_score.items())
    print(f"threshold {threshold:5.1f} from {source:>15}: flagged {flagged}")

# %%
# The genuine digits with the highest scores are the oddest handwriting in the
# held-out set, shown here next to their reconstructions.
worst = np.argsort(anomaly_score["normal"])[::-1][:8]
rebuilt = ae.inverse_transform(ae.transform(X_normal[worst]))
fig, axes = plt.subplots(2, 8, figsize=(8, 2.4), layout="constrained")
for column, (original, reconstruction, index) in enumerate(zip(X_normal[worst], rebuilt, worst)):
    axes[0, column].imshow(original.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    axes[0, column].set_title(f"{anomaly_score['normal'][index]:.0f}", fontsize=9)
    axes[1, column].imshow(reconstruction.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("image")
axes[1, 0].set_ylabel("rebuilt")
plt.show()
