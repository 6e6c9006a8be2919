"""Column checks for the command line: which columns of a file to read, and why not.

A ``select(names, path)`` callable, as :func:`~sklearn_ae.cli._tables.read_table` takes,
gets a file's column names and returns those to read, in order, or raises
:class:`~sklearn_ae.cli._errors.CLIError` naming the columns at fault.
"""

from __future__ import annotations

from ._errors import CLIError

#: The extensions of Parquet files (others are CSV, or refused).
PARQUET_SUFFIXES = (".parquet", ".pq")


def where_names_are(path):
    """Where a file keeps its column names, for messages: a CSV header row, or not."""
    return "the file" if str(path).lower().endswith(PARQUET_SUFFIXES) else "the header row"


def repeated_names(names):
    """The names that stand more than once in the list ``names``, sorted, each once."""
    return sorted({name for name in names if names.count(name) > 1})


def unnamed_column_error(names, path):
    """The :class:`CLIError` for a column with an empty name (in a CSV file, a pandas index?)."""
    position = names.index("") + 1
    where = where_names_are(path)
    hint = "leave it out with --columns"
    if position == 1 and where == "the header row":
        hint = f"a pandas index? write the file with to_csv(index=False), or {hint}"
    return CLIError(f"{path}: column {position} has no name in {where} ({hint})")


def names_text(names, limit=8):
    """``names`` quoted and comma-separated, the first ``limit`` of them.

    Parameters
    ----------
    names : sequence
        Column names.
    limit : int, default=8
        How many to show; the rest are counted.

    Returns
    -------
    text : str
        For messages.
    """
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def as_written_in(names, wanted):
    """Each name of ``wanted`` as the list ``names`` writes it, or None where it lacks it.

    Names match exactly or, failing that, without spaces around them: the command line
    strips a CSV header's names (``a, b, c``), pandas keeps them (``' b'``), and a
    Parquet file or a model fitted in Python may hold either.
    """
    stripped = {}
    for name in names:
        stripped.setdefault(name.strip(), []).append(name)
    found = [name if name in names else None for name in wanted]
    for i, name in enumerate(wanted):
        candidates = stripped.get(name.strip(), [])
        if found[i] is None and len(candidates) == 1 and candidates[0] not in found:
            found[i] = candidates[0]  # each of the file's columns feeds one name at most
    return found


def columns_selector(requested):
    """``select`` for :func:`read_table`: the ``requested`` columns, or all.

    Parameters
    ----------
    requested : list of str or None
        The columns to read, in order; None for all of them.

    Returns
    -------
    select : callable
        ``select(names, path)``, raising :class:`CLIError` for a missing column.
    """

    def select(names, path):
        if requested is None:
            return list(names)
        as_written = as_written_in(names, requested)
        missing = [c for c, found in zip(requested, as_written, strict=True) if found is None]
        if missing:
            raise CLIError(
                f"{path} has no column(s) {names_text(missing)}; its columns are {names_text(names)}"
            )
        return as_written

    select.names, select.by_model = requested, False  # the names asked for (None: all); see read_table
    select.for_model = False  # columns chosen now (fit), not by a fitted model
    return select


def model_selector(expected, n_expected, requested, what="trained on"):
    """``select`` that checks the file against the columns a model expects.

    Parameters
    ----------
    expected : list of str or None
        The model's column names, or None when it has none.
    n_expected : int
        How many columns the model expects.
    requested : list of str or None
        The columns chosen with ``--columns``, or None.
    what : str, default="trained on"
        What the model did with the columns, for the messages.

    Returns
    -------
    select : callable
        ``select(names, path)``, whose result is in the model's order, whatever the
        file's order.
    """
    pick = columns_selector(requested)

    def select(names, path):
        chosen = pick(names, path)
        if expected is None:
            if len(chosen) != n_expected:
                which = "selected " if requested is not None else ""
                raise CLIError(
                    f"the model expects {n_expected} columns, but {path} has {len(chosen)} {which}columns"
                )
            return chosen
        if "" in chosen and "" not in expected:  # as fit says it, not as a column the model lacks
            raise unnamed_column_error(names, path)
        as_written = as_written_in(chosen, expected)
        missing = [c for c, found in zip(expected, as_written, strict=True) if found is None]
        extra = [c for c in chosen if c not in as_written]
        if not missing and not extra:
            return as_written
        problems = []
        if missing:
            problems.append(f"lacks column(s) the model was {what}: {names_text(missing)}")
        if extra:
            problems.append(f"has column(s) the model was not {what}: {names_text(extra)}")
        message = f"{path} does not match the model: it " + " and ".join(problems)
        if extra and not missing:
            message += f"; pass --columns to use only the model's {len(expected)} columns"
        raise CLIError(message)

    select.names = expected if expected is not None else requested
    select.by_model = expected is not None  # matched by name
    select.for_model = True  # the columns of a model, chosen at its fit
    return select
