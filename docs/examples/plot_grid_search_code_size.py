"""
==================================================
Choosing the code size in a pipeline
==================================================

A reducer followed by a classifier is a common :class:`~sklearn.pipeline.Pipeline`.
Here :class:`~sklearn.model_selection.GridSearchCV` chooses both *which* reducer
(:class:`~sklearn.decomposition.PCA` or :class:`~sklearn_ae.AutoencoderTransformer`)
and *how many* features it keeps, by the cross-validated accuracy of a logistic
regression trained on those features.
"""

# %%
# The pipeline and the grid
# -------------------------
# The ``reduce`` step is itself a grid parameter, so one search compares both
# reducers at every code size. The autoencoder trains with its default settings:
# each fit stops when its error on a tenth of its training rows, held out by
# ``fit``, stops improving.
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_ae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

pipe = Pipeline(
    [
        ("reduce", PCA()),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(max_iter=2000)),
    ]
)
sizes = [2, 4, 8, 16]
grid = {
    "reduce": [PCA(), AutoencoderTransformer(random_state=0)],
    "reduce__n_components": sizes,
}
search = GridSearchCV(pipe, grid, cv=3).fit(X_train, y_train)

print("best:", search.best_params_)
print(f"cross-validated accuracy {search.best_score_:.3f}")
print(f"held-out accuracy        {search.score(X_test, y_test):.3f}")

# %%
# Accuracy against code size
# --------------------------
# The gap between the two reducers is largest for the shortest codes, where the
# autoencoder packs more of what distinguishes the digits into a few numbers; as the
# code grows, PCA's features catch up.
results = pd.DataFrame(search.cv_results_)
results["reducer"] = results["param_reduce"].map(lambda step: type(step).__name__)
results["n_components"] = results["param_reduce__n_components"].astype(int)
print(results.pivot(index="n_components", columns="reducer", values="mean_test_score").round(3))

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, rows in results.groupby("reducer"):
    ax.errorbar(
        rows["n_components"],
        rows["mean_test_score"],
        yerr=rows["std_test_score"],
        marker="o",
        capsize=3,
        label=name,
    )
ax.set_xscale("log", base=2)
ax.set_xticks(sizes, labels=[str(size) for size in sizes])
ax.set_xlabel("code size (n_components)")
ax.set_ylabel("cross-validated accuracy")
ax.legend()
plt.show()

# %%
# Accuracy keeps creeping up with the code size, so the best score tends to pick the
# largest code in the grid. When a smaller code is worth a little accuracy, pass
# ``GridSearchCV`` a callable ``refit`` that picks the smallest candidate within a
# tolerance of the best; :ref:`model-selection` in the user guide shows one, for the
# label-free case.
