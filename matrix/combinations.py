"""The combinations the static matrix renders: every code-changing one, pairwise the rest."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from matrix.questions import Answers, file_questions, is_refused

Pair = tuple[tuple[str, int], tuple[str, int]]


def _pairs(answers: Mapping[str, Any], questions: Mapping[str, list[Any]]) -> Iterator[Pair]:
    """Every pair of (question, value index) in one combination."""
    chosen = [(name, questions[name].index(answers[name])) for name in questions]
    return itertools.combinations(chosen, 2)


def pairwise_combinations() -> list[Answers]:
    """Few combinations in which every value of any two file questions meets at least once.

    Greedy: among all combinations, repeatedly take the one covering the most pairs not
    yet covered. Deterministic, and small (17 renders for 4·2·3·3·4·2 values, the pairs
    a validator refuses left out).
    """
    questions = file_questions()
    candidates = _accepted_combinations()
    uncovered = {pair for candidate in candidates for pair in _pairs(candidate, questions)}
    picked: list[Answers] = []
    while uncovered:
        best = max(
            candidates, key=lambda candidate: len(uncovered & set(_pairs(candidate, questions)))
        )
        uncovered -= set(_pairs(best, questions))
        picked.append(best)
    return picked


def _accepted_combinations() -> list[Answers]:
    """Every combination of the file questions' values that copier's validators accept."""
    questions = file_questions()
    names = list(questions)
    every = (
        dict(zip(names, chosen, strict=True))
        for chosen in itertools.product(*(questions[name] for name in names))
    )
    return [answers for answers in every if not is_refused(answers)]


def covered_pairs(combinations: Sequence[Mapping[str, Any]]) -> set[Pair]:
    questions = file_questions()
    return {pair for answers in combinations for pair in _pairs(answers, questions)}


def all_pairs() -> set[Pair]:
    """Every pair of values that some accepted combination holds (dependabot never meets
    ci=gitlab: the validator refuses it)."""
    return covered_pairs(_accepted_combinations())
