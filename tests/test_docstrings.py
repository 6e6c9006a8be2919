"""Every public class documents exactly its parameters (numpydoc)."""

import inspect

import pytest

import sklearn_ae

numpydoc = pytest.importorskip("numpydoc.docscrape")

PUBLIC = [
    getattr(sklearn_ae, name) for name in sklearn_ae.__all__ if inspect.isclass(getattr(sklearn_ae, name))
]


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_parameters_documented_in_signature_order(cls):
    documented = [p.name for p in numpydoc.ClassDoc(cls)["Parameters"]]
    signature = [name for name in inspect.signature(cls).parameters]
    assert documented == signature


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_public_methods_have_docstrings(cls):
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and member.__module__.startswith("sklearn_ae"):
            assert member.__doc__, f"{cls.__name__}.{name} has no docstring"
