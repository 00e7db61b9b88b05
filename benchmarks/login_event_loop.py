"""Does logging in block the event loop?

Runs against a rendered project that is already installed and migrated:
starts its server (uvicorn, one worker), measures `/health/live` latency while idle,
then again while 4 clients log in continuously, and prints both p99s and their ratio.

    python benchmarks/login_event_loop.py --project /path/to/rendered --database-url ...

Exit status 1 when the loaded p99 exceeds the allowed ratio (default 2x idle).
Loopback only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import time
from multiprocessing import Queue
from pathlib import Path

import httpx
from harness import EMAIL, METRICS_TOKEN, PASSWORD, Server, create_benchmark_user

LOGIN_CLIENTS = 4
PROBE_PAUSE = 0.005


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def probe_health(client: httpx.AsyncClient, count: int, pause: float) -> list[float]:
    """Sequential `/health/live` requests; latency of each in milliseconds."""
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get("/health/live")
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        await asyncio.sleep(pause)
    return latencies


async def log_in_until(client: httpx.AsyncClient, stop: asyncio.Event, logins: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/auth/login", data={"username": EMAIL, "password": PASSWORD}
        )
        response.raise_for_status()
        logins.append((time.perf_counter() - started) * 1000)


async def run_logins(base_url: str, seconds: float) -> list[float]:
    """LOGIN_CLIENTS clients logging in back to back for `seconds` (bounded)."""
    stop = asyncio.Event()
    logins: list[float] = []
    clients = [httpx.AsyncClient(base_url=base_url, timeout=30) for _ in range(LOGIN_CLIENTS)]
    workers = [asyncio.create_task(log_in_until(client, stop, logins)) for client in clients]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*workers)
    for client in clients:
        await client.aclose()
    return logins


def login_load_process(base_url: str, seconds: float, queue: Queue[list[float]]) -> None:
    queue.put(asyncio.run(run_logins(base_url, seconds)))


async def measure_round(client: httpx.AsyncClient, base_url: str, probes: int) -> dict[str, float]:
    """One idle phase, then one phase with LOGIN_CLIENTS clients logging in."""
    idle = await probe_health(client, probes, PROBE_PAUSE)

    # The logins come from another process, so they do not slow the probing client.
    started = time.perf_counter()
    await probe_health(client, 10, PROBE_PAUSE)
    probe_seconds = (time.perf_counter() - started) / 10 * probes
    queue: Queue[list[float]] = multiprocessing.Queue()
    load = multiprocessing.Process(
        target=login_load_process, args=(base_url, probe_seconds * 2 + 2.0, queue)
    )
    load.start()
    await asyncio.sleep(1.0)  # let the logins reach a steady state
    loaded = await probe_health(client, probes, PROBE_PAUSE)
    logins = await asyncio.to_thread(queue.get, timeout=600)
    load.join(timeout=60)
    return {
        "idle_p50_ms": statistics.median(idle),
        "idle_p99_ms": percentile(idle, 0.99),
        "loaded_p50_ms": statistics.median(loaded),
        "loaded_p99_ms": percentile(loaded, 0.99),
        "logins": len(logins),
        "login_p50_ms": statistics.median(logins) if logins else float("nan"),
    }


async def measure(base_url: str, probes: int, rounds: int) -> dict[str, float]:
    """Alternate idle and loaded phases; the medians over the rounds."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        await probe_health(client, 100, PROBE_PAUSE)  # warm-up
        results = [await measure_round(client, base_url, probes) for _ in range(rounds)]
    for number, result in enumerate(results, start=1):
        print(
            f"round {number}: idle p99 {result['idle_p99_ms']:.2f} ms, "
            f"loaded p99 {result['loaded_p99_ms']:.2f} ms, logins {result['logins']:.0f}"
        )
    return {key: statistics.median(result[key] for result in results) for key in results[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--probes", type=int, default=500, help="requests per phase")
    parser.add_argument("--rounds", type=int, default=3, help="idle/loaded alternations")
    parser.add_argument("--max-ratio", type=float, default=2.0)
    args = parser.parse_args()

    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "JWT_SECRET": "benchmark-secret-" + "x" * 32,
        "METRICS_TOKEN": METRICS_TOKEN,
        "DATABASE_URL": args.database_url,
        "RATE_LIMIT_ENABLED": "false",  # measure hashing, not the limiter's 429s
        "LOG_LEVEL": "WARNING",
    }
    create_benchmark_user(args.project, env)
    python = args.project / ".venv" / "bin" / "python"
    app = ("app.main:create_app", "--factory")
    with Server(python, app, args.project, env, "/health/ready") as server:
        result = asyncio.run(measure(server.base_url, args.probes, args.rounds))

    ratio = result["loaded_p99_ms"] / result["idle_p99_ms"]
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        f"/health/live idle:    p50 {result['idle_p50_ms']:.2f} ms, "
        f"p99 {result['idle_p99_ms']:.2f} ms"
    )
    print(
        f"/health/live loaded:  p50 {result['loaded_p50_ms']:.2f} ms, "
        f"p99 {result['loaded_p99_ms']:.2f} ms ({LOGIN_CLIENTS} clients logging in)"
    )
    print(
        f"logins during the loaded phase: {result['logins']:.0f}, "
        f"p50 {result['login_p50_ms']:.0f} ms"
    )
    print(
        f"medians of {args.rounds} rounds; p99 ratio loaded/idle: {ratio:.2f} "
        f"(allowed {args.max_ratio:.2f})"
    )
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
