"""What the benchmarks share: servers on loopback, wrk, a sink, PostgreSQL counters.

Every server listens on 127.0.0.1 only; every wait and every load is bounded in time.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PASSWORD = "benchmark-password-1"
EMAIL = "bench@example.com"
# /metrics needs a token when ENVIRONMENT=production (the benchmarks' environment).
METRICS_TOKEN = "benchmark-metrics-token"
UVICORN_OPTIONS = ("--loop", "uvloop", "--http", "httptools", "--no-access-log")
# The HTTP protocol the rendered service is served with (app/core/server.py): httptools,
# with the request head bounded.
BOUNDED_HTTPTOOLS = "app.core.server:BoundedHttpToolsProtocol"


def with_http(options: Sequence[str], http: str) -> tuple[str, ...]:
    """`options` with `--http` set to `http` (a name or a "module:Class")."""
    position = list(options).index("--http") + 1
    return (*options[:position], http, *options[position + 1 :])


def service_environment(
    database_url: str, jwt_secret: str, *, log_level: str = "WARNING"
) -> dict[str, str]:
    """The service as deployed (production settings, /metrics behind its token), with the
    rate limits off: every load logs in far more often than a limit allows."""
    return {
        **os.environ,
        "ENVIRONMENT": "production",
        "JWT_SECRET": jwt_secret,
        "METRICS_TOKEN": METRICS_TOKEN,
        "DATABASE_URL": database_url,
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": log_level,
    }


def integrations_configured(sink: str) -> dict[str, str]:
    """Sentry and OpenTelemetry configured, both sending to the sink (`start_sink`)."""
    return {
        "SENTRY_DSN": f"http://public@{sink}/1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{sink}",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Sink(http.server.BaseHTTPRequestHandler):
    """Accepts Sentry envelopes and OTLP exports, and forgets them."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def start_sink() -> str:
    """A local endpoint for Sentry and OTLP; its host:port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"127.0.0.1:{server.server_address[1]}"


@dataclass
class Server:
    """A uvicorn process (one worker) started from `cwd` with `app` and `environment`."""

    python: Path
    app: Sequence[str]
    cwd: Path
    environment: dict[str, str]
    ready_path: str
    options: Sequence[str] = UVICORN_OPTIONS
    port: int = field(default_factory=free_port)
    startup_seconds: float = 0.0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Server:
        """Start, and wait for the first 200 on `ready_path`; the wait is start-up time."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                str(self.python),
                "-m",
                "uvicorn",
                *self.app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *self.options,
            ],
            cwd=self.cwd,
            env=self.environment,
            stdout=subprocess.DEVNULL,
        )
        with httpx.Client(base_url=self.base_url, timeout=1) as client:
            while time.perf_counter() - started < timeout:
                if self.process.poll() is not None:
                    raise SystemExit(f"{self.app} exited with {self.process.returncode}")
                try:
                    if client.get(self.ready_path).status_code == 200:
                        self.startup_seconds = time.perf_counter() - started
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        self.stop()
        raise SystemExit(f"{self.app} did not answer {self.ready_path} within {timeout} s")

    def rss_mib(self) -> float:
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match, status
        return int(match.group(1)) / 1024

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def log_in(base_url: str, path: str) -> str:
    """The benchmark user's access token."""
    response = httpx.post(
        base_url + path, data={"username": EMAIL, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def create_benchmark_user(project: Path, environment: dict[str, str]) -> None:
    """The user the benchmarks log in as (already there on a second run)."""
    subprocess.run(
        [
            str(project / ".venv" / "bin" / "python"),
            "-c",
            "from app.cli import main; main()",
            "create-superuser",
            "--email",
            EMAIL,
            "--username",
            "bench",
        ],
        cwd=project,
        env={**environment, "SUPERUSER_PASSWORD": PASSWORD},
        check=False,
        capture_output=True,
    )


def wrk(
    url: str, seconds: int, headers: Sequence[str] = (), connections: int = 32
) -> dict[str, float]:
    """Load `url` with wrk (2 threads); req/s, p50 and p99 in ms. Non-2xx answers fail."""
    command = [shutil.which("wrk") or "wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, "--latency", url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"non-2xx answers from {url}:\n{output}")

    def latency(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    requests = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert requests, output
    return {"rps": float(requests.group(1)), "p50": latency("50"), "p99": latency("99")}


def postgresql_sessions(database_url: str) -> int:
    """Sessions ever opened on the database (pg_stat_database.sessions)."""
    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    output = subprocess.run(
        [
            "psql",
            admin_url.replace("postgresql+asyncpg://", "postgresql://"),
            "-Atc",
            f"SELECT sessions FROM pg_stat_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output.strip())


def require_wrk() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}"
