"""Paths of the command line: inputs that must exist, outputs that must be writable."""

from __future__ import annotations

from pathlib import Path

from ._errors import CLIError


def existing_file(path, missing, what):
    """``path`` as a :class:`~pathlib.Path`, once it is known to be a file.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    missing : str
        The start of the message for a file that does not exist, e.g. ``"no such file"``.
    what : str
        What the file should hold, e.g. ``"data"``, for the message about a directory.

    Returns
    -------
    path : pathlib.Path
        ``path``.

    Raises
    ------
    CLIError
        When ``path`` does not exist or is a directory.
    """
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{missing}: {path}")
    if path.is_dir():
        raise CLIError(f"{path} is a directory, not a {what} file")
    return path


def check_output(path, inputs=(), what="output"):
    """Fail before any work when ``path`` cannot be written.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    inputs : sequence of str or path-like, default=()
        Files the command reads, which ``path`` must not overwrite.
    what : str, default="output"
        What ``path`` holds, for the message.

    Raises
    ------
    CLIError
        When the folder of ``path`` is missing, ``path`` is a directory or an input.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise CLIError(f"cannot write {path}: no such directory {parent}")
    if path.is_dir():
        raise CLIError(f"cannot write {path}: it is a directory")
    for source in inputs:
        if Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
            raise CLIError(f"the {what} file {path} would overwrite an input; choose another path")
