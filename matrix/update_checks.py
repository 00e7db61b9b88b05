"""Prove that `copier update` carries a real project forward to this working tree.

    python -m matrix.update_checks WORKDIR

Needs copier and copier-template-extensions in this interpreter, `uv` on PATH, and the
rendered projects' services: PostgreSQL at TEST_DATABASE_URL and Redis at TEST_REDIS_URL.

The template repository is cloned into WORKDIR/template, the working tree of this
repository (tracked and untracked, not ignored) is committed there as "work in progress",
and releases are tagged: OLDEST_TAG and PREVIOUS_TAG at older commits, NEW_TAG at the
work in progress. For each curated variant, a project is rendered at an old release,
edited the way a team edits it (a router, a model and its migration, a setting, the
README, a dependency), each edit committed, and updated with
`copier update --trust --defaults --vcs-ref HEAD`. The update must merge without
conflicts, keep every edit and bring every change of the template: the result must
equal a fresh render of NEW_TAG with the same edits made to it. Projects updated from
PREVIOUS_TAG, and those whose answers change on update, then pass their own ruff, mypy
and pytest; those updated from OLDEST_TAG pass ruff and import. A deliberately
conflicting edit must be reported as a conflict, never lost.

Every project, and a log of every command, stays in WORKDIR for inspection.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# The releases tagged in the temporary clone. Each old commit asks the same questions,
# with the same choices, as today's copier.yml (`git diff <commit> HEAD -- copier.yml`
# shows no question change), so an update needs no answer migration to succeed.
# 393e88e: the first commit whose copier.yml asks every question of today (auth,
# rate-limit storage, observability, docker, ci, license, cors_origins); observability,
# docker, ci and license rendered nothing yet and SQLite was partial, so the update from
# here brings most of today's template: the widest gap an update must bridge.
OLDEST_COMMIT = "393e88e"
OLDEST_TAG = "0.1.0"
# 356d131: observability implemented (Prometheus, Sentry, OpenTelemetry); later commits
# add gunicorn's configuration, multi-process metrics and security fixes, so every
# curated variant gets template changes from here: the usual one-release update.
PREVIOUS_COMMIT = "356d131"
PREVIOUS_TAG = "0.2.0"
# The working tree. It must be at least the `version` of every `_migrations` entry of
# copier.yml, or copier will not run that migration on update.
NEW_TAG = "0.3.0"

PROJECT_NAME = "Orders API"
# Answers not listed take their defaults (postgresql, jwt, redis, every integration,
# docker, github, MIT).
VARIANTS: dict[str, dict[str, str]] = {
    "default": {},
    "sqlite-bare": {"database": "sqlite", "auth": "none", "observability": "[]"},
    "memory-prometheus-gitlab": {
        "rate_limit_storage": "memory",
        "observability": "[prometheus]",
        "ci": "gitlab",
    },
}

# Never compared with a fresh render: .env is the user's from the first render on
# (`_skip_if_exists`, random secret), the rest is produced by running the project.
NOT_COMPARED = {".env", "uv.lock"}
NOT_COMPARED_PARTS = {
    ".git",
    ".venv",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}
UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")

# The environment of every git command: an identity for commits, no signing, and none
# of the caller's hooks.
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
        with self.log.open("a") as log:
            log.write(f"$ cd {cwd} && {' '.join(command)}  # exit {result.returncode}\n")
            log.write(result.stdout + result.stderr + "\n")
        if check and result.returncode != 0:
            raise CheckFailed(
                f"`{' '.join(command)}` exited {result.returncode} in {cwd}:\n"
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


def tail(text: str, lines: int = 25) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def answer_arguments(answers: Mapping[str, str]) -> list[str]:
    data = {"project_name": PROJECT_NAME, **answers}
    return [argument for key, value in data.items() for argument in ("-d", f"{key}={value}")]


# --- The template clone ---------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
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


def clone_working_tree(destination: Path) -> Path:
    """A clone of this repository whose HEAD is its working tree, without any tag.

    The working tree (tracked and untracked files, not ignored ones) is committed as
    "work in progress" when it differs from HEAD, so `--vcs-ref HEAD` and a tag at HEAD
    both render what is on disk now, including an uncommitted copier.yml.
    """
    if destination.exists():
        shutil.rmtree(destination)
    git(destination.parent, "clone", "--quiet", str(ROOT), str(destination))
    for entry in destination.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for relative in sorted(set(filter(None, listed.split("\0")))):
        source = ROOT / relative
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree, not yet committed
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    git(destination, "add", "--all")
    if git(destination, "status", "--porcelain").strip():
        git(destination, "commit", "--quiet", "-m", "work in progress")
    # Only the tags a caller makes: one of the real repository could change what HEAD
    # describes, and so the version copier sees.
    for tag in git(destination, "tag", "--list").split():
        git(destination, "tag", "--delete", tag)
    return destination


def prepare_template(workdir: Path) -> Path:
    """The working tree as NEW_TAG, with the two older releases tagged."""
    for commit in (OLDEST_COMMIT, PREVIOUS_COMMIT):
        try:
            git(ROOT, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
        except CheckFailed:
            raise CheckFailed(
                f"commit {commit} is not in {ROOT}: a shallow clone? "
                "Fetch the history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)."
            ) from None
    clone = clone_working_tree(workdir / "template")
    for tag, commit in ((OLDEST_TAG, OLDEST_COMMIT), (PREVIOUS_TAG, PREVIOUS_COMMIT)):
        git(clone, "tag", tag, commit)
    git(clone, "tag", NEW_TAG, "HEAD")
    return clone


# --- What a team does to its project -----------------------------------------------------


MIGRATION_FILE = "app/migrations/versions/3f6c2a9d8e41_widgets.py"
WIDGET_MODEL = '''\
"""Widgets: the items of the catalogue."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class Widget(Base):
    __tablename__ = "widgets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
