"""Fuzzing and a soak test against the rendered service, running under uvicorn.

1. Fuzzing: schemathesis against the service's own OpenAPI document, logged in as an
   ordinary user, every check but `positive_data_acceptance` (the password policy, a
   list of common passwords among it, is more than JSON Schema can state). At least
   --min-cases generated cases, no failure: no server error, no status code, header or
   body the document does not declare.
2. Soak: --soak-seconds of wrk at 32 connections over a mix of endpoints (liveness,
   readiness, the authenticated read). No answer but 2xx, no socket error,
   the database pool back to idle afterwards, resident memory grown by less than 10 %.

    python benchmarks/reliability.py --project PROJECT --database-url URL \\
        --schemathesis /path/to/schemathesis

Exit status 1 on any failure. Loopback only; everything is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from harness import (
    METRICS_TOKEN,
    PASSWORD,
    Server,
    integrations_configured,
    machine,
    require_wrk,
    service_environment,
    start_sink,
)

FUZZ_USER = {"email": "fuzz@example.com", "username": "fuzz", "password": PASSWORD}
# /metrics is read once afterwards: a scraper calls it every few seconds, not at load.
SOAK_PATHS = ("/health/live", "/health/ready", "/api/v1/users/me", "/api/v1/users/me")
MAX_RSS_GROWTH = 0.10
SOAK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def ordinary_user_token(base_url: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.post("/api/v1/auth/register", json=FUZZ_USER)
        response = client.post(
            "/api/v1/auth/login",
            data={"username": FUZZ_USER["email"], "password": FUZZ_USER["password"]},
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


def fuzz(schemathesis: str, base_url: str, token: str, examples: int, min_cases: int) -> bool:
    started = time.perf_counter()
    result = subprocess.run(
        [
            schemathesis,
            "run",
            f"{base_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            str(examples),
            "--seed",
            "20261126",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    took = time.perf_counter() - started
    summary = re.search(r"(\d+) generated, (.*)", result.stdout)
    generated = int(summary.group(1)) if summary else 0
    print(result.stdout[-4000:])
    print(
        f"fuzzing: {generated} generated cases in {took:.0f} s, "
        f"schemathesis exit status {result.returncode}"
    )
    if generated < min_cases:
        print(f"FAILED: fewer than {min_cases} cases")
    return result.returncode == 0 and generated >= min_cases


def soak(server: Server, token: str, seconds: int) -> bool:
    headers = ["-H", f"Authorization: Bearer {token}"]
    script = Path(tempfile.mkdtemp(prefix="soak-")) / "mix.lua"
    script.write_text(SOAK_SCRIPT % ", ".join(json.dumps(path) for path in SOAK_PATHS))
    wrk = shutil.which("wrk") or "wrk"
    base = [wrk, "-t2", "-c32", *headers, "-s", str(script)]
    subprocess.run([*base, "-d5s", server.base_url], capture_output=True, check=True)
    rss_before = server.rss_mib()
    output = subprocess.run(
        [*base, f"-d{seconds}s", "--latency", server.base_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    time.sleep(1)
    rss_after = server.rss_mib()
    shutil.rmtree(script.parent, ignore_errors=True)

    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    authorization = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    with httpx.Client(base_url=server.base_url, timeout=10, headers=authorization) as client:
        metrics = client.get("/metrics").text
    checked_out = re.search(r"^db_pool_checked_out ([\d.]+)$", metrics, re.MULTILINE)
    growth = rss_after / rss_before - 1
    print(output)
    print(
        f"soak: {requests} requests in {seconds} s over {', '.join(sorted(set(SOAK_PATHS)))}; "
        f"non-2xx {non_2xx.group(1) if non_2xx else 0}; "
        f"socket errors {socket_errors.group(1) if socket_errors else 'none'}; "
        f"pool checked out afterwards {checked_out.group(1) if checked_out else '?'}; "
        f"RSS {rss_before:.1f} -> {rss_after:.1f} MiB ({growth:+.1%})"
    )
    return (
        non_2xx is None
        and socket_errors is None
        and checked_out is not None
        and float(checked_out.group(1)) == 0
        and growth < MAX_RSS_GROWTH
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schemathesis", required=True, help="the schemathesis command")
    parser.add_argument("--examples", type=int, default=100, help="per operation and phase")
    parser.add_argument("--min-cases", type=int, default=1000)
    parser.add_argument("--soak-seconds", type=int, default=60)
    args = parser.parse_args()
    require_wrk()

    sink = start_sink()
    environment = {
        **service_environment(args.database_url, "reliability-secret-" + "x" * 32),
        **integrations_configured(sink),
        "API_DOCS_ENABLED": "true",  # the fuzzer reads the OpenAPI document
    }
    python = args.project / ".venv" / "bin" / "python"
    app = ("app.main:create_app", "--factory")
    print(f"machine: {machine()}")
    with Server(python, app, args.project, environment, "/health/ready") as server:
        fuzz_ok = fuzz(
            args.schemathesis,
            server.base_url,
            ordinary_user_token(server.base_url),
            args.examples,
            args.min_cases,
        )
        # The fuzzer may have changed the user's password or revoked its session.
        soak_ok = soak(server, ordinary_user_token_after_fuzz(server.base_url), args.soak_seconds)
    print(f"fuzzing {'passed' if fuzz_ok else 'FAILED'}; soak {'passed' if soak_ok else 'FAILED'}")
    return 0 if fuzz_ok and soak_ok else 1


def ordinary_user_token_after_fuzz(base_url: str) -> str:
    """A fresh user for the soak: the fuzzer may have changed the first one's password."""
    suffix = str(int(time.time()))
    with httpx.Client(base_url=base_url, timeout=30) as client:
        user = {**FUZZ_USER, "email": f"soak{suffix}@example.com", "username": f"soak{suffix}"}
        client.post("/api/v1/auth/register", json=user).raise_for_status()
        response = client.post(
            "/api/v1/auth/login", data={"username": user["email"], "password": PASSWORD}
        )
        response.raise_for_status()
        return str(response.json()["access_token"])


if __name__ == "__main__":
    sys.exit(main())
