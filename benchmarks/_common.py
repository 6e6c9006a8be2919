"""Shared helpers for the benchmark scripts: data, baselines, timing, reporting.

Every script runs its competitors side by side in one process, interleaved round by
round (the order is shuffled each round), and reports medians over the rounds. Ratios
are the median of the per-round ratios, so a slow moment of a noisy machine hits
both sides of a ratio rather than one competitor.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from sklearn_ae._modules import build_autoencoder  # noqa: E402  (needs the sys.path line)

DEFAULT_HIDDEN = (256, 128)
DEFAULT_BATCH = 256
DEFAULT_LR = 1e-3


# ----------------------------------------------------------------------- data


def digits():
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float32)


def latent_mlp_data(n_samples, n_features, n_latent=5, seed=0, chunk=200_000):
    """Rows of a random 2-layer tanh MLP applied to a Gaussian latent, plus noise.

    Generated in chunks straight into a float32 array, so that making the data does
    not leave a large float64 high-water mark behind (it matters for bench_memory).
    """
    rng = np.random.default_rng(seed)
    width = max(32, 2 * n_latent)
    W1 = rng.normal(size=(n_latent, width)) / np.sqrt(n_latent)
    W2 = rng.normal(size=(width, n_features)) / np.sqrt(width)
    offset = rng.normal(size=n_features)
    X = np.empty((n_samples, n_features), dtype=np.float32)
    for start in range(0, n_samples, chunk):
        stop = min(start + chunk, n_samples)
        z = rng.normal(size=(stop - start, n_latent))
        block = np.tanh(z @ W1) @ W2 + offset + 0.05 * rng.normal(size=(stop - start, n_features))
        X[start:stop] = block
    return X


# ------------------------------------------------------------------ baselines


def build_module(n_features, n_components=2, hidden=DEFAULT_HIDDEN, generator=None):
    """The estimator's own default network (linear path + MLP in each half), initialised
    from ``generator`` (None: ``build_autoencoder``'s fixed seed, 0)."""
    return build_autoencoder(n_features, n_components, hidden, "relu", 0.0, False, generator=generator)


def estimator_adam_kwargs():
    """The Adam options sklearn_ae's fit uses: ``fused=True`` where torch has a fused
    kernel (CUDA; the CPU from torch 2.4), else none."""
    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    return {"fused": True} if (major, minor) >= (2, 4) else {}


def standardize_like_estimator(X):
    """Centre each feature, divide by one global RMS: the estimator's own scaling."""
    T = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    mean = T.mean(0)
    T = T - mean
    scale = (torch.linalg.vector_norm(T) / T.numel() ** 0.5).clamp_min(1e-12)
    T /= scale
    return T, mean, scale


def hand_loop_fit(
    X,
    epochs,
    n_components=2,
    hidden=DEFAULT_HIDDEN,
    batch_size=DEFAULT_BATCH,
    lr=DEFAULT_LR,
    seed=0,
    optimizer_kwargs=None,
):
    """A hand-written PyTorch training loop: randperm + slicing, Adam, MSE.

    Returns ``(module, mean, scale, epoch_losses)``. It includes its own data prep
    (float32 tensor, centring, global scale), as the estimator's fit does.
    """
    T, mean, scale = standardize_like_estimator(X)
    module = build_module(T.shape[1], n_components, hidden, generator=torch.Generator().manual_seed(seed))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(module.parameters(), lr=lr, **(optimizer_kwargs or {}))
    loss_fn = torch.nn.MSELoss()
    n = len(T)
    losses = []
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        total = torch.zeros(())
        for start in range(0, n, batch_size):
            xb = T[perm[start : start + batch_size]]
            opt.zero_grad()
            recon, _ = module(xb)
            loss = loss_fn(recon, xb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
        losses.append(float(total) / n)
    module.eval()
    return module, mean, scale, losses


def hand_loop_mse(fitted, X):
    """Mean squared reconstruction error of a :func:`hand_loop_fit` result, user units."""
    module, mean, scale, _ = fitted
    T = (torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)) - mean) / scale
    with torch.inference_mode():
        recon = module(T)[0] * scale + mean
    return float(np.mean((recon.numpy().astype(np.float64) - X) ** 2))


def ae(**kwargs):
    """An AutoencoderTransformer doing the hand loop's work: all rows, fixed epochs.

    No rows are held out (``early_stopping=False``) and the stopping rule never fires,
    unless overridden.
    """
    from sklearn_ae import AutoencoderTransformer

    params = {"tol": 0.0, "n_iter_no_change": 10**9, "random_state": 0, "early_stopping": False}
    params.update(kwargs)
    return AutoencoderTransformer(**params)


# --------------------------------------------------------------------- timing

_LIMITS = []


def add_common_args(parser, rounds=True):
    """``--quick``, ``--rounds`` and ``--threads``, shared by every script.

    ``rounds=False``: a script that times single fits has no ``--rounds`` (argparse
    then refuses it, rather than accepting and ignoring it).
    """
    parser.add_argument("--quick", action="store_true", help="small, fast run")
    if rounds:
        parser.add_argument("--rounds", type=int, default=None, help="interleaved repeats per case")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch and BLAS threads per process (default 1: stable timings on a shared "
        "machine; 0 keeps the libraries' defaults)",
    )
    return parser


