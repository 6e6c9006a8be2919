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
def test_public_methods_have_runnable_examples(cls):
    """Every public method written here documents itself with an Examples section.

    The examples run as doctests (``--doctest-modules`` in pyproject.toml).
    """
    assert numpydoc.ClassDoc(cls)["Examples"], cls.__name__
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and member.__module__.startswith("sklearn_ae"):
            doc = numpydoc.FunctionDoc(member)
            assert doc["Summary"] and doc["Examples"], f"{cls.__name__}.{name}"
