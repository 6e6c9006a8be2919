"""``sklearn-ae demo``: PCA against the autoencoder on digits, a table and a figure."""

import sys

import pytest
import torch

from sklearn_ae.cli import main

from .helpers import run_error


def table_rows(out):
    """The rows of the demo's table: code size -> {column name: number}."""
    lines = [line.strip("|").split("|") for line in out.splitlines() if line.startswith("| ")]
    header = [name.strip() for name in lines[0]]
    return {int(row[0]): dict(zip(header, map(float, row))) for row in lines[2:]}


def test_demo_autoencoder_beats_pca_at_code_size_8(capsys):
    """What the demo shows with its default training: a lower held-out error than PCA's."""
    assert main(["demo", "--n-components", "8", "--no-figure"]) == 0
    row = table_rows(capsys.readouterr().out)[8]
    ratio = row["AE/PCA"]
    assert ratio <= 0.54, (
        f"at code size 8 the autoencoder's held-out MSE is {ratio:.2f} x PCA's "
        f"({row['AE MSE']:.2f} vs {row['PCA MSE']:.2f}); measured 0.47"
    )


def test_demo_smoke_table_and_figure(capsys, tmp_path, monkeypatch):
    """A smoke test, too short to say which model is better: the table and the default figure."""
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--n-components", "2,4", "--max-iter", "3"]) == 0
    out = capsys.readouterr().out
    assert "| code size | PCA MSE | AE MSE | AE/PCA | PCA accuracy | AE accuracy |" in out
    rows = table_rows(out)
    assert sorted(rows) == [2, 4]
    for row in rows.values():
        assert row["PCA MSE"] > 0 and row["AE MSE"] > 0 and 0 < row["AE accuracy"] <= 1
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
    assert 'pip install "sklearn_ae[plot]"' in out
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
    with pytest.raises(SystemExit):  # before fitting the first size
        main(["demo", "--n-components", "2,100"])
    assert "code sizes up to 64, got '2,100'" in capsys.readouterr().err


def test_demo_restores_the_callers_torch_threads(capsys):
    """main() can run in a user's process: the demo's one thread is its own."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert main(["demo", "--n-components", "2", "--max-iter", "1", "--no-figure"]) == 0
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)
