"""The HTTP server's own limits, on a real server: an oversized request head is refused
before it fills the memory, and the server trusts no proxy and names no software."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.server import HEAD_SLACK_BYTES
from tests.service_process import ServiceProcess

MAX_HEADER_BYTES = 32 * 1024
HEAD_LIMIT = MAX_HEADER_BYTES + HEAD_SLACK_BYTES
MIB = 1024 * 1024
# What a refused client may still get into the socket buffers before it sees the close.
BUFFERED_BYTES = 2 * MIB
FLOOD_BYTES = 32 * MIB
SAFETY_TIMEOUT = 30.0


@pytest.fixture
def service(process_environment: dict[str, str], tmp_path: Path) -> Iterator[ServiceProcess]:
    environment = {**process_environment, "MAX_REQUEST_HEADER_BYTES": str(MAX_HEADER_BYTES)}
    with ServiceProcess(environment, tmp_path / "service.log") as service:
        yield service


def _connect(service: ServiceProcess, *, send_buffer: int | None = 16 * 1024) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", service.port), timeout=SAFETY_TIMEOUT)
    if send_buffer is not None:
        # Small, so that what the client managed to send is close to what the server read.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    return connection


def _head(size: int) -> bytes:
    """A GET /health/live head of exactly `size` bytes, its header fields within the
    app's own limit: the rest is a long URL."""
    fields = b"Host: 127.0.0.1\r\nX-Padding: " + b"p" * (MAX_HEADER_BYTES - 1024) + b"\r\n"
    start, end = b"GET /health/live?padding=", b" HTTP/1.1\r\n"
    padding = size - len(start) - len(end) - len(fields) - len(b"\r\n")
    return start + b"q" * padding + end + fields + b"\r\n"


def _read_response(connection: socket.socket) -> http.client.HTTPResponse:
    response = http.client.HTTPResponse(connection)
    response.begin()
    response.read()
    return response


def _read_all(connection: socket.socket) -> bytes:
    """What the server sent until it closed the connection (a reset included)."""
    received = b""
    try:
        while chunk := connection.recv(64 * 1024):
            received += chunk
    except ConnectionResetError:
        pass
    return received


@dataclass
class Flood:
    sent: int
    answer: bytes


def _flood(connection: socket.socket, field: bytes = b"X-Flood: ") -> Flood:
    """Sends one endless header field until the server cuts it off (FLOOD_BYTES at most)."""
    sent = 0
    piece = b"a" * (16 * 1024)
    try:
        connection.sendall(field)
        while sent < FLOOD_BYTES:
            connection.sendall(piece)
            sent += len(piece)
    except ConnectionError:  # the server cut it off: a broken pipe or a reset
        return Flood(sent, _read_all(connection))
    return Flood(sent, b"")  # the server took it all


