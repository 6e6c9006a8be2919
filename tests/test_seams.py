"""The private parts of skorch and scikit-learn that sklearn_ae builds on.

The training engine (``sklearn_ae/_engine.py``) overrides and calls ``NeuralNet``
methods that skorch does not document as public, and the estimators validate their
parameters with scikit-learn's private ``_fit_context`` and ``_param_validation``.
A release that changes one of them breaks sklearn_ae in ways that are hard to trace
(an override that is silently no longer called, a keyword that reaches the module's
``forward``). These tests name the seam that moved and where sklearn_ae uses it.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import pytest
import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet

ENGINE = "sklearn_ae/_engine.py (AutoencoderNet)"


def _parameters(function):
    """``[(name, kind, default), ...]`` without ``self``; defaults repr'd for messages."""
    return [
        (p.name, p.kind.name, None if p.default is p.empty else repr(p.default))
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


# NeuralNet methods that the engine overrides (o) or calls (c), with the signature
# every skorch release from 1.0 on has had.
SKORCH_SEAMS = {
    "_set_training": ("o", "(self, training=True)"),  # per-batch module.train(): skipped when unchanged
    "run_single_epoch": ("o", "(self, iterator, training, prefix, step_fn, **fit_params)"),
    "infer": ("o", "(self, x, **fit_params)"),  # corruption noise before the forward pass
    "get_loss": ("o", "(self, y_pred, y_true, X=None, training=False)"),  # reconstruction + penalties
    "get_iterator": ("c", "(self, dataset, training=False)"),
    "train_step": ("c", "(self, batch, **fit_params)"),
    "validation_step": ("c", "(self, batch, **fit_params)"),
    "notify": ("c", "(self, method_name, **cb_kwargs)"),
}


@pytest.mark.parametrize("name", sorted(SKORCH_SEAMS))
def test_skorch_method_signatures(name):
    role, expected = SKORCH_SEAMS[name]
    method = getattr(NeuralNet, name, None)
    assert method is not None, f"skorch's NeuralNet no longer has {name}; {ENGINE} relies on it."
    found = str(inspect.signature(method))
    what = "overrides" if role == "o" else "calls"
    assert found == expected, (
        f"skorch changed NeuralNet.{name}{expected} to {name}{found}; {ENGINE} {what} it: "
        "update the engine for the new signature."
    )


def test_skorch_fit_loop_signature():
    """An override of fit_loop must accept what skorch's partial_fit passes to it.

    skorch 1.4 added the keyword-only ``_routing_method``, which ``partial_fit`` always
    passes; an override that puts it in ``**fit_params`` hands it on to the module.
    """
    found = _parameters(NeuralNet.fit_loop)
    positional = [
        ("X", "POSITIONAL_OR_KEYWORD", None),
        ("y", "POSITIONAL_OR_KEYWORD", "None"),
        ("epochs", "POSITIONAL_OR_KEYWORD", "None"),
    ]
    known_keyword_only = [[], [("_routing_method", "KEYWORD_ONLY", "'fit'")]]
    assert found[:3] == positional and found[-1] == ("fit_params", "VAR_KEYWORD", None), found
    assert found[3:-1] in known_keyword_only, (
        f"skorch's NeuralNet.fit_loop takes new keyword-only parameters {found[3:-1]}; "
        "an override of fit_loop in the engine must accept them (partial_fit passes them)."
    )


class _Recording(NeuralNet):
    """Records the calls skorch makes into the hooks the engine overrides."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def _set_training(self, training=True):
        self.calls.append(("_set_training", training))
        super()._set_training(training)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        self.calls.append(("run_single_epoch", training, prefix, getattr(step_fn, "__name__", None)))
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def infer(self, x, **fit_params):
        self.calls.append(("infer", tuple(x.shape), tuple(fit_params)))
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        self.calls.append(("get_loss", X is not None, training))
        return super().get_loss(y_pred, y_true, X=X, training=training)


class _Batches:
    """The engine's kind of iterator: skorch constructs it with these keywords."""

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.generator = shuffle, generator

    def __iter__(self):
        X = self.dataset.X
        for start in range(0, len(X), self.batch_size):
            yield X[start : start + self.batch_size], X[start : start + self.batch_size]


class _Rows(torch.utils.data.Dataset):
    def __init__(self, X):
        self.X = X

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.X[i]


def test_skorch_calls_the_overridden_hooks_as_the_engine_expects():
    X = torch.randn(10, 3, generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(0)
    net = _Recording(
        torch.nn.Linear(3, 3),
        criterion=torch.nn.MSELoss,
        batch_size=4,
        max_epochs=1,
        train_split=None,
        iterator_train=_Batches,
        iterator_train__shuffle=True,
        iterator_train__generator=generator,
        callbacks="disable",
        verbose=0,
    )
    net.initialize()
    net.partial_fit(_Rows(X), epochs=1)

    epochs = [call for call in net.calls if call[0] == "run_single_epoch"]
    assert epochs[0] == ("run_single_epoch", True, "train", "train_step"), net.calls
    assert ("_set_training", True) in net.calls, "skorch no longer calls _set_training per step"
    # One forward and one loss per batch of 4 rows (3 batches), X passed to get_loss.
    assert [c for c in net.calls if c[0] == "infer"] == [("infer", (4, 3), ())] * 2 + [("infer", (2, 3), ())]
    assert [c for c in net.calls if c[0] == "get_loss"] == [("get_loss", True, True)] * 3
    iterator = net.get_iterator(_Rows(X), training=True)
    assert (iterator.batch_size, iterator.shuffle, iterator.generator) == (4, True, generator)
    assert len(net.history) == 1 and net.history[-1, "train_batch_count"] == 3


def test_sklearn_fit_context_and_parameter_constraints():
    """``_fit_context`` validates ``_parameter_constraints`` before ``fit`` runs."""
    from sklearn.base import _fit_context
    from sklearn.utils._param_validation import Interval, InvalidParameterError, RealNotInt, StrOptions

    parameter = inspect.signature(_fit_context).parameters.get("prefer_skip_nested_validation")
    assert parameter is not None and parameter.kind is parameter.KEYWORD_ONLY, (
        "sklearn.base._fit_context no longer takes prefer_skip_nested_validation; "
        "sklearn_ae/_autoencoder.py decorates fit and partial_fit with it."
    )
    assert isinstance(0.5, RealNotInt) and not isinstance(1, RealNotInt)

    class Estimator(BaseEstimator):
        # Every kind of constraint AutoencoderTransformer._parameter_constraints uses.
        _parameter_constraints: dict = {
            "size": [
                Interval(Integral, 1, None, closed="left"),
                Interval(RealNotInt, 0, 1, closed="neither"),
            ],
            "rate": [Interval(Real, 0, None, closed="left")],
            "activation": [StrOptions({"relu", "tanh"})],
            "optimizer": [StrOptions({"adam"}), type],
            "module": [None, torch.nn.Module, type],
            "widths": ["array-like", Interval(Integral, 1, None, closed="left")],
            "callbacks": [list, None],
            "flag": ["boolean"],
            "random_state": ["random_state"],
            "verbose": ["verbose"],
        }

        def __init__(
            self,
            size=2,
            rate=0.0,
            activation="relu",
            optimizer="adam",
            module=None,
            widths=(4,),
            callbacks=None,
            flag=False,
            random_state=None,
            verbose=0,
        ):
            self.size, self.rate, self.activation, self.optimizer = size, rate, activation, optimizer
            self.module, self.widths, self.callbacks, self.flag = module, widths, callbacks, flag
            self.random_state, self.verbose = random_state, verbose

        @_fit_context(prefer_skip_nested_validation=True)
        def fit(self, X, y=None):
            self.fitted_ = True
            return self

    X = np.zeros((3, 2))
    valid = {
        "size": 0.5,
        "rate": 1e-3,
        "activation": "tanh",
        "optimizer": torch.optim.SGD,
        "module": torch.nn.Linear(2, 2),
        "widths": 8,
        "callbacks": [],
        "flag": True,
        "random_state": np.random.RandomState(0),
        "verbose": 1,
    }
    assert Estimator(**valid).fit(X).fitted_
    invalid = {
        "size": 0,
        "rate": -1.0,
        "activation": "swish",
        "optimizer": "lbfgs",
        "module": "linear",
        "widths": 0,
        "callbacks": "none",
        "flag": "yes",
        "random_state": "seed",
        "verbose": -1.5,
    }
    for name, value in invalid.items():
        estimator = Estimator(**{name: value})
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
            estimator.fit(X)
        assert not hasattr(estimator, "fitted_"), name
    assert issubclass(InvalidParameterError, ValueError)
