"""What does the full observability stack cost per request?

Two renders of the default variant: one with Prometheus, Sentry and OpenTelemetry
chosen and configured (a DSN and an OTLP endpoint, both served by a local sink that
accepts and discards), one rendered with no observability at all. Each runs alone under
uvicorn (one worker, uvloop, httptools) against PostgreSQL; they alternate, several
rounds in one run; wrk loads `/health/live` and an authenticated database read
(`GET /api/v1/users/me`) with 32 connections. Prints req/s and latency per round and
the median overheads.

The stack is measured as configured above, every request traced (the OpenTelemetry
default). For information, a third server runs the same stack with head sampling
(`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`): what a
team that samples one trace in ten pays. The target applies to the fully traced stack.

    python benchmarks/observability_overhead.py --with PROJECT --without PROJECT \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

Exit status 1 when the stack costs more than --max-overhead (default 10 %) of req/s.
Loopback only; every load is bounded in time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from harness import (
    Server,
    create_benchmark_user,
    integrations_configured,
    log_in,
    machine,
    require_wrk,
    service_environment,
    start_sink,
    wrk,
)

ENDPOINTS = {"health": "/health/live", "authenticated read": "/api/v1/users/me"}


def server_for(project: Path, environment: dict[str, str]) -> Server:
    python = project / ".venv" / "bin" / "python"
    return Server(
        python, ("app.main:create_app", "--factory"), project, environment, "/health/live"
    )


def median_figures(measurements: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(m[key] for m in measurements) for key in ("rps", "p50", "p99")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with", dest="with_stack", type=Path, required=True)
    parser.add_argument("--without", dest="without_stack", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-overhead", type=float, default=0.10)
    args = parser.parse_args()

    require_wrk()
    sink = start_sink()
    common = service_environment(args.database_url, "benchmark-secret-" + "x" * 32)
    configured = {**common, **integrations_configured(sink)}
    create_benchmark_user(args.without_stack, common)
    sampled = {
        **configured,
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    }
    servers = {
        "on": server_for(args.with_stack, configured),
        "off": server_for(args.without_stack, common),
        "sampled": server_for(args.with_stack, sampled),
    }
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    # One server at a time: the two never compete for the cores or the database.
    for round_number in range(1, args.rounds + 1):
        for name, server in servers.items():
            with server:
                headers = [f"Authorization: Bearer {log_in(server.base_url, '/api/v1/auth/login')}"]
                for endpoint, path in ENDPOINTS.items():
                    wrk(server.base_url + path, args.warmup, headers)
                    measured = wrk(server.base_url + path, args.seconds, headers)
                    results.setdefault((name, endpoint), []).append(measured)
                    print(
                        f"round {round_number} {name:7} {endpoint:18} "
                        f"{measured['rps']:8.0f} req/s  p50 {measured['p50']:6.2f} ms  "
                        f"p99 {measured['p99']:6.2f} ms",
                        flush=True,
                    )

    worst = 0.0
    print(
        f"machine: {machine()}; wrk -t2 -c32, {args.warmup} s warm-up + {args.seconds} s per "
        f"measurement, {args.rounds} alternating rounds, one server at a time, medians"
    )
    for endpoint in ENDPOINTS:
        on, off, one_in_ten = (
            median_figures(results[(name, endpoint)]) for name in ("on", "off", "sampled")
        )
        overhead = 1 - on["rps"] / off["rps"]
        worst = max(worst, overhead)
        print(
            f"{endpoint}: on {on['rps']:.0f} req/s (p99 {on['p99']:.2f} ms), "
            f"off {off['rps']:.0f} req/s (p99 {off['p99']:.2f} ms): overhead {overhead:.1%}; "
            f"with 1 trace in 10 sampled {one_in_ten['rps']:.0f} req/s "
            f"(p99 {one_in_ten['p99']:.2f} ms): overhead {1 - one_in_ten['rps'] / off['rps']:.1%}"
        )
    print(f"worst overhead {worst:.1%} (allowed {args.max_overhead:.0%})")
    return 0 if worst <= args.max_overhead else 1


if __name__ == "__main__":
    sys.exit(main())
