"""The one way the template's tooling runs copier: the real command line, as a user does.

Nox sessions, the template's tests, the static matrix and the update checks all render
through `render` and update through `update`: the answers are passed the same way, and
a failure shows copier's own output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class CopierFailed(Exception):
    """copier exited non-zero; the message holds its command and output."""

    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        command = " ".join(map(str, result.args))
        super().__init__(f"`{command}` exited {result.returncode}:\n{result.stdout}{result.stderr}")
        self.result = result


def answer_arguments(answers: Mapping[str, Any]) -> list[str]:
    """`--data=key=value` for each answer; values that are not strings as JSON (YAML)."""
    return [
        f"--data={key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in answers.items()
    ]


def copier(
    arguments: Sequence[str],
    *,
    cwd: Path | None = None,
    python: str = sys.executable,
    environment: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m copier ARGUMENTS` without stdin; raise CopierFailed if `check`."""
    result = subprocess.run(
        [python, "-m", "copier", *arguments],
        cwd=cwd,
        env=None if environment is None else {**os.environ, **environment},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if check and result.returncode != 0:
        raise CopierFailed(result)
    return result


def render(
    destination: Path,
    answers: Mapping[str, Any],
    ref: str | None = "HEAD",
    *,
    template: Path = ROOT,
    python: str = sys.executable,
    environment: Mapping[str, str] | None = None,
    quiet: bool = True,
    tasks: bool = True,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """`copier copy --trust --defaults` of `template` at `ref` into `destination`.

    `ref="HEAD"` renders the working tree, uncommitted edits included; `ref=None` renders
    a plain folder. Questions not answered take their defaults. Without `tasks`, copier
    skips the template's tasks (the lock: renders only read statically need none). With
    `check`, a failed render raises CopierFailed; without it the caller reads the result.
    """
    arguments = ["copy", "--trust", "--defaults", *(["--quiet"] if quiet else [])]
    if not tasks:
        arguments.append("--skip-tasks")
    if ref is not None:
        arguments += ["--vcs-ref", ref]
    arguments += [*answer_arguments(answers), str(template), str(destination)]
    return copier(arguments, python=python, environment=environment, check=check)


def update(
    project: Path,
    answers: Mapping[str, Any] | None = None,
    *,
    python: str = sys.executable,
    environment: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """`copier update --trust --defaults --vcs-ref HEAD`, answers changed by `answers`."""
    arguments = ["update", "--trust", "--defaults", "--vcs-ref", "HEAD"]
    arguments += answer_arguments(answers or {})
    return copier(arguments, cwd=project, python=python, environment=environment, check=check)
