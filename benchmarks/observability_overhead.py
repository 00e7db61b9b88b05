"""What does the full observability stack cost per request?

Two renders of the default variant: one with Prometheus, Sentry and OpenTelemetry
chosen and configured (a DSN and an OTLP endpoint, both served by a local sink that
accepts and discards), one rendered with no observability at all. Both run under
uvicorn (one worker, uvloop, httptools) against PostgreSQL; wrk loads them in turns,
32 connections, on `/health/live` and on an authenticated database read
(`GET /api/v1/users/me`). Prints req/s and latency per round and the median ratios.

    python benchmarks/observability_overhead.py --with PROJECT --without PROJECT \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

Exit status 1 when the stack costs more than --max-overhead (default 10 %) of req/s.
Loopback only; every load is bounded in time.
"""

from __future__ import annotations

import argparse
import http.server
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "benchmark-password-1"
ENDPOINTS = {"health": "/health/live", "authenticated read": "/api/v1/users/me"}


class _Sink(http.server.BaseHTTPRequestHandler):
    """Accepts Sentry envelopes and OTLP exports, and forgets them."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sink() -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"127.0.0.1:{server.server_address[1]}"


def start_service(
    project: Path, environment: dict[str, str]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    python = str(project / ".venv" / "bin" / "python")
    server = subprocess.Popen(
        [
            python,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=1).status_code == 200:
                return server, base_url
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit(f"{project} did not start")


def token_for(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/api/v1/auth/login",
        data={"username": "bench@example.com", "password": PASSWORD},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def wrk(url: str, token: str, seconds: int) -> dict[str, float]:
    result = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            "-c32",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    output = result.stdout
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with", dest="with_stack", type=Path, required=True)
    parser.add_argument("--without", dest="without_stack", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-overhead", type=float, default=0.10)
    args = parser.parse_args()

    sink = start_sink()
    common = {
        **os.environ,
        "ENVIRONMENT": "production",
        "JWT_SECRET": "benchmark-secret-" + "x" * 32,
        "DATABASE_URL": args.database_url,
        "RATE_LIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    configured = {
        **common,
        "SENTRY_DSN": f"http://public@{sink}/1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://{sink}",
    }
    python = str(args.without_stack / ".venv" / "bin" / "python")
    subprocess.run(
        [
            python,
            "-c",
            "from app.cli import main; main()",
            "create-superuser",
            "--email",
            "bench@example.com",
            "--username",
            "bench",
        ],
        cwd=args.without_stack,
        env={**common, "SUPERUSER_PASSWORD": PASSWORD},
        check=False,
        capture_output=True,
    )
    services = {
        "on": start_service(args.with_stack, configured),
        "off": start_service(args.without_stack, common),
    }
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    try:
        tokens = {name: token_for(base) for name, (_, base) in services.items()}
        for name, (_, base) in services.items():  # warm-up
            for path in ENDPOINTS.values():
                wrk(base + path, tokens[name], 2)
        for round_number in range(1, args.rounds + 1):
            for name, (_, base) in services.items():
                for endpoint, path in ENDPOINTS.items():
                    measured = wrk(base + path, tokens[name], args.seconds)
                    results.setdefault((name, endpoint), []).append(measured)
                    print(
                        f"round {round_number} {name:3} {endpoint:18} "
                        f"{measured['rps']:8.0f} req/s  p50 {measured['p50']:6.2f} ms  "
                        f"p99 {measured['p99']:6.2f} ms",
                        flush=True,
                    )
    finally:
        for server, _ in services.values():
            server.terminate()
            server.wait(timeout=30)

    worst = 0.0
    print(f"machine: {os.cpu_count()} cores; wrk -t2 -c32, {args.seconds} s per measurement")
    for endpoint in ENDPOINTS:
        on: Any = {
            key: statistics.median(r[key] for r in results[("on", endpoint)])
            for key in ("rps", "p50", "p99")
        }
        off: Any = {
            key: statistics.median(r[key] for r in results[("off", endpoint)])
            for key in ("rps", "p50", "p99")
        }
        overhead = 1 - on["rps"] / off["rps"]
        worst = max(worst, overhead)
        print(
            f"{endpoint}: on {on['rps']:.0f} req/s (p99 {on['p99']:.2f} ms), "
            f"off {off['rps']:.0f} req/s (p99 {off['p99']:.2f} ms): overhead {overhead:.1%}"
        )
    print(f"worst overhead {worst:.1%} (allowed {args.max_overhead:.0%})")
    return 0 if worst <= args.max_overhead else 1


if __name__ == "__main__":
    sys.exit(main())
