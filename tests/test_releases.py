"""The release being made is named once, in VERSION, and everything else agrees with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.version import Version

from matrix.questions import settings
from matrix.releases import RELEASES, current_version

ROOT = Path(__file__).resolve().parent.parent
HEADING = re.compile(r"^## (\d+\.\d+\.\d+)(?: \((\w+)\))?$", re.MULTILINE)


def changelog_releases() -> list[tuple[str, str]]:
    """(version, commit or "") of each release heading of CHANGELOG.md, newest first."""
    return HEADING.findall((ROOT / "CHANGELOG.md").read_text())


def test_version_is_a_release_number() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", current_version())


def test_the_changelogs_newest_release_is_version() -> None:
    assert changelog_releases()[0][0] == current_version()


def test_the_changelog_names_each_older_release_at_its_recorded_commit() -> None:
    older = dict(changelog_releases()[1:])

    assert older == {release.version: release.commit for release in RELEASES}


def test_older_releases_are_listed_oldest_first_and_before_version() -> None:
    versions = [Version(release.version) for release in RELEASES]

    assert versions == sorted(versions)
    assert versions[-1] < Version(current_version())


def test_no_answers_migration_is_newer_than_version() -> None:
    # copier runs a migration only for updates that reach its version (one without a
    # version, the lock refresh, runs on every update).
    migrations = [
        Version(str(entry["version"]))
        for entry in settings().get("_migrations", [])
        if "version" in entry
    ]

    assert max(migrations) <= Version(current_version())


def test_pyproject_carries_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert pyproject["project"]["version"] == current_version()
