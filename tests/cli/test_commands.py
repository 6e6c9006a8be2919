"""``sklearn-ae fit``, ``transform`` and ``inverse-transform``, end to end through :func:`main`."""

import sys

import joblib
import numpy as np
import pytest

from sklearn_ae import VariationalAutoencoderTransformer
from sklearn_ae.cli import _commands, main

from .helpers import COLUMNS, FAST, encode, read_csv, run_error, write_csv

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
    assert f"Saved the model to {model} (a joblib pickle: share and load only trusted files)." in out
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
