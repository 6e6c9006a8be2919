"""Model files of the command line: fitted estimators saved with skops or joblib.

A path ending in ``.skops`` uses :mod:`skops.io` (the safe format: loading trusts
sklearn_ae's own classes besides skops' defaults); any other path is a joblib pickle.
"""

from __future__ import annotations

import warnings

import joblib
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._autoencoder import AutoencoderTransformer
from .._imputer import AutoencoderImputer
from .._variational import VariationalAutoencoderTransformer
from ._errors import CLIError, report_warnings
from ._files import existing_file, replaced_atomically

PICKLE_NOTE = (
    "A model path ending in .skops is saved with skops.io, the safe format (loading trusts "
    "sklearn_ae's estimators and skops' defaults; needs the persist extra). Any other path "
    "(.joblib, say; not .onnx or a data file's extension) is a pickle written with joblib: "
    "loading a pickle can run arbitrary code, so only load model files you trust."
)


def save_model(model, path):
    """Save a fitted estimator: with skops for a ``.skops`` path, else a joblib pickle.

    The file is written whole or not at all: to a temporary file beside ``path``,
    renamed onto ``path`` once complete, so a failed or interrupted save leaves a
    model already at ``path`` as it was.

    Parameters
    ----------
    model : AutoencoderTransformer
        The fitted estimator.
    path : str or path-like
        The file to write.
    """
    dump = _skops().dump if is_skops(path) else joblib.dump
    with replaced_atomically(path) as temporary:
        dump(model, temporary)


def is_skops(path):
    """Whether ``path`` names a ``.skops`` file (the safe format) rather than a pickle."""
    return str(path).lower().endswith(".skops")


def format_note(path):
    """What kind of model file ``path`` is, and what that means for whoever loads it.

    Parameters
    ----------
    path : str or path-like
        A model file's path.

    Returns
    -------
    note : str
        For messages.

    Examples
    --------
    >>> format_note("model.skops")
    "skops format, the safe one: loading it trusts sklearn_ae's estimators and skops' defaults"
    >>> format_note("model.joblib")
    'a joblib pickle: share and load only trusted files'
    """
    if is_skops(path):
        return "skops format, the safe one: loading it trusts sklearn_ae's estimators and skops' defaults"
    return "a joblib pickle: share and load only trusted files"


def _skops():
    try:
        import skops.io
    except ImportError:
        raise CLIError('.skops model files need skops: pip install "sklearn_ae[persist]"') from None
    return skops.io


#: The only types a .skops model file may hold beyond skops' defaults: the estimators
#: (the imputer too, for a Pipeline that fills in before encoding). Not "anything in
#: sklearn_ae": skops calls a trusted name with arguments the file chooses, so trusting
#: a module's functions would let a file run them.
TRUSTED_SKOPS_TYPES = frozenset(
    f"{cls.__module__}.{cls.__qualname__}"
    for cls in (AutoencoderTransformer, VariationalAutoencoderTransformer, AutoencoderImputer)
)


#: Extensions of other formats, refused for a model file: the file would be a pickle all the same.
_NOT_MODEL_FILES = {
    ".onnx": "ONNX export is in Python: sklearn_ae.onnx.to_onnx (see the deployment guide)",
    ".csv": "it names a data file",
    ".csv.gz": "it names a data file",
    ".parquet": "it names a data file",
    ".pq": "it names a data file",
}


def check_model_path(path):
    """A ``CLIError`` now, before any work, for a model path that cannot be saved as meant.

    That is a .skops file without skops installed, or a path whose extension names
    another format (``.onnx``, a data file's): the model would be a joblib pickle under
    that name.
    """
    if is_skops(path):
        _skops()
    other = _other_format(path)
    if other:
        extension, why = other
        raise CLIError(
            f"--model {path}: the command line saves models as a joblib pickle (.joblib) or in "
            f"skops format (.skops), not as {extension} ({why})"
        )


