"""Answers written by older releases: `_migrations` translates them on `copier update`.

An older release is made in a clone of this working tree: its copier.yml asks the legacy
forms (`database: postgres`, `rate_limit_storage: in-memory`, `observability` as one
comma-separated string) and it is tagged below the migration's version. A project
rendered there is updated to the working tree with the real copier, which runs
extensions/migrate_answers.py before rendering the new release.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from matrix.rendering import update as copier_update
from matrix.update.clone import clone_working_tree
from matrix.update.compare import UNMERGED
from matrix.update.runner import GIT_ENV, git
from rendering import render

MIGRATE_ANSWERS = Path(__file__).resolve().parent.parent / "extensions" / "migrate_answers.py"
LEGACY_TAG = "0.0.1"
LEGACY_ANSWERS = {
    "project_name": "Orders API",
    "database": "postgres",
    "rate_limit_storage": "in-memory",
    "observability": "prometheus,sentry",
}
TRANSLATED = {
    "database": "postgresql",
    "rate_limit_storage": "memory",
    "observability": ["prometheus", "sentry"],
}


def migration_version(copier_yml: Path) -> str:
    """The `version` of the `_migrations` entry that runs migrate_answers.py."""
    config = yaml.safe_load(copier_yml.read_text())
    for migration in config.get("_migrations") or []:
        if isinstance(migration, dict) and "migrate_answers.py" in str(migration["command"]):
            return str(migration["version"])
    pytest.fail("copier.yml has no `_migrations` entry that runs extensions/migrate_answers.py")


def legacy_questions(config: dict[str, Any]) -> dict[str, Any]:
    """copier.yml as a release before the migration asked its questions."""
    legacy = {key: value for key, value in config.items() if key != "_migrations"}
    database = legacy["database"]
    database["choices"] = {
        label: "postgres" if value == "postgresql" else value
        for label, value in database["choices"].items()
    }
    database["default"] = "postgres"
    legacy["postgresql"]["default"] = "{{ database == 'postgres' }}"
    storage = legacy["rate_limit_storage"]
    storage["choices"] = {
        label: "in-memory" if value == "memory" else value
        for label, value in storage["choices"].items()
    }
    legacy["observability"] = {
        "type": "str",
        "help": "Integrations to include, separated by commas.",
        "default": "prometheus,sentry,opentelemetry",
    }
    return legacy


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clone with the legacy release tagged LEGACY_TAG and the working tree tagged at the
    migration's version; HEAD is the working tree."""
    clone = clone_working_tree(tmp_path_factory.mktemp("update-migrations") / "template")
    copier_yml = clone / "copier.yml"
    version = migration_version(copier_yml)
    assert Version(LEGACY_TAG) < Version(version), "the legacy tag must predate the migration"
    current = copier_yml.read_text()

    config = yaml.safe_load(current)
    copier_yml.write_text(yaml.safe_dump(legacy_questions(config), sort_keys=False))
    git(clone, "commit", "--quiet", "--all", "-m", "Legacy questions")
    git(clone, "tag", LEGACY_TAG)
    copier_yml.write_text(current)
    git(clone, "commit", "--quiet", "--all", "-m", "Questions of today")
    git(clone, "tag", version)
    return clone, version


