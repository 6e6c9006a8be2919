"""Write the persistence fixtures of ``tests/test_persistence_compat.py``.

Models saved by a released version must keep loading, and transforming the same way,
after the fitted state changes. This script fits one small model of each class and
saves it both ways a user would, next to the codes it gives for a fixed input:

- ``ae_v0_1_0.pkl`` and ``vae_v0_1_0.pkl``: :func:`joblib.dump` pickles (compressed);
- ``ae_v0_1_0.skops`` and ``vae_v0_1_0.skops``: :func:`skops.io.dump` files (deflated);
- ``ae_v0_1_0_expected.npy`` and ``vae_v0_1_0_expected.npy``: ``transform`` of
  ``load_digits`` rows 200:220 (float64).

Each model is fitted on the first 200 rows of ``load_digits`` with ``n_components=3``,
``hidden_layer_sizes=(16,)``, ``max_iter=3`` and ``random_state=0``.

The files in the repository were written by sklearn_ae 0.1.0 at commit 162970c (the
state before the command line moved to ``sklearn_ae.cli``). Do not rewrite them for a
newer version: they stand for files users already have. To add the fixtures of a new
release, change ``VERSION`` and run, from the repository root::

    python tests/data/make_persistence_fixtures.py
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERSION = "v0_1_0"
#: The input whose codes are stored: rows the models were not fitted on.
EXPECTED_ROWS = slice(200, 220)


def fixture_models():
    """The two small fitted models, by file prefix, and the input of the stored codes."""
    from sklearn.datasets import load_digits

    from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

    X = load_digits().data
    params = {"n_components": 3, "hidden_layer_sizes": (16,), "max_iter": 3, "random_state": 0}
    models = {
        "ae": AutoencoderTransformer(**params).fit(X[:200]),
        "vae": VariationalAutoencoderTransformer(**params).fit(X[:200]),
    }
    return models, X[EXPECTED_ROWS]


def main():
    import warnings
    import zipfile

    import joblib
    import numpy as np
    import skops.io

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs do not converge, on purpose: small files
        models, X = fixture_models()
    for prefix, model in models.items():
        stem = HERE / f"{prefix}_{VERSION}"
        joblib.dump(model, stem.with_suffix(".pkl"), compress=3)
        skops.io.dump(model, stem.with_suffix(".skops"), compression=zipfile.ZIP_DEFLATED)
        np.save(f"{stem}_expected.npy", model.transform(X).astype(np.float64))
        print(f"wrote {stem.name}.pkl, .skops and _expected.npy")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))  # this checkout's sklearn_ae, not an installed one
    main()
