"""What the nox sessions share: rendering and installing a variant, the database they need.

Imported by noxfile.py, which keeps only the sessions.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import nox

from matrix.pythons import interpreter_for
from matrix.rendering import CopierFailed, render
from matrix.variants import Variant

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_TOOLS = ("copier>=9.5", "copier-template-extensions>=0.3.4")

# An admin URL: the rendered project's tests create (and drop) their own database there.
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# The rendered project's checks, each run with `uv run` inside the project.
PROJECT_CHECKS = {
    "ruff check": ("ruff", "check", "."),
    "ruff format": ("ruff", "format", "--check", "."),
    "mypy": ("mypy", "app", "tests"),
    "pytest": ("pytest",),
}

# For uv inside a rendered project: nox points uv at the session's virtualenv, the
# project gets its own .venv.
OWN_VENV: dict[str, str | None] = {"VIRTUAL_ENV": None, "UV_PROJECT_ENVIRONMENT": None}
# Where the machine sets PYTHONDONTWRITEBYTECODE (the one this template is developed on
# does), every process a rendered project's tests start compiles each module again:
# 3.5 s to import the service instead of 1.1 s, for each of the ~30 servers a suite
# starts. The checks run as on a developer's machine, which writes bytecode.
PROJECT_PROCESSES: dict[str, str | None] = {"PYTHONDONTWRITEBYTECODE": None}


def render_in_session(
    session: nox.Session,
    destination: Path,
    answers: dict[str, Any],
    python: str | None = None,
) -> None:
    """Render this working tree with the copier installed in the session (TEMPLATE_TOOLS).

    With `python`, the render's task locks the project with that interpreter (UV_PYTHON);
    without it, the render is not locked (copier's --skip-tasks).
    """
    session.log(f"copier copy {answers} into {destination}")
    try:
        render(
            destination,
            answers,
            python=str(Path(session.bin) / "python"),
            environment=None if python is None else {"UV_PYTHON": python},
            tasks=python is not None,
        )
    except CopierFailed as error:
        session.error(str(error))
    if python is not None and not (destination / "uv.lock").is_file():
        session.error(f"the render made no uv.lock in {destination}: see copier's output above")


def render_and_install(
    session: nox.Session,
    name: str,
    variant: Variant,
    timings: dict[str, float],
    *,
    dev: bool = True,
) -> tuple[Path, dict[str, str | None]]:
    """Render a variant with the real copier CLI and `uv sync` it; cwd is the project.

    `dev=False` installs as the Dockerfile does, for the benchmarks to measure the service
    as deployed: no test tools' packages (sentry-sdk, for one, imports httpcore at start-up
    whenever it is installed), and bytecode compiled ahead. Without it, a machine that sets
    PYTHONDONTWRITEBYTECODE compiles every module from source at every start.
    """
    python = interpreter_for(variant["python"])
    session.log(f"Python {variant['python']} for the rendered project: {python}")

    session.install(*TEMPLATE_TOOLS)
    project = Path(tempfile.mkdtemp(prefix=f"copier-fastapi-backend-{name}-"))
    project_env: dict[str, str | None] = {
        **OWN_VENV,
        **PROJECT_PROCESSES,
        "UV_PYTHON": python,
        "TEST_DATABASE_URL": TEST_DATABASE_URL,
    }
    with timed(session, "render and lock", timings):
        render_in_session(session, project, variant["answers"], python)
    session.chdir(project)
    # --locked, as the project's CI and Dockerfile install: the lock the render made.
    with timed(session, "install (uv sync --locked)", timings):
        if dev:
            session.run("uv", "sync", "--locked", env=project_env, external=True)
        else:
            session.run(
                "uv",
                "sync",
                "--locked",
                "--no-dev",
                "--compile-bytecode",
                env=project_env,
                external=True,
            )
            venv_python = str(project / ".venv" / "bin" / "python")
            session.run(venv_python, "-m", "compileall", "-q", "app", external=True)
    return project, project_env


def union_of_dependencies(session: nox.Session) -> list[str]:
    """Runtime and dev dependencies of the variants that, together, list them all."""
    requirements: set[str] = set()
    for answers in ({}, {"database": "sqlite"}):
        project = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-deps-"))
        render_in_session(session, project, {"project_name": "Dependencies", **answers})
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
        requirements.update(pyproject["project"]["dependencies"])
        requirements.update(pyproject["dependency-groups"]["dev"])
        shutil.rmtree(project)
    return sorted(requirements)


def run_benchmark(
    session: nox.Session,
    script: str,
    database: str,
    projects: list[Path],
    project_env: dict[str, str | None],
    *arguments: str,
) -> None:
    """Run `benchmarks/<script>` on a fresh database, then remove the rendered projects.

    `arguments` and the session's own (`nox -s bench -- --rounds 5`) go to the script,
    after `--database-url`.
    """
    with benchmark_database(session, database, projects, project_env) as database_url:
        session.run(
            "uv",
            "run",
            "python",
            str(ROOT / "benchmarks" / script),
            "--database-url",
            database_url,
            *arguments,
            *session.posargs,
            env=project_env,
            external=True,
        )
    for project in projects:
        shutil.rmtree(project)


@contextmanager
def benchmark_database(
    session: nox.Session, name: str, projects: list[Path], project_env: dict[str, str | None]
) -> Iterator[str]:
    """A fresh database migrated by the first project (in `project_env`: its own venv and
    Python), dropped afterwards; its URL."""
    admin = ("psql", TEST_DATABASE_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c")
    database_url = TEST_DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"
    session.run(*admin, f"DROP DATABASE IF EXISTS {name}", external=True)
    session.run(*admin, f"CREATE DATABASE {name}", external=True)
    try:
        session.chdir(projects[0])
        session.run(
            "uv",
            "run",
            "python",
            "-c",
            "from app.cli import main; main()",
            "migrate",
            env={**project_env, "DATABASE_URL": database_url},
            external=True,
        )
        yield database_url
    finally:
        session.run(*admin, f"DROP DATABASE IF EXISTS {name}", external=True)
        session.chdir(ROOT)


@contextmanager
def timed(session: nox.Session, step: str, timings: dict[str, float]) -> Iterator[None]:
    """Record and print how long `step` took, whether it passed or not."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = time.perf_counter() - start
        session.log(f"{step}: {timings[step]:.1f} s")


def require_postgresql(session: nox.Session, url: str = TEST_DATABASE_URL) -> None:
    """Fail the session at once (never skip) when the database server does not answer."""
    parts = urlsplit(url)
    port = parts.port or 5432
    host = parts.hostname or parse_qs(parts.query).get("host", ["127.0.0.1"])[0]
    if host.startswith("/"):
        # A Unix socket directory, as libpq accepts in `?host=/var/run/postgresql`.
        reachable = Path(host, f".s.PGSQL.{port}").exists()
    else:
        try:
            with socket.create_connection((host, port), timeout=3):
                reachable = True
        except OSError:
            reachable = False
    if not reachable:
        session.error(
            f"PostgreSQL is not reachable at {host}:{port} (TEST_DATABASE_URL). "
            "The rendered project's tests need it. Start it, for example as root with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, "
            "or set TEST_DATABASE_URL to an admin URL of a server where you may create "
            "databases (default postgresql://postgres@127.0.0.1:5432/postgres)"
        )
