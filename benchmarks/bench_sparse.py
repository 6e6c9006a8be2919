"""Sparse input: fit time, peak memory and held-out reconstruction on a wide TF-IDF matrix.

Data: bag-of-words documents drawn from topics, TF-IDF-transformed, float32 CSR.
48 topics, each a Dirichlet(0.1) distribution over its own 300 words drawn at random
from a 50,000-word vocabulary (the supports overlap at random), plus one background
topic (Zipf over the whole vocabulary, exponent 1.1, shuffled) that takes a fifth of
every document. The topics sit at random points of a 2-D torus; a document draws a
point ``theta`` uniformly on the torus and mixes the topics with weights
``softmax(4 * (cos(theta_1 - phi_t1) + cos(theta_2 - phi_t2)))``, so the documents'
expected word frequencies lie on a curved 2-D surface that no few linear directions
span. A document has Poisson(130) words (about 100 distinct: 0.2% density at 50,000
words). Counts go through ``TfidfTransformer()`` (l2 rows, smooth idf) fitted on the
training rows. The last 10,000 rows are held out; everything is fitted on the first
90,000. Generation is vectorised: each word's topic by inverse CDF on the document's
cumulative topic weights, each word by ``searchsorted`` on its topic's cumulative
distribution, in chunks of 10,000 documents (about 5 s for 100,000 x 50,000).

Fits, each in its own subprocess (peak RSS added by ``fit`` measured as in
``bench_memory.py``: ``/proc/self/clear_refs``, then ``VmHWM``): ``TruncatedSVD(k,
algorithm="randomized", random_state=0)``, ``PCA(k, svd_solver="arpack",
random_state=0)`` (sparse input, implicit centring) and ``AutoencoderTransformer(k,
random_state=0, max_iter=E)``, with the default network and with
``hidden_layer_sizes=(64,)``, at its defaults otherwise: held-out stopping on an
internal 10% of the training rows, best weights kept. The epoch cap E is set so the
whole run stays near 12 minutes on 2 cores; without it the default fit would go on
until the internal held-out loss stops improving. The autoencoder fits carry a
callback that records each epoch's time, which turns on skorch's per-batch history (a
small cost per batch, not measured here); the SVDs pay nothing of the kind. Held-out
error: the mean squared error over ALL entries of the 10,000 held-out rows,
reconstructions densified 1,000 rows at a time. R^2 is ``1 - MSE / MSE(training mean)``.

The first layer (the decision of issue 15): on batches of 128 training rows (the
default batch), forward and backward (gradient to the weight) of the first layer,
256 units, as (a) the estimator does it, densify the rows (``ScaledSparse.take``) and
``F.linear``, against (b) the sparse batch straight from scipy's CSR rows:
``torch.sparse.mm`` on a CSR or COO tensor, with the weight as ``nn.Linear`` stores it
(256 x d, used transposed) and stored d x 256, and ``nn.EmbeddingBag(mode="sum")`` with
per-sample weights; centring folded in as ``x @ W.T / s - (mean / s) @ W.T``. For
context: one whole training step of the default network (densify, forward, MSE,
backward, Adam) at code size 16. Each competitor runs 5 batches per round (the same
rows for all), rounds interleaved in a shuffled order; medians over rounds. The rule,
fixed before the run: the estimator should consume the sparse batch directly if the
fastest sparse first layer (centring folded in) saves at least a fifth of a whole
training step, counting the densification it would also save; otherwise it keeps
densifying one batch at a time.

Memory target: the default ``AutoencoderTransformer(random_state=0, max_iter=1)`` fitted
on 20,000 x 50,000 at 0.1% density (about 1M non-zeros; same generator, Poisson(60)
words), in a subprocess.

Usage::

    python benchmarks/bench_sparse.py            # 100,000 x 50,000 (about 12 min)
    python benchmarks/bench_sparse.py --quick    # 10,000 x 5,000, one epoch (about 1 min)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from _common import (
    HERE,
    add_common_args,
    build_module,
    command_line,
    estimator_adam_kwargs,
    interleaved,
    markdown_table,
    median,
    paired_ratios,
    pyplot,
    savefig,
    set_threads,
    setup,
    write_report,
)

FULL = {"n": 100_000, "d": 50_000, "held": 10_000, "words": 130, "mem_n": 20_000, "mem_words": 60}
QUICK = {"n": 10_000, "d": 5_000, "held": 1_000, "words": 13, "mem_n": 4_000, "mem_words": 7}
N_TOPICS, SUPPORT, SHARPNESS, BACKGROUND = 48, 300, 4.0, 0.2
BATCH = 128  # batch_size="auto" on more than 128 training rows
HIDDEN = 256  # the default network's first hidden layer
EVAL_ROWS = 1_000  # held-out rows reconstructed (densified) at a time


# ----------------------------------------------------------------------- data


def topic_counts(n, d, words, seed=0, chunk=10_000):
    """Word counts of ``n`` documents over ``d`` words (CSR float32); see the module docstring."""
    rng = np.random.default_rng(seed)
    support = max(30, SUPPORT * d // 50_000)
    topics = np.zeros((N_TOPICS + 1, d))
    for t in range(N_TOPICS):
        topics[t, rng.choice(d, size=support, replace=False)] = rng.dirichlet(np.full(support, 0.1))
    zipf = 1.0 / np.arange(1, d + 1) ** 1.1
    topics[N_TOPICS] = zipf[rng.permutation(d)] / zipf.sum()
    cum_topics = np.cumsum(topics, axis=1)
    cum_topics[:, -1] = 1.0
    phi = rng.uniform(0, 2 * np.pi, size=(N_TOPICS, 2))
    blocks = []
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        theta = rng.uniform(0, 2 * np.pi, size=(m, 2))
        logits = SHARPNESS * np.cos(theta[:, None, :] - phi[None]).sum(-1)
        weights = np.exp(logits - logits.max(1, keepdims=True))
        weights *= (1 - BACKGROUND) / weights.sum(1, keepdims=True)
        cum_weights = np.cumsum(np.hstack([weights, np.full((m, 1), BACKGROUND)]), axis=1)
        cum_weights[:, -1] = 1.0
        doc = np.repeat(np.arange(m), rng.poisson(words, size=m))
        topic = (rng.random(len(doc))[:, None] > cum_weights[doc]).sum(1)
        word = np.empty(len(doc), dtype=np.int64)
        u = rng.random(len(doc))
        for t in range(N_TOPICS + 1):
            sel = topic == t
            word[sel] = np.searchsorted(cum_topics[t], u[sel], side="right")
        ones = np.ones(len(doc), dtype=np.float32)
        counts = sp.csr_matrix((ones, (doc, np.minimum(word, d - 1))), shape=(m, d))
        counts.sum_duplicates()
        blocks.append(counts)
    return sp.vstack(blocks, format="csr")


def tfidf_documents(n, d, words, n_fit, seed=0):
    """TF-IDF of :func:`topic_counts`, the idf fitted on the first ``n_fit`` rows; float32 CSR."""
    from sklearn.feature_extraction.text import TfidfTransformer

    counts = topic_counts(n, d, words, seed)
    tfidf = TfidfTransformer().fit(counts[:n_fit])
    X = tfidf.transform(counts).astype(np.float32)
    X.sort_indices()
    return X


def heldout_sse(reconstruct, X_held, rows=EVAL_ROWS):
    """Sum of squared errors over all entries of CSR ``X_held``, ``rows`` rows densified at a time."""
    total = 0.0
    for start in range(0, X_held.shape[0], rows):
        block = X_held[start : start + rows]
        diff = np.asarray(reconstruct(block), dtype=np.float32) - block.toarray()
        total += float(np.square(diff).sum(dtype=np.float64))
    return total


# ----------------------------------------------------------------- fit children


EPOCH_CLOCK: list = []


def epoch_clock():
    """A skorch callback that records when training starts and when each epoch ends."""
    from skorch.callbacks import Callback

    class EpochClock(Callback):
        def on_train_begin(self, net, **kwargs):
            EPOCH_CLOCK.append(time.perf_counter())

        def on_epoch_end(self, net, **kwargs):
            EPOCH_CLOCK.append(time.perf_counter())

    return EpochClock()


def make_model(name, k, epochs):
    from sklearn.decomposition import PCA, TruncatedSVD

    from sklearn_ae import AutoencoderTransformer

    if name == "tsvd":
        return TruncatedSVD(k, algorithm="randomized", random_state=0)
    if name == "pca":
        return PCA(k, svd_solver="arpack", random_state=0)
    hidden = {"ae": (256, 128), "ae64": (64,)}[name]
    return AutoencoderTransformer(
        k, hidden_layer_sizes=hidden, random_state=0, max_iter=epochs, callbacks=[epoch_clock()]
    )


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure_peak(call):
    """Run ``call()``; return ``(seconds, result, added_kb, method)`` as bench_memory.py measures."""
    import resource

    before_kb = _status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        method = "clear_refs"
    except OSError:
        method = "getrusage"
        before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    if method == "clear_refs":
        peak_kb = _status_kb("VmHWM")
    else:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, result, peak_kb - before_kb, method


def child_fit(data, name, k, epochs, n_train):
    """Fit one model on the training rows; print fit time, peak memory and held-out SSE as JSON."""
    warnings.simplefilter("ignore")
    X = sp.load_npz(data).tocsr()
    X_train, X_held = X[:n_train], X[n_train:]
    del X
    model = make_model(name, k, epochs)
    start = time.perf_counter()
    seconds, model, added_kb, method = measure_peak(lambda: model.fit(X_train))
    out = {"seconds": seconds, "added_kb": added_kb, "method": method}
    out["sse"] = heldout_sse(lambda block: model.inverse_transform(model.transform(block)), X_held)
    if name.startswith("ae"):
        marks = EPOCH_CLOCK
        out["setup_s"] = marks[0] - start if marks else None
        out["epoch_s"] = list(np.diff(marks)) if len(marks) > 1 else []
        out["n_iter"] = model.n_iter_
        out["initial_score"] = model.initial_validation_score_
        out["scores"] = model.validation_scores_
        out["best_score"] = model.best_validation_score_
    print(json.dumps(out))


def child_memory(n, d, words, epochs):
    """The issue's memory target: a default fit on ``n x d`` at about 0.1% density."""
    from sklearn_ae import AutoencoderTransformer

    warnings.simplefilter("ignore")
    X = tfidf_documents(n, d, words, n)
    seconds, _, added_kb, method = measure_peak(
        lambda: AutoencoderTransformer(random_state=0, max_iter=epochs).fit(X)
    )
    out = {"seconds": seconds, "added_kb": added_kb, "method": method}
    print(json.dumps({**out, "nnz": X.nnz, "csr_bytes": _csr_bytes(X)}))


