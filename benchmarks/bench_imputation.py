"""Missing values: AutoencoderImputer against scikit-learn's imputers, and encoding incomplete rows.

Data: ``load_digits().data`` (1,797 x 64) and ``load_breast_cancer().data`` (569 x 30),
split by ``train_test_split(test_size=0.25, random_state=seed)``. Missing entries are
drawn in BOTH the training and the held-out rows (independently), from a
``np.random.default_rng(seed)`` made afresh for each case, so at one seed the 10%, 20%
and 40% MCAR masks of a data set are nested.

Imputation error: every imputer is fitted on the incomplete training rows and
transforms the incomplete held-out rows. The error is the RMSE over the missing
entries of the held-out rows, each feature's error divided by that feature's standard
deviation over the complete training rows (a standard deviation of 0 counts as 1;
digits has a few always-0 pixels, where every imputer is exact). Imputers:
``SimpleImputer()`` (mean), ``KNNImputer()``, ``IterativeImputer(max_iter=10,
random_state=0)``, ``AutoencoderImputer(random_state=0)`` (its default
``inference="map"``) and ``AutoencoderImputer(random_state=0, inference="encoder")``, all
at their defaults otherwise. Time is wall time of ``fit`` on the training rows plus ``transform`` of
the held-out rows, the five run in a shuffled order per seed. Reported: the median
over seeds of each RMSE and time, and the median of the per-seed ratios "AE RMSE /
the better of KNN's and Iterative's RMSE" and "AE time / Iterative's time".

Cases (the rule applies to training and held-out rows alike):

- MCAR 10%, 20%, 40%: each entry missing independently with that probability
  (digits and breast cancer);
- digits, 4x4 block: in every row one 4x4 block of the 8x8 image is missing (16 of 64
  entries), its top-left corner drawn uniformly among the 5 x 5 positions that keep it
  inside the image, independently per row;
- MNAR (missing not at random), top 20%: with ``q_j`` the 80th percentile
  (``np.percentile(X_train[:, j], 80)``, linear interpolation) of feature ``j`` over the
  complete training rows, each entry with ``x_ij > q_j`` (strictly) is missing with
  probability 0.5, independently; entries ``<= q_j`` are never missing (breast cancer
  and digits). For digits many pixels are 0 in most images, so ``q_j`` is often 0 and
  every non-zero value of such a pixel is a candidate; pixels whose 80th percentile is
  their maximum (16) lose nothing.

Encoding table: digits at 20% MCAR (same rule and split). ``AutoencoderTransformer(k,
random_state=0)`` is fitted directly on the incomplete training rows, against
``make_pipeline(SimpleImputer(), PCA(k))``, at k = 2 and 8. Error: the reconstruction
MSE over the OBSERVED entries of the held-out rows, in pixel units (ours:
``-model.score(X_held)``; the pipeline: ``pipe[-1].inverse_transform(pipe.transform(X_held))``
compared at the observed entries). Fit times on the training rows.

Code-size table: ``AutoencoderImputer(n_components=..., random_state=0)`` with
``n_components`` in {ceil(d/8), ceil(d/4) (= "auto"), ceil(d/2)}, d the number of
features, on digits (d = 64) and breast cancer (d = 30) at 20% MCAR; imputation RMSE as
above and fit + transform time.

Composition table: digits at 20% MCAR, per seed, the AE's RMSE over the better of KNN
and Iterative (the refitted imputers of the first table, untimed), over all pixels and
over the pixels whose standard deviation over the complete training rows is at least
``NEAR_CONSTANT`` (0.5, of 0 to 16), and the share of each one's squared standardised
error carried by its 5 largest missing held-out entries.

Seeds: 5 in the full run (0 to 4), 1 with ``--quick`` (0); ``--rounds N`` sets the
number of seeds. ``--quick`` runs every case and table, only with one seed.

    python benchmarks/bench_imputation.py            # the reference run
    python benchmarks/bench_imputation.py --quick    # one seed
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
from _common import (
    add_common_args,
    command_line,
    interleaved,
    markdown_table,
    median,
    pyplot,
    savefig,
    setup,
    timed,
    write_report,
)
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_ae import AutoencoderImputer, AutoencoderTransformer

IMPUTERS = {
    "Mean": lambda: SimpleImputer(),
    "KNN": lambda: KNNImputer(),
    "Iterative": lambda: IterativeImputer(max_iter=10, random_state=0),
    "AE": lambda: AutoencoderImputer(random_state=0),
    "AE (encoder)": lambda: AutoencoderImputer(random_state=0, inference="encoder"),
}
ENCODER = "AE (encoder)"


# ------------------------------------------------------------------- masks


def mcar(rate):
    def mask(X, X_train, rng):
        return rng.random(X.shape) < rate

    return mask


def block4x4(X, X_train, rng):
    out = np.zeros(X.shape, dtype=bool)
    corners = rng.integers(0, 5, size=(len(X), 2))
    image = out.reshape(len(X), 8, 8)
    for i, (r, c) in enumerate(corners):
        image[i, r : r + 4, c : c + 4] = True
    return out


def mnar_top20(X, X_train, rng):
    q = np.percentile(X_train, 80, axis=0)
    return (X > q) & (rng.random(X.shape) < 0.5)


DATA = {"digits": lambda: load_digits().data, "breast cancer": lambda: load_breast_cancer().data}

CASES = [
    ("digits", "MCAR 10%", mcar(0.10)),
    ("digits", "MCAR 20%", mcar(0.20)),
    ("digits", "MCAR 40%", mcar(0.40)),
    ("breast cancer", "MCAR 10%", mcar(0.10)),
    ("breast cancer", "MCAR 20%", mcar(0.20)),
    ("breast cancer", "MCAR 40%", mcar(0.40)),
    ("digits", "4x4 block", block4x4),
    ("digits", "MNAR top 20%", mnar_top20),
    ("breast cancer", "MNAR top 20%", mnar_top20),
]


def make_case(data, rule, seed):
    """Complete and incomplete training and held-out rows, and the held-out mask."""
    X = DATA[data]()
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
    rng = np.random.default_rng(seed)
    m_train = rule(X_train, X_train, rng)
    m_test = rule(X_test, X_train, rng)
    if (m_train.all(axis=0)).any():
        raise RuntimeError(f"{data}: a feature has no observed training value")
    return (
        X_train,
        X_test,
        np.where(m_train, np.nan, X_train),
        np.where(m_test, np.nan, X_test),
        m_train,
        m_test,
    )


def scaled_rmse(X_imputed, X_test, m_test, X_train):
    if X_imputed.shape != X_test.shape:
        raise RuntimeError(f"imputer returned shape {X_imputed.shape}, expected {X_test.shape}")
    sd = X_train.std(axis=0)
    sd[sd == 0] = 1.0
    err = (X_imputed - X_test) / sd
    return float(np.sqrt(np.mean(err[m_test] ** 2)))


def compare_imputers(data, rule, seed, imputers):
    """One seed: {name: rmse}, {name: seconds}, {name: epochs}, errors, missing shares."""
    X_train, X_test, Xm_train, Xm_test, m_train, m_test = make_case(data, rule, seed)
    outputs, epochs = {}, {}

    def run(name, make):
        def go():
            model = make()
            outputs[name] = model.fit(Xm_train).transform(Xm_test)
            epochs[name] = getattr(model, "n_iter_", None)

        return go

    times, _, errors = interleaved({n: run(n, f) for n, f in imputers.items()}, 1, seed=seed)
    rmse = {n: scaled_rmse(out, X_test, m_test, X_train) for n, out in outputs.items()}
    secs = {n: ts[0] for n, ts in times.items() if ts}
    return rmse, secs, epochs, errors, (float(m_train.mean()), float(m_test.mean()))


# ------------------------------------------------------------------ tables


def imputation_table(seeds):
    rows, plot_data, all_errors = [], [], {}
    for data, label, rule in CASES:
        per = {n: [] for n in IMPUTERS}
        per_t = {n: [] for n in IMPUTERS}
        ratio_rmse, ratio_encoder, ratio_time, ae_epochs, shares = [], [], [], [], []
        for seed in seeds:
            rmse, secs, epochs, errors, share = compare_imputers(data, rule, seed, IMPUTERS)
            for n, msg in errors.items():
                all_errors[f"{data}, {label}, seed {seed}, {n}"] = msg
            for n in IMPUTERS:
                if n in rmse:
                    per[n].append(rmse[n])
                    per_t[n].append(secs[n])
            if {"AE", "KNN", "Iterative", ENCODER} <= rmse.keys():
                ratio_rmse.append(rmse["AE"] / min(rmse["KNN"], rmse["Iterative"]))
                ratio_encoder.append(rmse[ENCODER] / min(rmse["KNN"], rmse["Iterative"]))
                ratio_time.append(secs["AE"] / secs["Iterative"])
                ae_epochs.append(epochs["AE"])
            shares.append(share)
        med = {n: median(v) for n, v in per.items()}
        med_t = {n: median(v) for n, v in per_t.items()}
        share_test = median([s[1] for s in shares])
        rows.append(
            [
                data,
                label,
                f"{100 * median([s[0] for s in shares]):.1f}% / {100 * share_test:.1f}%",
                *(med[n] for n in IMPUTERS),
                median(ratio_rmse),
                median(ratio_encoder),
                *(med_t[n] for n in IMPUTERS),
                median(ratio_time),
                median(ae_epochs),
            ]
        )
        plot_data.append((f"{data}\n{label}", med))
        print(f"done: {data}, {label}", flush=True)
    header = [
        "data",
        "missing",
        "missing share (train / held-out)",
        *(f"{n} RMSE" for n in IMPUTERS),
        "AE / best of KNN, Iterative",
        "AE (encoder) / best",
        *(f"{n} s" for n in IMPUTERS),
        "AE time / Iterative's",
        "AE epochs",
    ]
    return markdown_table(header, rows), plot_data, all_errors


def encoding_seed(k, seed):
    """One seed of the encoding table: held-out MSEs over observed entries, fit seconds, errors."""
    _, _, Xm_train, Xm_test, _, m_test = make_case("digits", mcar(0.20), seed)
    observed = ~m_test
    fitted = {}

    def ours():
        fitted["ours"] = AutoencoderTransformer(k, random_state=0).fit(Xm_train)

    def pipe():
        fitted["pipe"] = make_pipeline(SimpleImputer(), PCA(k)).fit(Xm_train)

    times, _, errors = interleaved({"ours": ours, "pipe": pipe}, 1, seed=seed)
    if errors:
        return None, None, errors
    p = fitted["pipe"]
    recon = p[-1].inverse_transform(p.transform(Xm_test))
    mse = {
        "ours": -fitted["ours"].score(Xm_test),
        "pipe": float(np.mean((recon[observed] - Xm_test[observed]) ** 2)),
    }
    return mse, {n: ts[0] for n, ts in times.items()}, errors


def encoding_table(seeds):
    rows, errors = [], {}
    for k in (2, 8):
        mse = {"ours": [], "pipe": []}
        secs = {"ours": [], "pipe": []}
        ratios = []
        for seed in seeds:
            this, this_secs, errs = encoding_seed(k, seed)
            errors.update({f"k={k}, seed {seed}, {n}": m for n, m in errs.items()})
            if this is None:
                continue
            for n in mse:
                mse[n].append(this[n])
                secs[n].append(this_secs[n])
            ratios.append(this["ours"] / this["pipe"])
        rows.append(
            [
                k,
                median(mse["ours"]),
                median(mse["pipe"]),
                median(ratios),
                median(secs["ours"]),
                median(secs["pipe"]),
            ]
        )
        print(f"done: encoding k={k}", flush=True)
    header = [
        "k",
        "AutoencoderTransformer held-out MSE (observed)",
        "SimpleImputer + PCA held-out MSE (observed)",
        "ours / pipeline",
        "ours fit s",
        "pipeline fit s",
    ]
    return markdown_table(header, rows), errors


def code_size_table(seeds):
    rows, errors = [], {}
    for data in ("digits", "breast cancer"):
        d = DATA[data]().shape[1]
        sizes = {
            f"ceil(d/8) = {math.ceil(d / 8)}": math.ceil(d / 8),
            f"ceil(d/4) = {math.ceil(d / 4)} (auto)": "auto",
            f"ceil(d/2) = {math.ceil(d / 2)}": math.ceil(d / 2),
        }
        imputers = {
            label: (lambda size=size: AutoencoderImputer(n_components=size, random_state=0))
            for label, size in sizes.items()
        }
        auto = next(label for label in sizes if "auto" in label)
        per = {n: [] for n in imputers}
        per_t = {n: [] for n in imputers}
        per_ratio = {n: [] for n in imputers}
        per_epochs = {n: [] for n in imputers}
        for seed in seeds:
            rmse, secs, epochs, errs, _ = compare_imputers(data, mcar(0.20), seed, imputers)
            errors.update({f"{data}, seed {seed}, {n}": m for n, m in errs.items()})
            for n in rmse:
                per[n].append(rmse[n])
                per_t[n].append(secs[n])
                per_epochs[n].append(epochs[n])
                if auto in rmse:
                    per_ratio[n].append(rmse[n] / rmse[auto])
        for n in imputers:
            rows.append(
                [data, n, median(per[n]), median(per_ratio[n]), median(per_t[n]), median(per_epochs[n])]
            )
        print(f"done: code size, {data}", flush=True)
    header = ["data", "n_components", "RMSE", "RMSE / auto's", "fit + transform s", "epochs"]
    return markdown_table(header, rows), errors


#: Pixels whose standard deviation over the complete training rows is below this (of
#: 0 to 16) are "near-constant" in the composition table.
NEAR_CONSTANT = 0.5


def _top_share(squared, top=5):
    """The share of the summed ``squared`` errors carried by its ``top`` largest entries."""
    return float(np.sort(squared.ravel())[-top:].sum() / squared.sum())


def composition_table(seeds):
    """Digits, 20% MCAR: how much of each seed's RMSE a handful of entries carry.

    A pixel that is almost always 0 has a standard deviation of a few hundredths, so
    one held-out entry of value 1 or 2 there, missing, costs (1 / 0.04)^2 = 625 in
    squared standardised error, as much as hundreds of ordinary entries.
    """
    rows = []
    for seed in seeds:
        X_train, X_test, Xm_train, Xm_test, _, m_test = make_case("digits", mcar(0.20), seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            filled = {n: IMPUTERS[n]().fit(Xm_train).transform(Xm_test) for n in ("AE", "KNN", "Iterative")}
        sd = X_train.std(axis=0)
        ordinary = sd >= NEAR_CONSTANT
        sd[sd == 0] = 1.0
        squared = {n: np.where(m_test, ((out - X_test) / sd) ** 2, 0.0) for n, out in filled.items()}
        best = min(("KNN", "Iterative"), key=lambda n: squared[n].sum())
        ae, other = squared["AE"], squared[best]
        rows.append(
            [
                seed,
                int(m_test.sum()),
                best,
                float(np.sqrt(ae.sum() / other.sum())),
                float(np.sqrt(ae[:, ordinary].sum() / other[:, ordinary].sum())),
                _top_share(ae),
                _top_share(other),
                int((~ordinary).sum()),
            ]
        )
    header = [
        "seed",
        "missing held-out entries",
        "best of KNN, Iterative",
        "AE RMSE / best's",
        f"the same, pixels with std >= {NEAR_CONSTANT}",
        "AE: share of squared error in its 5 largest entries",
        "best: the same",
        f"pixels with std < {NEAR_CONSTANT}",
    ]
    return markdown_table(header, rows)


def plot(plot_data, n_seeds):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(13, 4.5))
    width = 0.8 / len(IMPUTERS)
    x = np.arange(len(plot_data))
    colors = {
        "Mean": "tab:gray",
        "KNN": "tab:blue",
        "Iterative": "tab:green",
        "AE": "tab:red",
        ENCODER: "lightcoral",
    }
    for i, name in enumerate(IMPUTERS):
        heights = [med.get(name, float("nan")) for _, med in plot_data]
        labels = {"AE": "AutoencoderImputer", ENCODER: 'AutoencoderImputer(inference="encoder")'}
        label = labels.get(name, name)
        ax.bar(x + (i - (len(IMPUTERS) - 1) / 2) * width, heights, width, label=label, color=colors[name])
    ax.set_xticks(x)
    ax.set_xticklabels([label for label, _ in plot_data], fontsize=8)
    ax.set_ylabel("held-out imputation RMSE (per-feature std units)")
    ax.set_title(f"Imputation error by case (median over {n_seeds} seed{'s' if n_seeds > 1 else ''})")
    ax.legend(fontsize=8)
    savefig(fig, "bench_imputation")


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    args = parser.parse_args()
    setup(args)
    n_seeds = args.rounds or (1 if args.quick else 5)
    seeds = list(range(n_seeds))
    start = time.perf_counter()
    # Untimed warm-up: imports and first-call allocations of torch and scikit-learn.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = np.where(np.random.default_rng(0).random((200, 64)) < 0.2, np.nan, load_digits().data[:200])
        timed(lambda: AutoencoderImputer(max_iter=2, random_state=0).fit(small).transform(small))
        timed(lambda: IterativeImputer(max_iter=1, random_state=0).fit(small).transform(small))

    imputation, plot_data, err1 = imputation_table(seeds)
    encoding, err2 = encoding_table(seeds)
    sizes, err3 = code_size_table(seeds)
    composition = composition_table(seeds)
    errors = {**err1, **err2, **err3}
    total = time.perf_counter() - start

    header = (
        "Exact rules in the script's docstring. `train_test_split(test_size=0.25, random_state=seed)`, "
        f"seeds {seeds}, medians over seeds (ratios: median of the per-seed ratios). Missing entries "
        "are drawn in both the training and the held-out rows. Every imputer is fitted on the "
        "incomplete training rows and transforms the incomplete held-out rows. RMSE is over the "
        "missing entries of the held-out rows, each feature's error divided by its standard "
        "deviation over the complete training rows (0 -> 1). Imputers: `SimpleImputer()` (Mean), "
        "`KNNImputer()` (KNN), `IterativeImputer(max_iter=10, random_state=0)` (Iterative), "
        "`AutoencoderImputer(random_state=0)` (AE: codes fitted to each row's observed entries, "
        'the default `inference="map"`), `AutoencoderImputer(random_state=0, inference="encoder")` '
        "(AE (encoder): the encoder's codes, what the ONNX export computes; a fit of its own, "
        "identical to AE's). Time: fit on the training rows + transform of the held-out rows, the "
        "five in a shuffled order per seed, one thread.\n\n"
        "Cases: MCAR p = each entry missing independently with probability p; 4x4 block = in "
        "every row (training and held-out) one 4x4 block of the 8x8 image missing, its position "
        "uniform per row; MNAR top 20% = each entry strictly above its feature's 80th "
        "percentile over the training rows is missing with probability 0.5, other entries "
        "never (for digits many pixels have an 80th percentile of 0, so all their non-zero "
        "values are candidates)."
    )
    notes = f"Total run time {total / 60:.1f} min."
    if errors:
        notes += f" Errors: {errors}"
    else:
        notes += " No imputer failed."
    write_report(
        "bench_imputation",
        "Missing values: imputation and encoding of incomplete rows",
        [
            ("Protocol", header),
            ("Imputation RMSE and time", imputation),
            (
                "Encoding incomplete rows (digits, 20% MCAR)",
                "`AutoencoderTransformer(k, random_state=0)` fitted on the incomplete training rows "
                "against `make_pipeline(SimpleImputer(), PCA(k))`; reconstruction MSE over the "
                "observed entries of the held-out rows (pixel units, ours: `-model.score(X_held)`), "
                "fit times on the training rows.\n\n" + encoding,
            ),
            (
                "AutoencoderImputer code size (20% MCAR)",
                "`AutoencoderImputer(n_components=..., random_state=0)`, d = number of features; "
                "RMSE as in the first table; 'RMSE / auto's' is the median of the per-seed ratios.\n\n"
                + sizes,
            ),
            (
                "What the digits' RMSE is made of (20% MCAR)",
                "Per seed, the same fits as the first table's (refitted, untimed). The RMSE divides each "
                "pixel's error by its standard deviation over the complete training rows; a pixel that is "
                "almost always 0 has one of a few hundredths, so a rare non-zero value of it, missing, "
                "outweighs hundreds of ordinary entries. 'Best' is the better of KNN and Iterative at that "
                "seed; the fifth column leaves out the pixels with a standard deviation below "
                f"{NEAR_CONSTANT} (of 0 to 16); the shares are of each imputer's total squared "
                "standardised error over the missing held-out entries.\n\n" + composition,
            ),
            ("Notes", notes),
        ],
        command_line(),
    )
    plot(plot_data, n_seeds)


if __name__ == "__main__":
    main()
