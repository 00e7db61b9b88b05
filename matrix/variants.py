"""The variants: the answers of the renders that are installed and run in full.

One table serves every consumer: `nox -s "variant(<name>)"` runs each one in full, the
template's tests render each one to inspect its option files, the update checks carry
`UPDATED` forward from older releases, and the benchmarks measure "default".
Answers not listed take copier.yml's defaults.
"""

from __future__ import annotations

from typing import Any, TypedDict


class Variant(TypedDict):
    answers: dict[str, Any]  # copier answers, typed as copier.yml types them
    # The Python that locks, installs and runs the rendered project: the project's own
    # python_version (tests/test_matrix.py holds them equal).
    python: str


# Together they use every value of every question and every Python
# (tests/test_matrix.py checks it against copier.yml).
VARIANTS: dict[str, Variant] = {
    "default": {"answers": {"project_name": "Orders API"}, "python": "3.13"},
    "sqlite-bare": {
        "answers": {
            "project_name": "Notes",
            "python_version": "3.12",
            "database": "sqlite",
            "auth": "none",
            "observability": [],
            "docker": False,
            "ci": "none",
            "dependency_updates": "none",
            "license": "Proprietary",
        },
        "python": "3.12",
    },
    "postgresql-open-prometheus": {
        "answers": {
            "project_name": "Catalog",
            "auth": "none",
            "observability": ["prometheus"],
            "ci": "gitlab",
            "license": "Apache-2.0",
        },
        "python": "3.13",
    },
    "sqlite-jwt-memory-sentry": {
        "answers": {
            "project_name": "Diary API",
            "database": "sqlite",
            "rate_limit_storage": "memory",
            "observability": ["sentry"],
            "license": "BSD-3-Clause",
        },
        "python": "3.13",
    },
    "postgresql-jwt-memory-tracing": {
        "answers": {
            "project_name": "Billing",
            "python_version": "3.12",
            "rate_limit_storage": "memory",
            "observability": ["opentelemetry"],
            "docker": False,
            "dependency_updates": "dependabot",
        },
        "python": "3.12",
    },
    "sqlite-jwt-redis-everything": {
        "answers": {
            "project_name": "Field Service",
            "python_version": "3.11",
            "database": "sqlite",
            "ci": "gitlab",
            "cors_origins": ["https://app.example.com", "https://admin.example.com"],
        },
        "python": "3.11",
    },
    "postgresql-jwt-redis-sentry-tracing": {
        "answers": {
            "project_name": "Payments",
            "observability": ["sentry", "opentelemetry"],
            "ci": "none",
            "license": "Apache-2.0",
        },
        "python": "3.13",
    },
    "sqlite-open-prometheus-tracing": {
        "answers": {
            "project_name": "Inventory",
            "python_version": "3.12",
            "database": "sqlite",
            "auth": "none",
            "example_resource": False,
            "observability": ["prometheus", "opentelemetry"],
            "license": "BSD-3-Clause",
        },
        "python": "3.12",
    },
}

# The variants `nox -s update` carries forward from older releases: the defaults, the
# smallest (no auth, no integration, SQLite), and PostgreSQL with JWT, in-memory rate
# limits and one integration.
UPDATED = ("default", "sqlite-bare", "postgresql-jwt-memory-tracing")

# Variants whose Python this machine lacks (uv cannot download one here): not among nox's
# default sessions (tag "newest-python"); the template's GitHub workflow runs them with a
# real interpreter. Here the static matrix checks their Python with ruff's and mypy's
# targets.
ELSEWHERE: dict[str, Variant] = {
    "newest-python": {
        "answers": {"project_name": "Orders API", "python_version": "3.14"},
        "python": "3.14",
    },
}
