"""Logging: one formatter for structlog and stdlib records, JSON or console."""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from httpx import AsyncClient

from app.core.config import Settings
from app.core.logging import (
    LOG_FILE_BACKUP_COUNT,
    LOG_FILE_MAX_BYTES,
    configure_logging,
    get_logger,
)
from app.core.routes import route_template
from tests.production import PRODUCTION


@pytest.fixture
def stream(settings: Settings) -> Iterator[io.StringIO]:
    """Capture log output; afterwards restore the test run's configuration."""
    buffer = io.StringIO()
    yield buffer
    configure_logging(settings)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def configure(stream: io.StringIO, **values: Any) -> None:
    configure_logging(Settings(_env_file=None, **values), stream=stream)


def test_production_logs_are_json_with_level_logger_and_timestamp(stream: io.StringIO) -> None:
    configure(stream, **PRODUCTION)

    get_logger("app.test").info("order_created", order_id=7)

    [line] = json_lines(stream)
    assert line["event"] == "order_created"
    assert line["order_id"] == 7
    assert line["level"] == "info"
    assert line["logger"] == "app.test"
    assert "timestamp" in line


def test_development_logs_are_readable_console_lines(stream: io.StringIO) -> None:
    configure(stream, ENVIRONMENT="development")

    get_logger("app.test").info("order_created", order_id=7)

    output = stream.getvalue()
    assert "order_created" in output
    assert "order_id" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)


def test_console_lines_escape_a_clients_control_characters(stream: io.StringIO) -> None:
    configure(stream, ENVIRONMENT="development", LOG_JSON=False)

    get_logger("app.access").info("request", path="/\x1b[2J\x1b[31mfake\rline\x00\x9b")

    line = stream.getvalue()
    assert "\x1b[2J" not in line  # the renderer's own colours remain
    assert "\x1b[31mfake" not in line
    assert "\r" not in line
    assert "\x00" not in line
    assert "\x9b" not in line
    assert "/\\x1b[2J\\x1b[31mfake\\rline\\x00\\x9b" in line


@pytest.mark.parametrize("name", ["uvicorn.error", "sqlalchemy.engine.Engine", "some.library"])
def test_stdlib_records_share_the_json_format(stream: io.StringIO, name: str) -> None:
    configure(stream, LOG_JSON=True, DB_LOG_SQL=True)

    logging.getLogger(name).warning("from %s", "stdlib")

    [line] = json_lines(stream)
    assert line["event"] == "from stdlib"
    assert line["logger"] == name
    assert line["level"] == "warning"


def test_uvicorn_color_message_is_dropped(stream: io.StringIO) -> None:
    configure(stream, LOG_JSON=True)

    logging.getLogger("uvicorn.error").info("Started", extra={"color_message": "\x1b[1mStarted"})

    [line] = json_lines(stream)
    assert "color_message" not in line


def test_sql_statements_are_logged_only_when_enabled(stream: io.StringIO) -> None:
    configure(stream, LOG_JSON=True, DB_LOG_SQL=False)
    assert not logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.INFO)

    configure(stream, LOG_JSON=True, DB_LOG_SQL=True)
    assert logging.getLogger("sqlalchemy.engine").isEnabledFor(logging.INFO)


def test_log_level_filters_records(stream: io.StringIO) -> None:
    configure(stream, LOG_JSON=True, LOG_LEVEL="WARNING")

    logging.getLogger("some.library").info("hidden")
    logging.getLogger("some.library").warning("shown")

    assert [line["event"] for line in json_lines(stream)] == ["shown"]


def test_exceptions_are_rendered_as_structured_tracebacks(stream: io.StringIO) -> None:
    configure(stream, LOG_JSON=True)

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("some.library").exception("failed")

    [line] = json_lines(stream)
    assert line["exception"][0]["exc_type"] == "RuntimeError"


def test_optional_log_file_rotates_at_10_mb_keeping_5(stream: io.StringIO, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "service.log"
    configure(stream, LOG_FILE=log_file)

    logging.getLogger("some.library").warning("to the file")

    [handler] = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert handler.maxBytes == LOG_FILE_MAX_BYTES == 10 * 1024 * 1024
    assert handler.backupCount == LOG_FILE_BACKUP_COUNT == 5
    handler.flush()
    assert json.loads(log_file.read_text().splitlines()[0])["event"] == "to the file"


def test_reconfiguring_does_not_duplicate_handlers(stream: io.StringIO) -> None:
    configure(stream, LOG_JSON=True)
    configure(stream, LOG_JSON=True)

    logging.getLogger("some.library").warning("once")

    assert len(json_lines(stream)) == 1


async def test_each_request_logs_one_access_line(
    app: FastAPI, client: AsyncClient, stream: io.StringIO, settings: Settings
) -> None:
    configure_logging(settings.model_copy(update={"LOG_JSON": True}), stream=stream)

    response = await client.get("/health/live", headers={"X-Request-ID": "req-12345678"})

    [access] = [line for line in json_lines(stream) if line["event"] == "request"]
    expected = {
        "method": "GET",
        "path": "/health/live",
        "route": "/health/live",
        "status": 200,
        "request_id": "req-12345678",
    }
    assert {key: access[key] for key in expected} == expected
    assert access["duration_ms"] >= 0
    assert response.headers["X-Request-ID"] == "req-12345678"


async def test_the_access_line_names_the_full_route_template(
    app: FastAPI, client: AsyncClient, stream: io.StringIO, settings: Settings
) -> None:
    outer, inner = APIRouter(), APIRouter(prefix="/items")

    @inner.get("/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    outer.include_router(inner)
    app.include_router(outer, prefix="/probe")
    configure_logging(settings.model_copy(update={"LOG_JSON": True}), stream=stream)

    await client.get("/probe/items/42")

    [access] = [line for line in json_lines(stream) if line["event"] == "request"]
    assert access["route"] == "/probe/items/{item_id}"


def test_a_route_of_another_application_is_named_by_its_own_path() -> None:
    mounted = APIRoute("/elsewhere/{item_id}", endpoint=lambda item_id: item_id)

    assert route_template({"route": mounted, "app": FastAPI()}) == "/elsewhere/{item_id}"
