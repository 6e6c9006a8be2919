"""The command line: ``python -m sklearn_ae demo | fit | transform | inverse-transform``."""

import gzip
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest

from sklearn_ae import VariationalAutoencoderTransformer, _commands
from sklearn_ae.__main__ import main

COLUMNS = ["a", "b", "c", "d", "e"]
FAST = ["--max-iter", "3", "--hidden-layer-sizes", "8", "--random-state", "0"]


def write_csv(path, X, columns, extra=None):
    """A CSV file with a header; ``extra`` maps a column name to its string values."""
    extra = extra or {}
    with open(path, "w") as f:
        f.write(",".join([*columns, *extra]) + "\n")
        for i, row in enumerate(X):
            f.write(",".join([*map(repr, row.tolist()), *(values[i] for values in extra.values())]) + "\n")
    return path


def read_csv(path):
    with gzip.open(path, "rt") if str(path).endswith(".gz") else open(path) as f:
        header = f.readline().strip().split(",")
        return header, np.loadtxt(f, delimiter=",", ndmin=2)


def encode(model, X):
    """``model.transform`` on a plain array (the CLI's models remember column names)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return model.transform(X)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 3)) @ rng.normal(size=(3, 5)) * 10 + 100


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, data):
    """A CSV file and the model ``sklearn-ae fit`` trained on it."""
    folder = tmp_path_factory.mktemp("fitted")
    csv = write_csv(folder / "data.csv", data, COLUMNS)
    model = folder / "model.joblib"
    assert main(["fit", str(csv), "--model", str(model), "--n-components", "2", *FAST]) == 0
    return csv, model


def run_error(capsys, argv):
    """Run a command that must fail; return its one-line error message."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("sklearn-ae: error: "), captured.err
    assert "Traceback" not in captured.err
    return captured.err


# ------------------------------------------------------------------------ demo


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


# ------------------------------------------------------------------------ help


