"""ONNX export: ONNX Runtime computes what the estimators compute, alone and inside pipelines.

Tolerances (issue 13): float32 within 1e-5 relative, 1e-4 absolute; float64 within
1e-10 relative, with an absolute floor of 1e-10 times the largest value (an entry
near zero has no meaningful relative error).
"""

import functools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, make_s_curve
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklearn_ae import AutoencoderImputer, AutoencoderTransformer, VariationalAutoencoderTransformer
from sklearn_ae._modules import ACTIVATIONS

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
from onnx import ModelProto, TensorProto, helper  # noqa: E402

from sklearn_ae.onnx import to_onnx  # noqa: E402  (needs onnx and skl2onnx)
from sklearn_ae.onnx._activations import emit_activation  # noqa: E402
from sklearn_ae.onnx._graph import Graph  # noqa: E402

# The fits here are short on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROOT = Path(__file__).resolve().parents[1]
METHODS = ["transform", "inverse_transform", "score_samples"]
# Small networks, a few epochs from a random start: every layer, activation and batch
# norm statistic is far from its initial value, and the fits take a fraction of a second.
FAST = {"hidden_layer_sizes": (16, 8), "max_iter": 3, "init": "random", "early_stopping": False}


@functools.cache
def dataset(name):
    if name == "digits":
        return load_digits().data
    return make_s_curve(1000, noise=0.05, random_state=0)[0] * 10 + 100  # offset: centring matters


@functools.cache
def fitted(name, activation, batch_norm, cls=AutoencoderTransformer):
    X = dataset(name)
    k = 4 if name == "digits" else 2
    return cls(k, activation=activation, batch_norm=batch_norm, random_state=0, **FAST).fit(X)


