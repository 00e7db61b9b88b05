"""The service as the README runs it in production: gunicorn with gunicorn.conf.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.service_process import free_port

PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Gunicorn:
    base_url: str
    port: int


@contextmanager
def running_gunicorn(environment: dict[str, str]) -> Iterator[Gunicorn]:
    """`gunicorn -c gunicorn.conf.py` with two workers, answering on a free port."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the project's own gunicorn
        [sys.executable, "-m", "gunicorn", "-c", str(PROJECT / "gunicorn.conf.py")],
        cwd=PROJECT,
        env={
            **os.environ,
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base_url}/health/live", timeout=10)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Gunicorn(base_url, port)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
