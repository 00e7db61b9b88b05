"""Classes, functions and methods a render defines and never uses, found by vulture.

Only these three kinds fail the check: an unused variable is most often a field that
pydantic, SQLAlchemy or Alembic reads by name, and ruff already reports unused imports.
Names that a framework calls, which no code of the project names, and the building
blocks the README offers for the team's own code are declared below, each with the
reason; anything else vulture reports is dead code in that render.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# Decorators that register the function with a framework, which then calls it.
FRAMEWORK_DECORATORS = {
    "@*.get": "FastAPI route (routers, and the test apps' probe routes)",
    "@*.post": "FastAPI route",
    "@*.put": "FastAPI route",
    "@*.patch": "FastAPI route",
    "@*.delete": "FastAPI route",
    "@*.command": "click command, run by the command line group",
    "@pytest.fixture": "pytest fixture, injected by parameter name",
    "@field_validator": "pydantic validator, called on validation",
    "@model_validator": "pydantic validator, called on validation",
}
# Names a framework or a configuration file calls.
FRAMEWORK_NAMES = {
    "main": "the console script: [project.scripts] in pyproject.toml",
    "capture_envelope": "sentry_sdk.Transport method, called by the Sentry client (tests)",
    "do_POST": "http.server.BaseHTTPRequestHandler method (tests' fake OTLP collector)",
    "log_message": "http.server.BaseHTTPRequestHandler method (tests' fake OTLP collector)",
    "process_bind_param": "sqlalchemy TypeDecorator hook, called by SQLAlchemy on writes",
    "process_result_value": "sqlalchemy TypeDecorator hook, called by SQLAlchemy on reads",
}
# The building blocks the rendered README offers for the team's own code, in every
# variant, whether or not the shipped routes use them there.
BUILDING_BLOCKS = {
    "ResourceNotFoundError": "the error hierarchy (README: Adding an endpoint, Errors)",
    "UnauthorizedError": "the error hierarchy (README: Adding an endpoint, Errors)",
    "ForbiddenError": "the error hierarchy (README: Adding an endpoint, Errors)",
    "TimestampMixin": "created_at and updated_at for a new model (README: Adding a model)",
}
REPORTED = re.compile(r"unused (class|function|method|property) ")


def unused_definitions(project: Path, vulture: str) -> list[str]:
    """vulture's `path:line: unused function 'name'` lines for the project's Python:
    `app`, `tests` and the modules at its root (gunicorn.conf.py names hooks in `app`)."""
    result = subprocess.run(
        [
            vulture,
            "app",
            "tests",
            *sorted(path.name for path in project.glob("*.py")),
            "--ignore-decorators",
            ",".join(FRAMEWORK_DECORATORS),
            "--ignore-names",
            ",".join([*FRAMEWORK_NAMES, *BUILDING_BLOCKS]),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 3):  # 3: unused code found
        return [f"vulture failed ({result.returncode}): {result.stderr.strip()}"]
    return [line for line in result.stdout.splitlines() if REPORTED.search(line)]
