"""Where do transform and fit spend time and memory around the forward pass?

Nothing in ``sklearn_ae`` is edited; candidate changes are monkeypatched in this process
(and in child processes for memory).

Time (``transform`` / ``inverse_transform`` on 1M x 100 float32, ``--quick`` 200k):

baseline            ``AutoencoderTransformer._map`` as it is: per 65536-row chunk,
                    ``(block - mean) / scale`` in numpy with the float64 ``mean_`` (so a
                    float32 block becomes two float64 temporaries), then a float32 copy
torch scaling       the same chunks, but centring and scaling done in torch in the
                    input's dtype (``sub`` then in-place ``div_``, in-place un-scaling),
                    written straight into the output
baseline code, 4k chunks           the baseline with 4096-row chunks
torch scaling, 16k / 4k chunks     chunk-size sensitivity of the torch scaling
raw forward, 64k / 4k chunks       the bare modules (the floor)

Memory (fit, 1 epoch, peak RSS added / input bytes, one subprocess each):

baseline            ``_data.scaled_tensor`` as it is
in-place chunks     ``scaled_tensor`` scaling each float64 chunk in place (one temporary
                    instead of three), with 64k-row and with 8k-row chunks

Usage::

    python benchmarks/profile_transform.py
    python benchmarks/profile_transform.py --quick
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings

import numpy as np
import torch
from _common import (
    HERE,
    add_common_args,
    ae,
    command_line,
    interleaved,
    latent_mlp_data,
    markdown_table,
    median,
    paired_ratios,
    set_threads,
    setup,
    write_report,
)

from sklearn_ae import _autoencoder, _data
from sklearn_ae._data import chunks


def map_torch_scaling(chunk_rows):
    """A drop-in ``_map`` doing the affine scaling in torch, in the input's precision."""

    def _map(self, A, which, n_out):
        module = self._inference_module(A.dtype)
        torch_dtype = next(module.parameters()).dtype
        out = np.empty((A.shape[0], n_out), dtype=A.dtype)
        out_t = torch.from_numpy(out)
        scale = float(self.scale_)
        mean = torch.as_tensor(self.mean_, dtype=torch_dtype, device=self._device)
        with torch.inference_mode():
            for rows in chunks(A.shape[0], chunk_rows):
                t = torch.from_numpy(np.ascontiguousarray(A[rows])).to(self._device, torch_dtype)
                encode = getattr(module, "encode", module.encoder)
                decode = getattr(module, "decode", module.decoder)
                if which == "decode":
                    t = decode(t / scale)
                else:
                    t = t.sub(mean).div_(scale)
                    t = encode(t) if which == "encode" else decode(encode(t))
                t = t.mul_(scale)
                if which != "encode":
                    t = t.add_(mean)
                out_t[rows] = t.to("cpu", out_t.dtype)
        return out

    return _map


def scaled_tensor_inplace(X, mean, scale, with_covariance=False, chunk_rows=_data.CHUNK_ROWS):
    n, d = X.shape
    out = torch.empty((n, d), dtype=torch.float32)
    cov = np.zeros((d, d)) if with_covariance else None
    for rows in chunks(n, chunk_rows):
        block = X[rows].astype(np.float64)
        block -= mean
        block /= scale
        out[rows] = torch.from_numpy(block)  # copy_ casts to float32
        if with_covariance:
            cov += block.T @ block
    if with_covariance:
        cov /= max(n, 1)
    return out, cov


def raw_chunked(module, A, n_out, chunk=65536):
    out = torch.empty((len(A), n_out), dtype=torch.float32)
    T = torch.from_numpy(A)
    with torch.inference_mode():
        for start in range(0, len(A), chunk):
            out[start : start + chunk] = module(T[start : start + chunk])
    return out.numpy()


def with_map(est, new_map, method, arg):
    cls = _autoencoder.AutoencoderTransformer
    old = cls._map
    cls._map = new_map
    try:
        return getattr(est, method)(arg)
    finally:
        cls._map = old


