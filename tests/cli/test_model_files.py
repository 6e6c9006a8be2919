"""Model files of the command line: joblib pickles and .skops files, saved and loaded."""

import fractions
import json
import sys
import warnings
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, Normalizer, StandardScaler

from sklearn_ae import AutoencoderImputer, AutoencoderTransformer
from sklearn_ae.cli import main
from sklearn_ae.cli._errors import CLIError
from sklearn_ae.cli._model_files import code_names, feature_names, load_model, save_model

from .helpers import COLUMNS, encode, run_error


@pytest.fixture(scope="module")
def model(fitted):
    """The model ``sklearn-ae fit`` saved, loaded."""
    return joblib.load(fitted[1])


@pytest.mark.parametrize("suffix", [".joblib", ".pkl", ".skops"])
def test_save_and_load_round_trip(tmp_path, model, data, suffix):
    if suffix == ".skops":
        pytest.importorskip("skops.io")
    path = tmp_path / f"model{suffix}"
    save_model(model, path)
    restored = load_model(path)
    assert type(restored) is type(model)
    assert feature_names(restored) == COLUMNS
    assert code_names(restored) == ["autoencodertransformer0", "autoencodertransformer1"]
    np.testing.assert_array_equal(encode(restored, data), encode(model, data))


@pytest.mark.parametrize("name", ["model.skops", "MODEL.SKOPS"])
def test_skops_files_are_skops_archives(tmp_path, model, name):
    """Any letter case: an upper-case name was written, and loaded, as a pickle."""
    sio = pytest.importorskip("skops.io")
    path = tmp_path / name
    save_model(model, path)
    assert zipfile.is_zipfile(path)
    assert sio.get_untrusted_types(file=path) == ["sklearn_ae._autoencoder.AutoencoderTransformer"]
    assert type(load_model(path)) is AutoencoderTransformer


def test_load_rejects_what_is_not_a_fitted_model(tmp_path):
    joblib.dump({"weights": [1, 2]}, tmp_path / "dict.joblib")
    with pytest.raises(CLIError, match="holds a dict, not an AutoencoderTransformer"):
        load_model(tmp_path / "dict.joblib")
    joblib.dump(AutoencoderTransformer(), tmp_path / "unfitted.joblib")
    with pytest.raises(CLIError, match="is not fitted"):
        load_model(tmp_path / "unfitted.joblib")
    joblib.dump(make_pipeline(AutoencoderTransformer(), PCA()), tmp_path / "pca-last.joblib")
    with pytest.raises(CLIError, match="holds a Pipeline ending in a PCA, not an AutoencoderTransformer"):
        load_model(tmp_path / "pca-last.joblib")
    joblib.dump(make_pipeline(StandardScaler(), AutoencoderTransformer()), tmp_path / "unfitted.joblib")
    with pytest.raises(CLIError, match="is not fitted"):
        load_model(tmp_path / "unfitted.joblib")
    (tmp_path / "model.onnx").write_bytes(b"\x08\x08\x12\x07pytorch")  # an ONNX file's first bytes
    with pytest.raises(CLIError, match=r"a \.onnx file is not one \(ONNX export is in Python"):
        load_model(tmp_path / "model.onnx")  # was the unpickler's "KeyError: 8"
    joblib.dump(AutoencoderImputer(), tmp_path / "imputer.joblib")
    with pytest.raises(CLIError, match=r"holds an AutoencoderImputer, .*; the command line does not impute"):
        load_model(tmp_path / "imputer.joblib")


