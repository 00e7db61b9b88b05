"""The command line: `migrate` and `serve`, run for real."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from tests.conftest import TEST_JWT_SECRET

runner = CliRunner()


async def _delete_users(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM users"))
    finally:
        await engine.dispose()


@pytest.fixture(autouse=True)
def settings_from_the_environment() -> Iterator[None]:
    """Each command reads the settings afresh from the environment the test sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def service_environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """The environment of a deployed service; users the commands commit are removed after."""
    for name, value in {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    yield
    asyncio.run(_delete_users(database_url))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("service_environment")
def test_migrate_upgrades_to_head() -> None:
    result = runner.invoke(cli, ["migrate"])

    assert result.exit_code == 0, result.output
    assert "Database upgraded to head." in result.output


def test_invalid_settings_stop_the_command_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.delenv("JWT_SECRET", raising=False)

    result = runner.invoke(cli, ["migrate"])

    assert result.exit_code == 2
    assert "Invalid configuration" in result.output
    assert "JWT_SECRET: required when ENVIRONMENT=production" in result.output


def test_migrate_reports_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, unreachable_database_url: str
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", unreachable_database_url)

    result = runner.invoke(cli, ["migrate"])

    assert result.exit_code == 1
    assert "Cannot migrate the database at postgresql+asyncpg://postgres@127.0.0.1" in result.output


def test_no_arguments_prints_the_commands() -> None:
    result = runner.invoke(cli, [])

    assert "serve" in result.output
    assert "migrate" in result.output


@pytest.mark.usefixtures("service_environment")
def test_serve_runs_the_api_until_stopped() -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        response = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the server did not start"
        assert response.status_code == 200
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)

    # Uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status.
    assert process.returncode in (0, -signal.SIGTERM)
    assert b'"event": "shutdown"' in output
    assert b"Traceback" not in output


@pytest.mark.usefixtures("service_environment")
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


@pytest.mark.usefixtures("service_environment")
def test_create_superuser_prompts_for_missing_values() -> None:
    name = f"admin{uuid.uuid4().hex[:8]}"
    answers = f"{name}@example.com\n{name}\nprompted-secret-5\nprompted-secret-5\n"

    result = runner.invoke(cli, ["create-superuser"], input=answers)

    assert result.exit_code == 0, result.output
    assert f"Superuser {name}" in result.output


@pytest.mark.usefixtures("service_environment")
def test_create_superuser_refuses_a_weak_password() -> None:
    result = runner.invoke(
        cli,
        ["create-superuser", "--email", "weak@example.com", "--username", "weak"],
        env={"SUPERUSER_PASSWORD": "password"},
    )

    assert result.exit_code == 2
    assert "password" in result.output
    assert "too common" in result.output or "mix letters" in result.output
