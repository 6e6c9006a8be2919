"""Where does fit spend its time? Candidate engine changes, measured by monkeypatching.

Nothing in ``sklearn_ae`` is edited: each variant patches the training engine inside
this process, fits, and restores it. Variants (all with ``init="random"``, the same
work as the hand loop):

baseline              the engine as it is
mode once             ``NeuralNet._set_training`` skips ``module.train(mode)`` when the mode
                      is unchanged (skorch calls it on every batch; it walks every submodule)
no closure            ``train_step`` without the optimizer closure, ``FirstStepAccumulator``
                      and the per-batch ``on_grad_computed`` notification
lean                  both of the above, and no per-batch ``on_batch_begin/end`` notify
fused Adam            ``optimizer=`` an Adam subclass with ``fused=True`` (public API)
lean + fused Adam     all of it

Each ratio is to the plain hand-written loop (default Adam) timed in the same round;
``hand loop, fused Adam`` shows what fusing buys the hand loop itself. A cProfile
summary of one baseline fit follows.

Usage::

    python benchmarks/profile_fit.py            # digits b256 / digits b32 / 20k x 100
    python benchmarks/profile_fit.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats

import torch
from _common import (
    add_common_args,
    ae,
    command_line,
    digits,
    hand_loop_fit,
    interleaved,
    latent_mlp_data,
    markdown_table,
    median,
    setup,
    write_report,
)
from skorch import NeuralNet

from sklearn_ae import _engine


class FusedAdam(torch.optim.Adam):
    """Adam with the fused (single-kernel) update, where torch supports it."""

    def __init__(self, params, **kwargs):
        kwargs.setdefault("fused", True)
        super().__init__(params, **kwargs)


def _set_training_once(self, training=True):
    if getattr(self, "_bench_mode", None) is training:
        return
    self._bench_mode = training
    NeuralNet._set_training(self, training)


def _train_step_no_closure(self, batch, **fit_params):
    self._zero_grad_optimizer()
    step = self.train_step_single(batch, **fit_params)
    self._step_optimizer(None)
    return step


def _run_single_epoch_lean(self, iterator, training, prefix, step_fn, **fit_params):
    if iterator is None:
        return
    total, n_rows, n_batches = 0.0, 0, 0
    for batch in iterator:
        step = step_fn(batch, **fit_params)
        size = len(batch[0])
        total = total + step["loss"].detach() * size
        n_rows += size
        n_batches += 1
    self.history.record(prefix + "_batch_count", n_batches)
    self.history.record(prefix + "_loss", float(total) / max(n_rows, 1))


PATCHES = {
    "mode once": {"_set_training": _set_training_once},
    "no closure": {"train_step": _train_step_no_closure},
    "lean": {
        "_set_training": _set_training_once,
        "train_step": _train_step_no_closure,
        "run_single_epoch": _run_single_epoch_lean,
    },
}


@contextlib.contextmanager
def patched(attrs):
    cls = _engine.AutoencoderNet
    saved = {name: cls.__dict__.get(name) for name in attrs}
    try:
        for name, fn in attrs.items():
            setattr(cls, name, fn)
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                delattr(cls, name)
            else:
                setattr(cls, name, old)


def variants(X, epochs, batch_size):
    def fit_ae(patch=None, **kw):
        def run():
            with patched(PATCHES.get(patch, {})):
                ae(init="random", max_iter=epochs, batch_size=batch_size, **kw).fit(X)

        return run

    return {
        "hand loop": lambda: hand_loop_fit(X, epochs, batch_size=batch_size),
        "hand loop, fused Adam": lambda: hand_loop_fit(
            X, epochs, batch_size=batch_size, optimizer_kwargs={"fused": True}
        ),
        "baseline": fit_ae(),
        "mode once": fit_ae("mode once"),
        "no closure": fit_ae("no closure"),
        "lean": fit_ae("lean"),
        "fused Adam": fit_ae(optimizer=FusedAdam),
        "lean + fused Adam": fit_ae("lean", optimizer=FusedAdam),
    }


def profile_summary(X, epochs, batch_size, top=14):
    pr = cProfile.Profile()
    pr.enable()
    ae(init="random", max_iter=epochs, batch_size=batch_size).fit(X)
    pr.disable()
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(top)
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if "ncalls" in ln)
    return "```\n" + "\n".join(lines[start - 1 :]) + "\n```"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(parser)
    args = parser.parse_args(argv)
    setup(args)
    rounds = args.rounds or (3 if args.quick else 5)
    scale = 0.4 if args.quick else 1.0
    cases = [
        ("digits, batch 256", digits(), max(2, int(25 * scale)), 256),
        ("digits, batch 32", digits(), max(1, int(5 * scale)), 32),
        ("latent MLP 20k x 100, batch 256", latent_mlp_data(20_000, 100), 2 if not args.quick else 1, 256),
    ]
    header = ["data", "variant", "s / epoch (median)", "ratio to hand loop (median)", "ratio range"]
    rows = []
    for name, X, epochs, batch_size in cases:
        print(f"-- {name}: {epochs} epochs, {rounds} rounds", flush=True)
        comp = variants(X, epochs, batch_size)
        warm = variants(X[:512], 1, batch_size)
        times, ratios, errors = interleaved(comp, rounds, baseline="hand loop", warmup=warm)
        for variant in comp:
            if variant in errors:
                rows.append([name, variant, "failed", errors[variant], "-"])
                continue
            r = ratios[variant]
            rows.append(
                [name, variant, median(times[variant]) / epochs, median(r), f"{min(r):.2f}-{max(r):.2f}"]
            )
    body = f"{rounds} interleaved rounds; torch threads: {torch.get_num_threads()}.\n\n" + markdown_table(
        header, rows
    )
    prof = profile_summary(digits(), 4 if args.quick else 10, 32)
    write_report(
        "profile_fit",
        "profile_fit: candidate engine changes, measured by monkeypatching",
        [("Variants", body), ("cProfile of one baseline fit (digits, batch 32), by own time", prof)],
        command_line(),
    )


if __name__ == "__main__":
    main()
