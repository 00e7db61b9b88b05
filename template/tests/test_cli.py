"""The command line: `migrate` and `serve`, run for real."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from app.cli import cli

runner = CliRunner()


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
    monkeypatch.setenv("DEBUG", "true")

    result = runner.invoke(cli, ["migrate"])

    assert result.exit_code == 2
    assert "Invalid configuration" in result.output
    assert "DEBUG: must be false when ENVIRONMENT=production" in result.output


@pytest.mark.usefixtures("service_environment")
def test_migrate_reports_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, unreachable_database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", unreachable_database_url)

    result = runner.invoke(cli, ["migrate"])

    assert result.exit_code == 1
    assert "Cannot migrate the database at " in result.output


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
