"""The code base stays ruff clean (lint rules in pyproject.toml)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the test extras")
def test_ruff_check_is_clean():
    result = subprocess.run(["ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _long_functions(limit):
    """Functions in sklearn_ae/ with more than ``limit`` lines of code, docstring excluded."""
    import ast

    found = []
    for path in sorted((ROOT / "sklearn_ae").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(getattr(body[0], "value", None), ast.Constant)
            ):
                body = body[1:]  # the docstring
            if not body:
                continue
            lines = body[-1].end_lineno - body[0].lineno + 1
            if lines > limit:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_over_60_lines_of_code():
    """A reader finds each step of a fit in one look (see CONTRIBUTING.md)."""
    assert _long_functions(60) == []


def test_the_command_line_lives_in_its_own_package():
    """The package root holds the estimator; sklearn_ae/cli/ the command line."""
    root = {path.stem for path in (ROOT / "sklearn_ae").glob("_*.py")}
    estimator_core = {
        "__init__", "__main__", "_autoencoder", "_variational", "_training", "_engine", "_modules",
        "_penalties", "_data", "_device", "_state", "_code_size", "_errors", "_imputer",
        "_sparse", "_neighbors", "_spectral", "_map_codes",
    }  # fmt: skip
    assert root <= estimator_core, root - estimator_core
    assert (ROOT / "sklearn_ae" / "cli" / "__init__.py").exists()
