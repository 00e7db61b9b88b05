"""Running the commands of one update path: each logged, each timed."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# The environment of every git command (and of copier, which runs git): an identity for
# commits, no signing, and none of the caller's hooks.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Update Checks",
    "GIT_AUTHOR_EMAIL": "update-checks@example.com",
    "GIT_COMMITTER_NAME": "Update Checks",
    "GIT_COMMITTER_EMAIL": "update-checks@example.com",
    "GIT_CONFIG_COUNT": "3",
    "GIT_CONFIG_KEY_0": "commit.gpgsign",
    "GIT_CONFIG_VALUE_0": "false",
    "GIT_CONFIG_KEY_1": "tag.gpgsign",
    "GIT_CONFIG_VALUE_1": "false",
    "GIT_CONFIG_KEY_2": "core.hooksPath",
    "GIT_CONFIG_VALUE_2": os.devnull,
}


class CheckFailed(Exception):
    """A step that the rest of a path depends on failed."""


@dataclass
class Outcome:
    name: str
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def tail(text: str, lines: int = 25) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def git(cwd: Path, *args: str) -> str:
    """`git ARGS` in `cwd`, outside any path's log; its output, or CheckFailed."""
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if result.returncode != 0:
        raise CheckFailed(f"`git {' '.join(args)}` failed in {cwd}:\n{tail(result.stderr)}")
    return result.stdout


class Runner:
    """Runs commands for one path, logging each command and its output to one file."""

    def __init__(self, log: Path, outcome: Outcome) -> None:
        self.log = log
        self.outcome = outcome
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")

    def run(
        self,
        command: list[str],
        cwd: Path,
        environment: Mapping[str, str] | None = None,
        *,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run `command` in `environment` (default: this process's), plus GIT_ENV."""
        result = subprocess.run(
            command,
            cwd=cwd,
            env={**(os.environ if environment is None else environment), **GIT_ENV},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        return self.record(result, cwd, check=check)

    def record(
        self, result: subprocess.CompletedProcess[str], cwd: Path | None, *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Log a finished command; with `check`, CheckFailed if it failed."""
        command = " ".join(map(str, result.args))
        with self.log.open("a") as log:
            log.write(f"$ cd {cwd or Path.cwd()} && {command}  # exit {result.returncode}\n")
            log.write(result.stdout + result.stderr + "\n")
        if check and result.returncode != 0:
            raise CheckFailed(
                f"`{command}` exited {result.returncode} in {cwd}:\n"
                + tail(result.stdout + result.stderr)
            )
        return result

    def git(self, cwd: Path, *args: str) -> str:
        return self.run(["git", *args], cwd).stdout

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.outcome.timings[name] = self.outcome.timings.get(name, 0.0) + (
                time.perf_counter() - start
            )
