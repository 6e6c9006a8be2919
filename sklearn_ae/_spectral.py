"""``init="spectral"``: training first pulls the codes toward the kNN graph's spectral layout.

A network that starts at PCA keeps PCA's view of the data's global shape. On a rolled-up
sheet (the swiss roll) that view is the roll seen end-on, folded onto itself, and
neither the reconstruction loss nor the neighbour term unfolds it later: both improve
the map locally. The spectral layout of the training rows' kNN graph (Laplacian
eigenmaps, UMAP's default start) does unfold it.

With ``init="spectral"`` the network still starts at PCA's solution, and the first
:data:`PULL_STEPS` training steps add :data:`PULL_WEIGHT` times the squared distance
between each training row's code and its place in that layout, relative to the
layout's spread. The layout is scaled to the PCA code's spread, so the pull moves codes
without inflating or shrinking them. Afterwards training goes on as with ``"pca"``.
On data made of separate clusters the layout is poor, and the pull costs quality; on
a sheet much longer than high (the S-curve) the layout's second axis is a harmonic of
the first, and the fit keeps PCA's start (docs/user_guide/neighbors.rst).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

#: Training steps during which the codes are pulled toward the layout; chosen by
#: measurement on the swiss roll (benchmarks/bench_embedding.py).
PULL_STEPS = 1600

#: Weight of the pull, against the reconstruction's mean squared error in scaled units.
PULL_WEIGHT = 1.0


def spectral_layout(graph, n_components, seed):
    """The ``n_components`` smallest non-trivial eigenvectors of ``graph``'s normalised Laplacian.

    One column per code dimension, each with zero mean and unit standard deviation.
    """
    from sklearn.manifold import spectral_embedding

    with warnings.catch_warnings():  # a graph in pieces still gets a layout; see the docs
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        layout = spectral_embedding(graph, n_components=n_components, drop_first=True, random_state=seed)
    layout = layout - layout.mean(axis=0)
    return layout / np.maximum(layout.std(axis=0), 1e-12)


class SpectralPull:
    """For the first ``steps`` training steps: ``weight * mean ||z - y||^2 / mean ||y||^2``.

    ``layout`` holds the target ``y`` of every training row, indexed by the full data's
    row indices (other rows are never drawn); ``z`` are the batch's codes from the
    forward pass.
    """

    def __init__(self, layout: torch.Tensor, steps=None, weight=None):
        self.layout = layout
        self.steps = PULL_STEPS if steps is None else steps
        self.weight = PULL_WEIGHT if weight is None else weight
        self.spread = float(layout.square().sum(dim=1).mean().clamp_min(1e-12))
        self.taken = 0

    @classmethod
    def build(cls, graph, train_ids, n_total, spread, seed, like):
        """The pull toward ``graph``'s layout, each column scaled to ``spread`` (the PCA code's)."""
        layout = spectral_layout(graph, len(spread), seed) * np.asarray(spread)
        full = np.zeros((n_total, len(spread)))
        full[train_ids] = layout
        return cls(torch.as_tensor(full, dtype=like.dtype, device=like.device))

    def __call__(self, module, ids, codes):
        if self.taken >= self.steps:
            return 0.0
        self.taken += 1
        target = self.layout[ids]
        return self.weight * (codes - target).square().sum(dim=1).mean() / self.spread
