"""Combinations of answers: every code-changing one, and pairwise for the rest."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Answers = dict[str, Any]

OBSERVABILITY = ("prometheus", "sentry", "opentelemetry")

# Questions whose values change files other than Python code, with the values to cover.
FILE_QUESTIONS: dict[str, Sequence[Any]] = {
    "docker": (True, False),
    "ci": ("github", "gitlab", "none"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
    "python_version": ("3.11", "3.12", "3.13"),
    "cors_origins": (
        [
            "http://localhost",
            "http://localhost:3000",
            "http://localhost:8000",
            "http://localhost:8080",
        ],
        ["https://app.example.com"],
    ),
}


def observability_subsets() -> list[list[str]]:
    return [
        list(subset)
        for size in range(len(OBSERVABILITY) + 1)
        for subset in itertools.combinations(OBSERVABILITY, size)
    ]


def code_combinations() -> list[Answers]:
    """database x auth (x rate-limit storage when auth is on) x observability subsets."""
    auth_choices: list[Answers] = [
        {"auth": "none"},
        {"auth": "jwt", "rate_limit_storage": "memory"},
        {"auth": "jwt", "rate_limit_storage": "redis"},
    ]
    return [
        {"database": database, **auth, "observability": subset}
        for database in ("postgresql", "sqlite")
        for auth in auth_choices
        for subset in observability_subsets()
    ]


def _pairs(answers: Mapping[str, Any]) -> Iterator[tuple[tuple[str, int], tuple[str, int]]]:
    """Every pair of (question, value index) in one combination."""
    chosen = [
        (question, list(FILE_QUESTIONS[question]).index(answers[question]))
        for question in FILE_QUESTIONS
    ]
    return itertools.combinations(chosen, 2)


def pairwise_combinations() -> list[Answers]:
    """Few combinations in which every value of any two questions meets at least once.

    Greedy: among all combinations, repeatedly take the one covering the most pairs not
    yet covered. Deterministic, and small: 12 to 14 renders for 2·3·4·3·2 values.
    """
    questions = list(FILE_QUESTIONS)
    candidates = [
        dict(zip(questions, values, strict=True))
        for values in itertools.product(*(FILE_QUESTIONS[question] for question in questions))
    ]
    uncovered = {pair for candidate in candidates for pair in _pairs(candidate)}
    chosen: list[Answers] = []
    while uncovered:
        best = max(candidates, key=lambda candidate: len(uncovered & set(_pairs(candidate))))
        uncovered -= set(_pairs(best))
        chosen.append(best)
    return chosen


def covered_pairs(combinations: Sequence[Mapping[str, Any]]) -> set[Any]:
    return {pair for answers in combinations for pair in _pairs(answers)}


def all_pairs() -> set[Any]:
    questions = list(FILE_QUESTIONS)
    return {
        ((first, i), (second, j))
        for first, second in itertools.combinations(questions, 2)
        for i in range(len(FILE_QUESTIONS[first]))
        for j in range(len(FILE_QUESTIONS[second]))
    }
