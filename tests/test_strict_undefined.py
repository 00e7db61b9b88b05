"""A typo in a template variable fails the render instead of rendering an empty string."""

from __future__ import annotations

import shutil
from pathlib import Path

from matrix.rendering import ROOT, render
from rendering import DEFAULT_ANSWERS


def test_an_undefined_variable_fails_the_render(tmp_path: Path) -> None:
    template = tmp_path / "template-repository"
    shutil.copytree(
        ROOT,
        template,
        ignore=shutil.ignore_patterns(".git", ".nox", ".venv", "__pycache__", ".*_cache"),
    )
    (template / "template" / "typo.txt.jinja").write_text("{{ projct_name }}\n")

    # The copy is a plain folder, not a git repository: no revision to pick.
    result = render(tmp_path / "project", DEFAULT_ANSWERS, None, template=template, check=False)

    assert result.returncode != 0
    assert "projct_name" in result.stdout + result.stderr