def run(onnx_model, X):
    """The first output of ``onnx_model`` on ``X``, computed by ONNX Runtime."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})[0]


def assert_agrees(got, expected, input_dtype):
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if input_dtype == np.float32:
        assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    else:
        assert_allclose(got, expected, rtol=1e-10, atol=1e-10 * np.nanmax(np.abs(expected)))


def method_input(model, X, method, dtype):
    """The input of ``method``: codes for inverse_transform, else ``X`` with missing entries."""
    X = X.astype(dtype)
    if method == "inverse_transform":
        return model.transform(X)
    X = X.copy()
    X[1, 0] = X[2, -1] = np.nan  # a missing entry is encoded as the feature's mean
    X[3] = np.nan  # nothing observed: mean codes, and a NaN score
    return X


def check_method(model, X, method, dtype):
    A = method_input(model, X, method, dtype)
    assert_agrees(run(to_onnx(model, A[:1], method=method), A), getattr(model, method)(A), dtype)


# ------------------------------------------------------------------ agreement


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("batch_norm", [False, True], ids=["", "batch_norm"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("name", ["digits", "s_curve"])
def test_onnx_runtime_agrees_with_the_estimator(name, activation, batch_norm, dtype, method):
    check_method(fitted(name, activation, batch_norm), dataset(name), method, dtype)


def test_float32_scores_are_computed_in_float64_as_by_the_estimator():
    """A float32 row whose reconstruction passes float32's range once scaled back: the
    estimator scores it finitely (in float64); the graph subtracted in float32 (-inf)."""
    X = 1e37 * np.random.RandomState(0).normal(size=(150, 6))
    model = AutoencoderTransformer(2, random_state=0, **FAST).fit(X)
    direction = np.sign(next(model.encoder_.parameters()).detach().numpy()[0]).astype(np.float32)
    rows = np.vstack([X[:2].astype(np.float32), 3e38 * direction])
    expected = model.score_samples(rows)
    assert np.isfinite(expected).all()
    assert_agrees(run(to_onnx(model, rows[:1], method="score_samples"), rows), expected, np.float32)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_vae_exports_its_posterior_mean(dtype, method):
    vae = fitted("digits", "tanh", False, VariationalAutoencoderTransformer)
    check_method(vae, dataset("digits"), method, dtype)


@pytest.mark.parametrize("method", ["transform", "score_samples"])
@pytest.mark.parametrize("cls", [AutoencoderTransformer, VariationalAutoencoderTransformer])
def test_a_feature_never_observed_at_fit_is_missing_in_the_graph_too(cls, method):
    # The estimator treats it as missing whatever the input holds there (its network
    # never saw it); the exported graph must too.
    X = dataset("digits").copy()
    X[:, 10] = np.nan
    model = cls(4, random_state=0, **FAST).fit(X)
    A = dataset("digits")[:50].copy()
    A[:, 10] = 100.0
    assert_agrees(run(to_onnx(model, A[:1], method=method), A), getattr(model, method)(A), np.float64)


@pytest.mark.parametrize("target_opset", [13, 17])
@pytest.mark.parametrize("activation", ["gelu", "leaky_relu", "elu"])
def test_older_opsets_agree_too(activation, target_opset):
    """Before opset 20 GELU is written with Erf; LeakyRelu changed in opset 16."""
    model = fitted("digits", activation, False)
    for dtype in (np.float32, np.float64):
        X = dataset("digits").astype(dtype)
        onnx_model = to_onnx(model, X[:1], target_opset=target_opset)
        assert onnx_model.opset_import[0].version == target_opset
        assert_agrees(run(onnx_model, X), model.transform(X), dtype)


def test_the_batch_dimension_is_dynamic():
    model = fitted("digits", "relu", True)
    X = dataset("digits").astype(np.float32)
    onnx_model = to_onnx(model, X[:5])
    assert isinstance(onnx_model, ModelProto)  # API.md: an onnx.ModelProto
    assert not onnx_model.graph.input[0].type.tensor_type.shape.dim[0].HasField("dim_value")
    for rows in (X[:1], X[:1000]):
        assert_agrees(run(onnx_model, rows), model.transform(rows), np.float32)


class _Nodes:
    """Just enough of skl2onnx's scope and container to collect a converter's nodes."""

    def __init__(self, target_opset):
        self.target_opset, self.nodes, self.initializers, self.count = target_opset, [], [], 0

    def get_unique_variable_name(self, seed):
        self.count += 1
        return f"{seed}_{self.count}"

    get_unique_operator_name = get_unique_variable_name

    def add_initializer(self, name, onnx_type, shape, tensor):
        self.initializers.append(tensor)

    def add_node(self, op, inputs, outputs, op_domain="", name=None, **attrs):
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=op_domain, **attrs))


@pytest.mark.parametrize("target_opset", [17, 22])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_each_activation_matches_torch_elementwise(activation, dtype, target_opset):
    """On a grid over [-40, 40]: float64 to double precision (GELU's erf is written out,
    since ONNX Runtime has no float64 Erf), float32 within a few float32 roundings."""
    onnx_type = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    nodes = _Nodes(target_opset)
    layer = ACTIVATIONS[activation].module()
    out = emit_activation(Graph(nodes, nodes, dtype), layer, "x")
    nodes.nodes.append(helper.make_node("Identity", [out], ["y"]))
    graph = helper.make_graph(
        nodes.nodes,
        activation,
        [helper.make_tensor_value_info("x", onnx_type, [None])],
        [helper.make_tensor_value_info("y", onnx_type, [None])],
        nodes.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", target_opset)])
    x = np.concatenate([np.linspace(-40, 40, 100_001), [0.0, -0.0, 1e-30, -1e-30]]).astype(dtype)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x})[0]
    expected = layer(torch.from_numpy(x)).numpy()
    assert got.dtype == dtype
    bound = 2e-6 if dtype == np.float32 else 4e-15  # measured: 1.2e-6 (GELU) and 1.8e-15 (GELU)
    assert np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1)) <= bound


def test_a_dataframe_sample_gives_one_input(digits):
    """skl2onnx makes one input per column of a DataFrame; sklearn_ae's estimators take one matrix."""
    pd = pytest.importorskip("pandas")
    model, X = fitted("digits", "relu", False), digits[0].astype(np.float32)
    onnx_model = to_onnx(model, pd.DataFrame(X[:1]))
    assert [value.name for value in onnx_model.graph.input] == ["X"]
    assert_agrees(run(onnx_model, X), model.transform(X), np.float32)
    # A pipeline keeps skl2onnx's one input per column (deployment.rst says so).
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])
    ae = AutoencoderTransformer(2, max_iter=2, random_state=0)
    pipeline = make_pipeline(StandardScaler(), ae).fit(frame)
    assert [value.name for value in to_onnx(pipeline, frame[:1]).graph.input] == ["a", "b", "c"]


