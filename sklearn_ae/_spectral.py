"""``init="spectral"``: training first pulls the codes toward the kNN graph's spectral layout.

A network that starts at PCA keeps PCA's view of the data's global shape. On a rolled-up
sheet (the swiss roll) that view is the roll seen end-on, folded onto itself, and
neither the reconstruction loss nor the neighbour term unfolds it later: both improve
the map locally. The spectral layout of the training rows' kNN graph (Laplacian
eigenmaps, UMAP's default start) does unfold it.

With ``init="spectral"`` the network still starts at PCA's solution, and the first
:data:`PULL_STEPS` training steps (at most half the planned steps, :func:`pull_steps`)
add :data:`PULL_WEIGHT` times the squared distance between each training row's code
and its place in that layout, relative to the layout's spread. The layout is scaled
to the PCA code's spread, so the pull moves codes without inflating or shrinking
them. Afterwards training goes on as with ``"pca"``. While the pull lasts, the
stopping rule counts no misses (``KeepBest.observe``). On data made of separate
clusters the layout is poor, and the pull costs quality (docs/user_guide/neighbors.rst).
A graph in pieces has no useful layout (each piece's first eigenvectors are constant
on it, so pieces collapse to points): the pull is then left out, with a warning
(:func:`pieces`). So is a layout with no spread (constant data).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.csgraph import connected_components

#: Training steps during which the codes are pulled toward the layout; chosen by
#: measurement on the swiss roll (benchmarks/bench_embedding.py: 400 and 1,600 too).
PULL_STEPS = 800

#: Weight of the pull, against the reconstruction's mean squared error in scaled units.
#: The benchmarked fits (10% held out) divided by the layout's spread over every row
#: of the fit, held-out rows counted as zeros: 10/9 of this weight over the training
#: rows. The spread is now the training rows' in every fit, and this weight keeps those
#: fits (with 1.0, seeds 0 and 2 of the 3,000-row roll ended at 3x the error in a
#: development check, not a benchmark); fits
#: without held-out rows, which had 1.0, now get it too.
PULL_WEIGHT = 10 / 9


#: Eigenvectors computed beyond ``n_components``, among which the layout's axes are chosen.
EXTRA_CANDIDATES = 8

#: A candidate is a new axis when the axes chosen so far leave more than this share of
#: it unexplained; the first such candidate (the lowest eigenvalue) is taken, as mixed
#: waves later in the order also score high.
NEW_AXIS = 0.5

#: Rows (drawn once, seeded) on which the candidates are scored, and the neighbours of
#: each in the local linear regression.
SCORED_ROWS, REGRESSION_NEIGHBORS = 2_000, 30


#: Edges at most this heavy do not join pieces: a small far group's rows meet their
#: bandwidth target among themselves, and their edges to the rest come out near 1e-150,
#: joined on paper while the layout's first axis splits them off and squashes the rest.
WEAKEST_JOINING_EDGE = 1e-12


def pieces(graph):
    """The number of connected pieces of the symmetric ``graph`` (edges above
    :data:`WEAKEST_JOINING_EDGE` only)."""
    strong = graph.copy()
    strong.data[strong.data <= WEAKEST_JOINING_EDGE] = 0
    strong.eliminate_zeros()
    return connected_components(strong, directed=False)[0]


def pull_steps(n_train, batch_size, max_iter):
    """:data:`PULL_STEPS`, or half the fit's planned steps when that is fewer.

    Up to 512 training rows (at the default batches and ``max_iter``) a fit plans at
    most 800 steps, so the pull held to its end: the stopping rule, which counts no
    misses while the pull holds, could never stop it. Half leaves the stopping rule
    half the epochs; from about 900 training rows on (at the defaults) the pull keeps
    its 800 steps.
    """
    per_epoch = -(-n_train // batch_size)
    return max(1, min(PULL_STEPS, per_epoch * max_iter // 2))


def spectral_layout(graph, n_components, seed):
    """Eigenvectors of ``graph``'s normalised Laplacian that are not harmonics of each other.

    On a sheet much longer than wide, the eigenvectors after the first are waves along
    the length (``cos 2t``, ``cos 3t``, ...) before one follows the width. Those carry
    nothing new: each is a function of the first. The first axis is the smallest
    non-trivial eigenvector; each next one is the first candidate that the axes chosen
    so far do not predict, by local linear regression (Dsilva et al., 2018). One column
    per code dimension, each with zero mean and unit standard deviation.
    """
    from sklearn.manifold import spectral_embedding

    n_candidates = min(n_components + EXTRA_CANDIDATES, graph.shape[0] - 2)
    vectors = spectral_embedding(graph, n_components=n_candidates, drop_first=True, random_state=seed)
    vectors = vectors - vectors.mean(axis=0)
    vectors = vectors / np.maximum(vectors.std(axis=0), 1e-12)
    scored = vectors[np.random.RandomState(seed).permutation(len(vectors))[:SCORED_ROWS]]
    chosen = [0]
    while len(chosen) < min(n_components, n_candidates):
        rest = [j for j in range(n_candidates) if j not in chosen]
        residuals = _unexplained(scored[:, chosen], scored[:, rest])
        new = np.flatnonzero(residuals > NEW_AXIS)  # in eigenvalue order: the slowest new wave
        chosen.append(rest[new[0] if len(new) else int(np.argmax(residuals))])
    layout = vectors[:, chosen]
    if layout.shape[1] < n_components:  # fewer rows than axes: pad with zeros
        layout = np.hstack([layout, np.zeros((len(layout), n_components - layout.shape[1]))])
    return layout


def _unexplained(A, V):
    """Share of each column of ``V`` that a local linear regression on ``A`` leaves unexplained.

    Each row's value is predicted from its nearest rows in ``A`` (itself left out),
    weighted by a Gaussian kernel of the median neighbour distance; the neighbours and
    the regression's normal equations are shared by all columns.
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(REGRESSION_NEIGHBORS, len(A) - 1)
    if k < A.shape[1] + 1:
        return np.ones(V.shape[1])
    # Without a query each row is left out of its own neighbours, even where rows tie.
    distances, indices = NearestNeighbors(n_neighbors=k).fit(A).kneighbors()
    weights = np.exp(-((distances / max(np.median(distances), 1e-12)) ** 2))
    design = np.concatenate([np.ones((*indices.shape, 1)), A[indices] - A[:, None, :]], axis=2)
    weighted = design * weights[:, :, None]
    normal = np.einsum("nki,nkj->nij", weighted, design) + 1e-9 * np.eye(design.shape[2])
    beta = np.linalg.solve(normal, np.einsum("nki,nkc->nic", weighted, V[indices]))  # (n, 1 + d, c)
    fitted = beta[:, 0, :]  # each row's prediction: the local intercept
    return np.sqrt(np.mean((V - fitted) ** 2, axis=0) / np.maximum(np.mean(V**2, axis=0), 1e-12))


