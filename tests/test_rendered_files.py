"""Every rendered file is finished: fully rendered, not empty, valid Python where it is Python."""

from __future__ import annotations

import ast
from pathlib import Path

from matrix.finished import unfinished_files


def test_every_rendered_file_is_rendered_and_not_empty(default_project: Path) -> None:
    assert unfinished_files(default_project) == []


def test_every_rendered_python_file_parses(default_project: Path) -> None:
    errors = []
    for path in default_project.rglob("*.py"):
        try:
            ast.parse(path.read_text(), filename=str(path))
        except SyntaxError as error:
            errors.append(f"{path.relative_to(default_project)}:{error.lineno}: {error.msg}")

    assert errors == []
