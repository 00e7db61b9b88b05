"""The service as it is deployed: `serve` in a child process, on loopback, for the tests
that need a real server (shutdown, database outages, HTTP limits)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServiceProcess:
    """The `serve` command with `environment`; its output goes to `log`."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self.environment = {**os.environ, **environment}
        self.log = log
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [
                sys.executable,
                "-c",
                "from app.cli import main; main()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.environment,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(base_url=self.base_url, timeout=1) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the service exited during start-up:\n{self.output()}")
                try:
                    if client.get("/health/live").status_code == 200:
                        return self
                except httpx.TransportError:
                    time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the service did not start within {START_TIMEOUT} s:\n{self.output()}")

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, as a container runtime sends it; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """SIGTERM, so that the process exits as it would in production (its coverage
        data saved); SIGKILL if it is still running after STOP_TIMEOUT."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self._log_file is not None:
            self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()