def _other_format(path):
    """``(extension, why)`` when ``path``'s extension names another format than a model's, else None."""
    name = str(path).lower()
    for extension, why in _NOT_MODEL_FILES.items():
        if name.endswith(extension):
            return extension, why
    return None


def _load_skops(path):
    """Load a .skops file, trusting sklearn_ae's estimator classes beyond skops' defaults."""
    sio = _skops()
    untrusted = sio.get_untrusted_types(file=path)
    foreign = [name for name in untrusted if name not in TRUSTED_SKOPS_TYPES]
    if foreign:
        raise CLIError(
            f"{path} holds types other than sklearn_ae's estimators, not loaded: {', '.join(foreign)}"
        )
    return sio.load(path, trusted=untrusted)


def load_model(path):
    """Load an estimator saved by ``sklearn-ae fit``; only load pickles you trust.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file or a joblib pickle holding a fitted
        :class:`~sklearn_ae.AutoencoderTransformer`, or a fitted
        :class:`~sklearn.pipeline.Pipeline` that ends in one (what ``fit
        --standardize`` saves). A ``.skops`` file holding any type other than
        sklearn_ae's and those skops trusts by default (scikit-learn's) is refused
        without being loaded.

    Returns
    -------
    model : AutoencoderTransformer or Pipeline
        The fitted estimator.

    Raises
    ------
    CLIError
        When the file is missing, unreadable, or holds something else.
    """
    path = existing_file(path, "no such model file", "model")
    try:
        # scikit-learn's InconsistentVersionWarning (a file from another version), as one line
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", DeprecationWarning)  # libraries' notes to developers
            model = _load_skops(path) if is_skops(path) else joblib.load(path)
        report_warnings(caught)
    except CLIError:
        raise
    except Exception as exc:  # unpickling garbage raises many exception types
        other = _other_format(path)
        if other:  # an ONNX export or a data file, as a model: not the unpickler's KeyError
            raise CLIError(
                f"could not load a model from {path}: a {other[0]} file is not one ({other[1]}); "
                "pass the .joblib or .skops file that 'sklearn-ae fit' wrote"
            ) from None
        raise CLIError(
            f"could not load a model from {path} ({type(exc).__name__}: {exc}); "
            "expected a file written by 'sklearn-ae fit'"
        ) from None
    if not isinstance(autoencoder_of(model), AutoencoderTransformer):
        imputer = (
            "; the command line does not impute: use the imputer in Python"
            if isinstance(autoencoder_of(model), AutoencoderImputer)
            else ""
        )
        raise CLIError(
            f"{path} holds {_describe(model)}, not an AutoencoderTransformer "
            f"(or a Pipeline that ends in one){imputer}"
        )
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise CLIError(f"the model in {path} is not fitted") from None
    return model


def autoencoder_of(model):
    """The autoencoder of a model file: the model itself, or a Pipeline's last step.

    ``fit --standardize`` saves ``Pipeline([StandardScaler, autoencoder])``; a Pipeline
    saved in Python that ends in an autoencoder is used the same way.
    """
    return model.steps[-1][1] if isinstance(model, Pipeline) and model.steps else model


def _describe(model):
    """``model``'s class with its article: "an AutoencoderImputer", "a Pipeline ending in a dict"."""
    if isinstance(model, Pipeline):
        return f"a Pipeline ending in {_article(type(autoencoder_of(model)).__name__)}"
    return _article(type(model).__name__)


def _article(name):
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def feature_names(model):
    """The columns a fitted ``model`` was trained on (``feature_names_in_``), or None."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def code_names(model):
    """The code columns a fitted ``model`` writes: ``autoencodertransformer0``, ...

    The autoencoder's own names (a class-name prefix and a number), which a Pipeline
    passes on: asking the Pipeline would fail on a step without
    ``get_feature_names_out`` (a ``FunctionTransformer`` without ``feature_names_out``).
    """
    return [str(n) for n in autoencoder_of(model).get_feature_names_out()]
