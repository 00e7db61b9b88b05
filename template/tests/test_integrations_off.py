"""Optional integrations cost nothing until they are configured."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from app.core.config import Settings

START_APP = textwrap.dedent(
    """
    import asyncio, sys
    from asgi_lifespan import LifespanManager
    from app.core.config import Settings
    from app.main import create_app

    async def main():
        async with LifespanManager(create_app(Settings(ENVIRONMENT="test"))):
            pass

    asyncio.run(main())
    print(",".join(sorted(sys.modules)))
    """
)


@pytest.fixture(scope="module")
def loaded_modules(settings: Settings) -> set[str]:
    """Modules imported by starting the app in a fresh interpreter, unconfigured."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SENTRY_", "OTEL_"))
    }
    environment["DATABASE_URL"] = settings.DATABASE_URL
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", START_APP],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.strip().splitlines()[-1].split(","))


# Other libraries may import the OpenTelemetry API or SDK on their own (FastAPI, redis);
# the service's integration modules, the exporter and the instrumentations are its own.
@pytest.mark.parametrize(
    "module",
    [
        "app.core.sentry",
        "sentry_sdk",
        "app.core.telemetry",
        "opentelemetry.exporter",
        "opentelemetry.instrumentation",
    ],
)
def test_unconfigured_integrations_are_not_imported(loaded_modules: set[str], module: str) -> None:
    assert "fastapi" in loaded_modules  # the app did start
    assert module not in loaded_modules
