"""gunicorn, as the service runs in production: uvicorn workers with the options of `serve`."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.gunicorn_process import Gunicorn, running_gunicorn


@pytest.fixture
def gunicorn(service_environment: None) -> Iterator[Gunicorn]:
    with running_gunicorn({}) as server:
        yield server


def test_several_workers_answer(gunicorn: Gunicorn) -> None:
    # New connections each time, so both workers get some of the requests.
    for _ in range(10):
        assert httpx.get(f"{gunicorn.base_url}/health/live", timeout=10).status_code == 200


def test_workers_serve_with_the_options_of_serve(gunicorn: Gunicorn) -> None:
    """The bounded request head, and no server header."""
    normal = httpx.get(f"{gunicorn.base_url}/health/live", timeout=10)
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=30) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
        sent = 0
        try:
            while sent < 32 * 1024 * 1024:
                connection.sendall(b"a" * 65536)
                sent += 65536
        except ConnectionError:  # the server cut it off: a broken pipe or a reset
            pass
        try:
            answer = connection.recv(65536)
        except ConnectionResetError:
            answer = b""  # the reset overtook the 431

    assert normal.status_code == 200
    assert "server" not in normal.headers
    assert sent < 32 * 1024 * 1024  # cut off, not read to the end
    assert answer[:13] in (b"", b"HTTP/1.1 431 ")
