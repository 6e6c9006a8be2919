"""Peak resident memory of fit and transform, as a multiple of the input's size.

Each measurement runs in its own subprocess. The child builds the data (in float32
chunks) and whatever the measured call needs (a fitted estimator, codes), reads its
resident set size, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``),
runs the one call, and reads the peak (``VmHWM`` in ``/proc/self/status``). Reported:
``(peak - before) / input bytes``, the memory the call added on top of what the process
already held. Where ``clear_refs`` cannot be written the child falls back to
``resource.getrusage`` and the whole-process peak (the table says so).

Usage::

    python benchmarks/bench_memory.py            # 1M x 100 float32 (400 MB)
    python benchmarks/bench_memory.py --quick    # 200k x 100
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings

import numpy as np
from _common import (
    HERE,
    add_common_args,
    command_line,
    markdown_table,
    pyplot,
    savefig,
    set_threads,
    setup,
    write_report,
)

MEASUREMENTS = {
    "fit": [
        ("sklearn_ae fit, early_stopping=False (init='pca')", "fit_ae_pca"),
        ("sklearn_ae fit, early_stopping=False, init='random'", "fit_ae_random"),
        ("sklearn_ae fit, early_stopping=True (held-out rows, as a default fit here)", "fit_ae_early"),
        ("hand-written loop fit", "fit_hand"),
        ("PCA fit", "fit_pca"),
    ],
    "inference": [
        ("sklearn_ae transform (float32)", "transform_ae"),
        ("sklearn_ae transform (float64 input)", "transform_ae64"),
        ("sklearn_ae inverse_transform (float32 codes)", "inverse_ae"),
        ("sklearn_ae score (reconstruct + error)", "score_ae"),
        ("raw encoder forward, one call", "transform_raw"),
        ("PCA transform", "transform_pca"),
    ],
}


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def child(kind, n, d):
    """Run one measurement in this (fresh) process; print a JSON line."""
    import resource

    import torch
    from _common import ae, estimator_adam_kwargs, hand_loop_fit, latent_mlp_data

    warnings.simplefilter("ignore")
    X = latent_mlp_data(n, d)
    input_bytes = X.nbytes
    codes = None
    if kind in ("transform_ae", "transform_ae64", "inverse_ae", "score_ae", "transform_raw"):
        est = ae(max_iter=1).fit(X[:20_000])
    if kind == "transform_ae64":
        X = X.astype(np.float64)
        input_bytes = X.nbytes
    if kind == "inverse_ae":
        codes = est.transform(X)
    if kind == "transform_pca":
        from sklearn.decomposition import PCA

        pca = PCA(2).fit(X[:20_000])

    calls = {
        "fit_ae_pca": lambda: ae(max_iter=1).fit(X),
        "fit_ae_random": lambda: ae(max_iter=1, init="random").fit(X),
        "fit_ae_early": lambda: ae(max_iter=1, early_stopping=True).fit(X),
        # Like for like: the estimator's batch size and optimizer (fused Adam).
        "fit_hand": lambda: hand_loop_fit(X, 1, batch_size=128, optimizer_kwargs=estimator_adam_kwargs()),
        "fit_pca": lambda: __import__("sklearn.decomposition", fromlist=["PCA"]).PCA(2).fit(X),
        "transform_ae": lambda: est.transform(X),
        "transform_ae64": lambda: est.transform(X),
        "inverse_ae": lambda: est.inverse_transform(codes),
        "score_ae": lambda: est.score(X),
        "transform_pca": lambda: pca.transform(X),
    }
    if kind == "transform_raw":
        enc = est.encoder_

        def raw():
            with torch.inference_mode():
                return enc(torch.from_numpy(X)).numpy()

        calls[kind] = raw

    before_kb = _status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        method = "clear_refs"
    except OSError:
        method = "getrusage"
    result = calls[kind]()
    if method == "clear_refs":
        peak_kb = _status_kb("VmHWM")
    else:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del result
    print(
        json.dumps(
            {
                "kind": kind,
                "input_bytes": input_bytes,
                "before_kb": before_kb,
                "peak_kb": peak_kb,
                "method": method,
            }
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser, rounds=False)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=None, help="rows (default 1M, --quick 200k)")
    args = parser.parse_args(argv)
    n = args.n or (200_000 if args.quick else 1_000_000)
    d = 100
    if args.child:
        set_threads(args.threads)
        child(args.child, n, d)
        return
    setup(args)

    rows, plot_data = [], []
    for group, items in MEASUREMENTS.items():
        for label, kind in items:
            print(f"-- {label}", flush=True)
            proc = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "bench_memory.py"),
                    "--child",
                    kind,
                    "--n",
                    str(n),
                    "--threads",
                    str(args.threads),
                ],
                capture_output=True,
                text=True,
                cwd=HERE,
            )
            if proc.returncode != 0:
                rows.append([group, label, "failed", "-", "-", proc.stderr.strip().splitlines()[-1][:120]])
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            mb = res["input_bytes"] / 2**20
            extra = (res["peak_kb"] - res["before_kb"]) * 1024 / res["input_bytes"]
            rows.append([group, label, mb, (res["peak_kb"] - res["before_kb"]) / 1024, extra, res["method"]])
            plot_data.append((label, extra))

    header = ["phase", "call", "input MiB", "peak added MiB", "added / input", "method"]
    body = (
        f"{n} x {d} rows (float32 unless stated), one subprocess per row; fits run 1 epoch. "
        "input MiB is the size of the rows (for inverse_transform, of the rows it "
        "reconstructs: its input, the codes, is smaller).\n\n" + markdown_table(header, rows)
    )
    write_report("bench_memory", "bench_memory: peak RSS", [("Peak memory", body)], command_line())

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh([lbl for lbl, _ in plot_data], [v for _, v in plot_data], color="tab:orange")
    ax.axvline(1.0, color="k", lw=1, ls="--")
    ax.set_xlabel("peak RSS added by the call / size of the input")
    ax.set_title(f"Peak memory, {n // 1000}k x {d}")
    ax.invert_yaxis()
    savefig(fig, "bench_memory")


if __name__ == "__main__":
    main()