def _csr_bytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def run_child(args, *child_args):
    cmd = [sys.executable, str(HERE / "bench_sparse.py"), "--threads", str(args.threads)]
    cmd += ["--quick"] if args.quick else []
    proc = subprocess.run([*cmd, *child_args], capture_output=True, text=True, cwd=HERE)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["(no output)"]
        return {"error": lines[-1][:160]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------- the first layer


def first_layer_competitors(X_train, mean, scale, n_components, reps, seed=0):
    """Zero-argument callables, each running ``reps`` batches; see the module docstring."""
    import torch.nn.functional as F

    from sklearn_ae._sparse import ScaledSparse

    d = X_train.shape[1]
    scaled = ScaledSparse(X_train, mean, scale)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    batches = [rng.choice(X_train.shape[0], BATCH, replace=False) for _ in range(reps)]
    layer = torch.nn.Linear(d, HIDDEN)  # nn.Linear's layout: (HIDDEN, d)
    W, b = layer.weight, layer.bias
    V = torch.nn.Parameter(W.detach().t().contiguous())  # (d, HIDDEN): rows gathered by index
    bag = torch.nn.EmbeddingBag(d, HIDDEN, mode="sum")
    with torch.no_grad():
        bag.weight.copy_(V)
    grad_out = torch.randn(BATCH, HIDDEN, generator=gen)
    shift = torch.from_numpy((mean / scale).astype(np.float32))
    inv_scale = np.float32(1.0 / scale)
    params = (W, b, V, bag.weight)

    def clear():
        for p in params:
            p.grad = None

    def csr(rows):
        block = X_train[rows]
        return torch.sparse_csr_tensor(
            torch.from_numpy(block.indptr.astype(np.int64)),
            torch.from_numpy(block.indices.astype(np.int64)),
            torch.from_numpy(block.data * inv_scale),
            size=block.shape,
        )

    def coo(rows):
        block = X_train[rows].tocoo()
        index = torch.from_numpy(np.vstack([block.row, block.col]).astype(np.int64))
        values = torch.from_numpy(block.data * inv_scale)
        return torch.sparse_coo_tensor(index, values, size=block.shape, is_coalesced=True)

    def dense_layer(rows):
        F.linear(scaled.take(rows), W, b).backward(grad_out)

    def sparse_linear_layout(make):
        def run(rows):
            x = make(rows)
            (torch.sparse.mm(x, W.t()) - shift @ W.t() + b).backward(grad_out)

        return run

    def sparse_gather_layout(make):
        def run(rows):
            x = make(rows)
            (torch.sparse.mm(x, V) - shift @ V + b).backward(grad_out)

        return run

    def embedding_bag(fold_mean):
        def run(rows):
            block = X_train[rows]
            out = bag(
                torch.from_numpy(block.indices.astype(np.int64)),
                torch.from_numpy(block.indptr[:-1].astype(np.int64)),
                per_sample_weights=torch.from_numpy(block.data * inv_scale),
            )
            (out - shift @ bag.weight + b if fold_mean else out + b).backward(grad_out)

        return run

    module = build_module(d, n_components)
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3, **estimator_adam_kwargs())
    module.train()

    def densify(rows):
        scaled.take(rows)

    def train_step(rows):
        x = scaled.take(rows)
        optimizer.zero_grad()
        recon, _ = module(x)
        F.mse_loss(recon, x).backward()
        optimizer.step()

    cases = {
        "a: densify + dense layer": dense_layer,
        "b: CSR sparse.mm, weight (256, d)": sparse_linear_layout(csr),
        "b: COO sparse.mm, weight (256, d)": sparse_linear_layout(coo),
        "b: CSR sparse.mm, weight (d, 256)": sparse_gather_layout(csr),
        "b: COO sparse.mm, weight (d, 256)": sparse_gather_layout(coo),
        "b: EmbeddingBag, weight (d, 256)": embedding_bag(True),
        "b: EmbeddingBag, centring in the bias": embedding_bag(False),
        "densify alone (ScaledSparse.take)": densify,
        "whole training step (default network)": train_step,
    }

    def repeat(fn):
        def call():
            for rows in batches:
                fn(rows)
                clear()

        return call

    with warnings.catch_warnings():  # "sparse CSR support is in beta" and friends
        warnings.simplefilter("ignore")
        for fn in cases.values():  # check that every backward runs before timing
            fn(batches[0])
            clear()
    return {name: repeat(fn) for name, fn in cases.items()}