def test_a_sample_in_pandas_nullable_floats_exports(digits):
    """A ``Float64`` DataFrame (pd.NA for missing) fits and transforms, so it exports too."""
    pd = pytest.importorskip("pandas")
    model, X = fitted("digits", "relu", False), digits[0]
    frame = pd.DataFrame(X[:3]).astype("Float64")
    frame.iloc[0, 0] = pd.NA
    onnx_model = to_onnx(model, frame)
    assert_agrees(run(onnx_model, X), model.transform(X), np.float64)


def test_an_integer_column_of_a_dataframe_sample_is_named(digits):
    """A pipeline exported with a DataFrame gets one input per column: the error for an
    integer column names it and says how to cast the sample."""
    pd = pytest.importorskip("pandas")
    X = digits[0][:, :4]
    frame = pd.DataFrame(X, columns=list("abcd")).astype({"d": np.int64})
    pipeline = make_pipeline(AutoencoderTransformer(2, max_iter=1, random_state=0)).fit(frame)
    with pytest.raises(ValueError, match=r"Int64TensorType.*for the input 'd'.*astype\(np.float32\)"):
        to_onnx(pipeline, frame[:1])


# ------------------------------------------------------------------ pipelines


@pytest.mark.parametrize("first", ["autoencoder", "imputer"])
def test_a_pipeline_that_starts_with_ours_takes_a_dataframe_sample(digits, first):
    """skl2onnx gives the first step one input per column; the converters join them."""
    pd = pytest.importorskip("pandas")
    X, y = digits[0][:300], digits[1][:300]
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    options = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
    if first == "autoencoder":
        step = AutoencoderTransformer(3, **options)
    else:
        step = AutoencoderImputer(inference="encoder", **options)
    pipeline = make_pipeline(step, LogisticRegression(max_iter=300)).fit(frame, y)
    onnx_model = to_onnx(pipeline, frame[:1])
    assert [value.name for value in onnx_model.graph.input] == list(frame.columns)
    session = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    labels = session.run(["label"], {name: frame[[name]].to_numpy() for name in frame.columns})[0]
    assert_array_equal(labels, pipeline.predict(frame))


class SubclassedAutoencoder(AutoencoderTransformer):
    """A user's subclass: skl2onnx finds converters by exact class."""


class SubclassedImputer(AutoencoderImputer):
    pass


def test_subclasses_export_like_their_base(digits):
    X = digits[0][:300]
    options = {"hidden_layer_sizes": (8,), "max_iter": 3, "random_state": 0}
    model = SubclassedAutoencoder(3, **options).fit(X)
    assert_agrees(run(to_onnx(model, X[:1]), X), model.transform(X), np.float64)
    pipeline = make_pipeline(SubclassedImputer(inference="encoder", **options), StandardScaler()).fit(X)
    assert_agrees(run(to_onnx(pipeline, X[:1]), X), pipeline.transform(X), np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_a_whole_pipeline_exports_in_one_call(digits, dtype):
    X, y = digits
    X = X.astype(dtype)
    ae = AutoencoderTransformer(8, hidden_layer_sizes=(32,), max_iter=20, random_state=0)
    pipeline = make_pipeline(StandardScaler(), ae, LogisticRegression(max_iter=2000)).fit(X, y)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(to_onnx(pipeline, X[:1]).SerializeToString(), options)
    labels, probabilities = session.run(["label", "probabilities"], {"X": X})
    assert_array_equal(labels, pipeline.predict(X))
    assert_allclose(probabilities, pipeline.predict_proba(X), rtol=0, atol=1e-5)


def test_skl2onnx_converts_pipelines_after_import(digits):
    """``import sklearn_ae.onnx`` registers the converters: skl2onnx.to_onnx works on its own."""
    X = digits[0].astype(np.float32)
    pipeline = make_pipeline(
        StandardScaler(), AutoencoderTransformer(3, hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    )
    pipeline.fit(X)
    assert_agrees(run(skl2onnx.to_onnx(pipeline, X[:1]), X), pipeline.transform(X), np.float32)


def test_a_column_transformer_holding_an_autoencoder(digits):
    X = digits[0].astype(np.float32)
    ae = AutoencoderTransformer(3, hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    columns = ColumnTransformer(
        [("ae", ae, list(range(40))), ("scaled", StandardScaler(), list(range(40, 64)))]
    )
    columns.fit(X)
    got = run(to_onnx(columns, X[:1]), X)
    assert got.shape == (len(X), 3 + 24)
    assert_agrees(got, columns.transform(X), np.float32)


# ------------------------------------------------------------------- imputer


@pytest.fixture(scope="module")
def incomplete_digits():
    X = load_digits().data[:600].copy()
    X[np.random.RandomState(0).rand(*X.shape) < 0.2] = np.nan
    X[:, [5, 9]] = np.nan  # empty at fit: dropped, or kept at 0
    X[7] = np.nan  # a row with nothing observed
    return X


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"add_indicator": True},
        {"keep_empty_features": True},
        {"keep_empty_features": True, "add_indicator": True},
    ],
    ids=["default", "indicator", "keep_empty", "keep_empty_indicator"],
)
def test_the_imputer_fills_what_transform_fills(incomplete_digits, options, dtype):
    X = incomplete_digits.astype(dtype)
    imputer = AutoencoderImputer(hidden_layer_sizes=(16,), max_iter=5, random_state=0, **options)
    imputer.set_params(inference="encoder").fit(X)
    got = run(to_onnx(imputer, X[:1]), X)
    assert not np.isnan(got).any()
    assert_agrees(got, imputer.transform(X), dtype)


