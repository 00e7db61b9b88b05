"""The answers file lets `copier update` replay a project's answers later."""

from __future__ import annotations

from typing import Any

from matrix.rendering import ROOT


def test_answers_file_records_the_answers_given_and_defaulted(answers: dict[str, Any]) -> None:
    assert answers["project_name"] == "Orders API"
    assert answers["project_slug"]
    assert answers["python_version"] == "3.13"


def test_answers_file_records_the_template_source_and_commit(answers: dict[str, Any]) -> None:
    assert answers["_src_path"] == str(ROOT)
    assert answers["_commit"]


def test_answers_file_leaves_out_derived_values(answers: dict[str, Any]) -> None:
    assert "database_name" not in answers
    assert "python_target" not in answers