def memory_child(variant, n):
    warnings.simplefilter("ignore")
    X = latent_mlp_data(n, 100)
    if variant.startswith("in-place"):
        size = 8192 if "8k" in variant else _data.CHUNK_ROWS

        def patched(X, mean, scale, with_covariance=False):
            return scaled_tensor_inplace(X, mean, scale, with_covariance, size)

        _autoencoder.scaled_tensor = patched
        _data.scaled_tensor = patched
        _data.chunks = lambda n, s=size: chunks(n, s)  # fit_scaling's chunks too
    with open("/proc/self/status") as f:
        before = next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    ae(max_iter=1).fit(X)
    with open("/proc/self/status") as f:
        peak = next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:"))
    print(json.dumps({"added": (peak - before) * 1024 / X.nbytes}))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args(argv)
    n = args.n or (200_000 if args.quick else 1_000_000)
    if args.memory_child:
        set_threads(args.threads)
        memory_child(args.memory_child, n)
        return
    setup(args)
    rounds = args.rounds or 3

    X = latent_mlp_data(n, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = ae(max_iter=1).fit(X[:20_000])
    Z = est.transform(X)
    enc, dec = est.encoder_, est.decoder_
    base = _autoencoder.AutoencoderTransformer._map
    fast = {c: map_torch_scaling(c) for c in (4096, 16384, 65536)}

    def base_chunks(rows_per_chunk):
        """The baseline ``_map`` with ``chunks`` of another size."""

        def _map(self, A, which, n_out):
            old = _autoencoder.chunks
            _autoencoder.chunks = lambda n, size=rows_per_chunk: chunks(n, size)
            try:
                return base(self, A, which, n_out)
            finally:
                _autoencoder.chunks = old

        return _map

    base4k = base_chunks(4096)

    def variants_for(method, A, module, n_out):
        return {
            "raw forward, 64k chunks": lambda: raw_chunked(module, A, n_out),
            "raw forward, 4k chunks": lambda: raw_chunked(module, A, n_out, 4096),
            "baseline": lambda: with_map(est, base, method, A),
            "baseline code, 4k chunks": lambda: with_map(est, base4k, method, A),
            "torch scaling": lambda: with_map(est, fast[65536], method, A),
            "torch scaling, 16k chunks": lambda: with_map(est, fast[16384], method, A),
            "torch scaling, 4k chunks": lambda: with_map(est, fast[4096], method, A),
        }

    def comps(Xa, Za):
        return {
            "transform": variants_for("transform", Xa, enc, Za.shape[1]),
            "inverse_transform": variants_for("inverse_transform", Za, dec, Xa.shape[1]),
        }

    full, warm = comps(X, Z), comps(X[:10_000], Z[:10_000])
    check = np.max(np.abs(with_map(est, fast[65536], "transform", X[:50_000]) - est.transform(X[:50_000])))
    rows = []
    for method, comp in full.items():
        print(f"-- {method}", flush=True)
        times, _, _ = interleaved(comp, rounds, warmup=warm[method])
        to_raw = paired_ratios(times, "raw forward, 64k chunks")
        to_raw4 = paired_ratios(times, "raw forward, 4k chunks")
        to_base = paired_ratios(times, "baseline")
        for name in comp:
            rows.append(
                [
                    method,
                    name,
                    median(times[name]),
                    median(to_raw[name]),
                    median(to_raw4[name]),
                    median(to_base[name]),
                ]
            )
    time_body = (
        f"{n} x 100 float32, {rounds} interleaved rounds; torch threads {torch.get_num_threads()}. "
        f"Largest difference of 'torch scaling' codes from the baseline's: {check:.2g}.\n\n"
        + markdown_table(
            ["method", "variant", "seconds", "ratio to raw 64k", "ratio to raw 4k", "ratio to baseline"], rows
        )
    )

    mem_rows = []
    for variant in ("baseline", "in-place, 64k chunks", "in-place, 8k chunks"):
        print(f"-- memory: {variant}", flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                str(HERE / "profile_transform.py"),
                "--memory-child",
                variant,
                "--n",
                str(n),
                "--threads",
                str(args.threads),
            ],
            capture_output=True,
            text=True,
            cwd=HERE,
        )
        if proc.returncode:
            mem_rows.append(["fit, 1 epoch", variant, proc.stderr.strip().splitlines()[-1][:100]])
        else:
            mem_rows.append(["fit, 1 epoch", variant, json.loads(proc.stdout.splitlines()[-1])["added"]])
    mem_body = f"{n} x 100 float32, default init='pca'.\n\n" + markdown_table(
        ["call", "scaled_tensor variant", "peak RSS added / input"], mem_rows
    )
    write_report(
        "profile_transform",
        "profile_transform: inference and data-copy candidates, measured by monkeypatching",
        [("Inference time", time_body), ("Fit memory", mem_body)],
        command_line(),
    )


if __name__ == "__main__":
    main()