def test_the_imputer_with_a_number_as_the_missing_marker(incomplete_digits):
    X = np.where(np.isnan(incomplete_digits), -1.0, incomplete_digits)
    imputer = AutoencoderImputer(
        missing_values=-1.0, hidden_layer_sizes=(16,), max_iter=5, add_indicator=True
    )
    imputer.set_params(random_state=0, inference="encoder").fit(X)
    assert_agrees(run(to_onnx(imputer, X[:1]), X), imputer.transform(X), np.float64)


def test_an_imputer_that_searches_codes_is_refused_until_set_to_the_encoder(incomplete_digits):
    """inference="map" has no ONNX form: exporting it would fill in other values than transform."""
    X = incomplete_digits
    imputer = AutoencoderImputer(hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"inference='map'.*set_params\(inference='encoder'\)"):
        to_onnx(imputer, X[:1])
    imputer.set_params(inference="encoder")  # no refit
    assert_agrees(run(to_onnx(imputer, X[:1]), X), imputer.transform(X), np.float64)


# ------------------------------------------------------------ custom modules


class SmallEncoder(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, 16), nn.Tanh(), nn.LayerNorm(16), nn.Linear(16, n_components)
        )

    def forward(self, x):
        return self.net(x)


class SmallDecoder(nn.Module):
    def __init__(self, n_features, n_components):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_components, 16), nn.SiLU(), nn.Linear(16, n_features))

    def forward(self, z):
        return self.net(z)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(
    "cls, parts",
    [
        (AutoencoderTransformer, {"encoder": SmallEncoder}),
        (AutoencoderTransformer, {"decoder": SmallDecoder}),
        (VariationalAutoencoderTransformer, {"encoder": SmallEncoder, "decoder": SmallDecoder}),
    ],
    ids=["encoder", "decoder", "vae_both"],
)
def test_custom_modules_export_through_torch(cls, parts, dtype, method):
    model = cls(3, max_iter=3, random_state=0, **parts).fit(dataset("digits"))
    check_method(model, dataset("digits"), method, dtype)


class ClampedBelow(SmallEncoder):
    def forward(self, x):
        return self.net(x).clamp(min=-0.5)  # Clip with its upper bound left off


class ClampedAbove(SmallDecoder):
    def forward(self, z):
        return self.net(z).clamp(max=0.5)  # Clip with an empty lower bound before its upper one


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_one_sided_clamps_in_custom_modules_export(dtype):
    """torch writes clamp(min=) and clamp(max=) as Clip with an empty optional input,
    which skl2onnx took for a name nothing produces (an error about sorting nodes)."""
    X = dataset("digits")
    model = AutoencoderTransformer(3, encoder=ClampedBelow, decoder=ClampedAbove, max_iter=3, random_state=0)
    model.fit(X)
    for method in ("transform", "inverse_transform"):
        check_method(model, X, method, dtype)


class DataDependent(SmallEncoder):
    def forward(self, x):
        return self.net(x) if x.mean() > 0 else -self.net(x)  # a trace records one branch


