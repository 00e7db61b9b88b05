"""The variant matrix covers what it claims to cover, counted from copier.yml."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from matrix.combinations import all_pairs, covered_pairs, pairwise_combinations
from matrix.questions import (
    CODE_QUESTIONS,
    OTHER_VALUES,
    choices,
    code_combinations,
    defaults,
    file_questions,
    is_asked,
    is_refused,
    questions,
    values,
)
from matrix.variants import ELSEWHERE, VARIANTS

ROOT = Path(__file__).resolve().parent.parent


def frozen(answers: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in answers.items()))


def test_the_code_questions_are_questions_of_copier_yml() -> None:
    assert set(CODE_QUESTIONS) <= set(questions())


def test_the_code_combinations_are_every_asked_combination_once() -> None:
    # Brute force: the whole product, each question dropped where copier would not ask it.
    names = [name for name in questions() if name in CODE_QUESTIONS]
    expected = set()
    for chosen in itertools.product(*(values(name) for name in names)):
        answers: dict[str, Any] = {}
        for name, value in zip(names, chosen, strict=True):
            if is_asked(name, answers):
                answers[name] = value
        expected.add(frozen(answers))

    combinations = code_combinations()

    assert len(combinations) == len({frozen(answers) for answers in combinations})
    assert {frozen(answers) for answers in combinations} == expected


def test_a_multiselect_question_contributes_every_subset_of_its_choices() -> None:
    for name in CODE_QUESTIONS:
        if questions()[name].get("multiselect"):
            assert len(values(name)) == 2 ** len(choices(name))


def test_pairwise_combinations_meet_every_pair_of_values() -> None:
    combinations = pairwise_combinations()
    largest, second = sorted(len(v) for v in file_questions().values())[-2:]

    assert covered_pairs(combinations) == all_pairs()
    assert len(combinations) < largest * second * 2


def test_the_validators_are_read_as_copier_renders_them() -> None:
    assert is_refused({"dependency_updates": "dependabot", "ci": "gitlab"})
    assert not is_refused({"dependency_updates": "dependabot", "ci": "github"})


def test_no_combination_a_validator_refuses_is_rendered() -> None:
    rendered = [*pairwise_combinations(), *(variant["answers"] for variant in VARIANTS.values())]

    assert [answers for answers in rendered if is_refused(answers)] == []


def test_only_the_pairs_a_validator_refuses_go_uncovered() -> None:
    questions = file_questions()
    every = {
        ((first, i), (second, j))
        for first, second in itertools.combinations(questions, 2)
        for i in range(len(questions[first]))
        for j in range(len(questions[second]))
    }
    dependabot = ("dependency_updates", questions["dependency_updates"].index("dependabot"))

    refused = {(("ci", questions["ci"].index(ci)), dependabot) for ci in ("gitlab", "none")}
    assert every - all_pairs() == refused


def test_the_full_runs_use_every_value_of_every_question_and_every_python() -> None:
    used: dict[str, list[Any]] = {}
    for variant in VARIANTS.values():
        for name, value in {**defaults(), **variant["answers"]}.items():
            used.setdefault(name, []).append(value)

    for name in [*file_questions(), *CODE_QUESTIONS]:
        if name == "python_version":  # the variants' interpreters, below
            continue
        if questions()[name].get("multiselect"):
            assert {choice for chosen in used[name] for choice in chosen} == set(choices(name))
            assert [] in used[name], f"no variant runs without any {name}"
        elif name in OTHER_VALUES:
            assert any(value != questions()[name]["default"] for value in used[name]), name
        else:
            assert set(choices(name)) <= set(used[name]), name
    every = [*VARIANTS.values(), *ELSEWHERE.values()]
    assert {variant["python"] for variant in every} == set(choices("python_version"))


def test_each_variant_runs_on_its_own_python_line() -> None:
    for name, variant in {**VARIANTS, **ELSEWHERE}.items():
        answered = {**defaults(), **variant["answers"]}["python_version"]
        assert variant["python"] == answered, name


def test_the_variants_that_run_here_are_the_default_sessions() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    sessions = {entry["session"] for entry in json.loads(listed.stdout)}

    assert {f"variant({name})" for name in VARIANTS} <= sessions
    assert not {f"variant({name})" for name in ELSEWHERE} & sessions


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


def test_the_template_ci_workflow_runs_the_default_sessions_nox_lists() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "template-ci.yml").read_text())
    listing = next(
        step["run"] for step in workflow["jobs"]["sessions"]["steps"] if step.get("id") == "list"
    )

    commands = [line for line in listing.splitlines() if "nox --list --json" in line]

    # Tags or session names here would be a second list of the default sessions; the one
    # tag allowed adds the variants whose Python only the workflow has (ELSEWHERE).
    assert any(" -t " not in command for command in commands)
    assert all(" -s " not in command for command in commands)
    assert {tag for command in commands for tag in re.findall(r"-t (\S+)", command)} <= {
        "newest-python"
    }
