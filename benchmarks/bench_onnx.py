"""ONNX Runtime inference throughput against ``transform``, same model, same rows, same threads.

The estimator (the default network: hidden layers (256, 128), 2 components) is fitted
briefly (throughput does not depend on the weights) and exported with
``sklearn_ae.onnx.to_onnx``; then, on 1M x 100 float32 rows (``--quick``: 200k), each
round times, in shuffled order:

    ``est.transform(X)``                       the estimator: torch, 4,096-row chunks
    ONNX Runtime, 4k chunks                    ``session.run`` on the same 4,096-row
                                               chunks into a preallocated output: like
                                               for like, the headline ratio
    ONNX Runtime, 64k chunks                   the same in 65,536-row chunks
    ONNX Runtime, one call                     ``session.run`` on all rows at once
    the same for float64 input                 ``transform`` computes in float64, and
                                               so does the float64 export

ONNX Runtime gets the same number of threads as torch (``--threads``, default 1:
``intra_op_num_threads``, one inter-op thread, sequential execution); session creation
is not timed. The ratio is throughput, ONNX Runtime's over ``transform``'s (above 1:
ONNX Runtime is faster), the median of the per-round ratios. The largest difference
between the two outputs is reported beside it.

Usage::

    python benchmarks/bench_onnx.py
    python benchmarks/bench_onnx.py --quick
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
    setup,
    write_report,
)

from sklearn_ae._autoencoder import INFERENCE_ROWS

TRANSFORM = "sklearn_ae transform"


def session_for(est, sample, threads):
    import onnxruntime as ort

    from sklearn_ae.onnx import to_onnx

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(threads, 0)  # 0: ONNX Runtime's own default
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    model = to_onnx(est, sample).SerializeToString()
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def run_chunked(session, A, n_out, chunk):
    out = np.empty((len(A), n_out), dtype=A.dtype)
    for start in range(0, len(A), chunk):
        out[start : start + chunk] = session.run(None, {"X": A[start : start + chunk]})[0]
    return out


def competitors(est, sessions, A, k):
    """The timed calls for input ``A`` (float32 or float64), keyed by name."""
    session = sessions[A.dtype]
    suffix = "" if A.dtype == np.float32 else ", float64"
    return {
        TRANSFORM + suffix: lambda: est.transform(A),
        f"ONNX Runtime, {INFERENCE_ROWS // 1024}k chunks" + suffix: lambda: run_chunked(
            session, A, k, INFERENCE_ROWS
        ),
        "ONNX Runtime, 64k chunks" + suffix: lambda: run_chunked(session, A, k, 65536),
        "ONNX Runtime, one call" + suffix: lambda: session.run(None, {"X": A})[0],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    args = parser.parse_args(argv)
    setup(args)
    import onnxruntime as ort

    n = 200_000 if args.quick else 1_000_000
    rounds = args.rounds or 3
    X = latent_mlp_data(n, 100)
    X64 = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = ae(max_iter=1).fit(X[:20_000])
    k = est.n_components_
    sessions = {A.dtype: session_for(est, A[:1], args.threads) for A in (X, X64)}

    rows = []
    for A in (X, X64):
        comp = competitors(est, sessions, A, k)
        warm = competitors(est, sessions, A[:10_000], k)
        print(f"-- {A.dtype}: {n} rows, {rounds} rounds", flush=True)
        times, _, errors = interleaved(comp, rounds, warmup=warm)
        baseline = next(iter(comp))
        reference = est.transform(A)
        for name, fn in comp.items():
            if name in errors:
                rows.append([str(A.dtype), name, "failed", "-", "-", errors[name]])
                continue
            speedup = median([b / t for t, b in zip(times[name], times[baseline], strict=True)])
            difference = float(np.max(np.abs(fn() - reference)))
            rows.append(
                [str(A.dtype), name, median(times[name]), n / median(times[name]) / 1e6, speedup, difference]
            )

    header = [
        "input",
        "competitor",
        "seconds (median)",
        "M rows / s",
        "throughput ratio to transform (median per round)",
        "largest absolute difference to transform",
    ]
    threads = args.threads if args.threads > 0 else "ONNX Runtime's default"
    body = (
        f"{n} x {X.shape[1]} rows, the default network (hidden layers {est.hidden_layer_sizes}), "
        f"codes of size {k}, {rounds} interleaved rounds. torch threads: {torch.get_num_threads()}; "
        f"ONNX Runtime {ort.__version__}, intra-op threads: {threads}, opset {to_onnx_opset(est, X)}.\n\n"
        + markdown_table(header, rows)
    )
    write_report(
        "bench_onnx", "bench_onnx: ONNX Runtime against transform", [("Throughput", body)], command_line()
    )


def to_onnx_opset(est, X):
    from sklearn_ae.onnx import to_onnx

    return to_onnx(est, X[:1]).opset_import[0].version


if __name__ == "__main__":
    main()
