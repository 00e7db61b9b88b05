"""The render leaves a uv.lock, every install uses it, and a stale lock fails the install.

uv runs for real, against the package registry (the render locks through copier's task,
extensions/lock_dependencies.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from matrix.rendering import ROOT
from matrix.rendering import render as copier_copy
from rendering import DEFAULT_ANSWERS
from uv_commands import uv

LOCK_SCRIPT = ROOT / "extensions" / "lock_dependencies.py"
# Every file that installs the project: each `uv sync` in them must be `--locked`.
INSTALLING_FILES = ("README.md", "Dockerfile", ".github/workflows/ci.yml")


def copy_project(project: Path, destination: Path) -> Path:
    ignored = shutil.ignore_patterns(".venv", ".git", "__pycache__")
    return Path(shutil.copytree(project, destination, ignore=ignored))


def test_the_render_leaves_a_lock_that_uv_accepts(default_project: Path) -> None:
    lock = default_project / "uv.lock"

    assert lock.is_file()
    assert 'name = "fastapi"' in lock.read_text()
    result = uv(default_project, "lock", "--check")
    assert result.returncode == 0, result.stderr


def test_every_install_of_the_project_is_locked(default_project: Path) -> None:
    unlocked = []
    for name in INSTALLING_FILES:
        text = (default_project / name).read_text()
        installs = re.findall(r"uv sync[^\n`]*", text)
        assert installs, f"{name} installs nothing with uv sync"
        unlocked += [f"{name}: {line}" for line in installs if "--locked" not in line]

    assert unlocked == []
    assert "COPY pyproject.toml uv.lock ./" in (default_project / "Dockerfile").read_text()


def test_a_dependency_added_without_relocking_fails_the_locked_install(
    default_project: Path, tmp_path: Path
) -> None:
    project = copy_project(default_project, tmp_path / "project")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("dependencies = [\n", 'dependencies = [\n    "stamina",\n', 1)
    )

    stale = uv(project, "sync", "--locked")

    # What CI and `docker build` print, before any package is installed.
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr
    assert not list(project.glob(".venv/lib/python*/site-packages/fastapi"))
    relocked = uv(project, "lock")
    assert relocked.returncode == 0, relocked.stderr
    assert uv(project, "lock", "--check").returncode == 0
    assert 'name = "stamina"' in (project / "uv.lock").read_text()


def test_without_the_registry_the_render_succeeds_and_says_what_to_run(tmp_path: Path) -> None:
    # Offline with an empty cache: what a render meets when the registry is unreachable.
    offline = {"UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "empty-cache")}

    result = copier_copy(tmp_path / "project", DEFAULT_ANSWERS, environment=offline, check=False)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "project" / "app" / "main.py").is_file()
    assert not (tmp_path / "project" / "uv.lock").exists()
    assert "uv.lock was not made: `uv lock` exited" in result.stderr
    assert f"    cd {tmp_path / 'project'}\n    uv lock\n    git add uv.lock" in result.stderr


def test_without_uv_the_lock_step_succeeds_and_says_what_to_run(tmp_path: Path) -> None:
    # -S: no site-packages, so no uv package beside the interpreter; PATH holds no uv.
    result = subprocess.run(
        [sys.executable, "-S", str(LOCK_SCRIPT)],
        cwd=tmp_path,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert "uv.lock was not made: uv is not installed" in result.stderr
    assert "    uv lock\n" in result.stderr
    assert not (tmp_path / "uv.lock").exists()


def test_after_a_conflicted_update_the_lock_step_asks_for_the_resolution_first(
    default_project: Path, tmp_path: Path
) -> None:
    project = copy_project(default_project, tmp_path / "project")
    lock = (project / "uv.lock").read_bytes()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = [\n",
            'dependencies = [\n<<<<<<< before updating\n    "stamina",\n=======\n'
            ">>>>>>> after updating\n",
            1,
        )
    )

    result = subprocess.run(
        [sys.executable, str(LOCK_SCRIPT)], cwd=project, capture_output=True, text=True
    )

    assert result.returncode == 0
    assert "the update left a conflict in pyproject.toml. Resolve it first" in result.stderr
    assert (project / "uv.lock").read_bytes() == lock


def test_after_an_update_with_rejected_hunks_the_lock_step_asks_for_the_resolution(
    default_project: Path, tmp_path: Path
) -> None:
    # `copier update --conflict rej`: the template's side of pyproject.toml waits in a .rej.
    project = copy_project(default_project, tmp_path / "project")
    lock = (project / "uv.lock").read_bytes()
    (project / "pyproject.toml.rej").write_text('+    "stamina",\n')

    result = subprocess.run(
        [sys.executable, str(LOCK_SCRIPT)], cwd=project, capture_output=True, text=True
    )

    assert result.returncode == 0
    assert "the update left a conflict in pyproject.toml. Resolve it first" in result.stderr
    assert (project / "uv.lock").read_bytes() == lock
