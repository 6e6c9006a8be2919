"""The ``sklearn-ae`` command line: ``demo``, ``fit``, ``transform`` and ``inverse-transform``.

``python -m sklearn_ae`` and the ``sklearn-ae`` console script both run :func:`main`.
Errors the user can fix (a missing file, non-numeric data, a model that does not match
the data) print one ``sklearn-ae: error: ...`` line to stderr and exit with status 2.

Modules:

- ``_main``: :func:`main`, which runs a command and turns errors into exit statuses;
- ``_parser``: :func:`build_parser`, the commands, options and help texts;
- ``_argument_types``: option values from text (code sizes, column lists, ...);
- ``_commands``: the work of each command;
- ``_tables``: reading and writing CSV and Parquet files;
- ``_columns``: which columns of a file to read, checked against a model;
- ``_files``: checks of input and output paths, and replacing files atomically;
- ``_model_files``: saving and loading fitted models (joblib or skops);
- ``_interrupt``: Ctrl-C during training stops the command, not only the training;
- ``_demo``: the ``demo`` command's comparison and figure;
- ``_errors``: the program's name and :class:`CLIError`.
"""

from ._main import main
from ._parser import build_parser

__all__ = ["build_parser", "main"]
