"""``sklearn-ae demo``: PCA against the autoencoder on digits, a table and a figure."""

import sys

import pytest

from sklearn_ae.cli import main

from .helpers import run_error


def test_demo_prints_the_comparison_table_and_saves_the_figure(capsys, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--n-components", "2,4", "--max-iter", "3"]) == 0
    out = capsys.readouterr().out
    assert "| code size | PCA MSE | AE MSE | AE/PCA |" in out
    rows = [line for line in out.splitlines() if line.startswith("| 2 ") or line.startswith("| 4 ")]
    assert len(rows) == 2
    ratio = float(rows[1].split("|")[4])
    assert 0 < ratio < 1.5
    figure = tmp_path / "sklearn_ae_demo.png"  # the default, in the current directory
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sklearn_ae_demo.png" in out


def test_demo_without_matplotlib_prints_a_note_and_succeeds(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    figure = tmp_path / "demo.png"
    assert main(["demo", "--n-components", "3", "--max-iter", "2", "--figure", str(figure)]) == 0
    out = capsys.readouterr().out
    assert "| 3 |" in out
    assert "pip install matplotlib" in out
    assert not figure.exists()


def test_demo_no_figure_and_bad_figure_paths(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    assert "unsupported figure type" in run_error(
        capsys, ["demo", "--max-iter", "1", "--figure", str(tmp_path / "demo.xyz")]
    )
    assert "no such directory" in run_error(
        capsys, ["demo", "--max-iter", "1", "--figure", str(tmp_path / "nope" / "demo.png")]
    )


def test_demo_rejects_bad_sizes(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--n-components", "two"])
    assert "comma-separated integers" in capsys.readouterr().err
