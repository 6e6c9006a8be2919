"""The command line: ``python -m sklearn_ae demo``."""

import subprocess
import sys

import pytest

from sklearn_ae.__main__ import main


def test_demo_prints_the_comparison_table(capsys):
    assert main(["demo", "--n-components", "2,4", "--max-iter", "3"]) == 0
    out = capsys.readouterr().out
    assert "| code size | PCA MSE | AE MSE | AE/PCA |" in out
    rows = [line for line in out.splitlines() if line.startswith("| 2 ") or line.startswith("| 4 ")]
    assert len(rows) == 2
    ratio = float(rows[1].split("|")[4])
    assert 0 < ratio < 1.5


def test_demo_rejects_bad_sizes(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--n-components", "two"])
    assert "comma-separated integers" in capsys.readouterr().err


def test_module_entry_point_help():
    out = subprocess.run(
        [sys.executable, "-m", "sklearn_ae", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in out.stdout