def test_a_pipeline_with_a_step_without_feature_names_encodes_and_decodes(capsys, tmp_path):
    """Its codes are named by the autoencoder: asking the Pipeline for its output names
    failed on the FunctionTransformer, with a traceback after the encoding had run."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    pipeline = make_pipeline(FunctionTransformer(np.tanh), AutoencoderTransformer(max_iter=2, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        joblib.dump(pipeline.fit(X), tmp_path / "pipeline.joblib")
    np.savetxt(tmp_path / "x.csv", X, delimiter=",", comments="", header="a,b,c")
    model = ["-m", str(tmp_path / "pipeline.joblib")]
    assert main(["transform", str(tmp_path / "x.csv"), *model, "-o", str(tmp_path / "codes.csv")]) == 0
    header, first = (tmp_path / "codes.csv").read_text().splitlines()[:2]
    assert header == "autoencodertransformer0,autoencodertransformer1"
    np.testing.assert_allclose([float(v) for v in first.split(",")], pipeline.transform(X[:1])[0], rtol=1e-6)
    back = ["inverse-transform", str(tmp_path / "codes.csv"), *model, "-o", str(tmp_path / "back.csv")]
    assert main(back) == 0


def test_a_model_from_another_scikit_learn_version_warns_in_one_line(capsys, tmp_path, monkeypatch):
    """scikit-learn's InconsistentVersionWarning (for the scaler of a --standardize
    model), as the command line's other warnings are, not as a raw Python warning."""
    import sklearn.base

    X = np.random.default_rng(0).normal(size=(40, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline = make_pipeline(StandardScaler(), AutoencoderTransformer(max_iter=2, random_state=0)).fit(X)
    monkeypatch.setattr(sklearn.base, "__version__", "1.0.0")  # what pickles record as their version
    joblib.dump(pipeline, tmp_path / "old.joblib")
    monkeypatch.undo()
    load_model(tmp_path / "old.joblib")
    lines = capsys.readouterr().err.splitlines()
    expected = "sklearn-ae: warning: Trying to unpickle estimator StandardScaler from version 1.0.0"
    assert lines[0].startswith(expected)
    assert all(line.startswith("sklearn-ae: warning: Trying to unpickle estimator") for line in lines)


def test_a_pipeline_without_inverse_transform_cannot_decode(capsys, tmp_path):
    """A Pipeline saved in Python that ends in an autoencoder encodes; one that cannot decode says so."""
    X = np.random.default_rng(0).normal(size=(40, 3))
    pipeline = make_pipeline(Normalizer(), AutoencoderTransformer(max_iter=2, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        joblib.dump(pipeline.fit(X), tmp_path / "pipeline.joblib")
    header = "autoencodertransformer0,autoencodertransformer1"
    np.savetxt(tmp_path / "codes.csv", pipeline.transform(X), delimiter=",", comments="", header=header)
    argv = ["inverse-transform", str(tmp_path / "codes.csv"), "-m", str(tmp_path / "pipeline.joblib")]
    assert main([*argv, "-o", str(tmp_path / "back.csv")]) == 2
    assert "has a step without inverse_transform: it cannot decode" in capsys.readouterr().err
    (tmp_path / "garbage.joblib").write_bytes(b"not a pickle")
    with pytest.raises(CLIError, match=r"could not load a model from .*garbage\.joblib"):
        load_model(tmp_path / "garbage.joblib")
    with pytest.raises(CLIError, match="no such model file"):
        load_model(tmp_path / "missing.joblib")
    with pytest.raises(CLIError, match="is a directory"):
        load_model(tmp_path)


def test_load_skops_trusts_only_sklearn_ae(tmp_path):
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "foreign.skops"
    sio.dump({"x": fractions.Fraction(1, 3)}, path)
    with pytest.raises(
        CLIError, match=r"types other than sklearn_ae's estimators, not loaded: fractions\.Fra"
    ):
        load_model(path)


class _Call:
    """Pickles as a call of ``write_table`` (renamed into sklearn_ae in the file below)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (_Call, (self.path, [[1.0, 2.0]], ["pwned", "x"]))


def test_load_skops_runs_no_sklearn_ae_function(tmp_path):
    """skops calls a trusted type with arguments the file chooses: a crafted file naming
    a sklearn_ae function (here one that writes a file) is refused before it runs."""
    sio = pytest.importorskip("skops.io")
    victim = tmp_path / "victim.csv"
    victim.write_text("a,b\n1,2\n")
    raw = tmp_path / "raw.skops"
    sio.dump(_Call(str(victim)), raw)
    with zipfile.ZipFile(raw) as archive:
        schema = json.loads(archive.read("schema.json"))
    schema["__module__"], schema["__class__"] = "sklearn_ae.cli._tables", "write_table"
    crafted = tmp_path / "crafted.skops"
    with zipfile.ZipFile(crafted, "w") as archive:
        archive.writestr("schema.json", json.dumps(schema))
    with pytest.raises(CLIError, match=r"not loaded: sklearn_ae\.cli\._tables\.write_table"):
        load_model(crafted)
    assert victim.read_text() == "a,b\n1,2\n"


def test_fit_to_a_skops_path_without_skops_fails_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    error = run_error(
        capsys, ["fit", str(tmp_path / "no-such-data.csv"), "--model", str(tmp_path / "m.skops")]
    )
    assert "sklearn_ae[persist]" in error  # not the missing data file: nothing was read


def test_skops_files_without_skops_name_the_extra(tmp_path, model, monkeypatch):
    monkeypatch.setitem(sys.modules, "skops", None)  # import skops.io now fails
    monkeypatch.setitem(sys.modules, "skops.io", None)
    with pytest.raises(CLIError, match=r"sklearn_ae\[persist\]"):
        save_model(model, tmp_path / "model.skops")
    assert not (tmp_path / "model.skops").exists()


def test_skops_model_file_round_trip(tmp_path, capsys):
    """A .skops model path uses the safe format end to end, and the message says so."""
    sio = pytest.importorskip("skops.io")
    data = tmp_path / "data.csv"
    rng = np.random.RandomState(0)
    np.savetxt(data, rng.normal(size=(60, 4)), delimiter=",", header="a,b,c,d", comments="")
    model = tmp_path / "model.skops"
    assert main(["fit", str(data), "--model", str(model), "--n-components", "2", "--max-iter", "2"]) == 0
    saved = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Saved")]
    note = "skops format, the safe one: loading it trusts sklearn_ae's estimators and skops' defaults"
    assert saved == [f"Saved the model to {model} ({note})."]  # not a pickle, and not called one
    assert sio.get_untrusted_types(file=model) == ["sklearn_ae._autoencoder.AutoencoderTransformer"]
    out = tmp_path / "codes.csv"
    assert main(["transform", str(data), "--model", str(model), "--output", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "autoencodertransformer0,autoencodertransformer1"


def test_a_skops_pipeline_that_imputes_before_encoding_loads(tmp_path, data):
    """A Pipeline saved in Python that fills in with AutoencoderImputer, then encodes:
    the imputer is one of sklearn_ae's estimators, trusted like the autoencoders."""
    sio = pytest.importorskip("skops.io")
    X = data.copy()
    X[::7, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline = make_pipeline(
            AutoencoderImputer(max_iter=2, random_state=0),
            AutoencoderTransformer(2, max_iter=2, random_state=0),
        ).fit(X)
    path = tmp_path / "pipeline.skops"
    sio.dump(pipeline, path)
    restored = load_model(path)
    np.testing.assert_array_equal(encode(restored, X), encode(pipeline, X))


# ------------------------------------------------------------ atomic saves


def broken_dump(error):
    """A dump that writes half a file, then fails with ``error``."""

    def dump(model, path):
        with open(path, "wb") as f:
            f.write(b"half a mod")
        raise error

    return dump


@pytest.mark.parametrize("name", ["model.joblib", "model.skops"])
@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_save_leaves_the_previous_file(tmp_path, model, monkeypatch, name, error):
    if name.endswith(".skops"):
        monkeypatch.setattr(pytest.importorskip("skops.io"), "dump", broken_dump(error))
    else:
        monkeypatch.setattr(joblib, "dump", broken_dump(error))
    path = tmp_path / name
    path.write_bytes(b"the previous model")
    with pytest.raises(type(error)):
        save_model(model, path)
    assert path.read_bytes() == b"the previous model"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left
    path.unlink()
    with pytest.raises(type(error)):
        save_model(model, path)
    assert list(tmp_path.iterdir()) == []


def test_fit_with_a_failed_save_keeps_the_previous_model(capsys, tmp_path, fitted, monkeypatch):
    csv, _ = fitted
    path = tmp_path / "model.joblib"
    path.write_bytes(b"the previous model")
    monkeypatch.setattr(joblib, "dump", broken_dump(OSError(28, "No space left on device")))
    argv = ["fit", str(csv), "--model", str(path), "--max-iter", "2", "--hidden-layer-sizes", "4"]
    assert "No space left on device" in run_error(capsys, argv)
    assert path.read_bytes() == b"the previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


def test_a_save_replaces_the_file_keeping_its_mode(tmp_path, model):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"the previous model")
    path.chmod(0o640)
    save_model(model, path)
    assert load_model(path).n_components_ == 2
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]