class SpectralPull:
    """For the first ``steps`` training steps: ``weight * mean ||z - y||^2 / mean ||y||^2``.

    ``layout`` holds the target ``y`` of every training row, indexed by the full data's
    row indices (other rows are never drawn); ``z`` are the batch's codes from the
    forward pass. ``norm`` is ``mean ||y||^2`` over the training rows (by default over
    every row of ``layout``).
    """

    def __init__(self, layout: torch.Tensor, steps=None, weight=None, norm=None):
        self.layout = layout
        self.steps = PULL_STEPS if steps is None else steps
        self.weight = PULL_WEIGHT if weight is None else weight
        if norm is None:
            norm = float(layout.square().sum(dim=1).mean())
        self.norm = max(norm, 1e-12)
        self.taken = 0

    @classmethod
    def build(cls, graph, train_ids, n_total, spread, seed, dtype, device, steps=None):
        """The pull toward ``graph``'s layout, each column scaled to ``spread`` (the PCA code's).

        None when the layout has no spread (constant data: PCA's code is 0 there).
        """
        layout = spectral_layout(graph, len(spread), seed) * np.asarray(spread)
        full = np.zeros((n_total, len(spread)))
        full[train_ids] = layout
        # The held-out rows' zeros in ``full`` are not targets: the norm is the training rows'.
        norm = float(np.square(layout).sum(axis=1).mean())
        if not norm > 1e-12:
            return None
        return cls(torch.as_tensor(full, dtype=dtype, device=device), steps=steps, norm=norm)

    @property
    def holding(self):
        """Still pulling: the stopping rule counts no misses meanwhile (``KeepBest``)."""
        return self.taken < self.steps

    def __call__(self, module, ids, codes):
        if self.taken >= self.steps:
            return 0.0
        self.taken += 1
        target = self.layout[ids]
        return self.weight * (codes - target).square().sum(dim=1).mean() / self.norm
