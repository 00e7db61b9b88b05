"""SIGTERM, as a container runtime sends it, to a real server with logins in flight.

Requests already in flight (logins: each hashes a password) finish with their answer;
the process exits cleanly, the database engine is disposed and no error is logged.
"""

from __future__ import annotations

import asyncio
import http.client
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.service_process import ServiceProcess
from tests.shutdown import assert_shut_down_cleanly, service_to_stop

IN_FLIGHT = 4
USER = {
    "email": "shutdown@example.com",
    "username": "shutdown",
    "password": "correct-horse-battery-staple-42",
}


def _send_login(port: int) -> http.client.HTTPConnection:
    """A login request, sent: the server has it before this returns."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urlencode({"username": USER["email"], "password": USER["password"]})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/api/v1/auth/login", body=body, headers=headers)
    return connection


def _serve_then_terminate(service: ServiceProcess) -> tuple[int, list[int]]:
    """Start, use, SIGTERM while logins are in flight; the exit code and the answers."""
    answers: list[int] = []
    with service:
        with httpx.Client(base_url=service.base_url, timeout=30) as client:
            assert client.get("/health/ready").status_code == 200  # a pooled connection now
            client.post("/api/v1/auth/register", json=USER)
        in_flight = [_send_login(service.port) for _ in range(IN_FLIGHT)]
        # Accepted and waiting for their password hash, which runs one or two at a time
        # (~0.1 s each): the last ones are still in flight when the signal comes.
        time.sleep(0.1)
        exit_code = service.terminate()
        for connection in in_flight:
            answers.append(connection.getresponse().status)
            connection.close()
    return exit_code, answers


# The server commits the user it registers, outside any test transaction.
@pytest.mark.usefixtures("rows_removed_afterwards")
async def test_sigterm_finishes_requests_disposes_the_engine_and_logs_no_error(
    process_environment: dict[str, str], tmp_path: Path
) -> None:
    service = service_to_stop(process_environment, tmp_path / "log")

    exit_code, answers = await asyncio.to_thread(_serve_then_terminate, service)

    assert answers == [200] * IN_FLIGHT
    await assert_shut_down_cleanly(service, exit_code)