class NoOnnxOperator(SmallEncoder):
    def forward(self, x):
        return self.net(x) + torch.special.zeta(x[:, :1].abs() + 2, 1.0)


@pytest.mark.parametrize(
    "encoder, message",
    [(DataDependent, "may not generalise"), (NoOnnxOperator, "special_zeta")],
    ids=["control_flow", "operator"],
)
def test_a_custom_module_that_cannot_export_gets_a_clear_error(encoder, message):
    model = AutoencoderTransformer(2, encoder=encoder, max_iter=1, random_state=0).fit(dataset("s_curve"))
    with pytest.raises(ValueError, match=f"custom module {encoder.__name__}.*{message}"):
        to_onnx(model, dataset("s_curve")[:1])


class ReturnsFloat32(SmallEncoder):
    def forward(self, x):
        return self.net(x).float()  # a fixed cast: the float64 graph would not load


def test_a_custom_module_returning_another_dtype_gets_a_clear_error():
    X = dataset("s_curve")
    model = AutoencoderTransformer(2, encoder=ReturnsFloat32, max_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"custom module ReturnsFloat32.*returns float32 from float64 input"):
        to_onnx(model, dataset("s_curve")[:1])
    X = dataset("s_curve").astype(np.float32)
    assert_agrees(run(to_onnx(model, X[:1]), X), model.transform(X), np.float32)


class CeluEncoder(SmallEncoder):
    def forward(self, x):
        return nn.functional.celu(self.net(x))  # torch casts to float32 around ONNX's Celu


class TanhGeluEncoder(SmallEncoder):
    def forward(self, x):
        return nn.functional.gelu(self.net(x), approximate="tanh")  # float32-precise in ONNX Runtime


@pytest.mark.parametrize("encoder", [CeluEncoder, TanhGeluEncoder])
def test_a_float64_graph_that_computes_in_float32_warns(encoder):
    """Such a graph loads and runs, but agrees with ``transform`` to about 1e-7, not
    the 1e-10 the docs promise for float64: said, not silent."""

    X = dataset("s_curve")
    model = AutoencoderTransformer(2, encoder=encoder, max_iter=1, random_state=0).fit(X)
    message = f"{encoder.__name__} exports to a float64 graph .* lower precision .*float32"
    with pytest.warns(UserWarning, match=message) as caught:
        onx = to_onnx(model, X[:1])
    assert caught[0].filename == __file__  # the user's call, not a frame of the library's
    difference = np.abs(run(onx, X) - model.transform(X)).max() / np.abs(model.transform(X)).max()
    assert 1e-12 < difference < 1e-5  # measured about 1e-8 to 1e-7
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        to_onnx(model, X[:1].astype(np.float32))
        to_onnx(AutoencoderTransformer(2, decoder=SmallDecoder, max_iter=1, random_state=0).fit(X), X[:1])


class MaskEncoder(SmallEncoder):
    def forward(self, x):
        h = self.net(x)
        return h * (h > 0).float()  # a cast of a mask to float32: no precision lost


class CeluWithBranch(CeluEncoder):
    def forward(self, x):
        return super().forward(x) if x.mean() > 0 else -super().forward(x)


