"""Neighbour preservation (``neighbors > 0``): UMAP's graph and loss on the codes.

The training rows' k-nearest-neighbour graph is weighted as UMAP weights it (fuzzy
memberships with a per-row bandwidth, symmetrised). Each training step draws, for
every row of the batch, one graph neighbour with probability proportional to the
edge's weight; the pair's codes attract, and the other rows of the batch repel, with
UMAP's low-dimensional similarity ``1 / (1 + a d^(2b))``. The term shapes training
only: held-out stopping monitors the reconstruction of the validation rows, so the
kept weights are never worse than PCA's start there. (Monitoring the neighbour term on
held-out rows too stopped swiss-roll fits early, with maps worse than PCA's: a
development experiment that no benchmark repeats; docs/user_guide/defaults.rst.)
``transform`` never uses the graph: it is a plain forward pass.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ._sparse import _mean_filled

#: UMAP's curve for ``min_dist=0.1, spread=1.0`` (its defaults).
CURVE_A, CURVE_B = 1.577, 0.8951

#: Repulsions per attraction, as UMAP's ``negative_sample_rate`` (drawn from the batch).
NEGATIVES = 5

#: Codes (in scaled units) are multiplied by this before the curve, which is set for
#: UMAP's embedding scale; chosen by measurement (docs/user_guide/neighbors.rst).
CODE_SCALE = 0.3

#: Standard deviation (in units of ``scale_``) of the noise added to both ends of each
#: pair before encoding them for the neighbour term: it makes the encoder place unseen
#: rows near their neighbours (benchmarks/bench_embedding.py, digits, medians of 3
#: seeds: held-out trustworthiness 0.929 with none, 0.952 with 0.5, 0.941 with 1.0).
JITTER = 0.5

#: From this many training rows on, the graph comes from pynndescent when installed.
APPROXIMATE_ROWS = 20_000

#: Entries of the row differences per chunk when the exact distances are recomputed.
DIFFERENCE_ENTRIES = 2**22

#: Repulsion terms above which the batch's pairwise distances come from the Gram matrix
#: (batch^2 numbers) rather than from row differences (batch^2 x code size numbers, kept
#: for the backward pass: about a GiB at 1,024 rows and 64 code units).
DIFFERENCE_PAIRS = 2**21


def _knn(S, k):
    """Distances and indices of each row's ``k`` nearest other rows of ``S``."""
    k = min(k, S.shape[0] - 1)
    if S.shape[0] >= APPROXIMATE_ROWS:
        try:
            from pynndescent import NNDescent
        except ImportError:
            NNDescent = None
        if NNDescent is not None:
            # One thread: with several, its result depends on numba's thread count, which
            # joblib workers cap, so a fit in GridSearchCV(n_jobs=2) would build another graph.
            graph = NNDescent(S, n_neighbors=k + 1, random_state=0, n_jobs=1).neighbor_graph
            return _without_self(graph[1], graph[0])
    from sklearn.neighbors import NearestNeighbors

    # Without a query, scikit-learn leaves each row out of its own neighbours, even
    # where a duplicate row ties with it at distance 0.
    distances, indices = NearestNeighbors(n_neighbors=k).fit(S).kneighbors()
    if not sp.issparse(S):
        distances = _exact_distances(S, indices)
    return distances, indices


