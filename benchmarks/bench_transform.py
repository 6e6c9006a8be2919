"""transform / inverse_transform throughput against a raw torch forward of the same modules.

The estimator is fitted briefly (throughput does not depend on the weights); then, on
1M x 100 float32 rows (``--quick``: 200k), each round times, in shuffled order:

transform
    ``est.transform(X)``                          float32 in, float32 out
    ``est.transform(X64)``                        float64 input (inference in float64)
    raw forward, 4k chunks                        ``encoder`` under ``torch.inference_mode()``
                                                  in the estimator's own inference chunks
                                                  (``INFERENCE_ROWS``: 4,096 rows) into a
                                                  preallocated output: the fair baseline
    raw forward, 64k chunks                       the same in 65,536-row chunks
    raw forward, one call                         ``encoder(torch.from_numpy(X))``
    PCA.transform                                 scikit-learn, 2 components
inverse_transform (codes: 1M x 2 float32)
    ``est.inverse_transform(Z)``, raw ``decoder`` forward (4k chunks, 64k chunks, one
    call), ``PCA.inverse_transform``

The headline ratio is to the raw forward in the estimator's chunk size: it measures
what the estimator adds (validation, scaling, dtype handling), not the chunk size,
which speeds up the raw forward just as much (the target is ``transform`` <= 1.1x of it).
The ratio to the one-call forward is reported beside it.

Usage::

    python benchmarks/bench_transform.py
    python benchmarks/bench_transform.py --quick
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from _common import (
    add_common_args,
    ae,
    command_line,
    interleaved,
    latent_mlp_data,
    markdown_table,
    median,
    paired_ratios,
    pyplot,
    savefig,
    setup,
    write_report,
)

from sklearn_ae._autoencoder import INFERENCE_ROWS

TARGET = 1.1
BASELINE = f"raw forward, {INFERENCE_ROWS // 1024}k chunks"  # the estimator's chunk size
ONE_CALL = "raw forward, one call"


def raw(module, A):
    with torch.inference_mode():
        return module(torch.from_numpy(A)).numpy()


def raw_chunked(module, A, n_out, chunk):
    out = torch.empty((len(A), n_out), dtype=torch.float32)
    T = torch.from_numpy(A)
    with torch.inference_mode():
        for start in range(0, len(A), chunk):
            out[start : start + chunk] = module(T[start : start + chunk])
    return out.numpy()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    args = parser.parse_args(argv)
    setup(args)
    n = 200_000 if args.quick else 1_000_000
    rounds = args.rounds or 3

    X = latent_mlp_data(n, 100)
    X64 = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = ae(max_iter=1).fit(X[:20_000])
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=0).fit(X[:20_000])
    enc, dec = est.encoder_.eval(), est.decoder_.eval()
    Z = est.transform(X)
    Zp = pca.transform(X).astype(np.float32)
    k, d = Z.shape[1], X.shape[1]

    def comps(Xa, X64a, Za, Zpa):
        forward = {
            BASELINE: lambda: raw_chunked(enc, Xa, k, INFERENCE_ROWS),
            "sklearn_ae transform": lambda: est.transform(Xa),
            "sklearn_ae transform, float64 input": lambda: est.transform(X64a),
            "raw forward, 64k chunks": lambda: raw_chunked(enc, Xa, k, 65536),
            ONE_CALL: lambda: raw(enc, Xa),
            "PCA.transform": lambda: pca.transform(Xa),
        }
        inverse = {
            BASELINE: lambda: raw_chunked(dec, Za, d, INFERENCE_ROWS),
            "sklearn_ae inverse_transform": lambda: est.inverse_transform(Za),
            "raw forward, 64k chunks": lambda: raw_chunked(dec, Za, d, 65536),
            ONE_CALL: lambda: raw(dec, Za),
            "PCA.inverse_transform": lambda: pca.inverse_transform(Zpa),
        }
        return forward, inverse

    forward, inverse = comps(X, X64, Z, Zp)
    warm_f, warm_i = comps(X[:10_000], X64[:10_000], Z[:10_000], Zp[:10_000])

    rows, plot_data = [], []
    for direction, comp, warm in (("transform", forward, warm_f), ("inverse_transform", inverse, warm_i)):
        print(f"-- {direction}: {n} rows, {rounds} rounds", flush=True)
        times, ratios, errors = interleaved(comp, rounds, baseline=BASELINE, warmup=warm)
        one_call = paired_ratios(times, ONE_CALL)
        for name in comp:
            if name in errors:
                rows.append([direction, name, "failed", "-", "-", "-", errors[name]])
                continue
            t = median(times[name])
            r, r1 = median(ratios[name]), median(one_call[name])
            note = ""
            if name in ("sklearn_ae transform", "sklearn_ae inverse_transform"):
                note = f"target <= {TARGET} vs the raw forward in the same chunks: " + (
                    "met" if r <= TARGET else "MISSED"
                )
            rows.append([direction, name, t, n / t / 1e6, r, r1, note])
            plot_data.append((direction, name, n / t / 1e6))

    header = [
        "method",
        "competitor",
        "seconds (median)",
        "M rows / s",
        f"ratio to raw forward ({INFERENCE_ROWS}-row chunks, as the estimator)",
        "ratio to raw forward (one call)",
        "note",
    ]
    body = (
        f"{n} x {d} float32 rows, codes of size {k}, {rounds} interleaved rounds, "
        f"torch threads: {torch.get_num_threads()}. The baseline is the raw forward in the "
        f"estimator's own {INFERENCE_ROWS}-row inference chunks.\n\n" + markdown_table(header, rows)
    )
    write_report(
        "bench_transform", "bench_transform: inference throughput", [("Throughput", body)], command_line()
    )

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, direction in zip(axes, ("transform", "inverse_transform"), strict=True):
        items = [(name, v) for dd, name, v in plot_data if dd == direction]
        ax.barh([name for name, _ in items], [v for _, v in items], color="tab:blue")
        ax.set_xlabel("million rows / second (higher is better)")
        ax.set_title(f"{direction}, {n // 1000}k x {d}")
        ax.invert_yaxis()
    savefig(fig, "bench_transform")


if __name__ == "__main__":
    main()
