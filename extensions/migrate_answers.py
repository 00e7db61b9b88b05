"""Translate answers written by older releases into the values today's questions accept.

copier runs this before an update (`_migrations` in copier.yml), in the project, with
the interpreter copier runs on:

    python migrate_answers.py .copier-answers.yml

Without it, `copier update` does not stop on such answers, it gets them wrong quietly:
`observability: "prometheus,sentry"` became the default (all three integrations, so
OpenTelemetry arrived unasked), and `in-memory` or `postgres` were written back into the
answers file, values no question accepts any more.

Questions added later whose default would change a project that never had them are
answered the way the project was: `example_resource` (0.4.0) is false for a project
without auth rendered before it existed, so an update does not add the example resource
to a service that has its own routes and migrations; `dependency_updates` (0.5.0) is
`none`, so an update does not start a bot's pull requests the team never asked for
(`copier update --trust -d dependency_updates=renovate` opts in).

The file is rewritten in place only when a value changes; every other answer, the order of
the keys and the comments at the top are kept. Running it again changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# Values older releases wrote, and what they mean today.
RENAMED_CHOICES: dict[str, dict[str, str]] = {
    "database": {"postgres": "postgresql"},
    "rate_limit_storage": {"in-memory": "memory"},
}
# Multiselect questions once answered with one comma-separated string.
MULTISELECT = ("observability",)
# Questions added by a release, with the answer that keeps an older project as it was,
# for the projects the question is asked of (answer -> asked?).
ADDED_QUESTIONS: dict[str, tuple[Any, Callable[[dict[str, Any]], bool]]] = {
    "example_resource": (False, lambda answers: answers.get("auth") == "none"),
    "dependency_updates": ("none", lambda answers: True),
}


def migrate(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with legacy values translated; everything else as it was."""
    migrated = dict(answers)
    for question, renamed in RENAMED_CHOICES.items():
        value = migrated.get(question)
        if isinstance(value, str) and value in renamed:
            migrated[question] = renamed[value]
    for question in MULTISELECT:
        value = migrated.get(question)
        # "[prometheus, sentry]" is a YAML list that copier reads itself: leave it.
        if isinstance(value, str) and not value.lstrip().startswith("["):
            migrated[question] = [item.strip() for item in value.split(",") if item.strip()]
    for question, (answer, asked) in ADDED_QUESTIONS.items():
        if question not in migrated and asked(migrated):
            migrated[question] = answer
    return migrated


def leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def migrate_file(path: Path) -> bool:
    """Rewrite the answers file if anything needs translating; whether it did."""
    text = path.read_text(encoding="utf-8")
    answers = yaml.safe_load(text) or {}
    if not isinstance(answers, dict):
        raise SystemExit(f"{path}: expected a mapping of answers, found {type(answers).__name__}")
    migrated = migrate(answers)
    if migrated == answers:
        return False
    body = yaml.safe_dump(migrated, sort_keys=False, default_flow_style=False, allow_unicode=True)
    path.write_text(leading_comments(text) + body, encoding="utf-8")
    return True


def main(arguments: list[str]) -> int:
    if len(arguments) != 1:
        print("usage: migrate_answers.py ANSWERS_FILE", file=sys.stderr)
        return 2
    path = Path(arguments[0])
    if not path.is_file():
        print(f"migrate_answers.py: {path} does not exist", file=sys.stderr)
        return 1
    if migrate_file(path):
        print(f"Translated answers of an older release in {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