def test_module_entry_point_help():
    out = subprocess.run(
        [sys.executable, "-m", "sklearn_ae", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("demo", "fit", "transform", "inverse-transform"):
        assert command in out.stdout
    assert "sklearn-ae fit data.csv --model model.joblib" in out.stdout  # an example line


@pytest.mark.parametrize("command", ["demo", "fit", "transform", "inverse-transform"])
def test_each_command_has_help_with_an_example(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"sklearn-ae {command}" in out
    assert "example" in out
    if command != "demo":
        assert "pickle" in out and "trust" in out  # the model file runs code when loaded


def test_fit_help_explains_the_data_format(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("header", "numeric", "--columns", "--n-components", "sklearn_ae[parquet]", "--variational"):
        assert text in out


# ------------------------------------------------------------- fit and transform


def test_fit_transform_round_trip(capsys, tmp_path, fitted, data):
    csv, model_path = fitted
    codes = tmp_path / "codes.csv"
    assert main(["transform", str(csv), "--model", str(model_path), "--output", str(codes)]) == 0
    assert "Wrote 60 rows of 2 codes" in capsys.readouterr().out

    model = joblib.load(model_path)
    assert list(model.feature_names_in_) == COLUMNS
    header, Z = read_csv(codes)
    assert header == ["autoencodertransformer0", "autoencodertransformer1"]
    np.testing.assert_array_equal(Z, encode(model, data))  # CSV keeps every float exactly

    back = tmp_path / "back.csv.gz"
    assert main(["inverse-transform", str(codes), "-m", str(model_path), "-o", str(back)]) == 0
    capsys.readouterr()
    header, X_back = read_csv(back)
    assert header == COLUMNS
    np.testing.assert_allclose(X_back, model.inverse_transform(Z))


def test_fit_prints_a_summary(capsys, fitted):
    csv, model = fitted
    assert main(["fit", str(csv), "--model", str(model), "--n-components", "2", *FAST]) == 0
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    for text in ("60 rows x 5 columns", "n_components_): 2", "n_iter_): 3", "final training loss", " s."):
        assert text in out
    assert "sklearn-ae: warning:" in captured.err  # 3 epochs do not converge; said without a traceback
    assert "Traceback" not in captured.err


def test_transform_matches_columns_by_name(capsys, tmp_path, fitted, data):
    _, model = fitted
    reordered = write_csv(tmp_path / "reordered.csv", data[:, ::-1], COLUMNS[::-1], extra={"id": ["x"] * 60})
    out = tmp_path / "codes.csv"
    argv = ["transform", str(reordered), "--model", str(model), "--output", str(out)]
    message = run_error(capsys, argv)  # the extra, non-numeric "id" column
    assert "'id'" in message and "not trained on" in message and "--columns" in message
    assert main([*argv, "--columns", ",".join(COLUMNS)]) == 0
    np.testing.assert_array_equal(read_csv(out)[1], encode(joblib.load(model), data))


def test_fit_columns_selects_numeric_columns(capsys, tmp_path, data):
    csv = write_csv(tmp_path / "mixed.csv", data, COLUMNS, extra={"city": ["Paris"] * 60})
    model = tmp_path / "model.joblib"
    message = run_error(capsys, ["fit", str(csv), "--model", str(model), *FAST])
    assert "'city'" in message and "not numeric" in message and "Paris" in message
    assert not model.exists()
    assert main(["fit", str(csv), "--model", str(model), "--columns", "a,c,e", *FAST]) == 0
    assert list(joblib.load(model).feature_names_in_) == ["a", "c", "e"]


def test_fit_variational_and_progress_for_large_data(capsys, tmp_path, fitted, monkeypatch):
    csv, _ = fitted
    model = tmp_path / "vae.joblib"
    monkeypatch.setattr(_commands, "LARGE_DATA", 100)  # 60 x 5 values count as large now
    argv = ["fit", str(csv), "--model", str(model), "--variational", "--beta", "0.5", *FAST]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "line per epoch" in out and "train_loss" in out  # per-epoch progress by default
    assert isinstance(joblib.load(model), VariationalAutoencoderTransformer)
    assert main([*argv, "--quiet"]) == 0
    assert "train_loss" not in capsys.readouterr().out


# ---------------------------------------------------------------------- errors


def test_errors_of_fit(capsys, tmp_path, data):
    model = str(tmp_path / "model.joblib")
    assert "no such file" in run_error(capsys, ["fit", str(tmp_path / "missing.csv"), "--model", model])

    xlsx = tmp_path / "data.xlsx"
    xlsx.write_text("a,b\n1,2\n")
    assert "unsupported data file type (.xlsx)" in run_error(capsys, ["fit", str(xlsx), "--model", model])

    headless = write_csv(tmp_path / "headless.csv", data[1:], [str(float(v)) for v in data[0]])
    assert "header row" in run_error(capsys, ["fit", str(headless), "--model", model])

    holes = tmp_path / "holes.csv"
    holes.write_text("a,b\n1,2\n3,\n")
    assert "missing value in column(s) 'b'" in run_error(capsys, ["fit", str(holes), "--model", model])

    nan = tmp_path / "nan.csv"
    nan.write_text("a,b\n1,nan\n3,4\n")
    assert "'b' have missing (NaN)" in run_error(capsys, ["fit", str(nan), "--model", model])

    csv = write_csv(tmp_path / "data.csv", data, COLUMNS)
    assert "no column(s) 'z'" in run_error(capsys, ["fit", str(csv), "--model", model, "--columns", "a,z"])
    assert "--variational" in run_error(capsys, ["fit", str(csv), "--model", model, "--beta", "2"])
    nowhere = str(tmp_path / "nowhere" / "model.joblib")
    assert "no such directory" in run_error(capsys, ["fit", str(csv), "--model", nowhere])


def test_errors_of_transform(capsys, tmp_path, fitted, data):
    csv, model = fitted
    out = str(tmp_path / "codes.csv")
    fewer = write_csv(tmp_path / "fewer.csv", data[:, :3], ["a", "b", "x"])
    message = run_error(capsys, ["transform", str(fewer), "--model", str(model), "--output", out])
    assert "lacks column(s) the model was trained on: 'c', 'd', 'e'" in message
    assert "'x'" in message

    assert "no such model file" in run_error(
        capsys, ["transform", str(csv), "--model", str(tmp_path / "none.joblib"), "--output", out]
    )
    assert "could not load a model" in run_error(
        capsys, ["transform", str(csv), "--model", str(csv), "--output", out]
    )
    assert "unsupported output file type (.txt)" in run_error(
        capsys, ["transform", str(csv), "--model", str(model), "--output", str(tmp_path / "codes.txt")]
    )
    assert "would overwrite an input" in run_error(
        capsys, ["transform", str(csv), "--model", str(model), "--output", str(csv)]
    )
    assert "no such file" in run_error(
        capsys, ["transform", str(tmp_path / "none.csv"), "--model", str(model), "--output", out]
    )


def test_model_without_column_names_checks_the_count(capsys, tmp_path, fitted, data):
    _, model_path = fitted
    model = joblib.load(model_path)
    del model.feature_names_in_  # as if fitted in Python on a numpy array
    bare = tmp_path / "bare.joblib"
    joblib.dump(model, bare)
    other = write_csv(tmp_path / "other.csv", data, ["v", "w", "x", "y", "z"])
    out = tmp_path / "codes.csv"
    assert main(["transform", str(other), "--model", str(bare), "--output", str(out)]) == 0
    message = run_error(
        capsys, ["transform", str(other), "--model", str(bare), "--output", str(out), "--columns", "v,w"]
    )
    assert "expects 5 columns" in message


# --------------------------------------------------------------------- parquet


def test_parquet_without_pyarrow_names_the_extra(capsys, tmp_path, fitted, monkeypatch):
    csv, model = fitted
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    parquet = tmp_path / "data.parquet"
    parquet.write_bytes(b"PAR1")
    message = run_error(capsys, ["fit", str(parquet), "--model", str(tmp_path / "m.joblib")])
    assert 'pip install "sklearn_ae[parquet]"' in message
    message = run_error(
        capsys, ["transform", str(csv), "--model", str(model), "--output", str(tmp_path / "c.parquet")]
    )
    assert "sklearn_ae[parquet]" in message


def test_parquet_round_trip(capsys, tmp_path, data):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(data, columns=COLUMNS).assign(city="Paris")
    frame.to_parquet(tmp_path / "data.parquet")
    model = tmp_path / "model.joblib"
    message = run_error(capsys, ["fit", str(tmp_path / "data.parquet"), "--model", str(model), *FAST])
    assert "'city'" in message and "not numeric" in message
    argv = ["fit", str(tmp_path / "data.parquet"), "--model", str(model), "--columns", ",".join(COLUMNS)]
    assert main([*argv, *FAST]) == 0
    capsys.readouterr()
    codes = tmp_path / "codes.parquet"
    argv = ["transform", str(tmp_path / "data.parquet"), "-m", str(model), "-o", str(codes)]
    assert "'city'" in run_error(capsys, argv)  # a column the model was not trained on
    assert main([*argv, "--columns", ",".join(COLUMNS)]) == 0
    result = pd.read_parquet(codes)
    assert list(result.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    np.testing.assert_array_equal(result.to_numpy(), encode(joblib.load(model), data))


def test_skops_model_file_round_trip(tmp_path, capsys):
    """A .skops model path uses the safe format end to end."""
    pytest.importorskip("skops.io")
    data = tmp_path / "data.csv"
    rng = np.random.RandomState(0)
    np.savetxt(data, rng.normal(size=(60, 4)), delimiter=",", header="a,b,c,d", comments="")
    model = tmp_path / "model.skops"
    assert main(["fit", str(data), "--model", str(model), "--n-components", "2", "--max-iter", "2"]) == 0
    out = tmp_path / "codes.csv"
    assert main(["transform", str(data), "--model", str(model), "--output", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "autoencodertransformer0,autoencodertransformer1"
