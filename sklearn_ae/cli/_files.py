"""Paths of the command line: inputs that must exist, outputs written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
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
    if str(path) == "-":
        raise CLIError(f"- (standard input) is not supported: give a {what} file")
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
        When the folder of ``path`` is missing or not writable (the file is written
        beside ``path``, then renamed onto it), or ``path`` is a directory or an input.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise CLIError(f"cannot write {path}: no such directory {parent}")
    if path.is_dir():
        raise CLIError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"cannot write {path}: the folder {parent} is not writable")
    for source in inputs:
        if Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
            raise CLIError(f"the {what} file {path} would overwrite an input; choose another path")


@contextlib.contextmanager
def replaced_atomically(path):
    """A temporary file beside ``path`` to write, which then replaces ``path`` at once.

    The temporary file is in the same directory, and its name ends with the name of
    ``path``, so writers that choose a format by extension (``.gz``, ``.skops``, ...)
    choose the same one. When the block succeeds it is renamed onto ``path`` (with
    :func:`os.replace`, keeping the mode of a file it replaces); when the block fails
    or is interrupted it is removed, so ``path`` holds either its previous content or
    the complete new file, never a truncated one.

    Parameters
    ----------
    path : str or path-like
        The file to write; a symbolic link is followed.

    Yields
    ------
    temporary : pathlib.Path
        The file to write, created empty.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with replaced_atomically(folder / "out.txt") as temporary:
    ...     _ = temporary.write_text("complete")
    >>> [p.name for p in folder.iterdir()], (folder / "out.txt").read_text()
    (['out.txt'], 'complete')
    """
    target = Path(os.path.realpath(path))
    temporary = target.with_name(f".{secrets.token_hex(4)}.tmp.{target.name}")
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
    try:
        yield temporary
        if target.exists():  # after writing: a read-only file's mode would block the writer
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