'''
WIDGET_MIGRATION = '''\
"""Widgets.

Revision ID: 3f6c2a9d8e41
Revises: {down_revision}
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f6c2a9d8e41"
down_revision: str | None = "{down_revision}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "widgets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_widgets")),
        sa.UniqueConstraint("name", name=op.f("uq_widgets_name")),
    )


def downgrade() -> None:
    op.drop_table("widgets")
'''
WIDGET_SCHEMA = '''\
"""Widgets as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class WidgetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
'''
WIDGET_ROUTER_WITH_DATABASE = '''\
"""The widget catalogue."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from app.api.deps import SessionDep
from app.models import Widget
from app.schemas.widget import WidgetRead

router = APIRouter(prefix="/widgets", tags=["widgets"])


@router.get("", response_model=list[WidgetRead])
async def list_widgets(session: SessionDep) -> list[WidgetRead]:
    widgets = await session.scalars(select(Widget).order_by(Widget.name))
    return [WidgetRead.model_validate(widget) for widget in widgets]
'''
WIDGET_TEST_WITH_DATABASE = '''\
"""The widget catalogue."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Widget


async def test_widgets_are_listed_by_name(client: AsyncClient, db_session: AsyncSession) -> None:
    db_session.add_all([Widget(name="sprocket"), Widget(name="cog")])
    await db_session.flush()

    response = await client.get("/api/v1/widgets")

    assert response.status_code == 200
    assert [widget["name"] for widget in response.json()] == ["cog", "sprocket"]
'''
# Without a table of its own: the team edits of a project whose answers change on update.
WIDGET_ROUTER_STATIC = '''\
"""The widget catalogue, fixed for now."""

from __future__ import annotations

from fastapi import APIRouter

from app.schemas.widget import WidgetRead

router = APIRouter(prefix="/widgets", tags=["widgets"])

CATALOGUE = (WidgetRead(id=1, name="cog"), WidgetRead(id=2, name="sprocket"))


