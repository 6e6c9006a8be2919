"""Write ``complete_data_expected.npz``: fits on complete data, before NaN support.

Run at commit de556c9 (the last commit before missing values were accepted) with
``OMP_NUM_THREADS=1 python tests/data/make_complete_data_fixtures.py``. The test
``tests/test_missing.py::test_complete_data_fits_as_before`` refits the same
configurations and compares, so accepting NaN cannot change fits on data without it.

The configurations that hold rows out give ``learning_rate_init=1e-3`` explicitly:
at de556c9 that is what ``"auto"`` meant, and it keeps them clear of the later boost of
``"auto"`` (``AUTO_BOOST`` in ``sklearn_ae/_training.py``), which changed default fits
on purpose and is not what this comparison guards.
"""

from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

from sklearn_ae import AutoencoderTransformer, VariationalAutoencoderTransformer

#: name -> (class, parameters); each is fitted on load_digits rows 0:600.
CONFIGS = {
    "default": (AutoencoderTransformer, {"n_components": 4, "learning_rate_init": 1e-3}),
    "denoising_dropout": (
        AutoencoderTransformer,
        {
            "n_components": 4,
            "noise": 0.5,
            "dropout": 0.1,
            "hidden_layer_sizes": (32,),
            "learning_rate_init": 1e-3,
        },
    ),
    "penalties_no_holdout": (
        AutoencoderTransformer,
        {
            "n_components": 3,
            "sparsity": 0.5,
            "contractive": 0.1,
            "early_stopping": False,
            "hidden_layer_sizes": (32,),
        },
    ),
    "vae": (VariationalAutoencoderTransformer, {"n_components": 2, "hidden_layer_sizes": (32,)}),
}


def fit_all():
    """``{name: codes of rows 600:640, score of rows 600:700}`` for each configuration."""
    X = load_digits().data
    results = {}
    for name, (cls, params) in CONFIGS.items():
        model = cls(**params, max_iter=15, random_state=0).fit(X[:600])
        results[f"{name}_codes"] = model.transform(X[600:640])
        results[f"{name}_score"] = np.array(model.score(X[600:700]))
    return results


if __name__ == "__main__":
    torch.set_num_threads(1)
    np.savez(Path(__file__).parent / "complete_data_expected.npz", **fit_all())
