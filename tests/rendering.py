"""Render the template with the real copier command line, as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ANSWERS = {"project_name": "Orders API"}


def copier_copy(
    destination: Path,
    answers: Mapping[str, str],
    *,
    template: Path = TEMPLATE_ROOT,
    vcs_ref: str | None = "HEAD",
) -> subprocess.CompletedProcess[str]:
    """Run `copier copy` non-interactively; the caller checks the outcome."""
    command = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults"]
    if vcs_ref is not None:
        # HEAD of a dirty working tree includes the uncommitted changes.
        command += ["--vcs-ref", vcs_ref]
    for key, value in answers.items():
        command += ["-d", f"{key}={value}"]
    command += [str(template), str(destination)]
    return subprocess.run(
        command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )


def render(destination: Path, answers: Mapping[str, str] = DEFAULT_ANSWERS) -> Path:
    """Render a project that must succeed; on failure the test fails with copier's output."""
    result = copier_copy(destination, answers)
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