@router.get("", response_model=list[WidgetRead])
async def list_widgets() -> list[WidgetRead]:
    return list(CATALOGUE)
'''
WIDGET_TEST_STATIC = '''\
"""The widget catalogue."""

from __future__ import annotations

from httpx import AsyncClient


async def test_widgets_are_listed_by_name(client: AsyncClient) -> None:
    response = await client.get("/api/v1/widgets")

    assert response.status_code == 200
    assert [widget["name"] for widget in response.json()] == ["cog", "sprocket"]
'''
README_SECTION = """\
## Widgets

The widget catalogue is served at `GET /api/v1/widgets`, in name order.

"""
# Not LOG_LEVEL: the rendered tests read its default (tests/test_logging.py expects INFO).
SETTING_BEFORE = "DB_COMMAND_TIMEOUT: float = Field(default=30.0, gt=0)"
SETTING_AFTER = "DB_COMMAND_TIMEOUT: float = Field(default=15.0, gt=0)"
# In name order, as `uv add` puts it, between sqlalchemy and structlog, where no release adds
# or removes one (0.3.0 removes typer). `humanize` would land next to `gunicorn`, which 0.3.0
# adds: a conflict, rightly.
DEPENDENCY = '"stamina>=25.1",'


def migration_head(project: Path) -> str:
    """The revision no other revision names as its `down_revision`."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (project / "app/migrations/versions").glob("*.py"):
        text = script.read_text()
        revision = re.search(r'^revision(?:: str)? = "([^"]+)"', text, re.MULTILINE)
        parent = re.search(r'^down_revision(?:: [^=]+)? = "([^"]+)"', text, re.MULTILINE)
        if revision:
            revisions.add(revision.group(1))
        if parent:
            parents.add(parent.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise CheckFailed(f"expected one Alembic head in {project}, found {sorted(heads)}")
    return heads.pop()


def replace_once(path: Path, before: str, after: str) -> None:
    text = path.read_text()
    if text.count(before) != 1:
        raise CheckFailed(f"{path}: expected `{before}` once, found it {text.count(before)}x")
    path.write_text(text.replace(before, after))


def add_to_import(path: Path, module: str, name: str, before_module: str) -> None:
    """`from module import name`, merged into an existing import of `module` as isort does."""
    text = path.read_text()
    existing = re.search(rf"^from {re.escape(module)} import (.+)$", text, re.MULTILINE)
    if existing:
        names = sorted({*existing.group(1).split(", "), name})
        line = f"from {module} import {', '.join(names)}"
        path.write_text(text[: existing.start()] + line + text[existing.end() :])
    else:
        anchor = f"from {before_module} import"
        replace_once(path, anchor, f"from {module} import {name}\n{anchor}")


def add_model(project: Path) -> None:
    (project / "app/models/widget.py").write_text(WIDGET_MODEL)
    models = project / "app/models/__init__.py"
    text = models.read_text()
    imports = list(re.finditer(r"^from app\.[\w.]+ import .+$", text, re.MULTILINE))
    if not imports:
        raise CheckFailed(f"{models}: no `from app... import` line to follow")
    last = imports[-1]
    text = text[: last.end()] + "\nfrom app.models.widget import Widget" + text[last.end() :]
    exported = re.search(r"^__all__ = \[(.*)\]$", text, re.MULTILINE)
    if not exported:
        raise CheckFailed(f"{models}: no one-line __all__")
    names = sorted({*re.findall(r'"(\w+)"', exported.group(1)), "Widget"})
    listed = ", ".join(f'"{name}"' for name in names)
    models.write_text(text[: exported.start()] + f"__all__ = [{listed}]" + text[exported.end() :])
    head = migration_head(project)
    (project / MIGRATION_FILE).write_text(WIDGET_MIGRATION.format(down_revision=head))


def add_router(project: Path, with_database: bool) -> None:
    (project / "app/schemas/widget.py").write_text(WIDGET_SCHEMA)
    router = WIDGET_ROUTER_WITH_DATABASE if with_database else WIDGET_ROUTER_STATIC
    (project / "app/api/v1/widgets.py").write_text(router)
    test = WIDGET_TEST_WITH_DATABASE if with_database else WIDGET_TEST_STATIC
    (project / "tests/test_widgets.py").write_text(test)
    routers = project / "app/api/v1/__init__.py"
    add_to_import(routers, "app.api.v1", "widgets", before_module="app.schemas.errors")
    text = routers.read_text()
    routers.write_text(text.rstrip("\n") + "\napi_router.include_router(widgets.router)\n")


def change_setting(project: Path) -> None:
    replace_once(project / "app/core/config.py", SETTING_BEFORE, SETTING_AFTER)


def extend_readme(project: Path) -> None:
    """The team's own section, first after the introduction.

    Not appended at the end: the template adds sections there too (a new last section
    conflicts with every project that appended one), see "Updating your service".
    """
    readme = project / "README.md"
    text = readme.read_text()
    first_section = re.search(r"^## ", text, re.MULTILINE)
    if not first_section:
        raise CheckFailed(f"{readme}: no `## ` section")
    at = first_section.start()
    readme.write_text(text[:at] + README_SECTION + text[at:])


def add_dependency(project: Path) -> None:
    """Where `uv add` puts it: in name order in `dependencies`."""
    pyproject = project / "pyproject.toml"
    lines = pyproject.read_text().splitlines(keepends=True)
    start = lines.index("dependencies = [\n")
    end = lines.index("]\n", start)
    position = next(
        (
            index
            for index in range(start + 1, end)
            if lines[index].strip().strip('",').lower() > DEPENDENCY.strip('",').lower()
        ),
        end,
    )
    lines.insert(position, f"    {DEPENDENCY}\n")
    pyproject.write_text("".join(lines))


def team_edits(with_database: bool) -> list[tuple[str, Callable[[Path], None]]]:
    edits: list[tuple[str, Callable[[Path], None]]] = []
    if with_database:
        edits.append(("Widget model and its migration", add_model))
    edits += [
        ("Widget catalogue endpoint", lambda project: add_router(project, with_database)),
        ("Fail slow queries sooner", change_setting),
        ("README: the widget catalogue", extend_readme),
        ("Depend on stamina", add_dependency),
    ]
    return edits


def make_team_edits(project: Path, runner: Runner, with_database: bool) -> None:
    for message, edit in team_edits(with_database):
        edit(project)
        runner.git(project, "add", "--all")
        runner.git(project, "commit", "--quiet", "-m", message)


# --- Rendering, updating, comparing -------------------------------------------------


def copier(runner: Runner, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return runner.run([sys.executable, "-m", "copier", *args], cwd)


def render(
    runner: Runner, template: Path, destination: Path, ref: str, answers: Mapping[str, str]
) -> Path:
    if destination.exists():
        shutil.rmtree(destination)
    copier(
        runner,
        template.parent,
        "copy",
        "--trust",
        "--defaults",
        "--quiet",
        "--vcs-ref",
        ref,
        *answer_arguments(answers),
        str(template),
        str(destination),
    )
    return destination


def render_project(
    runner: Runner, template: Path, destination: Path, ref: str, answers: Mapping[str, str]
) -> Path:
    """Render at `ref` and make it a git repository with one commit, as a team would."""
    render(runner, template, destination, ref, answers)
    runner.git(destination, "init", "--quiet", "--initial-branch=main")
    runner.git(destination, "add", "--all")
    runner.git(destination, "commit", "--quiet", "-m", f"Render the template at {ref}")
    return destination


def update(runner: Runner, project: Path, *answers: str) -> None:
    copier(runner, project, "update", "--trust", "--defaults", "--vcs-ref", "HEAD", *answers)


def compared_files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in root.rglob("*")
        if (path.is_file() or path.is_symlink())
        and not NOT_COMPARED_PARTS.intersection(path.relative_to(root).parts)
        and path.relative_to(root).as_posix() not in NOT_COMPARED
    }


def differences(expected_root: Path, actual_root: Path) -> list[str]:
    """Every file that is missing, unexpected or different, with the first diff lines."""
    expected, actual = compared_files(expected_root), compared_files(actual_root)
    problems = [f"missing after the update: {name}" for name in sorted(expected.keys() - actual)]
    problems += [f"left behind by the update: {name}" for name in sorted(actual.keys() - expected)]
    for name in sorted(expected.keys() & actual.keys()):
        wanted, got = expected[name].read_bytes(), actual[name].read_bytes()
        if wanted != got:
            diff = difflib.unified_diff(
                wanted.decode(errors="replace").splitlines(),
                got.decode(errors="replace").splitlines(),
                "expected (fresh render + team edits)",
                "updated project",
                lineterm="",
            )
            problems.append(
                f"differs from a fresh render with the same edits: {name}\n"
                + tail("\n".join(diff), 20)
            )
    return problems


def conflicts(runner: Runner, project: Path) -> list[str]:
    """`.rej` files, unmerged paths and files holding copier's conflict markers."""
    found = [
        f"rejected hunks: {path.relative_to(project)}"
        for path in project.rglob("*.rej")
        if ".git" not in path.relative_to(project).parts
    ]
    status = runner.git(project, "status", "--porcelain", "--untracked-files=all")
    found += [f"unmerged: {line}" for line in status.splitlines() if line[:2] in UNMERGED]
    for name, path in compared_files(project).items():
        text = path.read_bytes().decode(errors="replace")
        if any(marker in text.splitlines() for marker in CONFLICT_MARKERS):
            found.append(f"conflict markers: {name}")
    return found


def changed_between(old: Path, new: Path) -> list[str]:
    old_files, new_files = compared_files(old), compared_files(new)
    return sorted(
        name
        for name in old_files.keys() | new_files.keys()
        if name not in old_files
        or name not in new_files
        or old_files[name].read_bytes() != new_files[name].read_bytes()
    )


def edit_evidence(with_database: bool) -> dict[str, str]:
    """A line of each team edit, by file: what must survive an update."""
    evidence = {
        "app/api/v1/widgets.py": "async def list_widgets",
        "app/api/v1/__init__.py": "api_router.include_router(widgets.router)",
        "app/core/config.py": SETTING_AFTER,
        "README.md": "## Widgets",
        "pyproject.toml": DEPENDENCY,
        "tests/test_widgets.py": "test_widgets_are_listed_by_name",
    }
    if with_database:
        evidence |= {
            "app/models/widget.py": "class Widget(Base)",
            "app/models/__init__.py": "from app.models.widget import Widget",
            MIGRATION_FILE: 'revision: str = "3f6c2a9d8e41"',
        }
    return evidence


def check_edits_kept(project: Path, with_database: bool) -> list[str]:
    problems = []
    for name, text in edit_evidence(with_database).items():
        path = project / name
        if not path.is_file() or text not in path.read_text():
            problems.append(f"team edit lost: `{text}` no longer in {name}")
    return problems


def project_environment() -> dict[str, str]:
    """This process's environment, for uv to install and run the project in its .venv."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # A nox session points uv at its own virtualenv; the project gets its own .venv.
        if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    environment.setdefault("UV_PYTHON", sys.executable)
    environment.setdefault("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    environment.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    environment["UV_NO_PROGRESS"] = "1"
    return environment


FULL_CHECKS = {
    "uv sync": ["uv", "sync"],
    "ruff check": ["uv", "run", "ruff", "check", "."],
    "ruff format": ["uv", "run", "ruff", "format", "--check", "."],
    "mypy": ["uv", "run", "mypy", "app", "tests"],
    "pytest": ["uv", "run", "pytest"],
}
QUICK_CHECKS = {
    "uv sync": ["uv", "sync"],
    "ruff check": ["uv", "run", "ruff", "check", "."],
    "ruff format": ["uv", "run", "ruff", "format", "--check", "."],
    "import app.main": ["uv", "run", "python", "-c", "import app.main"],
}


def run_project_checks(runner: Runner, project: Path, checks: Mapping[str, list[str]]) -> None:
    environment = project_environment()
    for name, command in checks.items():
        with runner.step(name):
            result = runner.run(command, project, environment, check=False)
        if result.returncode != 0:
            runner.outcome.problems.append(
                f"{name} failed (exit {result.returncode}):\n" + tail(result.stdout + result.stderr)
            )
            if name == "uv sync":
                return


# --- The paths ------------------------------------------------------------------------


def check_update(
    runner: Runner,
    template: Path,
    workdir: Path,
    *,
    old_tag: str,
    answers: Mapping[str, str],
    checks: Mapping[str, list[str]],
    changed_answers: Mapping[str, str] | None = None,
    with_database: bool = True,
    expected_conflicts: frozenset[str] = frozenset(),
) -> None:
    """Render at `old_tag`, edit, update to the work in progress, and check the result.

    The result must equal a fresh render of NEW_TAG with the same edits made to it. Files
    in `expected_conflicts` must come out conflicted, holding the team's lines; they are
    then resolved as the team would (the fresh render, edited) before the checks run.
    """
    problems = runner.outcome.problems
    changed_answers = changed_answers or {}
    new_answers = {**answers, **changed_answers}
    project = workdir / "project"
    with runner.step("render and edit"):
        render_project(runner, template, project, old_tag, answers)
        make_team_edits(project, runner, with_database)
    with runner.step("copier update"):
        update(
            runner, project, *(f"--data={key}={value}" for key, value in changed_answers.items())
        )

    with runner.step("compare"):
        old = render(runner, template, workdir / "old-render", old_tag, answers)
        new = render(runner, template, workdir / "new-render", NEW_TAG, new_answers)
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
        problems += [
            report
            for report in reported
            if not any(report.endswith(f" {name}") for name in expected_conflicts)
        ]
        problems += check_edits_kept(project, with_database)
        recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
        for key, value in {"_commit": NEW_TAG, **changed_answers}.items():
            if recorded.get(key) != value:
                problems.append(f"the answers file says {key}: {recorded.get(key)!r}")
        if new_answers.get("auth") == "none":
            problems += [
                f"auth file left: {name}" for name in AUTH_FILES if (project / name).exists()
            ]
        problems += differences(expected, project)
        if "database" in changed_answers:
            follow_readme_after_answer_change(project, expected)
    if not problems:
        run_project_checks(runner, project, checks)


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


AUTH_FILES = (
    "app/api/v1/auth.py",
    "app/api/v1/users.py",
    "app/core/security.py",
    "app/core/rate_limit.py",
    "app/models/user.py",
    "app/services",
    "app/schemas/auth.py",
    "app/schemas/users.py",
    "app/migrations/versions/0002_users.py",
    "tests/auth",
)


def check_conflict_reported(runner: Runner, template: Path, workdir: Path) -> None:
    """A team line that the template also changes must come out as a conflict, kept."""
    outcome = runner.outcome
    with runner.step("render"):
        project = render_project(runner, template, workdir / "project", PREVIOUS_TAG, {})
        old = render(runner, template, workdir / "old-render", PREVIOUS_TAG, {})
        new = render(runner, template, workdir / "new-render", NEW_TAG, {})
    target = conflicting_line(old, new)
    if target is None:
        outcome.problems.append(
            f"no line of a template file changes between {PREVIOUS_TAG} and {NEW_TAG}: "
            "nothing to conflict with (tag an older PREVIOUS_COMMIT)"
        )
        return
    name, line = target
    marker = "  # changed by the team"
    replace_once(project / name, line, line + marker)
    runner.git(project, "commit", "--quiet", "--all", "-m", f"Our own change to {name}")
    print(f"  the team changes {name}: {line.strip()!r}")

    with runner.step("copier update"):
        update(runner, project)
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


def conflicting_line(old: Path, new: Path) -> tuple[str, str] | None:
    """A line of a Python file that the new release changes: (file, line)."""
    old_files, new_files = compared_files(old), compared_files(new)
    for name in sorted(old_files.keys() & new_files.keys()):
        if not name.endswith(".py"):
            continue
        old_lines = old_files[name].read_text().splitlines()
        new_lines = new_files[name].read_text().splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, first, last, _, _ in matcher.get_opcodes():
            if tag != "replace":
                continue
            for line in old_lines[first:last]:
                unique = sum(candidate == line for candidate in old_lines) == 1
                if line.strip() and unique and not line.rstrip().endswith(("\\", '"""')):
                    return name, line
    return None


@dataclass(frozen=True)
class UpdatePath:
    name: str
    run: Callable[[Runner, Path, Path], object]


def update_paths() -> list[UpdatePath]:
    paths = []
    for variant, answers in VARIANTS.items():
        for old_tag, checks in ((PREVIOUS_TAG, FULL_CHECKS), (OLDEST_TAG, QUICK_CHECKS)):
            paths.append(
                UpdatePath(
                    f"{variant}: {old_tag} -> {NEW_TAG}",
                    partial(check_update, old_tag=old_tag, answers=answers, checks=checks),
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
                f"default: {PREVIOUS_TAG} -> {NEW_TAG} with {key}={value}",
                partial(
                    check_update,
                    old_tag=PREVIOUS_TAG,
                    answers={},
                    checks=FULL_CHECKS,
                    changed_answers={key: value},
                    with_database=with_database,
                    expected_conflicts=expected_conflicts,
                ),
            )
        )
    paths.append(
        UpdatePath(
            f"default: {PREVIOUS_TAG} -> {NEW_TAG}, conflicting edit", check_conflict_reported
        )
    )
    return paths


# --- Main -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path, help="where the clone, projects and logs go")
    parser.add_argument("-k", dest="select", help="only the paths whose name contains this")
    arguments = parser.parse_args()
    # Progress lines as they happen, also when nox or CI reads this through a pipe.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    workdir: Path = arguments.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    try:
        template = prepare_template(workdir)
    except CheckFailed as error:
        print(f"Cannot prepare the template clone: {error}")
        return 1
    print(
        f"Template clone {template}: {OLDEST_TAG}={OLDEST_COMMIT}, "
        f"{PREVIOUS_TAG}={PREVIOUS_COMMIT}, {NEW_TAG}=the working tree"
    )

    outcomes = []
    for index, path in enumerate(update_paths(), start=1):
        if arguments.select and arguments.select not in path.name:
            continue
        outcome = Outcome(path.name)
        slug = re.sub(r"[^a-z0-9]+", "-", path.name.lower()).strip("-")
        path_dir = workdir / f"{index:02d}-{slug}"
        if path_dir.exists():
            shutil.rmtree(path_dir)
        path_dir.mkdir(parents=True)
        runner = Runner(path_dir / "commands.log", outcome)
        print(f"[{index}] {path.name}")
        try:
            path.run(runner, template, path_dir)
        except CheckFailed as error:
            outcome.problems.append(str(error))
        status = "ok" if not outcome.problems else "FAILED"
        print(f"[{index}] {path.name}: {status} in {outcome.seconds:.1f} s ({path_dir})")
        outcomes.append(outcome)

    print("\nSummary")
    for outcome in outcomes:
        steps = ", ".join(f"{step} {took:.1f}" for step, took in outcome.timings.items())
        status = "ok    " if not outcome.problems else "FAILED"
        print(f"  {status} {outcome.seconds:6.1f} s  {outcome.name}  ({steps})")
    print(f"  total {time.perf_counter() - started:.1f} s")
    failed = [outcome for outcome in outcomes if outcome.problems]
    for outcome in failed:
        print(f"\nFAILED: {outcome.name}")
        for problem in outcome.problems:
            print(f"  - {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
