"""The tests' way to run uv in a rendered project: the real uv, the project's own Python."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from matrix.pythons import interpreter_for


def uv_executable() -> str:
    """The uv installed next to pytest (`pip install uv`), else the one on PATH."""
    try:
        from uv import find_uv_bin
    except ImportError:
        found = shutil.which("uv")
        if found is None:
            pytest.fail("uv is not installed: `pip install uv` next to pytest")
        return found
    return str(find_uv_bin())


def uv(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`uv ARGUMENTS` in the project, with an interpreter of the project's Python line."""
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment["UV_PYTHON"] = interpreter_for((project / ".python-version").read_text().strip())
    return subprocess.run(
        [uv_executable(), *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