def check_first_layer_agree(X_train, mean, scale):
    """The sparse first layer computes what the dense one does (a sanity check)."""
    from sklearn_ae._sparse import ScaledSparse

    rows = np.arange(min(BATCH, X_train.shape[0]))
    W = torch.randn(HIDDEN, X_train.shape[1], dtype=torch.float64)
    dense = torch.from_numpy(ScaledSparse(X_train, mean, scale).take(rows).numpy().astype(np.float64)) @ W.t()
    block = X_train[rows].tocoo()
    x = torch.sparse_coo_tensor(
        torch.from_numpy(np.vstack([block.row, block.col]).astype(np.int64)),
        torch.from_numpy(block.data.astype(np.float64) / scale),
        size=block.shape,
    )
    sparse = torch.sparse.mm(x, W.t()) - torch.from_numpy(mean / scale) @ W.t()
    return float((dense - sparse).abs().max() / dense.abs().max())


# ------------------------------------------------------------------------ main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--epochs", type=int, default=None, help="epoch cap of the default network's fit")
    parser.add_argument("--epochs-small", type=int, default=None, help="epoch cap of the (64,) network's fit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    epochs = args.epochs or (1 if args.quick else 2)
    epochs_small = args.epochs_small or (1 if args.quick else 2)
    n_train = cfg["n"] - cfg["held"]
    if args.child:
        set_threads(args.threads)
        if args.child == "memory":
            child_memory(cfg["mem_n"], cfg["d"], cfg["mem_words"], 1)
        else:
            cap = epochs_small if args.child == "ae64" else epochs
            child_fit(args.data, args.child, args.k, cap, n_train)
        return
    setup(args)
    rounds = args.rounds or (3 if args.quick else 10)
    wall = time.perf_counter()
    n, d, held = cfg["n"], cfg["d"], cfg["held"]

    print("-- data", flush=True)
    gen_s, X = timed_call(lambda: tfidf_documents(n, d, cfg["words"], n_train))
    X_train, X_held = X[:n_train], X[n_train:]
    density = X.nnz / (n * d)
    train_mean = np.asarray(X_train.mean(axis=0), dtype=np.float32).ravel()
    sse_mean = heldout_sse(lambda block: np.broadcast_to(train_mean, block.shape), X_held)
    entries = held * d

    # ------------------------------------------------------------ first layer
    print("-- first layer", flush=True)
    from sklearn_ae._sparse import fit_scaling_sparse

    mean, scale = fit_scaling_sparse(X_train)
    agreement = check_first_layer_agree(X_train, mean, scale)
    reps = 5
    competitors = first_layer_competitors(X_train, mean, scale, 16, reps)
    base = "a: densify + dense layer"
    times, ratios, errors = interleaved(competitors, rounds, baseline=base)
    step_name = "whole training step (default network)"
    to_step = paired_ratios(times, step_name)
    ms = {name: median(ts) / reps * 1e3 for name, ts in times.items()}
    layer_rows = []
    for name in competitors:
        if name in errors:
            layer_rows.append([name, "failed", "-", "-", errors[name]])
            continue
        layer_rows.append([name, ms[name], median(ratios[name]), median(to_step[name]), ""])
    sparse_names = [name for name in competitors if name.startswith("b:") and name not in errors]
    sparse_folded = [name for name in sparse_names if "bias" not in name]
    best = min(sparse_folded, key=lambda name: ms[name]) if sparse_folded else None
    step_ms, a_ms, densify_ms = ms[step_name], ms[base], ms["densify alone (ScaledSparse.take)"]
    decision = first_layer_decision(ms, best, step_ms, a_ms, densify_ms, n_train, d)

    # ------------------------------------------------------------------- fits
    tmp = tempfile.TemporaryDirectory()
    data_path = str(Path(tmp.name) / "X.npz")
    sp.save_npz(data_path, X, compressed=False)
    del X
    plan = [
        ("tsvd", 16, "TruncatedSVD(16, randomized)"),
        ("pca", 16, "PCA(16, arpack)"),
        ("ae", 16, f"AutoencoderTransformer(16), (256, 128), max_iter={epochs}"),
        ("ae64", 16, f"AutoencoderTransformer(16), (64,), max_iter={epochs_small}"),
        ("tsvd", 2, "TruncatedSVD(2, randomized)"),
        ("pca", 2, "PCA(2, arpack)"),
    ]
    fits = {}
    for name, k, label in plan:
        print(f"-- fit {label}", flush=True)
        fits[(name, k)] = run_child(args, "--child", name, "--k", str(k), "--data", data_path)
        print("  ", fits[(name, k)], flush=True)
    tmp.cleanup()

    print("-- memory target", flush=True)
    memory = run_child(args, "--child", "memory")

    # ---------------------------------------------------------------- report
    fit_rows, curve_rows, plot_points, methods = [], [], [], set()
    for name, k, label in plan:
        res = fits[(name, k)]
        if "error" in res:
            fit_rows.append([k, label, "failed: " + res["error"], "-", "-", "-", "-", "-"])
            continue
        methods.add(res["method"])
        mse = res["sse"] / entries
        ref = {other: fits.get((other, k), {}).get("sse") for other in ("pca", "tsvd")}
        fit_rows.append(
            [
                k,
                label,
                res["seconds"],
                res["added_kb"] / 1024,
                f"{mse:.5g}",
                1 - res["sse"] / sse_mean,
                res["sse"] / ref["pca"] if ref["pca"] else "-",
                res["sse"] / ref["tsvd"] if ref["tsvd"] else "-",
            ]
        )
        plot_points.append((label, k, res["seconds"], mse))
        if name.startswith("ae"):
            curve_rows.append(
                [
                    label,
                    res["setup_s"],
                    ", ".join(f"{s:.0f}" for s in res["epoch_s"]),
                    f"{-res['initial_score']:.5g}",
                    ", ".join(f"{-s:.5g}" for s in res["scores"]),
                    f"{-res['best_score']:.5g}",
                    res["n_iter"],
                ]
            )
    csr_mib = _csr_bytes(X_train) / 2**20
    dense_gb = n_train * d * 4 / 1e9
    data_text = (
        f"{n:,} x {d:,} TF-IDF float32 CSR, {density:.3%} density ({X_train.nnz / n_train:.0f} non-zeros "
        f"per row), made in {gen_s:.1f} s. Fitted on the first {n_train:,} rows: {csr_mib:.0f} MiB as CSR, "
        f"{dense_gb:.1f} GB as dense float32 ({n * d * 4 / 1e9:.1f} GB for all {n:,} rows). Held out: the "
        f"last {held:,} rows; predicting the training mean scores MSE {sse_mean / entries:.5g}.\n\n"
    )
    fit_header = [
        "k",
        "model",
        "fit s",
        "peak added MiB",
        "held-out MSE",
        "R^2",
        "MSE / PCA's",
        "MSE / TSVD's",
    ]
    fit_text = (
        f"{data_text}One subprocess per fit, {args.threads} thread(s). The autoencoder fits are capped at "
        f"max_iter={epochs} (default network) and {epochs_small} (`(64,)`) epochs to keep the run near "
        "12 minutes: at the default max_iter=200 they would go on until the internal held-out loss "
        "stopped improving. Both keep the best weights seen on their internal 10% (the PCA start "
        "counts), so they can end no worse than their own PCA start on those rows. "
        "'peak added': peak RSS during fit minus RSS before it (method: "
        f"{', '.join(sorted(methods)) or '-'}). MSE over all entries of the held-out rows.\n\n"
        + markdown_table(fit_header, fit_rows)
    )
    curve_text = (
        "Per epoch, from `validation_scores_` (minus the loss on the estimator's own 10% of the training "
        'rows, in X\'s units: an MSE over all entries). "setup s": fit start to the first epoch (scaling '
        "statistics and the truncated-SVD PCA start); epoch times include the held-out checks (every "
        f"{max(5000, 4 * int(0.1 * n_train)):,} training rows and at the epoch's end).\n\n"
        + markdown_table(
            ["model", "setup s", "epoch s", "start (PCA) MSE", "MSE after each epoch", "kept MSE", "epochs"],
            curve_rows,
        )
    )
    layer_text = (
        f"{decision}\n\nBatches of {BATCH} training rows, {HIDDEN} units, backward to the weight; "
        f'ms per batch (median over {rounds} rounds of {reps} batches). "/ a" and "/ step" are medians '
        f"of per-round ratios. The sparse layer agrees with the dense one to {agreement:.1e} (relative, "
        "float64). The default network also has a linear path d -> k on the input (k = 16 here, "
        "in the training step, not in the layer rows).\n\n"
        + markdown_table(["first layer", "ms / batch", "/ a", "/ step", "note"], layer_rows)
    )
    if "error" in memory:
        memory_text = f"failed: {memory['error']}"
    else:
        mem_n = cfg["mem_n"]
        memory_text = (
            f"`AutoencoderTransformer(random_state=0, max_iter=1).fit(X)` on {mem_n:,} x {d:,} "
            f"({memory['nnz']:,} non-zeros, {memory['nnz'] / (mem_n * d):.3%} density, "
            f"{memory['csr_bytes'] / 2**20:.0f} MiB as CSR, {mem_n * d * 4 / 1e9:.1f} GB dense): "
            f"peak added **{memory['added_kb'] / 1024:.0f} MiB** ({memory['method']}), target < 1024 MiB; "
            f"fit took {memory['seconds']:.0f} s."
        )
    minutes = (time.perf_counter() - wall) / 60
    write_report(
        "bench_sparse",
        f"bench_sparse: sparse input, {n:,} x {d:,} TF-IDF",
        [
            ("The first layer: sparse batch or densified batch", layer_text),
            ("Fit time, peak memory, held-out reconstruction", fit_text),
            ("Autoencoder, epoch by epoch", curve_text),
            (f"Memory target: {cfg['mem_n']:,} x {d:,} at 0.1%", memory_text),
            ("Run", f"Wall time {minutes:.1f} min."),
        ],
        command_line(),
    )
    plot(plot_points, layer_rows, step_ms)


def first_layer_decision(ms, best, step_ms, a_ms, densify_ms, n_train, d):
    if best is None:
        return "No sparse first layer ran: the densified batch stays."
    b_ms = ms[best]
    bias_name = "b: EmbeddingBag, centring in the bias"
    saved_keep_target = a_ms - densify_ms - b_ms  # the dense target is still needed for the loss
    saved_all = a_ms - b_ms  # a loss written for a sparse target as well
    share = saved_all / step_ms
    steps = int(np.ceil(0.9 * n_train / BATCH))
    verdict = "consume the sparse batch directly" if share >= 0.2 else "keep the densified batch"
    text = (
        f"**Decision: {verdict}.** "
        f"A whole training step of the default network takes {step_ms:.0f} ms; the first layer the way "
        f"the estimator runs it (densify + dense layer, forward and backward) {a_ms:.0f} ms of it "
        f"({a_ms / step_ms:.0%}), of which densifying is {densify_ms:.0f} ms. The fastest sparse first "
        f"layer with the centring folded in ({best[3:]}) takes {b_ms:.0f} ms (b/a = {b_ms / a_ms:.2f})"
    )
    if bias_name in ms:
        text += f"; {ms[bias_name]:.0f} ms with the centring moved into the bias"
    text += (
        f". Switching would save {saved_keep_target:.0f} ms per step while the loss still needs the "
        f"densified target, at most {saved_all:.0f} ms ({share:.0%} of a step) with a loss rewritten "
        f"for a sparse target: {saved_all * steps / 1e3:.0f} s of an epoch of {steps} steps "
        f"({step_ms * steps / 1e3:.0f} s). The decoder's output layer (256 -> {d:,}, forward and "
        "backward) and Adam's update of both 256 x d weights cost the same either way and dominate the rest "
        "of the step. "
    )
    if share >= 0.2:
        text += "That is a fifth of a step or more: worth a sparse input layer."
    else:
        text += (
            "Under a fifth of a step, it is not worth a second input layer (a different weight layout, "
            "its own PCA start and export path); the estimator keeps densifying one batch at a time."
        )
    return text


def timed_call(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def plot(points, layer_rows, step_ms):
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, k, seconds, mse in points:
        marker = "o" if k == 16 else "s"
        left.scatter(seconds, mse, marker=marker)
        left.annotate(label, (seconds, mse), fontsize=7, xytext=(4, 2), textcoords="offset points")
    left.set_xscale("log")
    left.set_xlabel("fit seconds")
    left.set_ylabel("held-out MSE (all entries)")
    left.set_title("Fit time against held-out error (o: k=16, s: k=2)")
    names = [row[0] for row in layer_rows if isinstance(row[1], float)]
    values = [row[1] for row in layer_rows if isinstance(row[1], float)]
    colors = [{"a": "tab:blue", "b": "tab:green"}.get(name[0], "tab:gray") for name in names]
    right.barh(names, values, color=colors)
    right.axvline(step_ms, color="k", lw=1, ls="--")
    right.set_xlabel("ms per batch of 128 rows (dashed: whole training step)")
    right.set_title("First layer, forward + backward")
    right.invert_yaxis()
    right.tick_params(axis="y", labelsize=7)
    savefig(fig, "bench_sparse")


if __name__ == "__main__":
    main()
