"""The update paths: render at a release, edit, update to the working tree, check."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from packaging.version import Version

from matrix.pythons import interpreter_for
from matrix.releases import RELEASES, current_version
from matrix.rendering import render, update
from matrix.update.compare import changed_between, conflicting_line, conflicts, differences
from matrix.update.runner import GIT_ENV, CheckFailed, Runner, tail
from matrix.update.team_edits import (
    DEPENDENCY_NAME,
    check_edits_kept,
    edit_evidence,
    make_team_edits,
    replace_once,
    team_edits,
)
from matrix.variants import UPDATED, VARIANTS

# `uv sync --locked` first: it fails unless the update left a uv.lock that matches the
# merged pyproject.toml, the team's dependency included.
FULL_CHECKS = {
    "uv sync --locked": ["uv", "sync", "--locked"],
    "ruff check": ["uv", "run", "ruff", "check", "."],
    "ruff format": ["uv", "run", "ruff", "format", "--check", "."],
    "mypy": ["uv", "run", "mypy", "app", "tests"],
    # Coverage is the variants' full runs' concern; here the tests' outcome is.
    "pytest": ["uv", "run", "pytest", "--no-cov"],
}
QUICK_CHECKS = {
    "uv sync --locked": ["uv", "sync", "--locked"],
    "ruff check": ["uv", "run", "ruff", "check", "."],
    "ruff format": ["uv", "run", "ruff", "format", "--check", "."],
    "import app.main": ["uv", "run", "python", "-c", "import app.main"],
}
MIGRATE_ANSWERS = Path(__file__).resolve().parents[2] / "extensions" / "migrate_answers.py"


def answers_after_migration(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as the update renders them: `_migrations` runs migrate_answers.py first,
    which answers the questions added since the project's release."""
    spec = importlib.util.spec_from_file_location("migrate_answers", MIGRATE_ANSWERS)
    if spec is None or spec.loader is None:
        raise CheckFailed(f"cannot load {MIGRATE_ANSWERS}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    migrated: dict[str, Any] = module.migrate(dict(answers))
    return migrated


# The release that raised every dependency floor of pyproject.toml. A dependency a team
# added in name order (as `uv add` does) sits between two lines it changed: a conflict no
# layout avoids, on every update from an older release. The team keeps the new floors and
# its own line, then runs `uv lock` (the CHANGELOG's advice), as `resolve` does here.
FLOORS_RAISED = "0.5.0"
# The releases updated in every UPDATED variant, newest first; older ones in "default".
RECENT_RELEASES = 2
# The updated variants that run their full checks after the update from the latest
# release. With the answer changes below (auth=none, database=sqlite), also fully checked,
# both databases run with and without auth.
FULLY_CHECKED = ("default",)
AUTH_FILES = (
    "app/api/v1/auth.py",
    "app/api/v1/users.py",
    "app/core/security.py",
    "app/core/rate_limit.py",
    "app/models/user.py",
    "app/services/auth.py",
    "app/services/users.py",
    "app/schemas/auth.py",
    "app/schemas/users.py",
    "app/migrations/versions/0002_users.py",
    "tests/auth",
)


def render_at(
    runner: Runner,
    template: Path,
    destination: Path,
    ref: str,
    answers: Mapping[str, Any],
    *,
    tasks: bool = True,
) -> Path:
    """Render at `ref`; without `tasks`, unlocked (for comparisons: uv.lock is not one)."""
    if destination.exists():
        shutil.rmtree(destination)
    result = render(
        destination, answers, ref, template=template, environment=GIT_ENV, tasks=tasks, check=False
    )
    runner.record(result, None)
    return destination


def recorded_answers(project: Path) -> dict[str, Any]:
    """The project's answers as its .copier-answers.yml records them, copier's own left out."""
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return {key: value for key, value in recorded.items() if not key.startswith("_")}


def render_project(
    runner: Runner, template: Path, destination: Path, ref: str, answers: Mapping[str, Any]
) -> Path:
    """Render at `ref` and make it a git repository with one commit, as a team would."""
    render_at(runner, template, destination, ref, answers)
    runner.git(destination, "init", "--quiet", "--initial-branch=main")
    runner.git(destination, "add", "--all")
    runner.git(destination, "commit", "--quiet", "-m", f"Render the template at {ref}")
    return destination


def project_python(project: Path) -> str:
    """The interpreter of the project's own Python line (its python_version answer)."""
    return interpreter_for(str(recorded_answers(project)["python_version"]))


def update_project(runner: Runner, project: Path, answers: Mapping[str, Any] | None = None) -> None:
    """`copier update`; its after-update step locks with the project's Python."""
    environment = {**GIT_ENV, "UV_PYTHON": project_python(project)}
    runner.record(update(project, answers, environment=environment, check=False), project)


def project_environment(python: str) -> dict[str, str]:
    """This process's environment, for uv to install and run the project in its .venv."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # A nox session points uv at its own virtualenv; the project gets its own .venv.
        # Bytecode is written, as on a developer's machine: without it each server the
        # tests start compiles every module again (matrix/sessions.py, PROJECT_PROCESSES).
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONDONTWRITEBYTECODE"}
    }
    environment["UV_PYTHON"] = python
    environment.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    environment.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    environment["UV_NO_PROGRESS"] = "1"
    return environment


def run_project_checks(runner: Runner, project: Path, checks: Mapping[str, list[str]]) -> None:
    environment = project_environment(project_python(project))
    for name, command in checks.items():
        with runner.step(name):
            result = runner.run(command, project, environment, check=False)
        if result.returncode != 0:
            runner.outcome.problems.append(
                f"{name} failed (exit {result.returncode}):\n" + tail(result.stdout + result.stderr)
            )
            if name == "uv sync --locked":
                return


def check_update(
    runner: Runner,
    template: Path,
    workdir: Path,
    *,
    old_tag: str,
    answers: Mapping[str, Any],
    checks: Mapping[str, list[str]],
    changed_answers: Mapping[str, str] | None = None,
    with_database: bool = True,
    expected_conflicts: frozenset[str] = frozenset(),
) -> None:
    """Render at `old_tag`, edit, update to the work in progress, and check the result.

    The result must equal a fresh render of the new release with the same edits made to
    it. Files in `expected_conflicts` must come out conflicted, holding the team's lines;
    they are then resolved as the team would (the fresh render, edited) before the checks.
    """
    problems = runner.outcome.problems
    changed_answers = changed_answers or {}
    new_tag = current_version()
    if Version(old_tag) < Version(FLOORS_RAISED) <= Version(new_tag):
        expected_conflicts |= {"pyproject.toml"}
    project = workdir / "project"
    with runner.step("render and edit"):
        render_project(runner, template, project, old_tag, answers)
        make_team_edits(project, runner, with_database)
    # What the project answered at its release (python_version 3.11 was the default then),
    # as the update reads it.
    new_answers = {**answers_after_migration(recorded_answers(project)), **changed_answers}
    with runner.step("copier update"):
        update_project(runner, project, changed_answers)

    with runner.step("compare"):
        old = render_at(runner, template, workdir / "old-render", old_tag, answers, tasks=False)
        new = render_at(runner, template, workdir / "new-render", new_tag, new_answers, tasks=False)
        print(f"  the template changed {len(changed_between(old, new))} files of this project")
        # What the update must produce: a fresh render of the new release, edited alike.
        expected = workdir / "expected"
        shutil.copytree(new, expected, symlinks=True, dirs_exist_ok=False)
        for _, edit in team_edits(with_database):
            edit(expected)
        reported = conflicts(runner, project)
        for name in sorted(expected_conflicts):
            if not any(report.endswith(f" {name}") for report in reported):
                problems.append(f"expected a conflict in {name}, none was reported")
            resolve(runner, project, name, expected, with_database)
        if "pyproject.toml" in expected_conflicts:
            relock(runner, project)
        problems += [
            report
            for report in reported
            if not any(report.endswith(f" {name}") for name in expected_conflicts)
        ]
        problems += check_edits_kept(project, with_database)
        recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
        for key, value in {"_commit": new_tag, **changed_answers}.items():
            if recorded.get(key) != value:
                problems.append(f"the answers file says {key}: {recorded.get(key)!r}")
        if new_answers.get("auth") == "none":
            problems += [
                f"auth file left: {name}" for name in AUTH_FILES if (project / name).exists()
            ]
        problems += differences(expected, project)
        problems += lock_problems(project)
        if "database" in changed_answers:
            follow_readme_after_answer_change(project, expected)
    if not problems:
        run_project_checks(runner, project, checks)


def relock(runner: Runner, project: Path) -> None:
    """What the team runs once pyproject.toml's conflict is resolved: `uv lock`."""
    environment = project_environment(project_python(project))
    result = runner.run(["uv", "lock"], project, environment, check=False)
    print("  pyproject.toml resolved: `uv lock` run, as the team would")
    if result.returncode != 0:
        runner.outcome.problems.append(
            f"uv lock failed after the conflict was resolved:\n{tail(result.stderr)}"
        )


def lock_problems(project: Path) -> list[str]:
    """The update left a uv.lock (made or refreshed after the merge) holding the team's
    dependency; `uv sync --locked`, the first check, proves it matches pyproject.toml."""
    lock = project / "uv.lock"
    if not lock.is_file():
        return ["no uv.lock after the update"]
    if f'name = "{DEPENDENCY_NAME}"' not in lock.read_text():
        return [f"uv.lock does not hold the team's dependency {DEPENDENCY_NAME}"]
    return []


def resolve(runner: Runner, project: Path, name: str, expected: Path, with_database: bool) -> None:
    """Resolve a conflict as the team would: the new file, with the team's lines in it."""
    evidence = edit_evidence(with_database).get(name, "")
    if evidence not in (project / name).read_text():
        runner.outcome.problems.append(f"{name}: the conflict lost the team's `{evidence}`")
    print(f"  conflict in {name}, as expected: resolved by keeping the team's lines")
    shutil.copyfile(expected / name, project / name)
    runner.git(project, "add", "--", name)


def follow_readme_after_answer_change(project: Path, fresh: Path) -> None:
    """The README's advice: `.env` is never updated, so take DATABASE_URL from a render."""
    pattern = re.compile(r"^DATABASE_URL=.*$", re.MULTILINE)
    wanted = pattern.search((fresh / ".env").read_text())
    dot_env = project / ".env"
    if wanted is None:
        raise CheckFailed(f"{fresh / '.env'} sets no DATABASE_URL")
    dot_env.write_text(pattern.sub(wanted.group(0), dot_env.read_text()))
    print(f"  .env (kept by _skip_if_exists) now says {wanted.group(0)}")


def check_conflict_reported(runner: Runner, template: Path, workdir: Path) -> None:
    """A team line that the template also changes must come out as a conflict, kept.

    The newest release with a Python line the working tree changes is the one updated.
    """
    outcome = runner.outcome
    new_tag = current_version()
    answers = VARIANTS["default"]["answers"]
    with runner.step("render"):
        new = render_at(runner, template, workdir / "new-render", new_tag, answers, tasks=False)
        for release in reversed(RELEASES):
            old = render_at(
                runner, template, workdir / "old-render", release.version, answers, tasks=False
            )
            target = conflicting_line(old, new)
            if target is not None:
                break
        else:
            outcome.problems.append(
                f"no line of a template Python file changes between any release and {new_tag}:"
                " nothing to conflict with"
            )
            return
        project = render_project(runner, template, workdir / "project", release.version, answers)
    name, line = target
    marker = "  # changed by the team"
    replace_once(project / name, line, line + marker)
    runner.git(project, "commit", "--quiet", "--all", "-m", f"Our own change to {name}")
    print(f"  from {release.version}, the team changes {name}: {line.strip()!r}")

    with runner.step("copier update"):
        update_project(runner, project)
    reported = conflicts(runner, project)
    print(f"  copier reported: {'; '.join(reported) or 'nothing'}")
    if not any(name in report for report in reported):
        outcome.problems.append(f"the conflicting edit of {name} was not reported: {reported}")
    rejected = project / f"{name}.rej"
    kept = [project / name, *([rejected] if rejected.exists() else [])]
    if not any((line + marker) in path.read_text() for path in kept if path.exists()):
        outcome.problems.append(f"the team's line of {name} was lost silently")
    others = [report for report in reported if name not in report]
    if others:
        outcome.problems.append(f"conflicts beyond the one edit: {others}")


@dataclass(frozen=True)
class UpdatePath:
    name: str
    run: Callable[[Runner, Path, Path], object]


def update_paths() -> list[UpdatePath]:
    """From the latest release, full checks (the update most teams make); from older
    ones, quick checks (the update merges, ruff passes, the code imports). The two newest
    releases are updated in every UPDATED variant, older ones in the default variant:
    their other variants' merges were proven when those releases were the newest."""
    new_tag = current_version()
    latest = RELEASES[-1].version
    paths = []
    for age, release in enumerate(reversed(RELEASES)):
        for variant in UPDATED if age < RECENT_RELEASES else ("default",):
            # Full checks where they prove most per minute (FULLY_CHECKED); the variant's
            # own full run (`nox -s variant`) tests the rest.
            full = release.version == latest and variant in FULLY_CHECKED
            checks = FULL_CHECKS if full else QUICK_CHECKS
            paths.append(
                UpdatePath(
                    f"{variant}: {release.version} -> {new_tag}",
                    partial(
                        check_update,
                        old_tag=release.version,
                        answers=VARIANTS[variant]["answers"],
                        checks=checks,
                    ),
                )
            )
    # Answers changed on update. The team's code must not use what the change removes:
    # without auth, its widgets have no table (their migration would follow 0002_users).
    # Switching auth off deletes the auth routers' import and include lines, right where
    # the team registered its router: a conflict no layout of that file avoids (both
    # sides change the same import line), resolved here as a team would, then checked.
    answer_changes = (
        ("auth", "none", False, frozenset({"app/api/v1/__init__.py"})),
        ("database", "sqlite", True, frozenset()),
    )
    for key, value, with_database, expected_conflicts in answer_changes:
        paths.append(
            UpdatePath(
                f"default: {latest} -> {new_tag} with {key}={value}",
                partial(
                    check_update,
                    old_tag=latest,
                    answers=VARIANTS["default"]["answers"],
                    checks=FULL_CHECKS,
                    changed_answers={key: value},
                    with_database=with_database,
                    expected_conflicts=expected_conflicts,
                ),
            )
        )
    paths.append(UpdatePath(f"default: -> {new_tag}, conflicting edit", check_conflict_reported))
    return paths
