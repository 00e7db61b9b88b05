"""Render every code-changing combination and the pairwise file combinations, then check
them statically: every file finished (no unrendered Jinja, not empty), no orphan module,
no unused class or function (vulture, code combinations), ruff, ruff format, mypy
--strict, and the schemas of the files the other questions produce.

    python -m matrix.static_checks WORKDIR

Renders run with the real copier CLI, RENDER_PROCESSES at a time; ruff runs once over all
renders; mypy runs MYPY_PROCESSES at a time with a cache per worker.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import queue
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from matrix.combinations import pairwise_combinations
from matrix.finished import unfinished_files
from matrix.questions import code_combinations
from matrix.rendering import ROOT, CopierFailed, render
from matrix.unused import unused_definitions

# Loaded by name rather than imported: Alembic's environment and revisions.
NOT_IMPORTED = re.compile(r"^app/migrations/")
BIN = Path(sys.executable).parent
RENDER_PROCESSES = 2
MYPY_PROCESSES = 2


def orphan_modules(project: Path) -> list[str]:
    """Modules of `app` that nothing imports or names (pyproject, gunicorn, tests)."""
    corpus = "\n".join(
        path.read_text()
        for path in [*project.rglob("*.py"), project / "pyproject.toml"]
        if ".venv" not in path.parts
    )
    orphans = []
    for module in sorted((project / "app").rglob("*.py")):
        relative = module.relative_to(project).as_posix()
        if module.name == "__init__.py" or NOT_IMPORTED.match(relative):
            continue
        dotted = relative.removesuffix(".py").replace("/", ".")
        package, _, name = dotted.rpartition(".")
        others = corpus.replace(module.read_text(), "")
        imported_from_package = re.search(
            rf"from {re.escape(package)} import (\([^)]*\b{name}\b[^)]*\)|[^\n]*\b{name}\b)",
            others,
        )
        if dotted not in others and not imported_from_package:
            orphans.append(relative)
    return orphans


def option_file_problems(project: Path, answers: dict[str, Any]) -> list[str]:
    problems = []
    expected = {
        "Dockerfile": answers["docker"],
        "compose.yaml": answers["docker"],
        ".dockerignore": answers["docker"],
        ".github/workflows/ci.yml": answers["ci"] == "github",
        ".gitlab-ci.yml": answers["ci"] == "gitlab",
        "LICENSE": answers["license"] != "Proprietary",
        "renovate.json": answers["dependency_updates"] == "renovate",
        ".github/dependabot.yml": answers["dependency_updates"] == "dependabot",
    }
    for name, present in expected.items():
        if (project / name).exists() != present:
            problems.append(f"{name}: {'missing' if present else 'should not exist'}")
    if (project / ".python-version").read_text().strip() != answers["python_version"]:
        problems.append(".python-version does not match python_version")
    pyproject = (project / "pyproject.toml").read_text()
    if f'requires-python = ">={answers["python_version"]}"' not in pyproject:
        problems.append("pyproject.toml: requires-python does not match python_version")
    config = (project / "app/core/config.py").read_text()
    if any(f'"{origin}"' not in config for origin in answers["cors_origins"]):
        problems.append("app/core/config.py: CORS_ORIGINS default does not list cors_origins")
    return problems


def run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def render_all(projects: dict[Path, dict[str, Any]]) -> list[str]:
    """Render each project, RENDER_PROCESSES at a time; the failures."""

    def render_one(project: Path) -> str | None:
        try:
            answers = {"project_name": f"Variant {project.name}", **projects[project]}
            # Unlocked: the full variants prove the lock; these are read, never installed.
            render(project, answers, tasks=False)
        except CopierFailed as error:
            return f"{project.name}: {error}"
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=RENDER_PROCESSES) as pool:
        return [failure for failure in pool.map(render_one, projects) if failure]


def check_types(projects: list[Path], workdir: Path) -> list[str]:
    """mypy --strict on each project, MYPY_PROCESSES at a time, each with a cache of its own."""
    caches: queue.Queue[Path] = queue.Queue()
    for number in range(MYPY_PROCESSES):
        caches.put(workdir / f".mypy-cache-{number}")

    def mypy(project: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        cache = caches.get()
        try:
            command = [str(BIN / "mypy"), "--cache-dir", str(cache), "app", "tests"]
            return project, run(command, cwd=project)
        finally:
            caches.put(cache)

    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=MYPY_PROCESSES) as pool:
        for project, result in pool.map(mypy, projects):
            if result.returncode != 0:
                failures.append(f"{project.name}: mypy --strict:\n{result.stdout}{result.stderr}")
    return failures


def check_schemas(workdir: Path) -> list[str]:
    """compose, CI and dependency-update files against their schemas, Dockerfiles with
    hadolint, GitHub workflows (rendered and this repository's) with zizmor."""
    failures = []
    schemas = {
        "vendor.compose-spec": sorted(workdir.glob("*/compose.yaml")),
        "vendor.github-workflows": sorted(workdir.glob("*/.github/workflows/ci.yml")),
        "vendor.gitlab-ci": sorted(workdir.glob("*/.gitlab-ci.yml")),
        "vendor.renovate": sorted(workdir.glob("*/renovate.json")),
        "vendor.dependabot": sorted(workdir.glob("*/.github/dependabot.yml")),
    }
    for schema, paths in schemas.items():
        if not paths:
            failures.append(f"{schema}: no file rendered to check")
            continue
        result = run([str(BIN / "check-jsonschema"), "--builtin-schema", schema, *map(str, paths)])
        if result.returncode != 0:
            failures.append(f"check-jsonschema {schema}:\n{result.stdout}{result.stderr}")
    dockerfiles = sorted(workdir.glob("*/Dockerfile"))
    result = run([str(BIN / "hadolint"), *map(str, dockerfiles)])
    if result.returncode != 0:
        failures.append(f"hadolint:\n{result.stdout}{result.stderr}")
    # Offline: the audits that need GitHub's API (known-vulnerable action versions,
    # impostor commits) run where the project's CI runs; these read the files alone.
    workflows = [*schemas["vendor.github-workflows"], ROOT / ".github"]
    result = run([str(BIN / "zizmor"), "--offline", "--no-progress", *map(str, workflows)])
    if result.returncode != 0:
        failures.append(f"zizmor --offline:\n{result.stdout}{result.stderr}")
    checked = {schema: len(paths) for schema, paths in schemas.items()}
    print(
        f"validated {checked}, {len(dockerfiles)} Dockerfiles and {len(workflows)} GitHub "
        "workflow sets with zizmor"
    )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    args = parser.parse_args()
    workdir: Path = args.workdir
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    timings: dict[str, float] = {}

    started = time.perf_counter()
    code = {workdir / f"code-{n:02d}": answers for n, answers in enumerate(code_combinations())}
    files = {
        workdir / f"pairwise-{n:02d}": answers for n, answers in enumerate(pairwise_combinations())
    }
    failures = render_all({**code, **files})
    timings["render"] = time.perf_counter() - started
    print(f"rendered {len(code)} code combinations and {len(files)} pairwise combinations")
    if failures:
        print("\n".join(["renders failed:", *failures]))
        return 1
    projects = [*code, *files]

    for project in projects:
        failures += [f"{project.name}: {problem}" for problem in unfinished_files(project)]
        failures += [
            f"{project.name}: {module}: imported by nothing" for module in orphan_modules(project)
        ]
    for project, answers in files.items():
        rendered_answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
        full = {**rendered_answers, **answers}
        failures += [
            f"{project.name}: {problem}" for problem in option_file_problems(project, full)
        ]

    started = time.perf_counter()
    for project, answers in code.items():
        unused = unused_definitions(project, str(BIN / "vulture"))
        failures += [f"{project.name} {answers}: {finding}" for finding in unused]
    timings["vulture"] = time.perf_counter() - started

    started = time.perf_counter()
    for command in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        result = run([str(BIN / "ruff"), *command, *map(str, projects)])
        if result.returncode != 0:
            failures.append(f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}")
    timings["ruff"] = time.perf_counter() - started

    started = time.perf_counter()
    failures += check_schemas(workdir)
    timings["schemas and hadolint"] = time.perf_counter() - started

    started = time.perf_counter()
    failures += check_types(projects, workdir)
    timings["mypy"] = time.perf_counter() - started

    print("timings (s): " + ", ".join(f"{step} {took:.0f}" for step, took in timings.items()))
    if failures:
        print(f"{len(failures)} problems:")
        for failure in failures:
            print(f"- {failure}")
        return 1
    print(f"all {len(projects)} renders clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
