"""The variant matrix covers what it claims to cover."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

import noxfile
from matrix.combinations import (
    FILE_QUESTIONS,
    all_pairs,
    code_combinations,
    covered_pairs,
    pairwise_combinations,
)

ROOT = Path(__file__).resolve().parent.parent


def question_values() -> dict[str, list[Any]]:
    """Every value each question of copier.yml accepts (derived values excluded)."""
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    values: dict[str, list[Any]] = {}
    for name, question in questions.items():
        if name.startswith("_") or question.get("when") is False:
            continue
        choices = question.get("choices")
        if question.get("type") == "bool":
            values[name] = [True, False]
        elif isinstance(choices, dict):
            values[name] = list(choices.values())
        elif isinstance(choices, list):
            values[name] = choices
    return values


def test_the_cross_product_has_every_code_changing_combination_once() -> None:
    combinations = code_combinations()
    keys = {
        (c["database"], c["auth"], c.get("rate_limit_storage"), tuple(c["observability"]))
        for c in combinations
    }

    assert len(combinations) == len(keys) == 2 * 3 * 8


def test_pairwise_combinations_meet_every_pair_of_values() -> None:
    combinations = pairwise_combinations()

    assert covered_pairs(combinations) == all_pairs()
    assert len(combinations) < len(FILE_QUESTIONS["license"]) * len(FILE_QUESTIONS["ci"]) * 2


def test_the_full_runs_use_every_value_of_every_question_and_every_python() -> None:
    defaults = {
        "database": "postgresql",
        "auth": "jwt",
        "rate_limit_storage": "redis",
        "docker": True,
        "ci": "github",
        "license": "MIT",
    }
    used: dict[str, set[Any]] = {}
    for variant in noxfile.VARIANTS.values():
        answers = {**defaults, **{k: yaml.safe_load(v) for k, v in variant["data"].items()}}
        for name, value in answers.items():
            used.setdefault(name, set()).add(value if not isinstance(value, list) else tuple(value))
        for integration in answers.get("observability", ["prometheus", "sentry", "opentelemetry"]):
            used.setdefault("observability-values", set()).add(integration)
        used.setdefault("python", set()).add(variant["python"])

    assert len(noxfile.VARIANTS) >= 8
    for question, values in question_values().items():
        if question in ("observability", "python_version", "cors_origins"):
            continue
        assert set(values) <= used[question], question
    assert used["observability-values"] == {"prometheus", "sentry", "opentelemetry"}
    assert () in used["observability"]
    assert used["python"] == {"3.11", "3.12", "3.13"}
    assert len(used["cors_origins"]) >= 1


def test_the_template_ci_workflow_is_a_valid_github_workflow() -> None:
    workflow = ROOT / ".github" / "workflows" / "template-ci.yml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(workflow),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "nox --list --json" in workflow.read_text()