def files_of(root: Path) -> dict[str, bytes]:
    """Every file, except .git, .env (its secret is random on each render) and uv.lock
    (made by uv, not rendered: tests/test_update_lock.py checks it)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and ".git" not in path.relative_to(root).parts
        and path.name not in {".env", "uv.lock"}
    }


@dataclass(frozen=True)
class Update:
    project: Path
    answers_before: dict[str, Any]
    answers_after: dict[str, Any]
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def update(template: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Update:
    """A project rendered by the legacy release, committed, then updated to HEAD."""
    clone, _ = template
    destination = tmp_path_factory.mktemp("legacy") / "orders-api"
    project = render(destination, LEGACY_ANSWERS, LEGACY_TAG, template=clone)
    answers_file = project / ".copier-answers.yml"
    answers_before = yaml.safe_load(answers_file.read_text())
    git(project, "init", "--quiet", "--initial-branch=main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"Render the template at {LEGACY_TAG}")
    result = copier_update(project, environment=GIT_ENV, check=False)
    answers_after = yaml.safe_load(answers_file.read_text())
    return Update(project, answers_before, answers_after, result)


def test_the_legacy_release_wrote_legacy_answers(update: Update) -> None:
    written = {key: update.answers_before[key] for key in TRANSLATED}

    assert written == {key: LEGACY_ANSWERS[key] for key in TRANSLATED}


def test_update_from_a_legacy_release_succeeds_without_conflicts(update: Update) -> None:
    assert update.result.returncode == 0, update.result.stdout + update.result.stderr
    status = git(update.project, "status", "--porcelain", "--untracked-files=all")
    assert [line for line in status.splitlines() if line[:2] in UNMERGED] == []
    assert list(update.project.rglob("*.rej")) == []


def test_update_translates_legacy_answers(update: Update, template: tuple[Path, str]) -> None:
    _, version = template

    assert {key: update.answers_after[key] for key in TRANSLATED} == TRANSLATED
    assert update.answers_after["_commit"] == version


def test_updated_project_is_what_the_new_release_renders_from_translated_answers(
    update: Update, template: tuple[Path, str], tmp_path: Path
) -> None:
    clone, version = template
    answers = {**LEGACY_ANSWERS, **TRANSLATED, "observability": "[prometheus, sentry]"}

    fresh = render(tmp_path / "orders-api", answers, version, template=clone)

    assert files_of(update.project) == files_of(fresh)


# The script alone, as copier runs it: `python migrate_answers.py .copier-answers.yml`.

LEGACY_FILE = """\
# Changes here will be overwritten by Copier; NEVER EDIT MANUALLY
_commit: 0.0.1
_src_path: gh:example/copier-fastapi-backend
auth: jwt
cors_origins:
- http://localhost
database: postgres
observability: prometheus, sentry
project_name: Orders API
python_version: '3.11'
rate_limit_storage: in-memory
"""


def migrate_answers(answers_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MIGRATE_ANSWERS), answers_file.name],
        cwd=answers_file.parent,
        capture_output=True,
        text=True,
        check=True,
    )


def test_script_translates_legacy_values_and_keeps_the_rest(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE)

    migrate_answers(answers_file)

    text = answers_file.read_text()
    assert text.startswith("# Changes here will be overwritten by Copier")
    assert yaml.safe_load(text) == {
        **yaml.safe_load(LEGACY_FILE),
        "database": "postgresql",
        "observability": ["prometheus", "sentry"],
        "rate_limit_storage": "memory",
        "dependency_updates": "none",
    }


def test_script_run_twice_changes_nothing_more(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE)
    migrate_answers(answers_file)
    once = answers_file.read_bytes()

    migrate_answers(answers_file)

    assert answers_file.read_bytes() == once


def test_script_leaves_current_answers_byte_for_byte(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    current = (
        LEGACY_FILE.replace("database: postgres", "database: postgresql")
        .replace("observability: prometheus, sentry", "observability:\n- prometheus\n- sentry")
        .replace("rate_limit_storage: in-memory", "rate_limit_storage: memory")
        .replace("database: postgresql", "database: postgresql\ndependency_updates: renovate")
    )
    answers_file.write_text(current)

    migrate_answers(answers_file)

    assert answers_file.read_text() == current


def test_script_reads_an_empty_string_as_no_integration(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(
        LEGACY_FILE.replace("observability: prometheus, sentry", "observability: ''")
    )

    migrate_answers(answers_file)

    assert yaml.safe_load(answers_file.read_text())["observability"] == []


def test_script_keeps_a_project_without_auth_free_of_the_example_resource(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE.replace("auth: jwt", "auth: none"))

    migrate_answers(answers_file)

    assert yaml.safe_load(answers_file.read_text())["example_resource"] is False


def test_script_adds_no_example_answer_where_the_question_is_not_asked(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE)

    migrate_answers(answers_file)

    assert "example_resource" not in yaml.safe_load(answers_file.read_text())


def test_script_keeps_an_example_answer_already_given(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE.replace("auth: jwt", "auth: none\nexample_resource: true"))

    migrate_answers(answers_file)

    assert yaml.safe_load(answers_file.read_text())["example_resource"] is True


def test_script_keeps_a_project_free_of_a_dependency_bot_it_never_chose(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(LEGACY_FILE)

    migrate_answers(answers_file)

    assert yaml.safe_load(answers_file.read_text())["dependency_updates"] == "none"


def test_script_keeps_a_dependency_bot_already_chosen(tmp_path: Path) -> None:
    answers_file = tmp_path / ".copier-answers.yml"
    answers_file.write_text(
        LEGACY_FILE.replace("auth: jwt", "auth: jwt\ndependency_updates: renovate")
    )

    migrate_answers(answers_file)

    assert yaml.safe_load(answers_file.read_text())["dependency_updates"] == "renovate"
