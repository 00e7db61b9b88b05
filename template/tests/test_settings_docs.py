"""Every setting is documented once: in .env.example and in the README's table."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.config import Settings, load_settings
from tests.production import PRODUCTION

PROJECT = Path(__file__).resolve().parents[1]
SETTINGS = frozenset(Settings.model_fields)
# Read from the environment by what runs the service (gunicorn, the Prometheus client,
# the OTLP exporter), not by the settings: documented beside them.
ENVIRONMENT_ONLY = frozenset(
    {
        "BIND",
        "WEB_CONCURRENCY",
        "PROMETHEUS_MULTIPROC_DIR",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_HEADERS",
    }
)


def env_example_names() -> set[str]:
    """The variables .env.example sets or shows commented out."""
    text = (PROJECT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def readme_table_names() -> set[str]:
    """The variables named in the table of the README's "Configuration" section."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row)}


def test_every_setting_is_in_env_example() -> None:
    assert sorted(SETTINGS - env_example_names()) == []


def test_env_example_shows_nothing_but_settings() -> None:
    assert sorted(env_example_names() - SETTINGS - ENVIRONMENT_ONLY) == []


def test_env_example_shows_the_defaults() -> None:
    # A production configuration in both: .env.example shows placeholder secrets.
    defaults = load_settings(_env_file=None, **PRODUCTION)
    example = load_settings(_env_file=PROJECT / ".env.example", **PRODUCTION)

    differences = [
        name for name in sorted(SETTINGS) if getattr(example, name) != getattr(defaults, name)
    ]
    assert differences == []


def test_every_setting_is_in_the_readme_table() -> None:
    assert sorted(SETTINGS - readme_table_names()) == []


def test_the_readme_table_names_nothing_but_settings() -> None:
    assert sorted(readme_table_names() - SETTINGS - ENVIRONMENT_ONLY) == []
