"""Every rendered file is finished: fully rendered, not empty, valid Python where it is Python."""

from __future__ import annotations

import ast
from pathlib import Path

JINJA_DELIMITERS = ("{{", "{%", "{#")
# Alembic's migration template is Mako, rendered later by Alembic rather than by copier.
NOT_JINJA = {Path("app/migrations/script.py.mako")}


def rendered_files(project: Path) -> list[Path]:
    return sorted(path for path in project.rglob("*") if path.is_file())


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def test_no_rendered_file_contains_jinja_delimiters(default_project: Path) -> None:
    leftovers = []
    for path in rendered_files(default_project):
        relative = path.relative_to(default_project)
        text = text_of(path)
        if relative in NOT_JINJA or text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if any(delimiter in line for delimiter in JINJA_DELIMITERS):
                leftovers.append(f"{relative}:{number}: {line.strip()}")

    assert leftovers == []


def test_no_rendered_file_is_empty(default_project: Path) -> None:
    empty = [
        str(path.relative_to(default_project))
        for path in rendered_files(default_project)
        if not path.read_bytes().strip()
    ]

    assert empty == []


def test_every_rendered_python_file_parses(default_project: Path) -> None:
    errors = []
    for path in default_project.rglob("*.py"):
        try:
            ast.parse(path.read_text(), filename=str(path))
        except SyntaxError as error:
            errors.append(f"{path.relative_to(default_project)}:{error.lineno}: {error.msg}")

    assert errors == []
