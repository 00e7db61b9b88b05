"""A rendered file is finished: no Jinja left in it, and not empty."""

from __future__ import annotations

from pathlib import Path

JINJA_DELIMITERS = ("{{", "{%", "{#")
# Alembic's migration template is Mako, rendered later by Alembic rather than by copier.
NOT_JINJA = frozenset({"app/migrations/script.py.mako"})
NOT_RENDERED = frozenset({".git", ".venv"})


def rendered_files(project: Path) -> list[Path]:
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and not NOT_RENDERED.intersection(path.relative_to(project).parts)
    )


def unfinished_files(project: Path) -> list[str]:
    """`path: empty` and `path:line: unrendered Jinja: ...` for each unfinished file."""
    problems = []
    for path in rendered_files(project):
        relative = path.relative_to(project).as_posix()
        data = path.read_bytes()
        if not data.strip():
            problems.append(f"{relative}: empty")
            continue
        if relative in NOT_JINJA or b"\0" in data:
            continue
        for number, line in enumerate(data.decode(errors="replace").splitlines(), start=1):
            if any(delimiter in line for delimiter in JINJA_DELIMITERS):
                problems.append(f"{relative}:{number}: unrendered Jinja: {line.strip()}")
    return problems
