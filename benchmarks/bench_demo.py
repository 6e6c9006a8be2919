"""The README's demo table: ``python -m sklearn_ae demo``, run as a newcomer runs it.

Each round starts a fresh Python process running ``python -m sklearn_ae demo
--no-figure`` (so every round pays the imports and the first fit's one-time costs, as
the README says) with the libraries' own thread defaults, and times the whole command.
The reconstruction errors and accuracies are deterministic; the fit times and the
wall time are not. The report gives each round's wall time and the table printed by
the round whose wall time is the median.

``--rounds`` sets the number of processes (default 3, 1 with ``--quick``);
``--threads N`` (N > 0) sets ``OMP_NUM_THREADS=N`` for them (default: unset, the
libraries' defaults, as a newcomer runs it).

    python benchmarks/bench_demo.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import _common
from _common import add_common_args, command_line, median, write_report


def run_demo(threads):
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if threads > 0:
        env["OMP_NUM_THREADS"] = str(threads)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sklearn_ae", "demo", "--no-figure"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=_common.HERE.parent,
    )
    return time.perf_counter() - start, done.stdout


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.set_defaults(threads=0)
    args = parser.parse_args()
    # Not _common.setup: no warm-up here (each round is a fresh process), and the
    # reference run uses the libraries' thread defaults, so --threads N names its own file.
    threads_suffix = f"_threads{args.threads}" if args.threads > 0 else ""
    _common._SUFFIX[0] = ("_quick" if args.quick else "") + threads_suffix
    rounds = args.rounds or (1 if args.quick else 3)
    if rounds % 2 == 0:
        parser.error(f"--rounds must be odd (the table is the median round's), got {rounds}")
    runs = sorted((run_demo(args.threads) for _ in range(rounds)), key=lambda run: run[0])
    wall, output = runs[len(runs) // 2]
    table = "\n".join(line for line in output.splitlines() if line.startswith("|"))
    threads = "the libraries' defaults" if args.threads <= 0 else f"OMP_NUM_THREADS={args.threads}"
    sections = [
        (
            "The table (the median round)",
            f"`python -m sklearn_ae demo --no-figure` in a fresh process, threads: {threads}.\n\n{table}",
        ),
        (
            "Wall time of the whole command",
            f"Rounds (sorted): {', '.join(f'{w:.1f} s' for w, _ in runs)}; median "
            f"{median([w for w, _ in runs]):.1f} s (the table above is from the {wall:.1f} s round).",
        ),
    ]
    write_report("bench_demo", "The demo of the README", sections, command_line())


if __name__ == "__main__":
    main()
