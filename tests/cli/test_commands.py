"""``sklearn-ae fit``, ``transform`` and ``inverse-transform``, end to end through :func:`main`."""

import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from sklearn_ae import VariationalAutoencoderTransformer
from sklearn_ae.cli import _commands, main
from sklearn_ae.cli._model_files import load_model

from .helpers import COLUMNS, FAST, encode, read_csv, run_error, write_csv

# ------------------------------------------------------------- fit and transform


def test_fit_transform_round_trip(capsys, tmp_path, fitted, data):
    csv, model_path = fitted
    codes = tmp_path / "codes.csv"
    assert main(["transform", str(csv), "--model", str(model_path), "--output", str(codes)]) == 0
    assert "Wrote 60 rows of 2 codes" in capsys.readouterr().out
    one = write_csv(tmp_path / "one.csv", data[:1], COLUMNS)
    assert main(["transform", str(one), "--model", str(model_path), "--output", str(tmp_path / "1.csv")]) == 0
    assert "Wrote 1 row of 2 codes" in capsys.readouterr().out  # was "1 rows"

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


def test_fit_prints_a_summary(capsys, tmp_path, fitted):
    csv, model = fitted[0], tmp_path / "model.joblib"
    # At 3e-3 the third epoch still improves by more than tol: a ConvergenceWarning.
    args = ["--n-components", "2", *FAST, "--learning-rate-init", "3e-3"]
    assert main(["fit", str(csv), "--model", str(model), *args]) == 0
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    for text in ("60 rows x 5 columns", "n_components_): 2", "n_iter_): 3", "final training loss", " s."):
        assert text in out
    assert f"Saved the model to {model} (a joblib pickle: share and load only trusted files)." in out
    assert "sklearn-ae: warning:" in captured.err  # 3 epochs do not converge; said without a traceback
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    "extra", [[], ["--sparsity", "1"], ["--variational"]], ids=["plain", "sparse", "vae"]
)
def test_the_summary_calls_a_validation_loss_with_penalties_no_mse(capsys, tmp_path, fitted, extra):
    """With a penalty or the KL term the held-out score holds them: read as an MSE it
    looked several times the training error."""
    model = tmp_path / "model.joblib"
    args = ["--n-components", "2", *FAST, "--early-stopping", "on", *extra]
    assert main(["fit", str(fitted[0]), "--model", str(model), *args]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("best validation MSE:" in out) == (not extra)
    assert ("best validation loss:" in out) == bool(extra)


def test_the_next_command_after_fit_keeps_its_columns(capsys, tmp_path, data):
    csv = write_csv(tmp_path / "data.csv", data, COLUMNS)
    model = tmp_path / "model.joblib"
    chosen = ",".join(COLUMNS[:3])
    assert main(["fit", str(csv), "--model", str(model), "--columns", chosen, *FAST]) == 0
    next_line = capsys.readouterr().out.strip().splitlines()[-1]
    assert next_line.endswith(f"--output codes.csv --columns {chosen}")
    argv = next_line.removeprefix("Next: sklearn-ae ").replace("DATA", str(csv)).split()
    argv[argv.index("codes.csv")] = str(tmp_path / "codes.csv")
    assert main(argv) == 0  # the command it suggests runs on the same file


def test_transform_matches_columns_by_name(capsys, tmp_path, fitted, data):
    _, model = fitted
    reordered = write_csv(tmp_path / "reordered.csv", data[:, ::-1], COLUMNS[::-1], extra={"id": ["x"] * 60})
    out = tmp_path / "codes.csv"
    argv = ["transform", str(reordered), "--model", str(model), "--output", str(out)]
    message = run_error(capsys, argv)  # the extra, non-numeric "id" column
    assert "'id'" in message and "not trained on" in message and "--columns" in message
    assert main([*argv, "--columns", ",".join(COLUMNS)]) == 0
    np.testing.assert_array_equal(read_csv(out)[1], encode(joblib.load(model), data))


def test_transform_names_an_unnamed_index_column_as_fit_does(capsys, tmp_path, fitted, data):
    """Not "column(s) the model was not trained on: ''"."""
    indexed = tmp_path / "indexed.csv"
    rows = [",".join([str(i), *map(repr, row)]) for i, row in enumerate(data.tolist())]
    indexed.write_text("\n".join(["," + ",".join(COLUMNS), *rows]) + "\n")
    argv = ["transform", str(indexed), "--model", str(fitted[1]), "--output", str(tmp_path / "codes.csv")]
    message = run_error(capsys, argv)
    assert "column 1 has no name in the header row (a pandas index?" in message


def test_fit_columns_selects_numeric_columns(capsys, tmp_path, data):
    csv = write_csv(tmp_path / "mixed.csv", data, COLUMNS, extra={"city": ["Paris"] * 60})
    model = tmp_path / "model.joblib"
    message = run_error(capsys, ["fit", str(csv), "--model", str(model), *FAST])
    assert "'city'" in message and "not numeric" in message and "Paris" in message
    assert not model.exists()
    assert main(["fit", str(csv), "--model", str(model), "--columns", "a,c,e", *FAST]) == 0
    assert list(joblib.load(model).feature_names_in_) == ["a", "c", "e"]


def test_fit_with_neighbors(capsys, tmp_path, data):
    csv = write_csv(tmp_path / "train.csv", data, COLUMNS)
    model = tmp_path / "model.joblib"
    argv = ["fit", str(csv), "--model", str(model), "--neighbors", "1.0", "--n-neighbors", "5", *FAST]
    assert main(argv) == 0
    fitted = joblib.load(model)
    assert (fitted.neighbors, fitted.n_neighbors) == (1.0, 5)


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


# -------------------------------------------------------------- missing values


def with_holes(data, seed=1):
    """``data`` with a fifth of its values missing: at random, all of row 5 and of column 'e'."""
    X = data.copy()
    X[np.random.default_rng(seed).random(X.shape) < 0.2] = np.nan
    X[5] = np.nan
    X[:, 4] = np.nan
    return X


def test_fit_and_transform_a_csv_with_empty_cells(capsys, tmp_path, data):
    X = with_holes(data)
    csv = write_csv(tmp_path / "holes.csv", X, COLUMNS)
    assert ",," in csv.read_text() and "nan" not in csv.read_text()
    model = tmp_path / "model.joblib"
    assert main(["fit", str(csv), "--model", str(model), "--n-components", "2", *FAST]) == 0
    out = " ".join(capsys.readouterr().out.split())
    missing, rows = int(np.isnan(X).sum()), int(np.isnan(X).any(axis=1).sum())
    assert f"missing values: {missing} ({missing / X.size:.1%}, in {rows} rows); the loss and the MSE" in out

    codes = tmp_path / "codes.csv"
    assert main(["transform", str(csv), "-m", str(model), "-o", str(codes)]) == 0
    out = capsys.readouterr().out
    assert f"Wrote 60 rows of 2 codes to {codes} ({rows} incomplete rows encoded" in out
    text = codes.read_text()
    assert ",," not in text and ",\n" not in text and "\n," not in text and "nan" not in text
    header, Z = read_csv(codes)
    assert Z.shape == (60, 2) and np.isfinite(Z).all()  # row 5, with no value, has a code too
    np.testing.assert_array_equal(Z, encode(joblib.load(model), X))

    back = tmp_path / "back.csv"
    assert main(["inverse-transform", str(codes), "-m", str(model), "-o", str(back)]) == 0
    header, X_back = read_csv(back)
    assert header == COLUMNS and X_back.shape == X.shape and np.isfinite(X_back).all()


def test_transform_encodes_a_file_with_no_value(capsys, tmp_path, fitted):
    """Rows with no value get codes, as they do within a larger file (fit refuses such a file)."""
    _, model_path = fitted
    empty = write_csv(tmp_path / "empty.csv", np.full((3, 5), np.nan), COLUMNS)
    codes = tmp_path / "codes.csv"
    assert main(["transform", str(empty), "-m", str(model_path), "-o", str(codes)]) == 0
    assert "Wrote 3 rows" in capsys.readouterr().out
    model = joblib.load(model_path)
    np.testing.assert_array_equal(read_csv(codes)[1], encode(model, np.full((3, 5), np.nan)))


def test_fit_warns_when_the_columns_spreads_differ_by_over_a_thousand(capsys, tmp_path, data):
    """Columns in unrelated units (no scaler on the command line): the narrow ones barely count."""
    uneven = data.copy()
    uneven[:, 0] *= 1e-4  # a column of spread about 1e-4 beside ones of about 1
    csv = write_csv(tmp_path / "uneven.csv", uneven, COLUMNS)
    assert main(["fit", str(csv), "--model", str(tmp_path / "m.joblib"), *FAST]) == 0
    err = capsys.readouterr().err
    assert "warning: the columns' spreads differ by a factor of" in err and f"of {COLUMNS[0]!r}:" in err
    even = write_csv(tmp_path / "even.csv", data, COLUMNS)
    assert main(["fit", str(even), "--model", str(tmp_path / "m.joblib"), *FAST]) == 0
    assert "spreads differ" not in capsys.readouterr().err


def _held_out_r2(tmp_path, capsys, options):
    """Per-column R^2 of breast cancer's held-out rows through fit / transform / inverse-transform."""
    data = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    train, test = train_test_split(data, test_size=0.25, random_state=0)
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    model, codes, back = (str(tmp_path / name) for name in ("model.skops", "codes.csv", "back.csv"))
    common = ["--n-components", "4", "--random-state", "0"]
    assert main(["fit", str(tmp_path / "train.csv"), "--model", model, *common, *options]) == 0
    assert main(["transform", str(tmp_path / "test.csv"), "--model", model, "--output", codes]) == 0
    assert main(["inverse-transform", codes, "--model", model, "--output", back]) == 0
    X, (_, X_back) = test.to_numpy(), read_csv(back)
    r2 = 1 - np.mean((X_back - X) ** 2, axis=0) / np.mean((X - train.to_numpy().mean(axis=0)) ** 2, axis=0)
    return r2, capsys.readouterr(), model


def test_fit_standardize_reconstructs_every_column_of_data_in_unrelated_units(capsys, tmp_path):
    """Breast cancer (areas ~500, fractal dimensions ~0.003): without --standardize the narrow
    columns come back worse than their mean; with it every held-out column beats its mean."""
    pytest.importorskip("skops")
    raw, captured, _ = _held_out_r2(tmp_path, capsys, [])
    assert "fit with --standardize" in captured.err
    assert np.sum(raw < 0) >= 9  # measured: 11 of 30 columns
    r2, captured, model = _held_out_r2(tmp_path, capsys, ["--standardize"])
    assert "spreads differ" not in captured.err
    assert "Trained StandardScaler + AutoencoderTransformer" in captured.out
    assert "(on every row of the file, in standardised units)" in captured.out
    assert r2.min() >= 0.40  # measured: 0.462 (the median column 0.859)
    pipeline = load_model(model)  # the safe format holds the Pipeline (skops trusts scikit-learn's types)
    assert [type(step).__name__ for _, step in pipeline.steps] == ["StandardScaler", "AutoencoderTransformer"]
    assert list(pipeline.feature_names_in_)[:2] == ["mean radius", "mean texture"]


def test_fit_standardize_refuses_a_column_without_values(capsys, tmp_path):
    """StandardScaler learns a NaN mean for a column whose every cell is empty, so
    inverse-transform would write NaN there: fit says which column, and saves nothing."""
    X = np.random.default_rng(0).normal(size=(20, 3))
    X[:, 1] = np.nan
    data, model = write_csv(tmp_path / "data.csv", X, ["a", "b", "c"]), tmp_path / "model.joblib"
    message = run_error(capsys, ["fit", str(data), "--model", str(model), "--standardize", *FAST])
    assert "1 column(s) of 3 have no value (every cell empty): 'b'" in message
    assert "--columns" in message
    assert not model.exists()


def test_fit_checks_its_options_before_reading_the_data(capsys, tmp_path):
    """A wrong option is reported at once, not after reading a large file (here: none)."""
    data, model = str(tmp_path / "no-such-data.csv"), str(tmp_path / "model.joblib")
    assert "--variational" in run_error(capsys, ["fit", data, "--model", model, "--beta", "2"])
    assert "is not a device name" in run_error(capsys, ["fit", data, "--model", model, "--device", "gpu0"])
    if not torch.cuda.is_available():  # said with the option, not the Python parameter (device='cuda')
        message = run_error(capsys, ["fit", data, "--model", model, "--device", "cuda"])
        assert (
            "--device cuda was requested but CUDA is not available here; use --device cpu or --device auto"
            in (message)
        )
    with pytest.raises(SystemExit):
        main(["fit", data, "--model", model, "--random-state", "-1"])
    assert "expected an integer from 0 to 4294967295, got '-1'" in capsys.readouterr().err


def test_device_messages_name_the_option_and_keep_their_advice(capsys, tmp_path, monkeypatch):
    """Every --device message named the option only where resolve_device's text said
    "but"; the others kept device='...' and lost their advice (simulated: one GPU)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    data, model = str(tmp_path / "data.csv"), str(tmp_path / "model.joblib")
    expected = {
        "cuda:3": "--device cuda:3: this machine has 1 CUDA device(s), numbered from 0; use --device cuda",
        "foo": "--device foo is not a device name; use --device cpu, --device cuda, --device cuda:N,",
        "xla": "--device xla is not supported; use --device cpu,",
        "": "--device '' is not a device name;",  # quoted as typed: it was "--device  is"
    }
    for device, message in expected.items():
        error = run_error(capsys, ["fit", data, "--model", model, "--device", device])
        assert message in error and "device=" not in error, error


@pytest.mark.parametrize("name", ["model.onnx", "codes.csv", "model.parquet"])
def test_fit_refuses_a_model_path_of_another_format(capsys, tmp_path, fitted, name):
    csv, model = fitted[0], tmp_path / name
    message = run_error(capsys, ["fit", str(csv), "--model", str(model), *FAST])
    assert "saves models as a joblib pickle (.joblib) or in skops format (.skops)" in message
    assert ("to_onnx" in message) == name.endswith(".onnx")
    assert not model.exists()


def test_inverse_transform_needs_complete_codes(capsys, tmp_path, fitted):
    _, model = fitted
    codes = tmp_path / "codes.csv"
    codes.write_text("autoencodertransformer0,autoencodertransformer1\n0.5,1\n2,\n")
    back = tmp_path / "back.csv"
    message = run_error(capsys, ["inverse-transform", str(codes), "-m", str(model), "-o", str(back)])
    assert "'autoencodertransformer1' have missing (empty or NaN) values (first in line 3)" in message
    assert "codes cannot be missing" in message
    assert not back.exists()


def test_parquet_with_nulls(capsys, tmp_path, data):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X = with_holes(data, seed=2)
    frame = pd.DataFrame(X, columns=COLUMNS).astype({"a": "Float64"})  # pandas.NA, stored as a null
    frame.to_parquet(tmp_path / "holes.parquet")
    model = tmp_path / "model.joblib"
    assert main(["fit", str(tmp_path / "holes.parquet"), "--model", str(model), *FAST]) == 0
    codes = tmp_path / "codes.parquet"
    assert main(["transform", str(tmp_path / "holes.parquet"), "-m", str(model), "-o", str(codes)]) == 0
    capsys.readouterr()
    Z = pd.read_parquet(codes).to_numpy()
    assert Z.shape == (60, 2) and np.isfinite(Z).all()
    np.testing.assert_array_equal(Z, encode(joblib.load(model), X))


# ---------------------------------------------------------------------- errors


def test_errors_of_fit(capsys, tmp_path, data):
    model = str(tmp_path / "model.joblib")
    assert "no such file" in run_error(capsys, ["fit", str(tmp_path / "missing.csv"), "--model", model])

    xlsx = tmp_path / "data.xlsx"
    xlsx.write_text("a,b\n1,2\n")
    assert "unsupported data file type (.xlsx)" in run_error(capsys, ["fit", str(xlsx), "--model", model])

    headless = write_csv(tmp_path / "headless.csv", data[1:], [str(float(v)) for v in data[0]])
    assert "header row" in run_error(capsys, ["fit", str(headless), "--model", model])

    infinite = tmp_path / "inf.csv"
    infinite.write_text("a,b\n1,2\n3,\n-inf,5\n")
    message = run_error(capsys, ["fit", str(infinite), "--model", model])
    assert "column(s) 'a' have infinite values (first in line 4)" in message

    text = tmp_path / "text.csv"
    text.write_text("a,b\n1,\n3,n/a\n")
    message = run_error(capsys, ["fit", str(text), "--model", model])
    assert "'b' are not numeric (line 3 has 'n/a'); write a missing value as an empty cell" in message

    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n1,\n3,\n")
    message = run_error(capsys, ["fit", str(empty), "--model", model, "--columns", "b"])
    assert "every value of the 1 column(s) used is missing" in message
    assert not Path(model).exists()

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
    assert "note: the model has no column names (it was fitted on an array)" in capsys.readouterr().err
    message = run_error(
        capsys, ["transform", str(other), "--model", str(bare), "--output", str(out), "--columns", "v,w"]
    )
    assert "expects 5 columns" in message
    chosen = ["--columns", "z,y,x,w,v"]
    assert main(["transform", str(other), "--model", str(bare), "--output", str(out), *chosen]) == 0
    assert "columns are used in the order --columns gives" in capsys.readouterr().err


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


def test_a_fit_warning_names_the_file_s_columns(capsys, tmp_path, data):
    """The estimator fits an array and numbers columns ("column(s) 1"); the command line
    names them as the file does."""
    X = data.copy()
    X[:, 1] = np.nan  # a column with no value at all
    csv = write_csv(tmp_path / "holes.csv", X, COLUMNS)
    assert main(["fit", str(csv), "--model", str(tmp_path / "m.joblib"), *FAST]) == 0
    err = capsys.readouterr().err
    assert "1 feature(s) of X have no observed value (column(s) 'b')" in err
