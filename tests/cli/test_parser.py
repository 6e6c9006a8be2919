"""The parser: entry points, help texts and option values."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from sklearn_ae.cli import build_parser, main
from sklearn_ae.cli._argument_types import (
    columns_text,
    float_type,
    parse_batch_size,
    parse_columns,
    parse_hidden,
    parse_n_components,
    parse_sizes,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "entry", [["-m", "sklearn_ae"], ["-c", "import sys, sklearn_ae.cli; sys.exit(sklearn_ae.cli.main())"]]
)
def test_entry_points_print_help(entry):
    out = subprocess.run(
        [sys.executable, *entry, "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    for command in ("demo", "fit", "transform", "inverse-transform"):
        assert command in out.stdout
    assert "sklearn-ae fit data.csv --model model.joblib" in out.stdout  # an example line


@pytest.mark.parametrize("command", ["demo", "fit", "transform", "inverse-transform"])
def test_each_command_has_help_with_an_example(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"sklearn-ae {command}" in out
    assert "example" in out
    if command != "demo":
        assert "pickle" in out and "trust" in out  # the model file runs code when loaded


def test_fit_help_explains_the_data_format(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("header", "numeric", "--columns", "--n-components", "sklearn_ae[parquet]", "--variational"):
        assert text in out


def test_each_command_runs_its_function():
    parser = build_parser()
    args = parser.parse_args(["transform", "in.csv", "-m", "m.joblib", "-o", "out.csv", "--columns", "b,a"])
    assert args.run.__name__ == "run_transform"
    assert args.columns == ["b", "a"]
    args = parser.parse_args(
        ["fit", "in.csv", "-m", "m.joblib", "--n-components", "0.9", "--batch-size", "auto"]
    )
    assert (args.run.__name__, args.n_components, args.batch_size) == ("run_fit", 0.9, "auto")


@pytest.mark.parametrize(
    ("parse", "text", "value"),
    [
        (parse_sizes, "2,8,16", (2, 8, 16)),
        (parse_hidden, "", ()),
        (parse_hidden, "none", ()),
        (parse_hidden, "64,32", (64, 32)),
        (parse_n_components, "8", 8),
        (parse_n_components, "0.9", 0.9),
        (parse_batch_size, "auto", "auto"),
        (parse_batch_size, "32", 32),
        (float_type(0, strict=False), "0", 0.0),
        (parse_columns, " a, b ,c", ["a", "b", "c"]),
        (parse_columns, '"len, mm",b', ["len, mm", "b"]),  # quoted as in CSV: a comma in a name
        (parse_columns, 'b, "len, mm"', ["b", "len, mm"]),
    ],
)
def test_argument_types_parse(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_sizes, "2,x", "comma-separated integers"),
        (parse_sizes, "0,2", "code sizes must be positive integers"),
        (parse_hidden, "0", "hidden layer widths must be positive integers"),
        (parse_n_components, "1.5", "fraction of variance"),
        (parse_n_components, "0", "fraction of variance"),
        (parse_batch_size, "0", "'auto'"),
        (float_type(0, strict=True), "0", "> 0"),
        (float_type(0, strict=False), "nan", ">= 0"),
        (parse_columns, ",", "comma-separated column names"),
        (parse_columns, "a,b,a", "named twice: a"),
        (parse_columns, '"a,b', "never closed"),  # was the one name 'a,b', silently
    ],
)
def test_argument_types_reject_bad_values(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse(text)


@pytest.mark.parametrize("columns", [["a", "b"], ["len, mm", 'say "hi"', "c"]])
def test_columns_text_reads_back_as_the_columns(columns):
    """The next command that ``fit`` prints passes its ``--columns`` in this form."""
    assert parse_columns(columns_text(columns)) == columns
