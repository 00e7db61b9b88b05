"""The questions refuse answers that would break the render, and derive what they can."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from matrix.rendering import render as copier_copy
from rendering import render


def refusal(tmp_path: Path, **answers: str) -> str:
    """Copier's output for answers it must refuse; fails the test if copier accepts them."""
    data = {"project_name": "Orders API", **answers}
    result = copier_copy(tmp_path / "project", data, quiet=False, check=False)
    assert result.returncode != 0, f"copier accepted {data}:\n{result.stdout}"
    return result.stdout + result.stderr


@pytest.mark.parametrize("slug", ["Bad_Slug", "-x", "a--b"])
def test_an_invalid_slug_is_refused(tmp_path: Path, slug: str) -> None:
    output = refusal(tmp_path, project_slug=slug)

    assert f'"{slug}" is not a valid slug' in output


def test_an_invalid_email_is_refused(tmp_path: Path) -> None:
    output = refusal(tmp_path, author_email="not-an-email")

    assert '"not-an-email" is not an email address' in output


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_an_empty_project_name_is_refused(tmp_path: Path, name: str) -> None:
    output = refusal(tmp_path, project_name=name)

    assert "The project name cannot be empty" in output


def test_a_python_version_outside_the_choices_is_refused(tmp_path: Path) -> None:
    output = refusal(tmp_path, python_version="3.10")

    assert "python_version" in output
    assert "3.10" in output


@pytest.mark.parametrize("ci", ["gitlab", "none"])
def test_dependabot_without_github_is_refused(tmp_path: Path, ci: str) -> None:
    output = refusal(tmp_path, dependency_updates="dependabot", ci=ci)

    assert "Dependabot runs only on GitHub" in output
    assert not (tmp_path / "project").exists()


def test_a_new_service_starts_on_the_newest_python_tested_end_to_end(
    answers: dict[str, Any], default_project: Path
) -> None:
    assert answers["python_version"] == "3.13"
    assert (default_project / ".python-version").read_text() == "3.13\n"
    assert 'requires-python = ">=3.13"' in (default_project / "pyproject.toml").read_text()


def test_the_slug_is_derived_from_the_project_name(answers: dict[str, Any]) -> None:
    assert answers["project_name"] == "Orders API"
    assert answers["project_slug"] == "orders-api"


def test_the_derived_slug_spells_accented_letters_without_accents(tmp_path: Path) -> None:
    project = render(tmp_path / "project", {"project_name": "Ünïcode Name"})

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_slug"] == "unicode-name"


def test_with_no_answers_the_name_comes_from_the_destination_folder(tmp_path: Path) -> None:
    project = render(tmp_path / "billing_service", {})

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "Billing Service"
    assert answers["project_slug"] == "billing-service"
