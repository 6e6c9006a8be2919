"""Sphinx configuration for the sklearn_ae documentation.

Build with (from the repository root)::

    python -m sphinx -W -b html docs docs/_build/html

Set ``SKLEARN_AE_DOCS_OFFLINE=1`` to skip fetching the intersphinx inventories over
the network (see "Cross-project links" below); set ``SKLEARN_AE_DOCS_PLOT=0`` to
build without running the gallery examples.
"""

from __future__ import annotations

import os
import re
import sys
import zlib
from pathlib import Path

import torch
from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # document the checkout, not an installed copy

# sphinx-gallery resolves each example's names even when it does not run them
# (SKLEARN_AE_DOCS_PLOT=0): IterativeImputer must then be importable already.
from sklearn.experimental import enable_iterative_imputer  # noqa: E402, F401

import sklearn_ae  # noqa: E402

logger = logging.getLogger(__name__)

# -- Project ---------------------------------------------------------------------

project = "sklearn_ae"
author = "sklearn_ae developers"
copyright = "sklearn_ae developers"
version = release = sklearn_ae.__version__

# -- General ---------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_intersphinx", "examples/GALLERY_HEADER.rst"]
root_doc = "index"
default_role = "literal"  # `x` in reST means ``x``, as in the package's docstrings
pygments_style = "sphinx"
pygments_dark_style = "monokai"

# -- autodoc / autosummary / numpydoc ---------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"  # types live in the numpydoc "Parameters" sections

numpydoc_show_class_members = False  # autoclass :members: (class template) documents them
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"  # link only the names below; leave other words as text
numpydoc_xref_aliases = {
    # Explicit roles: with xref_ignore="all", a bare dotted name is left as text.
    "array-like": ":term:`array-like <sklearn:array-like>`",
    "bool": ":class:`python:bool`",
    "boolean": ":class:`python:bool`",
    "ndarray": ":class:`numpy.ndarray`",
    "RandomState": ":class:`numpy.random.RandomState`",
    "torch.nn.Module": ":class:`torch.nn.Module`",
    "torch.optim.Optimizer": ":class:`torch.optim.Optimizer`",
    "AutoencoderTransformer": ":class:`sklearn_ae.AutoencoderTransformer`",
}
# Fitted attributes in shapes are quoted in the docstrings, as in
# "ndarray of shape (n_samples, `n_components_`)": a bare trailing underscore would
# make a reST link reference (an error under -W), so they need no alias here.

# -- Cross-project links ----------------------------------------------------------
#
# Each project is tried at its published ``objects.inv`` first. Many machines that
# build these docs (CI runners, sandboxes) cannot reach the web, and an inventory that
# cannot be fetched is a warning, which ``-W`` turns into a failed build. So each
# project also has a small hand-written fallback in ``_intersphinx/<name>.txt``
# listing the names these docs (and the docstrings they render) refer to. Sphinx
# uses the first location that loads:
#
# * online, links resolve against the full published inventories;
# * offline, the failed download is only logged (the fallback is a working
#   alternative), and every name in the fallback still gets its link;
# * ``SKLEARN_AE_DOCS_OFFLINE=1`` skips the network entirely (no timeouts).
#
# A Python object missing from a fallback is simply left unlinked offline
# (``nitpicky`` is off); a ``:ref:`` or ``:term:`` target missing from it is a
# warning, so add it to the matching ``_intersphinx/*.txt`` file.

OFFLINE = os.environ.get("SKLEARN_AE_DOCS_OFFLINE", "0") not in ("", "0")
intersphinx_timeout = 10

_PROJECTS = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "skorch": "https://skorch.readthedocs.io/en/stable/",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
}


def _compile_fallback(name):
    """Write ``_intersphinx/<name>.txt`` as a Sphinx (version 2) inventory file.

    Each line of the text file is ``name domain:role uri [display name]``, as in the
    body of an ``objects.inv``; ``$`` at the end of ``uri`` stands for ``name``.
    """
    rows = []
    for line in (DOCS / "_intersphinx" / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        target, role, uri, *display = line.split(None, 3)
        priority = "-1" if role.startswith("std:") else "1"
        rows.append(f"{target} {role} {priority} {uri} {display[0] if display else '-'}")
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {name} (offline fallback)\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    out = DOCS / "_build" / "intersphinx_fallback" / f"{name}.inv"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header.encode() + zlib.compress("\n".join(rows).encode() + b"\n"))
    return str(out)


def _locations(name):
    local = _compile_fallback(name)
    return (local,) if OFFLINE else (None, local)


intersphinx_mapping = {name: (url, _locations(name)) for name, url in _PROJECTS.items()}

# -- Gallery ---------------------------------------------------------------------

# The examples run inside this process. Their networks are small: one PyTorch thread
# trains them about as fast as two on an idle two-core machine, and several times
# faster on a busy one, where threads that wait for each other spin.
torch.set_num_threads(1)

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("sklearn_ae",),
    "backreferences_dir": "generated/backreferences",
    "plot_gallery": os.environ.get("SKLEARN_AE_DOCS_PLOT", "True"),
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "min_reported_time": 1,
    # A class with no example yet (a new estimator) gets an empty mini-gallery.
    "log_level": {"backreference_missing": "debug"},
}

# -- HTML ------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_ae {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"install": [], "quickstart": [], "changelog": []}

# -- Checks ----------------------------------------------------------------------


def _check_api_page(app):
    """Warn (so ``-W`` fails) when a public name is missing from ``api.rst``."""
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s{3}([A-Za-z_][\w.]*)\s*$", text, flags=re.MULTILINE))
    public = {name for name in sklearn_ae.__all__ if not name.startswith("_")}
    for name in sorted(public - listed):
        logger.warning("sklearn_ae.%s is public but not listed in docs/api.rst", name)


def setup(app):
    app.connect("builder-inited", _check_api_page)
