"""The questions of copier.yml, read from it: never typed again anywhere else.

Derived values (`when: false`) are not questions: copier computes them and never asks.
yaml and jinja2 are imported inside the functions: the noxfile imports this package and
runs where only nox is installed (`uvx nox --list`).
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COPIER_YML = ROOT / "copier.yml"

Answers = dict[str, Any]

# The questions whose answers change Python code: the static matrix renders every
# combination of their values. A new question that changes code joins this set, and the
# matrix grows by its choices as copier.yml lists them.
CODE_QUESTIONS = frozenset(
    {"database", "auth", "example_resource", "rate_limit_storage", "observability"}
)

# Values to cover for questions that list no choices (free-form YAML): the default, read
# from copier.yml, comes first; these are the others.
OTHER_VALUES: dict[str, list[Any]] = {"cors_origins": [["https://app.example.com"]]}


@functools.cache
def _copier_yml() -> dict[str, Any]:
    import yaml

    config: dict[str, Any] = yaml.safe_load(COPIER_YML.read_text())
    return config


def settings() -> dict[str, Any]:
    """copier's own settings (`_migrations`, `_subdirectory`, ...)."""
    return {key: value for key, value in _copier_yml().items() if key.startswith("_")}


def questions() -> dict[str, dict[str, Any]]:
    """The questions copier may ask, in copier.yml's order; derived values left out."""
    return {
        name: question
        for name, question in _copier_yml().items()
        if not name.startswith("_") and question.get("when") is not False
    }


def is_template(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def defaults() -> Answers:
    """The default answer of every question whose default is a value, not a template."""
    return {
        name: question["default"]
        for name, question in questions().items()
        if "default" in question and not is_template(question["default"])
    }


def choices(name: str) -> list[Any]:
    """The values a question accepts: its choices, True/False, or the values to cover."""
    question = questions()[name]
    listed = question.get("choices")
    if isinstance(listed, dict):
        return list(listed.values())
    if isinstance(listed, list):
        return list(listed)
    if question.get("type") == "bool":
        return [True, False]
    if name in OTHER_VALUES:
        return [question["default"], *OTHER_VALUES[name]]
    raise KeyError(f"{name} lists no choices and has no OTHER_VALUES")


def values(name: str) -> list[Any]:
    """Every answer to cover: each choice, or every subset of them for a multiselect."""
    options = choices(name)
    if not questions()[name].get("multiselect"):
        return options
    return [
        list(subset)
        for size in range(len(options) + 1)
        for subset in itertools.combinations(options, size)
    ]


def is_asked(name: str, answers: Answers) -> bool:
    """Whether copier asks `name` after `answers` (its `when`, rendered by Jinja)."""
    import jinja2

    when = questions()[name].get("when", True)
    if not isinstance(when, str):
        return bool(when)
    rendered = jinja2.Environment().from_string(when).render(**answers)
    return rendered.strip().lower() not in {"", "false", "0", "no"}


@functools.cache
def _validating_environment() -> Any:
    """Jinja with the template's own filters (extensions/derived.py), as copier loads it."""
    import importlib.util

    import jinja2

    spec = importlib.util.spec_from_file_location("derived", ROOT / "extensions" / "derived.py")
    if spec is None or spec.loader is None:
        raise ImportError("extensions/derived.py cannot be loaded")
    derived = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derived)
    return jinja2.Environment(extensions=[derived.DerivedValues])


def is_refused(answers: Answers) -> bool:
    """Whether a validator of a question in `answers` refuses them, the other questions
    at their defaults (copier shows the rendered text when it is not empty)."""
    context = {**defaults(), **answers}
    for name in answers:
        validator = _validator(name)
        if validator is not None and validator.render(**context).strip():
            return True
    return False


@functools.cache
def _validator(name: str) -> Any:
    """The question's validator, compiled once; None if it has none."""
    validator = questions()[name].get("validator")
    return None if validator is None else _validating_environment().from_string(validator)


def combinations(names: frozenset[str] | set[str]) -> list[Answers]:
    """Every combination of the values of `names`, in copier.yml's order; a question that
    copier would not ask after the earlier answers is left out of that combination."""
    partial: list[Answers] = [{}]
    for name in questions():
        if name not in names:
            continue
        grown: list[Answers] = []
        for answers in partial:
            if is_asked(name, answers):
                grown += [{**answers, name: value} for value in values(name)]
            else:
                grown.append(answers)
        partial = grown
    return partial


def code_combinations() -> list[Answers]:
    return combinations(CODE_QUESTIONS)


def file_questions() -> dict[str, list[Any]]:
    """The other questions with a set of values (not free text), each with its values."""
    return {
        name: values(name)
        for name, question in questions().items()
        if name not in CODE_QUESTIONS
        and ("choices" in question or question.get("type") == "bool" or name in OTHER_VALUES)
    }
