"""Finding a Python interpreter of a given line for uv, on machines with or without pyenv."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def interpreter_for(version: str) -> str:
    """A Python `version` interpreter for uv: this one, pyenv's, or left for uv to find."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    if shutil.which("pyenv"):
        # pyenv's shims hide versions that are installed but not active, and uv
        # cannot see past them: ask pyenv where the version lives.
        result = subprocess.run(
            ["pyenv", "prefix", version], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidate = Path(result.stdout.splitlines()[0], "bin", f"python{version}")
            if candidate.exists():
                return str(candidate)
    return version
