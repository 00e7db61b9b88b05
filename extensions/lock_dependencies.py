"""Make or refresh the rendered project's uv.lock; never fail the render or the update.

copier runs this in the project, with the interpreter copier runs on, after `copier copy`
(a task) and after every `copier update` (a migration, once the team's edits are merged):

    python lock_dependencies.py

`uv lock` keeps every version already in uv.lock that still satisfies pyproject.toml, so
an update changes only what the template's or the team's requirements changed. When uv is
missing, the package registry cannot be reached or no Python satisfies requires-python,
the project is still written: this prints why, and the commands that make the lock.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# uv retries the registry on its own; this bounds a registry that answers slowly.
TIMEOUT_SECONDS = 300
# What copier writes into a file whose merge conflicted (`--conflict inline`).
CONFLICT_MARKER = "<<<<<<< before updating"
# A copier started through a pyenv shim carries PYENV_VERSION, copier's own Python: it
# would hide the project's Python from uv (the project's .python-version decides).
# UV_LOCKED and UV_FROZEN, set for installs, forbid the very change wanted here.
IGNORED_ENVIRONMENT = frozenset({"PYENV_VERSION", "UV_LOCKED", "UV_FROZEN"})
# The lines of uv's error worth showing: the last ones name the cause.
ERROR_LINES = 8


def find_uv() -> str | None:
    """The uv installed beside copier (`pip install uv`), else the one on PATH."""
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return shutil.which("uv")
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        return shutil.which("uv")


def not_locked(reason: str) -> int:
    project = Path.cwd()
    print(
        f"\nuv.lock was not made: {reason}\n"
        "CI, the Dockerfile and `uv sync --locked` need an up-to-date one. Make it and "
        "commit it:\n"
        f"    cd {project}\n"
        "    uv lock\n"
        "    git add uv.lock\n",
        file=sys.stderr,
    )
    return 0


def main() -> int:
    pyproject = Path("pyproject.toml")
    conflicted = pyproject.is_file() and CONFLICT_MARKER in pyproject.read_text()
    # With `copier update --conflict rej`, the template's side waits in a .rej file.
    if conflicted or Path("pyproject.toml.rej").exists():
        return not_locked(
            "the update left a conflict in pyproject.toml. Resolve it first (keep the "
            "template's new lines and your own), then lock."
        )
    uv = find_uv()
    if uv is None:
        return not_locked("uv is not installed (https://docs.astral.sh/uv/).")
    refreshing = Path("uv.lock").exists()
    environment = {
        key: value for key, value in os.environ.items() if key not in IGNORED_ENVIRONMENT
    }
    print(f"{'Refreshing' if refreshing else 'Making'} uv.lock (uv lock)...", file=sys.stderr)
    try:
        result = subprocess.run(
            [uv, "lock"],
            env=environment,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return not_locked(f"`uv lock` did not finish in {TIMEOUT_SECONDS} s.")
    except OSError as error:
        return not_locked(f"`{uv} lock` could not start: {error}.")
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()[-ERROR_LINES:]
        details = "\n".join(f"    {line}" for line in output)
        return not_locked(f"`uv lock` exited {result.returncode}:\n{details}")
    print("uv.lock refreshed" if refreshing else "uv.lock made", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