def _exact_distances(S, indices):
    """Distances from each row of dense ``S`` to its ``indices``, from the row differences.

    scikit-learn's search computes them from dot products, which leaves a copy of a row
    at a tiny distance above 0 rather than at 0 (on wide rows). :func:`memberships`
    would then take that distance as the row's nearest, and weigh its nearest other row
    0 instead of 1.
    """
    n, k = indices.shape
    out = np.empty((n, k), dtype=np.float64)
    step = max(1, DIFFERENCE_ENTRIES // max(k * S.shape[1], 1))
    for start in range(0, n, step):
        rows = slice(start, min(start + step, n))
        difference = S[rows, None, :].astype(np.float64) - S[indices[rows]]
        out[rows] = np.sqrt(np.square(difference).sum(axis=2))
    return out


def _without_self(distances, indices):
    """Each row's ``k + 1`` neighbours less the row itself (or, if absent, the farthest).

    The row itself is not always the first neighbour: a duplicate row ties with it.
    """
    n, width = indices.shape
    drop = indices == np.arange(n)[:, None]
    drop[~drop.any(axis=1), -1] = True
    keep = ~drop
    return distances[keep].reshape(n, width - 1), indices[keep].reshape(n, width - 1)


def memberships(distances, n_neighbors):
    """UMAP's fuzzy memberships: ``exp(-(d - rho) / sigma)`` with ``sum = log2(k)`` per row.

    ``rho`` is the row's nearest distance above 0, as in UMAP, so the nearest row that
    is not a copy always weighs 1 (with the copies' distance of 0 as ``rho``, a row
    repeated 4 times or more reached the target on its copies alone, and its edges to
    every other row weighed 0). Copies count 1 each, so a row with about ``log2(k)``
    copies or more still keeps little beyond its nearest other row.
    """
    positive = np.where(distances > 0, distances, np.inf)
    rho = positive.min(axis=1, keepdims=True)
    rho = np.where(np.isfinite(rho), rho, 0.0)
    excess = np.maximum(distances - rho, 0.0)
    target = np.log2(max(n_neighbors, 2))
    low, high = np.zeros((len(distances), 1)), np.full((len(distances), 1), np.inf)
    sigma = np.ones((len(distances), 1))
    for _ in range(64):  # bisection on each row's bandwidth
        total = np.exp(-excess / sigma).sum(axis=1, keepdims=True)
        above = total > target
        high = np.where(above, sigma, high)
        low = np.where(above, low, sigma)
        sigma = np.where(np.isinf(high), sigma * 2.0, (low + high) / 2.0)
    return np.exp(-excess / np.maximum(sigma, 1e-12))


class NeighborGraph:
    """Each row's edges (global row indices), weights normalised to sum to one per row.

    A row without edges (only when a single row is trained on) gets one to itself,
    which attracts the row's code only to its own jittered copy. Sampling a neighbour of
    row ``r`` is then one ``searchsorted`` of ``r + u`` in the cumulative weights,
    since row ``r``'s weights span ``(r, r + 1]`` there. The search runs in float64
    (float32 cannot tell a row's edges apart past a few hundred thousand rows), on the
    CPU for MPS, which has no float64.
    """

    def __init__(self, graph: sp.csr_matrix, device):
        device = torch.device(device)
        self.device = torch.device("cpu") if device.type == "mps" else device
        device = self.device
        graph = graph.tocsr()
        lonely = np.flatnonzero(np.diff(graph.indptr) == 0)
        if len(lonely):
            loops = sp.csr_matrix((np.ones(len(lonely)), (lonely, lonely)), shape=graph.shape)
            graph = (graph + loops).tocsr()
        degree = np.diff(graph.indptr)
        totals = np.add.reduceat(graph.data, graph.indptr[:-1])
        cumulative = np.cumsum(graph.data / np.repeat(totals, degree))
        # Remove the rounding drift of a long cumulative sum: each row ends exactly at r + 1.
        ends = np.repeat(np.arange(1, graph.shape[0] + 1) - cumulative[graph.indptr[1:] - 1], degree)
        self.cumulative = torch.as_tensor(cumulative + ends, device=device)
        self.indices = torch.as_tensor(graph.indices.astype(np.int64), device=device)
        self.start = torch.as_tensor(graph.indptr[:-1].astype(np.int64), device=device)
        self.stop = torch.as_tensor(graph.indptr[1:].astype(np.int64), device=device)

    def sample(self, rows, u):
        """One neighbour of each of ``rows``, drawn by ``u`` (uniform in [0, 1))."""
        where = rows.device
        rows, u = rows.to(self.device), u.to(self.device)
        position = torch.searchsorted(self.cumulative, rows.double() + u.double(), right=True)
        position = torch.minimum(torch.maximum(position, self.start[rows]), self.stop[rows] - 1)
        return self.indices[position].to(where)


def _rows_for_search(X, rows):
    """The scaled rows ``rows`` (all if None) as an array or CSR matrix that kNN search takes."""
    if isinstance(X, torch.Tensor):
        block = X if rows is None else X[rows]
        return torch.nan_to_num(block.to("cpu", torch.float32), nan=0.0).numpy()
    picked = X.X if rows is None else X.X[rows.cpu().numpy()]  # a ScaledSparse: distances / scale
    # A missing entry is the feature's mean, as in the dense path (centred, then NaN -> 0).
    return _mean_filled(picked, X.mean).astype(np.float32) / X.scale


def fuzzy_graph(train, n_neighbors):
    """The training rows' symmetrised kNN graph (CSR, local indices) and their global ids."""
    n_total = train.X.shape[0]
    train_ids = np.arange(n_total) if train.rows is None else train.rows.cpu().numpy()
    n_train = len(train_ids)
    if n_train < 2:  # nothing to be near: a graph without edges
        return sp.csr_matrix((n_train, n_train)), train_ids
    distances, local = _knn(_rows_for_search(train.X, train.rows), n_neighbors)
    k = local.shape[1]  # at most n_train - 1: the weights aim at the neighbours kept, as UMAP's
    graph = sp.csr_matrix(
        (memberships(distances, k).ravel(), local.ravel(), np.arange(0, n_train * k + 1, k)),
        shape=(n_train, n_train),
    )
    return (graph + graph.T - graph.multiply(graph.T)).tocsr(), train_ids  # fuzzy union, as UMAP


def neighbor_graph(graph, train_ids, n_total, device):
    """:class:`NeighborGraph` of ``fuzzy_graph``'s result, in the full data's row indices."""
    graph = graph.tocoo()
    edges = sp.csr_matrix(
        (graph.data, (train_ids[graph.row], train_ids[graph.col])), shape=(n_total, n_total)
    )
    return NeighborGraph(edges, device)


def _rows_of(X, ids):
    """Scaled rows ``ids`` of the full data as a dense tensor (missing entries at 0)."""
    block = X.index_select(0, ids) if isinstance(X, torch.Tensor) else X.take(ids)
    return torch.nan_to_num(block, nan=0.0)


def pairwise_squared_distances(z):
    """Squared distances between the rows of ``z``, in memory that suits the batch.

    Small batches take them from the row differences; above :data:`DIFFERENCE_PAIRS`
    numbers, from the Gram matrix, whose rounding is larger but which needs no
    batch x batch x code tensor for the backward pass.
    """
    if len(z) ** 2 * z.shape[1] <= DIFFERENCE_PAIRS:
        return (z.unsqueeze(0) - z.unsqueeze(1)).square().sum(dim=2)
    norms = z.square().sum(dim=1)
    return (norms[:, None] + norms[None, :] - 2 * z @ z.T).clamp_min(0)


class NeighborLoss:
    """``weight`` times UMAP's cross-entropy on the codes of sampled graph edges.

    Called with the module, the batch's row indices and the batch's codes from the
    forward pass (unused: both ends are encoded again, with jitter).

    For each row of a training batch one neighbour is drawn at random, in proportion
    to the edge weights. The pair attracts, ``-log q(d)``, and every other row of the batch
    repels, ``-log(1 - q(d))``, scaled to :data:`NEGATIVES` repulsions per attraction,
    where ``q(d) = 1 / (1 + a d^(2b))`` and ``d`` is the distance between codes (times
    :data:`CODE_SCALE`). Both ends are encoded with :data:`JITTER` noise.
    """

    def __init__(self, weight, graph, X, generator):
        self.weight = weight
        self.graph = graph
        self.X = X  # the full scaled data: a tensor on the device, or a ScaledSparse
        self.generator = generator

    def __call__(self, module, ids, codes=None):
        u = torch.rand(len(ids), generator=self.generator, device=ids.device, dtype=torch.float32)
        partners = self.graph.sample(ids, u)
        x, x_partner = _rows_of(self.X, ids), _rows_of(self.X, partners)
        x = x + JITTER * torch.randn(x.shape, generator=self.generator, device=x.device, dtype=x.dtype)
        x_partner = x_partner + JITTER * torch.randn(
            x.shape, generator=self.generator, device=x.device, dtype=x.dtype
        )
        z, z_partner = module.encode(x) * CODE_SCALE, module.encode(x_partner) * CODE_SCALE
        attraction = torch.log1p(CURVE_A * (z - z_partner).square().sum(dim=1).clamp_min(1e-12) ** CURVE_B)
        squared = pairwise_squared_distances(z)
        similarity = 1.0 / (1.0 + CURVE_A * squared.clamp_min(1e-12) ** CURVE_B)
        others = ~torch.eye(len(ids), dtype=torch.bool, device=z.device)
        repulsion = -torch.log((1.0 - similarity).clamp_min(1e-4))[others]
        repulsion = repulsion.mean() if repulsion.numel() else attraction.new_zeros(())
        return self.weight * (attraction.mean() + NEGATIVES * repulsion)