_SUFFIX = [""]


def setup(args):
    """Apply ``--threads``, warm up; name result files so that they do not overwrite the reference run.

    A ``--quick`` run writes ``results/<script>_quick.*``, a run with another thread
    setting than the default 1 ``results/<script>_threads<N>.*``.
    """
    _SUFFIX[0] = ("_quick" if args.quick else "") + ("" if args.threads == 1 else f"_threads{args.threads}")
    set_threads(args.threads)
    warm_up()


def warm_up():
    """One short, untimed fit, so that no timed fit pays the process's first-call costs.

    The first fit in a process imports skorch and pays torch's first calls (kernel
    selection, the fused Adam step, allocator growth): about a second that would
    otherwise land on whichever competitor happens to run first.
    """
    from sklearn_ae import AutoencoderTransformer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        AutoencoderTransformer(2, max_iter=2, random_state=0).fit(digits()[:300])


def set_threads(n):
    """Pin torch's intra-op threads and the BLAS pools (numpy, scikit-learn) to ``n``."""
    if n and n > 0:
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(n)
        _LIMITS.append(threadpool_limits(limits=n))


def pin_numba_threads(n):
    """Give numba (UMAP's engine), when installed, ``n`` threads, and keep torch's at ``n``.

    numba's OpenMP layer sets the process's OpenMP thread count when it starts, which
    is also torch's: until the first UMAP fit, torch would run on all cores.
    """
    if not n or n <= 0:
        return
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    torch.set_num_threads(n)


def timed(fn):
    """Run ``fn()`` once; return ``(seconds, result)``."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def interleaved(competitors, rounds, baseline=None, seed=0, warmup=None, prepare=None):
    """Time each competitor once per round, in a fresh random order each round.

    Parameters
    ----------
    competitors : dict name -> zero-argument callable
        Each returns None, or raises: a competitor that raises is recorded as failed
        (its message kept) and not run again.
    baseline : str or None
        Name whose time divides every other in the same round.

    Returns
    -------
    times : dict name -> list of seconds
    ratios : dict name -> list of per-round ratios to ``baseline`` (if given)
    errors : dict name -> message
    warmup : dict name -> zero-argument callable, optional
        Run once, untimed, before the first round (imports, first-call allocations).
    prepare : zero-argument callable, optional
        Run, untimed, before every timed call (e.g. shutting down a worker pool).
    """
    rng = random.Random(seed)
    times = {name: [] for name in competitors}
    errors = {}
    for name, fn in (warmup or {}).items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn()
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    for _ in range(rounds):
        order = list(competitors)
        rng.shuffle(order)
        this_round = {}
        for name in order:
            if name in errors:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if prepare is not None:
                        prepare()
                    this_round[name], _ = timed(competitors[name])
            except Exception as exc:  # a missing/broken third-party competitor
                errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        for name, seconds in this_round.items():
            times[name].append(seconds)
    ratios = paired_ratios(times, baseline) if baseline is not None else {}
    return times, ratios, errors


def paired_ratios(times, baseline):
    """Per-round ratios of every competitor's time to ``baseline``'s time in that round."""
    if not times.get(baseline):
        return {name: [] for name in times}
    return {name: [t / b for t, b in zip(ts, times[baseline], strict=False)] for name, ts in times.items()}


def median(values):
    return statistics.median(values) if values else float("nan")


# ------------------------------------------------------------------ reporting


def machine_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sklearn
    import skorch

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }


def code_version():
    """The measured sklearn_ae: the checkout's commit, "-dirty" if code differs from it.

    Code is the package, the benchmark scripts and ``pyproject.toml``. Result files
    under ``benchmarks/results/`` do not count (a run of several scripts rewrites them
    one after another, and they are not what is measured), nor do docs edited while a
    run goes on. $BENCH_COMMIT overrides.
    """
    import subprocess

    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "sklearn_ae",
                "benchmarks",
                "pyproject.toml",
                ":!benchmarks/results",
            ],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return (commit + ("-dirty" if changed else "")) or "unknown"
    except OSError:
        return "unknown"


def machine_line():
    m = machine_info()
    return (
        f"{m['nproc']} CPUs ({m['cpu']}), torch {m['torch']} ({m['torch_threads']} threads), "
        f"skorch {m['skorch']}, scikit-learn {m['sklearn']}, numpy {m['numpy']}, Python {m['python']}; "
        f"sklearn_ae at {code_version()}"
    )


def fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not np.isfinite(value):
        return "-"
    if isinstance(value, int):
        return str(value)
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name, title, sections, command):
    """Print the report and write it to ``results/<name>.md``.

    ``sections`` is a list of ``(heading, markdown)``.
    """
    RESULTS.mkdir(exist_ok=True)
    parts = [f"# {title}", "", f"Machine: {machine_line()}", "", f"Command: `{command}`", ""]
    for heading, body in sections:
        parts += [f"## {heading}", "", body, ""]
    text = "\n".join(parts)
    print(text)
    (RESULTS / f"{name}{_SUFFIX[0]}.md").write_text(text)
    return text


def savefig(fig, name):
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}{_SUFFIX[0]}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path.relative_to(HERE.parent)}")
    return path


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def command_line():
    return "python " + " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])
