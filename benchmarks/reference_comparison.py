"""The rendered service against a bare FastAPI app doing the same work.

The template side is the default variant with Prometheus, Sentry and OpenTelemetry on
and configured (a local sink takes the events and spans); the reference is
`reference_app.py`, run with the same interpreter and libraries. One process at a
time, uvicorn with one worker, uvloop and httptools, against the same PostgreSQL
database; template and reference alternate, several rounds in one run. Each round:
start-up time to the first 200, idle RSS, then per endpoint a warm-up and a measured
wrk load (32 connections), and the PostgreSQL sessions the server opened.

The template is served as `serve` serves it: its bounded httptools protocol
(app/core/server.py), no server header, no proxy trusted. In the same rounds, the
health endpoint of each app is also served with the other protocol (the template with
stock httptools, the reference with the bounded one), for the cost of the bound.

    python benchmarks/reference_comparison.py --project PROJECT \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

Prints the medians, the template/reference ratios, the bounded/stock ratios and each
target; exit status 1 when a target is missed. Loopback only; every load is bounded in
time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from harness import (
    BOUNDED_HTTPTOOLS,
    UVICORN_OPTIONS,
    Server,
    create_benchmark_user,
    integrations_configured,
    log_in,
    machine,
    postgresql_sessions,
    require_wrk,
    service_environment,
    start_sink,
    with_http,
    wrk,
)

BENCHMARKS = Path(__file__).resolve().parent
ENDPOINTS = ("health", "authenticated read")
POOL_CAPACITY = 32 + 8  # pool size + overflow, the same on both sides
# The service's options as `serve` passes them, with stock httptools.
SERVICE_OPTIONS = (*UVICORN_OPTIONS, "--no-server-header", "--no-proxy-headers")
# The same app and options with the bounded and with the stock protocol: (bounded, stock).
PROTOCOL_PAIRS = (("template", "template, stock httptools"), ("reference, bounded", "reference"))
PROTOCOL_TARGET = 0.97  # the bound may cost less than 3 % of req/s


@dataclass
class Side:
    name: str
    server: Server
    paths: dict[str, str]  # the endpoints measured on this side
    login_path: str


def sides(project: Path, database_url: str, access_log: bool) -> list[Side]:
    python = project / ".venv" / "bin" / "python"
    secret = "benchmark-secret-" + "x" * 32
    sink = start_sink()
    template_env = {
        **service_environment(database_url, secret, log_level="INFO" if access_log else "WARNING"),
        **integrations_configured(sink),
    }
    reference_env = {**os.environ, "JWT_SECRET": secret, "DATABASE_URL": database_url}
    reference_options = ("--loop", "uvloop", "--http", "httptools")
    if not access_log:
        reference_options = UVICORN_OPTIONS

    def template(options: tuple[str, ...]) -> Server:
        app = ("app.main:create_app", "--factory")
        return Server(python, app, project, template_env, "/health/live", options)

    def reference(options: tuple[str, ...]) -> Server:
        return Server(python, ("reference_app:app",), BENCHMARKS, reference_env, "/health", options)

    template_paths = {"health": "/health/live", "authenticated read": "/api/v1/users/me"}
    reference_paths = {"health": "/health", "authenticated read": "/users/me"}
    bounded_template = template(with_http(SERVICE_OPTIONS, BOUNDED_HTTPTOOLS))
    bounded_reference = reference(with_http(reference_options, BOUNDED_HTTPTOOLS))
    # Pairs side by side, so that each is measured under the same conditions.
    return [
        Side("template", bounded_template, template_paths, "/api/v1/auth/login"),
        Side(
            "template, stock httptools",
            template(SERVICE_OPTIONS),
            {"health": template_paths["health"]},
            "/api/v1/auth/login",
        ),
        Side("reference", reference(reference_options), reference_paths, "/login"),
        Side(
            "reference, bounded",
            bounded_reference,
            {"health": reference_paths["health"]},
            "/login",
        ),
    ]


def measure(side: Side, database_url: str, warmup: int, seconds: int) -> dict[str, float]:
    sessions_before = postgresql_sessions(database_url)
    figures: dict[str, float] = {}
    with side.server as server:
        figures["startup"] = server.startup_seconds
        token = log_in(server.base_url, side.login_path)
        figures["rss"] = server.rss_mib()
        headers = [f"Authorization: Bearer {token}"]
        for endpoint, path in side.paths.items():
            url = server.base_url + path
            wrk(url, warmup, headers)
            result = wrk(url, seconds, headers)
            for key, value in result.items():
                figures[f"{endpoint} {key}"] = value
        figures["rss after"] = server.rss_mib()
    figures["sessions"] = postgresql_sessions(database_url) - sessions_before
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="both sides log every request (template LOG_LEVEL=INFO, uvicorn's access log)",
    )
    args = parser.parse_args()
    require_wrk()

    asyncpg_url = args.database_url.replace("postgresql://", "postgresql+asyncpg://")
    both = sides(args.project, asyncpg_url, args.access_log)
    create_benchmark_user(args.project, both[0].server.environment)
    results: dict[str, list[dict[str, float]]] = {side.name: [] for side in both}
    for round_number in range(1, args.rounds + 1):
        # Every other round in the reverse order: neither side of a pair always goes first.
        for side in both if round_number % 2 else both[::-1]:
            figures = measure(side, args.database_url, args.warmup, args.seconds)
            results[side.name].append(figures)
            print(
                f"round {round_number} {side.name:26} start-up {figures['startup']:.2f} s, "
                f"RSS {figures['rss']:.0f} MiB, "
                + ", ".join(
                    f"{endpoint} {figures[f'{endpoint} rps']:.0f} req/s "
                    f"(p99 {figures[f'{endpoint} p99']:.1f} ms)"
                    for endpoint in side.paths
                )
                + f", {figures['sessions']:.0f} new PostgreSQL sessions",
                flush=True,
            )

    def median(name: str, key: str) -> float:
        return statistics.median(figures[key] for figures in results[name])

    print(
        f"\nmachine: {machine()}; wrk -t2 -c32, {args.warmup} s warm-up + {args.seconds} s "
        f"per endpoint, {args.rounds} alternating rounds, medians; "
        f"access log {'on' if args.access_log else 'off'} on both sides"
    )
    print(f"{'':22}{'template':>12}{'reference':>12}{'ratio':>8}  target")
    checks: list[tuple[str, float, float, bool, str]] = []
    for endpoint in ENDPOINTS:
        for key in ("rps", "p50", "p99"):
            ours = median("template", f"{endpoint} {key}")
            theirs = median("reference", f"{endpoint} {key}")
            if key == "rps":
                checks.append((f"{endpoint} req/s", ours, theirs, ours >= 0.9 * theirs, "≥ 0.90"))
            elif key == "p99":
                checks.append((f"{endpoint} p99 ms", ours, theirs, ours <= 1.25 * theirs, "≤ 1.25"))
            else:
                checks.append((f"{endpoint} p50 ms", ours, theirs, True, ""))
    startup = median("template", "startup"), median("reference", "startup")
    checks.append(("start-up s", *startup, startup[0] <= startup[1] + 0.5, "≤ ref + 0.5 s"))
    rss = median("template", "rss"), median("reference", "rss")
    checks.append(("idle RSS MiB", *rss, rss[0] <= rss[1] + 15, "≤ ref + 15 MiB"))
    sessions = (
        max(f["sessions"] for f in results["template"]),
        max(f["sessions"] for f in results["reference"]),
    )
    checks.append(
        ("PG sessions (max)", *sessions, sessions[0] <= POOL_CAPACITY, f"≤ {POOL_CAPACITY}")
    )
    missed = 0
    for label, ours, theirs, met, target in checks:
        ratio = ours / theirs if theirs else float("nan")
        verdict = "" if not target else ("met" if met else "MISSED")
        missed += not met
        print(f"{label:22}{ours:12.2f}{theirs:12.2f}{ratio:8.2f}  {target} {verdict}")

    print(f"\nhealth req/s, bounded request head against stock httptools ({BOUNDED_HTTPTOOLS})")
    print(f"{'':22}{'bounded':>12}{'stock':>12}{'ratio':>8}  target")
    for bounded, stock in PROTOCOL_PAIRS:
        ours, theirs = median(bounded, "health rps"), median(stock, "health rps")
        met = ours >= PROTOCOL_TARGET * theirs
        missed += not met
        label = f"{stock.split(',')[0]} {'/health/live' if 'template' in stock else '/health'}"
        print(
            f"{label:22}{ours:12.2f}{theirs:12.2f}{ours / theirs:8.3f}  "
            f"≥ {PROTOCOL_TARGET:.2f} (cost < 3 %) {'met' if met else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
