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
    python: str  # the Python that installs and runs the rendered project


# Together they use every value of every question and every Python
# (tests/test_matrix.py checks it against copier.yml).
VARIANTS: dict[str, Variant] = {
    "default": {"answers": {"project_name": "Orders API"}, "python": "3.11"},
    "sqlite-bare": {
        "answers": {
            "project_name": "Notes",
            "database": "sqlite",
            "auth": "none",
            "observability": [],
            "docker": False,
            "ci": "none",
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
            "rate_limit_storage": "memory",
            "observability": ["opentelemetry"],
            "docker": False,
        },
        "python": "3.12",
    },
    "sqlite-jwt-redis-everything": {
        "answers": {
            "project_name": "Field Service",
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