def _resident_bytes(service: ServiceProcess) -> int:
    assert service.process is not None
    status = Path(f"/proc/{service.process.pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) * 1024


def _body(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


def test_an_endless_header_is_answered_431_and_cut_off_after_the_limit(
    service: ServiceProcess,
) -> None:
    with _connect(service) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        flood = _flood(connection)

    assert flood.sent < HEAD_LIMIT + BUFFERED_BYTES
    assert flood.answer.startswith(b"HTTP/1.1 431 ")
    assert _body(flood.answer) == {
        "error": "REQUEST_HEADER_FIELDS_TOO_LARGE",
        "message": "The request headers are too large.",
        "details": None,
    }


def test_an_endless_header_does_not_grow_the_servers_memory(service: ServiceProcess) -> None:
    before = _resident_bytes(service)

    with _connect(service) as connection:
        connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        _flood(connection)

    assert _resident_bytes(service) - before < 8 * MIB


def test_an_endless_trailer_after_a_chunked_body_is_cut_off(service: ServiceProcess) -> None:
    before = _resident_bytes(service)

    with _connect(service) as connection:
        connection.sendall(
            b"POST /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
        )
        flood = _flood(connection, field=b"X-Trailer: ")

    assert flood.sent < HEAD_LIMIT + BUFFERED_BYTES
    assert _resident_bytes(service) - before < 8 * MIB


def test_other_clients_are_answered_during_a_sustained_header_flood(
    service: ServiceProcess,
) -> None:
    floods: list[Flood] = []
    under_way, stop = threading.Event(), threading.Event()

    def flood_again_and_again() -> None:
        while not stop.is_set():
            with _connect(service) as connection:
                connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                floods.append(_flood(connection))
            under_way.set()

    flooder = threading.Thread(target=flood_again_and_again)
    flooder.start()
    try:
        assert under_way.wait(SAFETY_TIMEOUT), "the flood never got going"
        statuses = []
        for _ in range(20):
            # A new connection each time, as independent clients.
            with httpx.Client(base_url=service.base_url, timeout=SAFETY_TIMEOUT) as client:
                statuses.append(client.get("/health/live").status_code)
    finally:
        stop.set()
        flooder.join(timeout=SAFETY_TIMEOUT)

    assert statuses == [200] * 20
    assert max(flood.sent for flood in floods) < HEAD_LIMIT + BUFFERED_BYTES


def test_a_head_of_the_limit_is_served_and_one_byte_more_is_refused(
    service: ServiceProcess,
) -> None:
    with _connect(service) as connection:
        connection.sendall(_head(HEAD_LIMIT))
        at_the_limit = _read_response(connection)
    with _connect(service) as connection:
        connection.sendall(_head(HEAD_LIMIT + 1))
        beyond = _read_response(connection)

    assert at_the_limit.status == 200
    assert beyond.status == 431


def test_each_request_of_a_kept_alive_connection_has_the_whole_limit(
    service: ServiceProcess,
) -> None:
    with _connect(service) as connection:
        # Together far beyond the limit, each one within it.
        statuses = []
        for _ in range(4):
            connection.sendall(_head(HEAD_LIMIT * 3 // 4))
            statuses.append(_read_response(connection).status)
        connection.sendall(_head(HEAD_LIMIT + 1))
        beyond = _read_response(connection)

    assert statuses == [200] * 4
    assert beyond.status == 431
    assert beyond.getheader("connection") == "close"


def test_a_body_arriving_with_its_head_does_not_count_against_the_limit(
    service: ServiceProcess,
) -> None:
    body = b"b" * (4 * HEAD_LIMIT)
    head = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
    with _connect(service, send_buffer=None) as connection:
        connection.sendall(head % len(body) + body)  # in as few packets as the kernel likes
        response = _read_response(connection)

    assert response.status == 200


def test_pipelined_requests_are_answered_before_the_refusal_of_an_endless_header(
    service: ServiceProcess,
) -> None:
    with _connect(service) as connection:
        request = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        connection.sendall(request * 2 + b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        flood = _flood(connection)

    assert flood.sent < HEAD_LIMIT + BUFFERED_BYTES
    assert re.findall(rb"HTTP/1.1 (\d{3}) ", flood.answer) == [b"200", b"200", b"431"]


@pytest.mark.parametrize(
    ("trusted_proxies", "client"),
    [(None, "127.0.0.1"), ("127.0.0.1", "203.0.113.7")],
    ids=["no proxy configured", "loopback proxy configured"],
)
def test_x_forwarded_for_is_believed_from_configured_proxies_only(
    process_environment: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    trusted_proxies: str | None,
    client: str,
) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    environment = dict(process_environment)
    if trusted_proxies is not None:
        environment["FORWARDED_ALLOW_IPS"] = trusted_proxies
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "forwarded-for-test"}
    with ServiceProcess(environment, tmp_path / "service.log") as service:
        assert httpx.get(f"{service.base_url}/health/live", headers=headers).status_code == 200

    lines = [json.loads(line) for line in service.output().splitlines() if line.startswith("{")]
    access = next(
        line
        for line in lines
        if line["event"] == "request" and line.get("request_id") == "forwarded-for-test"
    )
    assert access["client"] == client


def test_responses_do_not_name_the_server_software(service: ServiceProcess) -> None:
    response = httpx.get(f"{service.base_url}/health/live")

    assert response.status_code == 200
    assert "server" not in response.headers
