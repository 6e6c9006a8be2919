"""Ctrl-C: ``sklearn-ae fit`` exits with status 130 and writes no model."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sklearn_ae.cli._interrupt import interruptible

from .helpers import COLUMNS, write_csv

ROOT = Path(__file__).resolve().parents[2]

# ``python -c`` this, then the command line: ``fit`` with a skorch callback that presses
# Ctrl-C (sends SIGINT to the process) at the end of the second epoch.
CTRL_C_AT_EPOCH_2 = """
import os, signal, sys
from skorch.callbacks import Callback
from sklearn_ae.cli import _commands, main

class CtrlC(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            os.kill(os.getpid(), signal.SIGINT)

make = _commands._estimator
_commands._estimator = lambda args: make(args).set_params(callbacks=[CtrlC()])
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_ctrl_c_during_fit_exits_130_and_writes_no_model(tmp_path, data, existing):
    csv = write_csv(tmp_path / "data.csv", data, COLUMNS)
    model = tmp_path / "model.joblib"
    if existing:
        model.write_bytes(b"the previous model")
    argv = ["fit", str(csv), "--model", str(model), "--max-iter", "200", "--hidden-layer-sizes", "8"]
    command = [sys.executable, "-c", CTRL_C_AT_EPOCH_2, *argv]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 130, result.stdout + result.stderr
    assert result.stderr.strip().endswith("sklearn-ae: interrupted"), result.stderr
    assert "Traceback" not in result.stderr
    assert "Saved" not in result.stdout
    if existing:
        assert model.read_bytes() == b"the previous model"
    else:
        assert not model.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["data.csv"] + existing * ["model.joblib"])


def swallowing_ctrl_c(outcome=None):
    """Press Ctrl-C in code that catches KeyboardInterrupt, as skorch's training loop does."""
    outcome = [] if outcome is None else outcome
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the signal arrives before this ends
    except KeyboardInterrupt:
        outcome.append("swallowed")
        return "swallowed"
    outcome.append("not interrupted")
    return "not interrupted"


def test_interruptible_raises_the_interrupt_that_code_inside_swallows():
    before = signal.getsignal(signal.SIGINT)
    if before is not signal.default_int_handler:
        pytest.skip("Ctrl-C does not have Python's default handler here")
    outcome = []
    with pytest.raises(KeyboardInterrupt), interruptible():
        swallowing_ctrl_c(outcome)
    # Cut short at once: the code inside neither caught the interrupt nor finished its sleep.
    assert outcome == []
    assert signal.getsignal(signal.SIGINT) is before  # put back
    with interruptible():  # no Ctrl-C: no effect
        pass


def test_interruptible_outside_the_main_thread_changes_nothing():
    outcome = []

    def run():
        with interruptible():
            outcome.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert outcome == [signal.getsignal(signal.SIGINT)]


# ``python -c`` this, then ``demo``: its comparison presses Ctrl-C inside code that
# catches KeyboardInterrupt, as skorch's training loop does, and would go on.
CTRL_C_IN_DEMO = """
import os, signal, sys
from sklearn_ae.cli import _commands, main

def compare(*args, **kwargs):
    try:
        os.kill(os.getpid(), signal.SIGINT)
    except KeyboardInterrupt:
        pass
    return []

_commands.compare = compare
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_during_demo_exits_130():
    command = [sys.executable, "-c", CTRL_C_IN_DEMO, "demo", "--no-figure"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 130, result.stdout + result.stderr
    assert result.stderr.strip().endswith("sklearn-ae: interrupted"), result.stderr


@pytest.mark.parametrize("stderr_too", [False, True], ids=["stdout", "stderr_too"])
def test_fit_finishes_and_saves_when_its_reader_leaves(tmp_path, data, stderr_too):
    """``sklearn-ae fit -vv ... 2>&1 | head -2``: the pipe closes early; the fit still saves."""
    csv = write_csv(tmp_path / "data.csv", data, COLUMNS)
    model = tmp_path / "model.joblib"
    read, write = os.pipe()
    os.close(read)  # a reader that has already gone: every write to the pipe fails
    argv = ["fit", str(csv), "--model", str(model), "-vv", "--max-iter", "5", "--hidden-layer-sizes", "8"]
    try:
        command = [sys.executable, "-m", "sklearn_ae", *argv]
        result = subprocess.run(
            command,
            stdout=write,
            stderr=write if stderr_too else subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
    finally:
        os.close(write)
    assert result.returncode == 0, result.stderr
    assert not result.stderr or ("Broken pipe" not in result.stderr and "Traceback" not in result.stderr)
    assert model.exists()
