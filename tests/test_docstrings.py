"""Every public class documents exactly its parameters (numpydoc)."""

import ast
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
def test_docstring_is_written_out_in_the_source(cls):
    """Nothing assembles a docstring at import: under ``python -OO`` it is None, and
    Python 3.13 dedents docstrings when compiling, so text searches for indented
    lines in ``__doc__`` break. The docstring must be the source's literal, and must
    still document the signature once dedented as 3.13 stores it."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(cls)))
    [node] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    assert inspect.cleandoc(cls.__doc__) == ast.get_docstring(node)
    documented = [p.name for p in numpydoc.NumpyDocString(inspect.cleandoc(cls.__doc__))["Parameters"]]
    assert documented == list(inspect.signature(cls).parameters)


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


def test_vae_repeats_the_shared_parameter_docs_verbatim():
    """The VAE's docstring copies the base class's parameter texts (scikit-learn style);
    this keeps the copies in step when a shared parameter's doc changes."""
    base = {p.name: p for p in numpydoc.ClassDoc(sklearn_ae.AutoencoderTransformer)["Parameters"]}
    vae = {p.name: p for p in numpydoc.ClassDoc(sklearn_ae.VariationalAutoencoderTransformer)["Parameters"]}
    for name in base.keys() - {"n_components"}:  # the VAE words n_components for itself
        assert (vae[name].type, vae[name].desc) == (base[name].type, base[name].desc), (
            f"VariationalAutoencoderTransformer's doc of {name!r} differs from AutoencoderTransformer's: "
            "copy the base class's text into sklearn_ae/_variational.py"
        )
