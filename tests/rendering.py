"""The tests' way to render: matrix.rendering.render, failing the test with copier's output."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from matrix.rendering import ROOT
from matrix.rendering import render as copier_copy
from matrix.variants import VARIANTS

DEFAULT_ANSWERS = VARIANTS["default"]["answers"]


def render(
    destination: Path,
    answers: Mapping[str, Any] = DEFAULT_ANSWERS,
    ref: str = "HEAD",
    *,
    template: Path = ROOT,
    locked: bool = False,
) -> Path:
    """Render `template` (this working tree) at `ref`; on failure the test fails with
    copier's output. Only with `locked` does copier run the task that makes uv.lock."""
    result = copier_copy(destination, answers, ref, template=template, tasks=locked, check=False)
    if result.returncode != 0:
        pytest.fail(f"copier copy failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return destination


def read_dot_env(project: Path) -> dict[str, str]:
    """The KEY=value pairs of a rendered project's .env file."""
    dot_env = project / ".env"
    if not dot_env.is_file():
        pytest.fail(f"{dot_env} was not rendered")
    values = {}
    for line in dot_env.read_text().splitlines():
        key, separator, value = line.partition("=")
        if separator and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values
