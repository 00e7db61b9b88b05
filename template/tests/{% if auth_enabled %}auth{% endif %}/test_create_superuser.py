"""The create-superuser command, run for real against the test database."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner

from app.cli import cli

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("service_environment", "rows_removed_afterwards")


def test_create_superuser_with_flags() -> None:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    result = runner.invoke(
        cli,
        ["create-superuser", "--email", email, "--username", email.split("@")[0]],
        env={"SUPERUSER_PASSWORD": "admin-password-77"},
    )

    assert result.exit_code == 0, result.output
    assert "created" in result.output
    duplicate = runner.invoke(
        cli,
        ["create-superuser", "--email", email, "--username", "someone-else"],
        env={"SUPERUSER_PASSWORD": "admin-password-77"},
    )
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output


def test_create_superuser_prompts_for_missing_values() -> None:
    name = f"admin{uuid.uuid4().hex[:8]}"
    answers = f"{name}@example.com\n{name}\nprompted-secret-5\nprompted-secret-5\n"

    result = runner.invoke(cli, ["create-superuser"], input=answers)

    assert result.exit_code == 0, result.output
    assert f"Superuser {name}" in result.output


def test_create_superuser_refuses_a_weak_password() -> None:
    result = runner.invoke(
        cli,
        ["create-superuser", "--email", "weak@example.com", "--username", "weak"],
        env={"SUPERUSER_PASSWORD": "password"},
    )

    assert result.exit_code == 2
    assert "password" in result.output
    assert "too common" in result.output or "mix letters" in result.output
