"""Shared renders: the default project is rendered once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rendering import render


@pytest.fixture(scope="session")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default variant, locked as copier makes it, shared by every test that only
    reads it."""
    return render(tmp_path_factory.mktemp("default") / "orders-api", locked=True)


@pytest.fixture(scope="session")
def answers(default_project: Path) -> dict[str, Any]:
    """The default project's .copier-answers.yml, parsed."""
    return yaml.safe_load((default_project / ".copier-answers.yml").read_text())
