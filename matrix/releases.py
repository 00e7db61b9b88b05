"""The template's releases: the version being made, and the commits of the older ones.

The version lives in VERSION, one line, rather than in the CHANGELOG's newest heading:
tools read it without parsing Markdown, and a release changes it in one obvious place.
tests/test_releases.py holds the CHANGELOG's newest heading, copier.yml's `_migrations`
and pyproject.toml's version to it.

The repository carries no tags (the update checks tag a temporary clone), so each older
release is recorded here once, as the commit that stands for it, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "VERSION"


@dataclass(frozen=True)
class Release:
    version: str
    commit: str
    why: str


# Oldest first. Each asks today's questions or fewer, with today's choices or fewer; the
# questions added since are answered by `_migrations` (extensions/migrate_answers.py) the
# way the project was.
RELEASES = (
    Release(
        "0.1.0",
        "393e88e",
        "the first commit whose copier.yml asks every question of 0.3.0; observability, "
        "docker, ci and license rendered nothing yet and SQLite was partial: the widest "
        "gap an update must bridge",
    ),
    Release(
        "0.2.0",
        "356d131",
        "observability implemented (Prometheus, Sentry, OpenTelemetry); later commits add "
        "gunicorn's configuration, multi-process metrics and the security fixes",
    ),
    Release(
        "0.3.0",
        "f4acb57",
        "the last commit of the security release (request-head bounds, rate limits on "
        "every password path, refresh-token grace, partial-update schemas)",
    ),
    Release(
        "0.4.0",
        "5a9569b",
        "the last commit of the restructure by feature (settings per feature, one "
        "exception hierarchy, the example resource): no uv.lock yet, Python 3.11 by default",
    ),
)


def current_version() -> str:
    """The release the working tree is: VERSION's one line."""
    return VERSION_FILE.read_text().strip()


def release(version: str) -> Release:
    return next(entry for entry in RELEASES if entry.version == version)
