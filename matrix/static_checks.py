"""Render every code-changing combination and the pairwise file combinations, then check
them statically: no unrendered Jinja, no empty or orphan file, ruff, ruff format, mypy
--strict, and the schemas of the files the other questions produce.

    python -m matrix.static_checks WORKDIR

One process renders everything with copier's Python API (the same copier as the CLI),
ruff runs once over all renders, mypy runs two at a time with a cache per worker.
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
from copier import run_copy

from matrix.combinations import code_combinations, pairwise_combinations

ROOT = Path(__file__).resolve().parent.parent
JINJA = ("{{", "{%", "{#")
NOT_JINJA = {"app/migrations/script.py.mako"}
# Loaded by name rather than imported: Alembic's environment and revisions.
NOT_IMPORTED = re.compile(r"^app/migrations/")
BIN = Path(sys.executable).parent
MYPY_PROCESSES = 2


def render(destination: Path, answers: dict[str, Any], name: str) -> None:
    run_copy(
        str(ROOT),
        str(destination),
        data={"project_name": name, **answers},
        vcs_ref="HEAD",
        defaults=True,
        unsafe=True,
        quiet=True,
    )


def text_files(project: Path) -> list[Path]:
    return sorted(
        path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts
    )


def finished_file_problems(project: Path) -> list[str]:
    problems = []
    for path in text_files(project):
        relative = path.relative_to(project).as_posix()
        data = path.read_bytes()
        if not data.strip():
            problems.append(f"{relative}: empty")
            continue
        if relative in NOT_JINJA:
            continue
        text = data.decode(errors="replace")
        if any(delimiter in text for delimiter in JINJA):
            problems.append(f"{relative}: unrendered Jinja")
    return problems


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


def mypy(project: Path, cache: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return project, run([str(BIN / "mypy"), "--cache-dir", str(cache), "app", "tests"], cwd=project)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    args = parser.parse_args()
    workdir: Path = args.workdir
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    failures: list[str] = []
    timings: dict[str, float] = {}

    started = time.perf_counter()
    code = {workdir / f"code-{n:02d}": answers for n, answers in enumerate(code_combinations())}
    files = {
        workdir / f"pairwise-{n:02d}": answers for n, answers in enumerate(pairwise_combinations())
    }
    for project, answers in {**code, **files}.items():
        render(project, answers, f"Variant {project.name}")
    timings["render"] = time.perf_counter() - started
    projects = [*code, *files]
    print(f"rendered {len(code)} code combinations and {len(files)} pairwise combinations")

    for project in projects:
        failures += [f"{project.name}: {problem}" for problem in finished_file_problems(project)]
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
    for command in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        result = run([str(BIN / "ruff"), *command, *map(str, projects)])
        if result.returncode != 0:
            failures.append(f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}")
    timings["ruff"] = time.perf_counter() - started

    started = time.perf_counter()
    schemas = {
        "vendor.compose-spec": sorted(workdir.glob("*/compose.yaml")),
        "vendor.github-workflows": sorted(workdir.glob("*/.github/workflows/ci.yml")),
        "vendor.gitlab-ci": sorted(workdir.glob("*/.gitlab-ci.yml")),
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
    timings["schemas and hadolint"] = time.perf_counter() - started
    checked = {schema: len(paths) for schema, paths in schemas.items()}
    print(f"validated {checked} and {len(dockerfiles)} Dockerfiles")

    started = time.perf_counter()
    # Two mypy processes at a time (two cores), each with a cache of its own.
    caches: queue.Queue[Path] = queue.Queue()
    for number in range(MYPY_PROCESSES):
        caches.put(workdir / f".mypy-cache-{number}")

    def check_types(project: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        cache = caches.get()
        try:
            return mypy(project, cache)
        finally:
            caches.put(cache)

    with concurrent.futures.ThreadPoolExecutor(max_workers=MYPY_PROCESSES) as pool:
        for project, result in pool.map(check_types, projects):
            if result.returncode != 0:
                failures.append(f"{project.name}: mypy --strict:\n{result.stdout}{result.stderr}")
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