def test_the_precision_warning_is_for_narrowing_casts_only_and_never_before_a_refusal():
    """A cast of a mask to float32 warned of lower precision where the graph agrees with
    ``transform`` to 1e-16, failing exports under an error filter; and a module about to
    be refused got the precision warning first, which an error filter raised in place
    of the refusal's explanation."""
    X = dataset("s_curve")
    model = AutoencoderTransformer(2, encoder=MaskEncoder, max_iter=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        onx = to_onnx(model, X[:1])
        assert_agrees(run(onx, X), model.transform(X), np.float64)
        refused = AutoencoderTransformer(2, encoder=CeluWithBranch, max_iter=1, random_state=0).fit(X)
        with pytest.raises(ValueError, match=r"CeluWithBranch.*may not generalise"):
            to_onnx(refused, X[:1])


def test_custom_modules_export_with_an_exporter_without_dynamo(monkeypatch):
    """torch before 2.4: ``torch.onnx.export`` has no ``dynamo`` argument (every
    custom-module export failed there with "unexpected keyword argument 'dynamo'")."""
    original = torch.onnx.export

    def export_before_2_4(model, args, f, input_names=None, output_names=None, opset_version=None,
                          dynamic_axes=None):  # fmt: skip
        return original(model, args, f, dynamo=False, input_names=input_names, output_names=output_names,
                        opset_version=opset_version, dynamic_axes=dynamic_axes)  # fmt: skip

    monkeypatch.setattr(torch.onnx, "export", export_before_2_4)
    X = dataset("s_curve")
    model = AutoencoderTransformer(2, encoder=SmallEncoder, max_iter=1, random_state=0).fit(X)
    assert_agrees(run(to_onnx(model, X[:1]), X), model.transform(X), np.float64)


def test_an_exporter_below_the_graphs_opset_is_refused_with_the_opset_to_use(monkeypatch):
    """torch 2.2's exporter writes opset 17 at most; its nodes in an opset-22 graph
    (ReduceMean's axes, Split, Pad changed at 18) could be invalid."""
    import sklearn_ae.onnx._custom as custom

    monkeypatch.setattr(custom, "_TORCHSCRIPT_MAX_OPSET", 17)
    X = dataset("s_curve")
    model = AutoencoderTransformer(2, encoder=SmallEncoder, max_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"writes ONNX opset 17 at most.*pass target_opset=17"):
        to_onnx(model, X[:1], target_opset=18)
    exported = to_onnx(model, X[:1], target_opset=17)
    assert max(entry.version for entry in exported.opset_import if entry.domain in ("", "ai.onnx")) == 17
    assert_agrees(run(exported, X), model.transform(X), np.float64)


# -------------------------------------------------------------------- errors


def test_an_unfitted_model_is_refused(digits):
    with pytest.raises(NotFittedError):  # a ValueError
        to_onnx(AutoencoderTransformer(), digits[0][:1])
    pipeline = make_pipeline(StandardScaler(), AutoencoderTransformer())
    with pytest.raises(ValueError, match="not fitted"):
        to_onnx(pipeline, digits[0][:1])


def test_the_contract_names_the_arguments(digits):
    """API.md: ``to_onnx(model_or_pipeline, X_sample, method="transform")``, by keyword too."""
    model, X = fitted("digits", "relu", False), digits[0]
    onx = to_onnx(model_or_pipeline=model, X_sample=X[:1], method="transform")
    assert [i.name for i in onx.graph.input] == ["X"]


def test_bad_samples_and_methods_get_clear_errors(digits):
    model, X = fitted("digits", "relu", False), digits[0]
    with pytest.raises(ValueError, match="X_sample has 63 columns, but AutoencoderTransformer expects 64"):
        to_onnx(model, X[:1, :63])
    with pytest.raises(ValueError, match=r"expects 4 code columns \(n_components_\)"):
        to_onnx(model, X[:1], method="inverse_transform")
    with pytest.raises(ValueError, match="float32 or float64"):
        to_onnx(model, X[:1].astype(np.int64))
    with pytest.raises(ValueError, match="method must be one of"):
        to_onnx(model, X[:1], method="predict")
    with pytest.raises(ValueError, match="target_opset >= 13"):
        to_onnx(model, X[:1], target_opset=12)
    pipeline = make_pipeline(StandardScaler(), AutoencoderTransformer(2, max_iter=1, random_state=0)).fit(X)
    with pytest.raises(ValueError, match="exports a bare AutoencoderTransformer"):
        to_onnx(pipeline, X[:1], method="score_samples")
    with pytest.raises(ValueError, match="X_sample has 10 columns, but Pipeline expects 64"):
        to_onnx(pipeline, X[:1, :10])
    for model_ in (model, pipeline):  # a sparse sample: one clear error, pipelines too
        with pytest.raises(ValueError, match=r"X_sample must be dense.*toarray"):
            to_onnx(model_, sp.csr_matrix(X[:2]))


# ---------------------------------------------------------------------- docs


def test_the_deployment_page_examples_run(tmp_path, monkeypatch):
    """The Python blocks of docs/user_guide/deployment.rst run, in order, as one script."""
    pytest.importorskip("skops")
    text = (ROOT / "docs" / "user_guide" / "deployment.rst").read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", text)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # the examples write model files
    namespace = {}
    for block in blocks:
        exec(compile("\n".join(line[3:] for line in block.splitlines()), "deployment.rst", "exec"), namespace)
