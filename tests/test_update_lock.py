"""`copier update` refreshes uv.lock after it merges: the release's new dependency and the
team's own both locked, every other locked version kept.

A clone of this working tree is tagged as a release; a second release adds a dependency
to template/pyproject.toml.jinja. A project locked at the first, with a dependency of the
team's own, is updated to the second with the real copier and the real uv.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from matrix.rendering import update as copier_update
from matrix.update.clone import clone_working_tree
from matrix.update.compare import UNMERGED
from matrix.update.runner import GIT_ENV, git
from rendering import render
from uv_commands import uv

FIRST, SECOND = "1.0.0", "1.1.0"
# Far apart in pyproject.toml's name order, so that the merge is clean.
RELEASE_DEPENDENCY = ("stamina", '    "stamina>=25.1",\n', '    "structlog')
TEAM_DEPENDENCY = ("humanize", '    "humanize>=4.9",\n', '    "limits')


@dataclass(frozen=True)
class Updated:
    project: Path
    before: dict[str, str]  # package -> version, in the project's uv.lock before
    after: dict[str, str]
    output: str


def locked_versions(project: Path) -> dict[str, str]:
    lock = tomllib.loads((project / "uv.lock").read_text())
    return {package["name"]: package.get("version", "") for package in lock["package"]}


def insert_before(path: Path, line: str, anchor: str) -> None:
    text = path.read_text()
    at = text.index(anchor)
    path.write_text(text[:at] + line + text[at:])


def direct_dependencies(project: Path) -> list[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    return [re.split(r"[<>=\[ ]", entry)[0] for entry in pyproject["project"]["dependencies"]]


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Updated:
    clone = clone_working_tree(tmp_path_factory.mktemp("update-lock") / "template")
    git(clone, "tag", FIRST)
    name, line, anchor = RELEASE_DEPENDENCY
    insert_before(clone / "template" / "pyproject.toml.jinja", line, anchor)
    git(clone, "commit", "--quiet", "--all", "-m", f"Depend on {name}")
    git(clone, "tag", SECOND)

    project = render(
        tmp_path_factory.mktemp("project") / "orders-api",
        {"project_name": "Orders API"},
        FIRST,
        template=clone,
        locked=True,
    )
    name, line, anchor = TEAM_DEPENDENCY
    insert_before(project / "pyproject.toml", line, anchor)
    assert uv(project, "lock").returncode == 0  # what `uv add` does
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"Render {FIRST}, depend on {name}")
    before = locked_versions(project)

    result = copier_update(project, environment=GIT_ENV, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    return Updated(project, before, locked_versions(project), result.stdout + result.stderr)


def test_the_update_merges_pyproject_without_conflict(updated: Updated) -> None:
    status = git(updated.project, "status", "--porcelain", "--untracked-files=all")

    assert [line for line in status.splitlines() if line[:2] in UNMERGED] == []
    assert "<<<<<<<" not in (updated.project / "pyproject.toml").read_text()
    assert {"stamina", "humanize"} <= set(direct_dependencies(updated.project))


def test_the_update_locks_the_releases_dependency_and_the_teams(updated: Updated) -> None:
    assert "stamina" not in updated.before
    assert "humanize" in updated.before
    assert "stamina" in updated.after
    assert "humanize" in updated.after
    assert "uv.lock refreshed" in updated.output
    assert uv(updated.project, "lock", "--check").returncode == 0


def test_the_update_keeps_every_version_already_locked(updated: Updated) -> None:
    changed = {
        name: (version, updated.after[name])
        for name, version in updated.before.items()
        if name in updated.after and updated.after[name] != version
    }

    assert changed == {}
